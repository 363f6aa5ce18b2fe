/**
 * Indexer storage over a minimal SQL interface (`{ query(sql, params) }`), so that the same code runs on PGlite
 * (embedded PostgreSQL) and node-postgres. One schema, applied by numbered migrations recorded in
 * `schema_migrations`:
 *
 * - `blocks(number, hash, parent_hash, timestamp)`: the blocks the indexer has seen (blocks holding logs and the
 *   last block of every synced range), used to detect reorgs and to find the common ancestor after one;
 * - `logs(...)`: every decoded wallet log, unique on `(tx_hash, log_index)`;
 * - `checkpoint(address, block_number, block_hash)`: the last block fully synced, per wallet.
 *
 * Every write that the sync makes (a range's logs + blocks + checkpoint, or a rewind after a reorg) happens in
 * one transaction, so an interrupted process never leaves a partial range behind.
 */
import type { Address, Hex } from "viem";
import { TierGuardError } from "../errors";
import { openDatabase, type OpenStoreOptions, type OpenedDatabase } from "./postgres";

/** A query result: node-postgres and PGlite both return `rows`. */
export interface SqlResult<R = Record<string, unknown>> {
  rows: R[];
}

/** The minimal SQL interface the store needs. `$1`-style placeholders. */
export interface SqlClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>>;
}

/**
 * A database handle. Transactions use, in this order: `transaction(fn)` if present (PGlite), `connect()` (a
 * node-postgres `Pool`: BEGIN/COMMIT on one pooled client, then `release()`), or BEGIN/COMMIT on the handle
 * itself (a single node-postgres `Client`).
 */
export interface SqlDatabase extends SqlClient {
  transaction?<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  connect?(): Promise<SqlClient & { release(err?: unknown): void }>;
}

/** A store failure (SQL error, inconsistent state, concurrent writer). */
export class IndexerStoreError extends TierGuardError {
  override name = "IndexerStoreError";
}

export interface StoredBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: number;
}

export interface Checkpoint {
  blockNumber: bigint;
  blockHash: Hex;
}

/** One decoded wallet log as stored. `args` is the decoded arguments as JSON (bigints as decimal strings). */
export interface StoredLog {
  address: Address;
  blockNumber: bigint;
  blockHash: Hex;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
  event: string;
  intentId: Hex | null;
  args: Record<string, unknown>;
  topics: Hex[];
  data: Hex;
  /** block timestamp, unix seconds */
  timestamp: number;
}

/** One schema migration: statements run in one transaction, recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "blocks, logs, checkpoint",
    statements: [
      `CREATE TABLE IF NOT EXISTS blocks (
         number bigint PRIMARY KEY,
         hash text NOT NULL,
         parent_hash text NOT NULL,
         timestamp bigint NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS logs (
         address text NOT NULL,
         block_number bigint NOT NULL,
         block_hash text NOT NULL,
         tx_hash text NOT NULL,
         tx_index integer NOT NULL,
         log_index integer NOT NULL,
         event text NOT NULL,
         intent_id text,
         args jsonb NOT NULL,
         topics jsonb NOT NULL,
         data text NOT NULL,
         timestamp bigint NOT NULL,
         PRIMARY KEY (tx_hash, log_index)
       )`,
      `CREATE INDEX IF NOT EXISTS logs_order ON logs (address, block_number, log_index)`,
      `CREATE INDEX IF NOT EXISTS logs_intent ON logs (intent_id, block_number, log_index)`,
      `CREATE INDEX IF NOT EXISTS logs_event ON logs (event)`,
      `CREATE TABLE IF NOT EXISTS checkpoint (
         address text PRIMARY KEY,
         block_number bigint NOT NULL,
         block_hash text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
  {
    version: 2,
    name: "leaner log indexes for backfill",
    statements: [
      // `event` has a few dozen values: the index cost every insert more than it saved any query.
      `DROP INDEX IF EXISTS logs_event`,
      // Configuration events have no intent id: index only the intent lifecycle.
      `DROP INDEX IF EXISTS logs_intent`,
      `CREATE INDEX IF NOT EXISTS logs_intent ON logs (intent_id, block_number, log_index) WHERE intent_id IS NOT NULL`,
    ],
  },
];

/** Stable key for the migration advisory lock (any constant). */
const MIGRATION_LOCK = 727_274_001;

const big = (x: unknown): bigint => BigInt(String(x));
const num = (x: unknown): number => Number(x);
const lower = (a: string) => a.toLowerCase();

/** JSON with bigints as decimal strings. */
export const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

async function inTransaction<T>(db: SqlDatabase, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  if (typeof db.transaction === "function") return db.transaction(fn);
  if (typeof db.connect === "function") {
    const client = await db.connect();
    try {
      await client.query("BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      client.release();
      return out;
    } catch (e) {
      try {
        await client.query("ROLLBACK");
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError);
      }
      throw e;
    }
  }
  await db.query("BEGIN");
  try {
    const out = await fn(db);
    await db.query("COMMIT");
    return out;
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

/** Applies pending migrations (each in its own transaction, serialised by an advisory lock). Returns the versions applied. */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  // Under the lock too: concurrent `CREATE TABLE IF NOT EXISTS` of one table can fail on PostgreSQL.
  await inTransaction(db, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  });
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await inTransaction(db, async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const { rows } = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
      if (rows.length > 0) return false;
      for (const s of m.statements) await tx.query(s);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** A range to commit: its logs and blocks, and the new checkpoint. */
export interface RangeCommit {
  wallet: Address;
  /** the checkpoint the range extends (undefined for the first range): a different stored one aborts the commit */
  expected: Checkpoint | undefined;
  blocks: StoredBlock[];
  logs: StoredLog[];
  checkpoint: Checkpoint;
}

export interface LogQuery {
  intentId?: Hex;
  events?: readonly string[];
  fromBlock?: bigint;
  toBlock?: bigint;
}

export interface Store {
  readonly db: SqlDatabase;
  getCheckpoint(wallet: Address): Promise<Checkpoint | undefined>;
  /** Writes a range's blocks, logs and checkpoint in one transaction. */
  commitRange(range: RangeCommit): Promise<void>;
  /** Stored blocks with number <= `below`, highest first. */
  blocksDescending(below: bigint, limit: number): Promise<StoredBlock[]>;
  getBlock(number: bigint): Promise<StoredBlock | undefined>;
  /**
   * After a reorg: deletes the wallet's logs and every block above `ancestor` and moves the checkpoint to it
   * (or removes the checkpoint when no common ancestor is stored), in one transaction.
   */
  rewind(wallet: Address, ancestor: StoredBlock | undefined): Promise<{ logsDeleted: number }>;
  /** The wallet's logs in chain order (block, then log index). */
  logs(wallet: Address, q?: LogQuery): Promise<StoredLog[]>;
  countLogs(wallet: Address): Promise<number>;
  /**
   * Closes the database if the store opened it (`openStore({ url })` / `openStore({ dataDir })`); a store opened
   * on a handle you passed in leaves that handle open.
   */
  close?(): Promise<void>;
}

/** A store on a database it opened itself (`openStore(options)`): `close()` closes that database. */
export interface OwnedStore extends Store {
  readonly db: OpenedDatabase;
  readonly kind: "postgres" | "pglite";
  close(): Promise<void>;
}

const LOG_COLUMNS =
  "address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp";

function logFromRow(r: Record<string, unknown>): StoredLog {
  const parse = (x: unknown) => (typeof x === "string" ? JSON.parse(x) : x);
  return {
    address: r.address as Address,
    blockNumber: big(r.block_number),
    blockHash: r.block_hash as Hex,
    txHash: r.tx_hash as Hex,
    txIndex: num(r.tx_index),
    logIndex: num(r.log_index),
    event: r.event as string,
    intentId: (r.intent_id as Hex | null) ?? null,
    args: parse(r.args) as Record<string, unknown>,
    topics: parse(r.topics) as Hex[],
    data: r.data as Hex,
    timestamp: num(r.timestamp),
  };
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

async function openStoreOn(db: SqlDatabase): Promise<Store> {
  await migrate(db);

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
        // One statement per table: the rows travel as one JSON parameter expanded by jsonb_to_recordset, which
        // is much faster than multi-row VALUES lists with thousands of parameters.
        const blocks = [...new Map(range.blocks.map((b) => [b.number, b])).values()];
        if (blocks.length > 0) {
          await tx.query(
            `INSERT INTO blocks (number, hash, parent_hash, timestamp)
             SELECT number, hash, parent_hash, timestamp
               FROM jsonb_to_recordset($1::jsonb) AS x(number bigint, hash text, parent_hash text, timestamp bigint)
             ON CONFLICT (number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash,
               timestamp = EXCLUDED.timestamp`,
            [
              toJson(
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
        if (logs.length > 0) {
          await tx.query(
            `INSERT INTO logs (${LOG_COLUMNS})
             SELECT ${LOG_COLUMNS}
               FROM jsonb_to_recordset($1::jsonb) AS x(address text, block_number bigint, block_hash text,
                    tx_hash text, tx_index integer, log_index integer, event text, intent_id text, args jsonb,
                    topics jsonb, data text, timestamp bigint)
             ON CONFLICT (tx_hash, log_index) DO UPDATE SET address = EXCLUDED.address,
               block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, tx_index = EXCLUDED.tx_index,
               event = EXCLUDED.event, intent_id = EXCLUDED.intent_id, args = EXCLUDED.args,
               topics = EXCLUDED.topics, data = EXCLUDED.data, timestamp = EXCLUDED.timestamp`,
            [
              toJson(
                logs.map((l) => ({
                  address: lower(l.address),
                  block_number: l.blockNumber.toString(),
                  block_hash: lower(l.blockHash),
                  tx_hash: lower(l.txHash),
                  tx_index: l.txIndex,
                  log_index: l.logIndex,
                  event: l.event,
                  intent_id: l.intentId ? lower(l.intentId) : null,
                  args: l.args,
                  topics: l.topics,
                  data: l.data,
                  timestamp: l.timestamp,
                })),
              ),
            ],
          );
        }
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
        await tx.query("DELETE FROM logs WHERE address = $1 AND block_number > $2", [lower(wallet), above]);
        await tx.query("DELETE FROM blocks WHERE number > $1", [above]);
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

    async logs(wallet, q = {}) {
      const where = ["address = $1"];
      const params: unknown[] = [lower(wallet)];
      if (q.intentId) {
        params.push(lower(q.intentId));
        where.push(`intent_id = $${params.length}`);
      }
      if (q.events && q.events.length > 0) {
        const first = params.length + 1;
        params.push(...q.events);
        where.push(`event IN (${q.events.map((_, i) => `$${first + i}`).join(", ")})`);
      }
      if (q.fromBlock !== undefined) {
        params.push(q.fromBlock.toString());
        where.push(`block_number >= $${params.length}`);
      }
      if (q.toBlock !== undefined) {
        params.push(q.toBlock.toString());
        where.push(`block_number <= $${params.length}`);
      }
      const { rows } = await db.query(
        `SELECT ${LOG_COLUMNS} FROM logs WHERE ${where.join(" AND ")} ORDER BY block_number, log_index`,
        params,
      );
      return rows.map(logFromRow);
    },

    async countLogs(wallet) {
      const { rows } = await db.query<{ n: unknown }>("SELECT count(*) AS n FROM logs WHERE address = $1", [
        lower(wallet),
      ]);
      return num(rows[0]?.n ?? 0);
    },

    close: async () => undefined,
  };
  return store;
}
