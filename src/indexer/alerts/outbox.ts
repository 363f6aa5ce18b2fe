/**
 * The alert outbox: alerts are produced once, stored, and delivered to every channel until it accepts them.
 *
 * - Production (`produce`) reads the logs the store committed after the producer's cursor, detects alerts
 *   (`detectAlerts`) and writes them, their deliveries and the new cursor in one transaction. The cursor is a log
 *   identity (transaction hash, log index, block hash), not a block number; with it the detection state
 *   (category names, budget windows) is stored, so a restart resumes where the last batch ended and sends
 *   nothing twice. Each alert's key (kind + source log identity) is unique: producing the same log again writes
 *   nothing.
 * - Reorgs: when the cursor's log is no longer stored (the sync rewound it), every alert whose source log is
 *   gone is retracted (a `retracted` alert goes to each channel that had received it; a channel that had not is
 *   simply never sent it), the cursor goes back to the latest earlier cursor still on the chain, and the new
 *   branch's logs are detected as new ones.
 * - Delivery (`deliver`) sends each channel its pending alerts in id order, in batches. A failed batch stays
 *   pending with an exponential backoff (never dropped); later alerts wait behind it, so order holds.
 *
 * A channel is an `AlertChannel` (`name` + `send`); deliveries are tracked per channel name, and a channel
 * receives the alerts produced after it was first registered.
 */
import type { Address } from "viem";
import { migrate } from "../store/migrations";
import { inTransaction, lower, toJson } from "../store/sql";
import type { Migration, SqlClient, Store, StoredLog } from "../store/types";
import { detectAlerts, initialDetectorState, type Alert, type DetectorState } from "./detect";

/** Where a channel's delivery stands. */
export type DeliveryStatus = "pending" | "delivered" | "cancelled";

/** The outcome of one `send`. */
export interface ChannelResult {
  ok: boolean;
  /** HTTP status, for HTTP channels */
  status?: number;
  error?: string;
}

/**
 * A destination for alerts (stdout, a JSON webhook, a chat). `send` gets a batch in id order and says whether it
 * was accepted as a whole; it should not throw (a throw counts as a failure). Alerts carry a stable `id` and
 * `key`: a receiver can drop a batch it has already seen (a crash between a receiver's success answer and the
 * commit of the delivery can repeat that one batch).
 */
export interface AlertChannel {
  /** stable: deliveries are tracked per name (e.g. `webhook https://host/path`) */
  readonly name: string;
  send(alerts: readonly Alert[]): Promise<ChannelResult>;
}

/** The producer's position: the last log it has read. */
export interface AlertCursor {
  txHash: string;
  logIndex: number;
  blockHash: string;
  blockNumber: string;
}

export interface ProduceResult {
  produced: Alert[];
  retracted: Alert[];
  /** logs read */
  logs: number;
  /** the cursor went back after a reorg */
  reorg: boolean;
}

export interface DeliveryResult {
  channel: string;
  delivered: number;
  /** the batch that failed (its alerts stay pending) */
  failed: number;
  error?: string;
  /** when the next attempt is due (unix ms), after a failure */
  retryAt?: number;
}

export interface BackoffOptions {
  /** first retry delay (default 1000 ms) */
  baseMs?: number;
  /** longest delay (default 300000 ms) */
  maxMs?: number;
}

/** Delay before attempt `attempts + 1` after `attempts` failures: base * 2^(attempts - 1), capped. */
export const backoffMs = (attempts: number, o: BackoffOptions = {}): number =>
  Math.min(o.maxMs ?? 300_000, (o.baseMs ?? 1000) * 2 ** Math.max(0, attempts - 1));

/** Version numbers 101+ keep these apart from the store's own migrations. */
export const ALERT_MIGRATIONS: readonly Migration[] = [
  {
    version: 101,
    name: "alert outbox: producer cursor, alerts, channels, deliveries",
    statements: [
      `CREATE TABLE IF NOT EXISTS alert_producer (
         wallet text PRIMARY KEY,
         cursor jsonb,
         state jsonb NOT NULL,
         -- logs at or below this block only advance the state (alerts "from now")
         quiet_through bigint NOT NULL DEFAULT -1,
         version bigint NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE IF NOT EXISTS alert_producer_history (
         wallet text NOT NULL,
         version bigint NOT NULL,
         cursor jsonb,
         state jsonb NOT NULL,
         PRIMARY KEY (wallet, version)
       )`,
      `CREATE TABLE IF NOT EXISTS alerts (
         id bigserial PRIMARY KEY,
         wallet text NOT NULL,
         key text NOT NULL UNIQUE,
         kind text NOT NULL,
         tx_hash text NOT NULL,
         log_index integer NOT NULL,
         block_hash text NOT NULL,
         block_number bigint NOT NULL,
         payload jsonb NOT NULL,
         retracted_by bigint,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX IF NOT EXISTS alerts_open ON alerts (wallet, block_number) WHERE retracted_by IS NULL`,
      `CREATE TABLE IF NOT EXISTS alert_channels (
         wallet text NOT NULL,
         name text NOT NULL,
         registered_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (wallet, name)
       )`,
      `CREATE TABLE IF NOT EXISTS alert_deliveries (
         alert_id bigint NOT NULL REFERENCES alerts (id),
         channel text NOT NULL,
         status text NOT NULL DEFAULT 'pending',
         attempts integer NOT NULL DEFAULT 0,
         next_attempt_ms bigint NOT NULL DEFAULT 0,
         last_error text,
         delivered_at timestamptz,
         PRIMARY KEY (channel, alert_id)
       )`,
      `CREATE INDEX IF NOT EXISTS alert_deliveries_pending ON alert_deliveries (channel, alert_id) WHERE status = 'pending'`,
    ],
  },
];

/** Earlier cursors kept for reorgs (the cursor goes back to the latest one still on the chain). */
const HISTORY = 64;
/** Blocks read per query while producing. */
const CHUNK_BLOCKS = 5000n;

const parseJson = <T>(x: unknown): T => (typeof x === "string" ? JSON.parse(x) : x) as T;
const alertFromRow = (r: { id: unknown; payload: unknown }): Alert => {
  const p = parseJson<Alert & { blockNumber: string }>(r.payload);
  return { ...p, id: String(r.id), blockNumber: BigInt(p.blockNumber) };
};

export interface AlertOutbox {
  readonly wallet: Address;
  /**
   * Registers channels (idempotent). A channel receives the alerts produced after its first registration.
   * Call it before `produce` so that the alerts of this run reach it.
   */
  registerChannels(names: readonly string[]): Promise<void>;
  /**
   * Where a new producer starts: `"start"` (default) alerts on everything stored; `"now"` only on logs after the
   * store's current checkpoint. No effect once the producer has a cursor.
   */
  start(from: "start" | "now"): Promise<void>;
  /** Detects and stores the alerts of the logs committed since the cursor. */
  produce(): Promise<ProduceResult>;
  /** Sends each channel its due pending alerts, in batches of `batchSize` (default 100). */
  deliver(
    channels: readonly AlertChannel[],
    opts?: { now?: number; batchSize?: number; backoff?: BackoffOptions },
  ): Promise<DeliveryResult[]>;
  /** Alerts stored, oldest first (`after`: ids above it). */
  list(opts?: { after?: string; limit?: number }): Promise<Alert[]>;
  /** Counts of deliveries per status for a channel. */
  deliveryCounts(channel: string): Promise<Record<DeliveryStatus, number>>;
  /** The producer's cursor (undefined before the first `produce`). */
  cursor(): Promise<AlertCursor | undefined>;
}

/**
 * Opens the outbox of `wallet` on the store's database (creating its tables on first use). `queued: true` also
 * alerts on every supervised or collaborative intent that starts waiting for the owners (the owners' console).
 * One producer per wallet and store: the cursor is shared, so a second one with other options skips what the
 * first has read.
 */
export async function openAlertOutbox(store: Store, wallet: Address, opts: { queued?: boolean } = {}): Promise<AlertOutbox> {
  const db = store.db;
  await migrate(db, ALERT_MIGRATIONS);
  const w = lower(wallet);

  const readProducer = async (q: SqlClient = db) => {
    const { rows } = await q.query<{ cursor: unknown; state: unknown; quiet_through: unknown; version: unknown }>(
      "SELECT cursor, state, quiet_through, version FROM alert_producer WHERE wallet = $1",
      [w],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      cursor: (parseJson<AlertCursor | null>(r.cursor) ?? undefined) as AlertCursor | undefined,
      state: parseJson<DetectorState>(r.state),
      quietThrough: BigInt(String(r.quiet_through)),
      version: BigInt(String(r.version)),
    };
  };
  const ensureProducer = async (quietThrough = -1n) => {
    await db.query(
      `INSERT INTO alert_producer (wallet, cursor, state, quiet_through) VALUES ($1, NULL, $2, $3)
       ON CONFLICT (wallet) DO NOTHING`,
      [w, toJson(initialDetectorState()), quietThrough.toString()],
    );
  };
  const logExists = async (c: AlertCursor) => {
    const { rows } = await db.query(
      // by position first: both tables behind the `logs` view are indexed on (address, block_number, log_index)
      "SELECT 1 FROM logs WHERE address = $4 AND block_number = $5 AND log_index = $2 AND tx_hash = $1 AND block_hash = $3",
      [lower(c.txHash), c.logIndex, lower(c.blockHash), w, c.blockNumber],
    );
    return rows.length > 0;
  };
  /** The wallet's logs after `cursor` up to `to`, chunk by chunk. */
  async function* logsAfter(cursor: AlertCursor | undefined, to: bigint): AsyncGenerator<StoredLog[]> {
    let from = cursor ? BigInt(cursor.blockNumber) : 0n;
    while (from <= to) {
      const end = from + CHUNK_BLOCKS - 1n < to ? from + CHUNK_BLOCKS - 1n : to;
      const logs = (await store.logs(wallet, { fromBlock: from, toBlock: end })).filter(
        (l) => !cursor || l.blockNumber > BigInt(cursor.blockNumber) || l.logIndex > cursor.logIndex,
      );
      if (logs.length > 0) yield logs;
      from = end + 1n;
    }
  }

  const outbox: AlertOutbox = {
    wallet,

    async registerChannels(names) {
      for (const name of names) {
        await db.query("INSERT INTO alert_channels (wallet, name) VALUES ($1, $2) ON CONFLICT DO NOTHING", [w, name]);
      }
    },

    async start(from) {
      if (from === "start") return ensureProducer();
      const checkpoint = await store.getCheckpoint(wallet);
      await ensureProducer(checkpoint?.blockNumber ?? -1n);
    },

    async produce() {
      await ensureProducer();
      const p = (await readProducer())!;
      const checkpoint = await store.getCheckpoint(wallet);
      let { cursor, state } = p;
      let reorg = false;
      const retractions: { alert: Alert; channelsDelivered: string[] }[] = [];

      if (cursor && !(await logExists(cursor))) {
        reorg = true;
        // every alert whose source log the sync has rewound
        const { rows } = await db.query<{ id: unknown; payload: unknown }>(
          `SELECT a.id, a.payload FROM alerts a
            WHERE a.wallet = $1 AND a.retracted_by IS NULL AND a.kind <> 'retracted'
              AND NOT EXISTS (SELECT 1 FROM logs l WHERE l.address = a.wallet AND l.block_number = a.block_number
                                                      AND l.log_index = a.log_index AND l.tx_hash = a.tx_hash
                                                      AND l.block_hash = a.block_hash)
            ORDER BY a.id`,
          [w],
        );
        for (const r of rows) {
          const gone = alertFromRow(r);
          const { rows: d } = await db.query<{ channel: string }>(
            "SELECT channel FROM alert_deliveries WHERE alert_id = $1 AND status = 'delivered'",
            [gone.id],
          );
          retractions.push({ alert: gone, channelsDelivered: d.map((x) => x.channel) });
        }
        // back to the latest earlier cursor still on the chain (or the beginning)
        const { rows: history } = await db.query<{ cursor: unknown; state: unknown }>(
          "SELECT cursor, state FROM alert_producer_history WHERE wallet = $1 ORDER BY version DESC",
          [w],
        );
        cursor = undefined;
        state = initialDetectorState();
        for (const h of history) {
          const c = parseJson<AlertCursor | null>(h.cursor);
          if (!c || (await logExists(c))) {
            cursor = c ?? undefined;
            state = parseJson<DetectorState>(h.state);
            break;
          }
        }
      }

      const detected: Alert[] = [];
      let logs = 0;
      if (checkpoint) {
        for await (const chunk of logsAfter(cursor, checkpoint.blockNumber)) {
          logs += chunk.length;
          const submissions = new Map<string, StoredLog>();
          for (const l of chunk) {
            if (l.event !== "IntentVetoed" || !l.intentId) continue;
            const [s] = await store.logs(wallet, { intentId: l.intentId, events: ["IntentSubmitted"] });
            if (s) submissions.set(l.intentId.toLowerCase(), s);
          }
          // logs at or below quiet_through ("from now") only advance the state
          const quiet = chunk.filter((l) => l.blockNumber <= p.quietThrough);
          const loud = chunk.filter((l) => l.blockNumber > p.quietThrough);
          if (quiet.length > 0) state = detectAlerts(quiet, state, { emit: false }).state;
          if (loud.length > 0) {
            const out = detectAlerts(loud, state, { submissions, queued: opts.queued });
            state = out.state;
            detected.push(...out.alerts);
          }
          const last = chunk[chunk.length - 1];
          cursor = {
            txHash: lower(last.txHash),
            logIndex: last.logIndex,
            blockHash: lower(last.blockHash),
            blockNumber: last.blockNumber.toString(),
          };
        }
      }

      return inTransaction(db, async (tx) => {
        const { rows: lock } = await tx.query<{ version: unknown }>(
          "SELECT version FROM alert_producer WHERE wallet = $1 FOR UPDATE",
          [w],
        );
        if (BigInt(String(lock[0]?.version)) !== p.version) {
          throw new Error("another alert producer moved this wallet's cursor; run one producer per wallet and store");
        }
        const { rows: channelRows } = await tx.query<{ name: string }>("SELECT name FROM alert_channels WHERE wallet = $1", [w]);
        const channels = channelRows.map((c) => c.name);
        const insert = async (a: Alert): Promise<Alert | undefined> => {
          const { rows } = await tx.query<{ id: unknown }>(
            `INSERT INTO alerts (wallet, key, kind, tx_hash, log_index, block_hash, block_number, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING RETURNING id`,
            [w, a.key, a.kind, lower(a.txHash), a.logIndex, lower(a.blockHash), a.blockNumber.toString(), toJson({ ...a, id: null })],
          );
          return rows[0] ? { ...a, id: String(rows[0].id) } : undefined;
        };
        const enqueue = async (id: string, names: readonly string[]) => {
          for (const name of names) {
            await tx.query("INSERT INTO alert_deliveries (alert_id, channel) VALUES ($1, $2) ON CONFLICT DO NOTHING", [id, name]);
          }
        };

        const retracted: Alert[] = [];
        for (const { alert: gone, channelsDelivered } of retractions) {
          const r = await insert({
            ...gone,
            id: null,
            key: `retracted:${gone.key}`,
            kind: "retracted",
            severity: "warning",
            retracts: gone.id,
            details: { retracted: { ...gone, blockNumber: gone.blockNumber.toString() } },
            message: `retracted (the block left the chain in a reorg): ${gone.message}`,
          });
          if (!r) continue;
          await tx.query("UPDATE alerts SET retracted_by = $1 WHERE id = $2", [r.id, gone.id]);
          // a channel that had not received the alert yet never will; one that had gets the retraction
          await tx.query("UPDATE alert_deliveries SET status = 'cancelled' WHERE alert_id = $1 AND status = 'pending'", [gone.id]);
          await enqueue(r.id!, channelsDelivered.filter((c) => channels.includes(c)));
          retracted.push(r);
        }
        const produced: Alert[] = [];
        for (const a of detected) {
          const stored = await insert(a);
          if (!stored) continue;
          await enqueue(stored.id!, channels);
          produced.push(stored);
        }
        const version = p.version + 1n;
        await tx.query(
          "UPDATE alert_producer SET cursor = $2, state = $3, version = $4, updated_at = now() WHERE wallet = $1",
          [w, cursor ? toJson(cursor) : null, toJson(state), version.toString()],
        );
        if (logs > 0 || reorg) {
          await tx.query("INSERT INTO alert_producer_history (wallet, version, cursor, state) VALUES ($1, $2, $3, $4)", [
            w,
            version.toString(),
            cursor ? toJson(cursor) : null,
            toJson(state),
          ]);
          await tx.query("DELETE FROM alert_producer_history WHERE wallet = $1 AND version <= $2", [
            w,
            (version - BigInt(HISTORY)).toString(),
          ]);
        }
        return { produced, retracted, logs, reorg };
      });
    },

    async deliver(channels, opts = {}) {
      const now = opts.now ?? Date.now();
      const batchSize = opts.batchSize ?? 100;
      const results: DeliveryResult[] = [];
      for (const ch of channels) {
        const res: DeliveryResult = { channel: ch.name, delivered: 0, failed: 0 };
        results.push(res);
        for (;;) {
          const { rows } = await db.query<{ id: unknown; payload: unknown; attempts: unknown; next_attempt_ms: unknown }>(
            `SELECT a.id, a.payload, d.attempts, d.next_attempt_ms FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
              WHERE d.channel = $1 AND a.wallet = $2 AND d.status = 'pending' ORDER BY d.alert_id LIMIT $3`,
            [ch.name, w, batchSize],
          );
          if (rows.length === 0) break;
          // the oldest pending alert holds the line: order is kept across retries
          if (Number(rows[0].next_attempt_ms) > now) {
            res.retryAt = Number(rows[0].next_attempt_ms);
            break;
          }
          const batch = rows.map(alertFromRow);
          const ids = batch.map((a) => a.id!);
          let out: ChannelResult;
          try {
            out = await ch.send(batch);
          } catch (e) {
            out = { ok: false, error: (e as Error)?.message ?? String(e) };
          }
          if (out.ok) {
            await db.query(
              `UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL
                WHERE channel = $1 AND alert_id = ANY($2::bigint[])`,
              [ch.name, ids],
            );
            res.delivered += batch.length;
            continue;
          }
          const attempts = Number(rows[0].attempts) + 1;
          const retryAt = now + backoffMs(attempts, opts.backoff);
          await db.query(
            `UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_ms = $3, last_error = $4
              WHERE channel = $1 AND alert_id = ANY($2::bigint[])`,
            [ch.name, ids, retryAt, out.error ?? (out.status ? `HTTP ${out.status}` : "failed")],
          );
          Object.assign(res, { failed: batch.length, error: out.error ?? `HTTP ${out.status}`, retryAt });
          break;
        }
      }
      return results;
    },

    async list(opts = {}) {
      const { rows } = await db.query<{ id: unknown; payload: unknown }>(
        "SELECT id, payload FROM alerts WHERE wallet = $1 AND id > $2 ORDER BY id LIMIT $3",
        [w, opts.after ?? "0", opts.limit ?? 1000],
      );
      return rows.map(alertFromRow);
    },

    async deliveryCounts(channel) {
      const { rows } = await db.query<{ status: DeliveryStatus; n: unknown }>(
        `SELECT d.status, count(*) AS n FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
          WHERE d.channel = $1 AND a.wallet = $2 GROUP BY d.status`,
        [channel, w],
      );
      const out: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, cancelled: 0 };
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    },

    async cursor() {
      return (await readProducer())?.cursor;
    },
  };
  return outbox;
}
