/**
 * Indexer storage over a minimal SQL interface (`{ query(sql, params) }`), so that the same code runs on PGlite
 * (embedded PostgreSQL) and node-postgres. One schema, applied by numbered migrations recorded in
 * `schema_migrations`:
 *
 * - `blocks(number, hash, parent_hash, timestamp)`: the blocks the indexer has seen (blocks holding logs and the
 *   last block of every synced range), used to detect reorgs and to find the common ancestor after one;
 * - `logs(...)`: a view of every wallet log, unique on `(tx_hash, log_index)`: the `IntentSubmitted` logs are stored
 *   once, in their intents' rows (`intents.ts`), without decoded arguments (read back from topics and data); every
 *   other log is in `other_logs`, with its decoded `args`, and the few without an intent id (configuration, pauses,
 *   owner actions) also in a partial index of their own;
 * - `checkpoint(address, block_number, block_hash)`: the last block fully synced, per wallet;
 * - `intents(...)`: one summary row per intent, derived from the logs in the same transaction (`intents.ts`).
 *
 * Every write that the sync makes (a range's logs + blocks + checkpoint, or a rewind after a reorg) happens in
 * one transaction, so an interrupted process never leaves a partial range behind.
 */
import type { Address, Hex } from "viem";
import { IndexerStoreError } from "../errors";
import { openDatabase } from "./database";
import { migrate } from "./migrations";
import { decodeStoredArgs, lazyArgs } from "./decode";
import { LOG_COLUMNS, selectLogsSql } from "./logs-sql";
import { big, inTransaction, jsonSafe, lower, num, walletWhere } from "./sql";
import {
  countIntents,
  countIntentsByStatus,
  intentPage,
  iterateIntents,
  materialiseIntents,
  moveSubmissions,
  rebuildIntents,
  rewindIntents,
} from "./intents";
import type {
  LogQuery,
  OpenStoreOptions,
  OwnedStore,
  SqlClient,
  SqlDatabase,
  Store,
  StoredBlock,
  StoredLog,
} from "./types";

function logFromRow(r: Record<string, unknown>): StoredLog {
  const parse = (x: unknown) => (typeof x === "string" ? JSON.parse(x) : x);
  const topics = parse(r.topics) as Hex[];
  const log: StoredLog = {
    address: r.address as Address,
    blockNumber: big(r.block_number),
    blockHash: r.block_hash as Hex,
    txHash: r.tx_hash as Hex,
    txIndex: num(r.tx_index),
    logIndex: num(r.log_index),
    event: r.event as string,
    intentId: (r.intent_id as Hex | null) ?? null,
    args: r.args === null ? {} : (parse(r.args) as Record<string, unknown>),
    topics,
    data: r.data as Hex,
    timestamp: num(r.timestamp),
  };
  // a submission: its arguments are decoded on first use (most readers decode the topics and data themselves)
  if (r.args === null) lazyArgs(log, () => decodeStoredArgs(topics, log.data));
  return log;
}

function blockFromRow(r: Record<string, unknown>): StoredBlock {
  return {
    number: big(r.number),
    hash: r.hash as Hex,
    parentHash: r.parent_hash as Hex,
    timestamp: num(r.timestamp),
  };
}


const isSqlDatabase = (x: unknown): x is SqlDatabase =>
  typeof x === "object" && x !== null && typeof (x as { query?: unknown }).query === "function";

/**
 * Opens a store, applying pending migrations first (the same schema on every backend):
 *
 * - `openStore(db)`: on a handle you own (a PGlite instance, a node-postgres `Pool` or `Client`);
 * - `openStore({ url: "postgres://..." })`: on a node-postgres pool it opens (`close()` ends it);
 * - `openStore({ dataDir })` / `openStore()`: on PGlite, in that data directory or in memory.
 */
export async function openStore(db: SqlDatabase): Promise<Store>;
export async function openStore(options?: OpenStoreOptions): Promise<OwnedStore>;
export async function openStore(target: SqlDatabase | OpenStoreOptions = {}): Promise<Store> {
  if (isSqlDatabase(target)) return openStoreOn(target);
  const db = await openDatabase(target);
  try {
    const store = await openStoreOn(db);
    return Object.assign(store, { kind: db.kind, close: () => db.close() }) as OwnedStore;
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}

/** The wallet's logs in chain order (after `q.after` when given), at most `limit`. */
async function selectLogs(db: SqlClient, wallet: Address, q: LogQuery, limit?: number): Promise<StoredLog[]> {
  const w = walletWhere(wallet);
  if (q.intentId) w.add("intent_id = ?", lower(q.intentId));
  if (q.intentIds) w.add("intent_id = ANY(?::text[])", q.intentIds.map(lower));
  if (q.withoutIntent) w.raw("intent_id IS NULL");
  if (q.events && q.events.length > 0) w.add("event = ANY(?::text[])", [...q.events]);
  w.range(q);
  const { rows } = await db.query(selectLogsSql(w.sql(), limit), w.params);
  return rows.map(logFromRow);
}

async function openStoreOn(db: SqlDatabase): Promise<Store> {
  const applied = await migrate(db);
  if (applied.includes(3)) {
    // A store written before the intents table existed: fill it from the logs it holds.
    const { rows } = await db.query<{ address: string }>("SELECT DISTINCT address FROM checkpoint");
    for (const r of rows) await inTransaction(db, (tx) => rebuildIntents(tx, r.address as Address, {}));
  }
  // A store written before the submissions were kept in their intents' rows: move them there.
  if (applied.includes(6)) await inTransaction(db, (tx) => moveSubmissions(tx));

  const getCheckpointWith = async (q: SqlClient, wallet: Address, forUpdate = false) => {
    const { rows } = await q.query(
      `SELECT block_number, block_hash FROM checkpoint WHERE address = $1${forUpdate ? " FOR UPDATE" : ""}`,
      [lower(wallet)],
    );
    const r = rows[0];
    return r ? { blockNumber: big(r.block_number), blockHash: r.block_hash as Hex } : undefined;
  };

  const store: Store = {
    db,
    getCheckpoint: (wallet) => getCheckpointWith(db, wallet),

    async commitRange(range) {
      await inTransaction(db, async (tx) => {
        const current = await getCheckpointWith(tx, range.wallet, true);
        const same =
          current === undefined
            ? range.expected === undefined
            : range.expected !== undefined &&
              current.blockNumber === range.expected.blockNumber &&
              lower(current.blockHash) === lower(range.expected.blockHash);
        if (!same) {
          throw new IndexerStoreError("the checkpoint moved while a range was being synced", {
            details: [
              `expected ${range.expected ? `${range.expected.blockNumber} ${range.expected.blockHash}` : "none"}`,
              `found ${current ? `${current.blockNumber} ${current.blockHash}` : "none"}`,
            ],
            fix: "Run one indexer per wallet and store; the range was not written and a retry resumes from the stored checkpoint.",
          });
        }
        // One statement per table: the rows travel as one JSON parameter expanded by json_to_recordset, which is
        // much faster than multi-row VALUES lists with thousands of parameters (and than jsonb_to_recordset, which
        // first converts the whole parameter to jsonb).
        const blocks = [...new Map(range.blocks.map((b) => [b.number, b])).values()];
        if (blocks.length > 0) {
          await tx.query(
            `INSERT INTO blocks (number, hash, parent_hash, timestamp)
             SELECT number, hash, parent_hash, timestamp
               FROM json_to_recordset($1::json) AS x(number bigint, hash text, parent_hash text, timestamp bigint)
             ON CONFLICT (number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash,
               timestamp = EXCLUDED.timestamp`,
            [
              JSON.stringify(
                blocks.map((b) => ({
                  number: b.number.toString(),
                  hash: lower(b.hash),
                  parent_hash: lower(b.parentHash),
                  timestamp: b.timestamp,
                })),
              ),
            ],
          );
        }
        const logs = [...new Map(range.logs.map((l) => [`${lower(l.txHash)}:${l.logIndex}`, l])).values()];
        // the submissions are stored in their intents' rows (materialiseIntents, below)
        const others = logs.filter((l) => l.event !== "IntentSubmitted");
        if (others.length > 0) {
          await tx.query(
            `INSERT INTO other_logs (${LOG_COLUMNS})
             SELECT ${LOG_COLUMNS}
               FROM json_to_recordset($1::json) AS x(address text, block_number bigint, block_hash text,
                    tx_hash text, tx_index integer, log_index integer, event text, intent_id text, args jsonb,
                    topics jsonb, data text, timestamp bigint)
             ON CONFLICT (tx_hash, log_index) DO UPDATE SET address = EXCLUDED.address,
               block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, tx_index = EXCLUDED.tx_index,
               event = EXCLUDED.event, intent_id = EXCLUDED.intent_id, args = EXCLUDED.args,
               topics = EXCLUDED.topics, data = EXCLUDED.data, timestamp = EXCLUDED.timestamp`,
            [
              JSON.stringify(
                others.map((l) => ({
                  address: lower(l.address),
                  block_number: l.blockNumber.toString(),
                  block_hash: lower(l.blockHash),
                  tx_hash: lower(l.txHash),
                  tx_index: l.txIndex,
                  log_index: l.logIndex,
                  event: l.event,
                  intent_id: l.intentId ? lower(l.intentId) : null,
                  args: jsonSafe(l.args),
                  topics: l.topics,
                  data: l.data,
                  timestamp: l.timestamp,
                })),
              ),
            ],
          );
        }
        await materialiseIntents(tx, range.wallet, logs);
        await tx.query(
          `INSERT INTO checkpoint (address, block_number, block_hash, updated_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (address) DO UPDATE SET block_number = EXCLUDED.block_number,
             block_hash = EXCLUDED.block_hash, updated_at = now()`,
          [lower(range.wallet), range.checkpoint.blockNumber.toString(), lower(range.checkpoint.blockHash)],
        );
      });
    },

    async blocksDescending(below, limit) {
      const { rows } = await db.query(
        "SELECT number, hash, parent_hash, timestamp FROM blocks WHERE number <= $1 ORDER BY number DESC LIMIT $2",
        [below.toString(), limit],
      );
      return rows.map(blockFromRow);
    },

    async getBlock(number) {
      const { rows } = await db.query("SELECT number, hash, parent_hash, timestamp FROM blocks WHERE number = $1", [
        number.toString(),
      ]);
      return rows[0] ? blockFromRow(rows[0]) : undefined;
    },

    async rewind(wallet, ancestor) {
      return inTransaction(db, async (tx) => {
        const above = ancestor ? ancestor.number.toString() : "-1";
        const { rows } = await tx.query<{ n: unknown }>(
          "SELECT count(*) AS n FROM logs WHERE address = $1 AND block_number > $2",
          [lower(wallet), above],
        );
        await tx.query("DELETE FROM other_logs WHERE address = $1 AND block_number > $2", [lower(wallet), above]);
        await tx.query("DELETE FROM blocks WHERE number > $1", [above]);
        await rewindIntents(tx, wallet, BigInt(above));
        if (ancestor) {
          await tx.query(
            `INSERT INTO checkpoint (address, block_number, block_hash, updated_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (address) DO UPDATE SET block_number = EXCLUDED.block_number,
               block_hash = EXCLUDED.block_hash, updated_at = now()`,
            [lower(wallet), ancestor.number.toString(), lower(ancestor.hash)],
          );
        } else {
          await tx.query("DELETE FROM checkpoint WHERE address = $1", [lower(wallet)]);
        }
        return { logsDeleted: num(rows[0]?.n ?? 0) };
      });
    },

    logs: (wallet, q = {}) => selectLogs(db, wallet, q),

    async *iterateLogs(wallet, q = {}, batch = 2000) {
      let after = q.after;
      for (;;) {
        const page = await selectLogs(db, wallet, { ...q, after }, batch);
        yield* page;
        if (page.length < batch) return;
        const last = page[page.length - 1];
        after = { blockNumber: last.blockNumber, logIndex: last.logIndex };
      }
    },

    intents: (wallet, q = {}, limit = 100) => intentPage(db, wallet, q, limit),
    iterateIntents: (wallet, q = {}, batch = 1000) => iterateIntents(db, wallet, q, batch),
    countIntents: (wallet, q = {}) => countIntents(db, wallet, q),
    countIntentsByStatus: (wallet, q = {}) => countIntentsByStatus(db, wallet, q),

    async analyze() {
      // Only the columns queries filter and sort on (statistics of the JSON and text payloads cost the most to
      // gather and no plan uses them), from a sample of 3,000 rows instead of 30,000: the plans need how the values
      // spread (one wallet, a few statuses, block ranges), not fine histograms.
      await inTransaction(db, async (tx) => {
        await tx.query("SET LOCAL default_statistics_target = 10");
        await tx.query("ANALYZE other_logs (address, event, intent_id, block_number, log_index)");
        await tx.query("ANALYZE intents (address, agent_id, tier, status, block_number, log_index, timestamp)");
      });
    },

    async getSyncHints(wallet) {
      const { rows } = await db.query("SELECT range_size, max_span, max_logs FROM sync_hints WHERE address = $1", [
        lower(wallet),
      ]);
      const r = rows[0];
      if (!r) return undefined;
      return {
        rangeSize: big(r.range_size),
        maxSpan: r.max_span === null ? undefined : big(r.max_span),
        maxLogs: r.max_logs === null ? undefined : num(r.max_logs),
      };
    },

    async saveSyncHints(wallet, h) {
      await db.query(
        `INSERT INTO sync_hints (address, range_size, max_span, max_logs, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (address) DO UPDATE SET range_size = EXCLUDED.range_size, max_span = EXCLUDED.max_span,
           max_logs = EXCLUDED.max_logs, updated_at = now()`,
        [lower(wallet), h.rangeSize.toString(), h.maxSpan?.toString() ?? null, h.maxLogs ?? null],
      );
    },

    async countLogs(wallet, q = {}) {
      const w = walletWhere(wallet);
      w.range({ fromBlock: q.fromBlock, toBlock: q.toBlock });
      const { rows } = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM logs WHERE ${w.sql()}`, w.params);
      return num(rows[0]?.n ?? 0);
    },

    close: async () => undefined,
  };
  return store;
}
