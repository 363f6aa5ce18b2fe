/**
 * The store's port: the minimal SQL interface both backends (PGlite, node-postgres) satisfy, the stored record
 * types and the `Store` operations the sync, the models, verify, reports and the API use.
 */
import type { Address, Hex } from "viem";

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
  /** logs of any of these intents */
  intentIds?: readonly Hex[];
  /** keyset cursor: only logs after this position */
  after?: LogPosition;
  events?: readonly string[];
  fromBlock?: bigint;
  toBlock?: bigint;
  /** only logs without an intent id (configuration, pauses, owner actions): served by a partial index */
  withoutIntent?: boolean;
}

/** One row of the materialised intents table: an intent's summary as of the store's checkpoint. */
export interface IntentRow {
  intentId: Hex;
  agentId: Hex;
  /** the agent's intent nonce (the id's low 40 bits) */
  nonce: bigint;
  tier: "autonomous" | "supervised" | "collaborative" | "prohibited" | null;
  status:
    | "queued"
    | "awaiting_approval"
    | "executed"
    | "vetoed"
    | "rejected"
    | "expired"
    | "stale"
    | "refused"
    | "blocked"
    | null;
  decided: boolean;
  /** false when the store has lifecycle logs of the intent but not its submission */
  complete: boolean;
  key: Address | null;
  token: Address | null;
  amount: bigint | null;
  /** reference-currency value (the wallet's reference units) */
  value: bigint | null;
  recipient: Address | null;
  category: number | null;
  justification: string | null;
  reason: string | null;
  policyVersion: number | null;
  /** the submission (or, for an incomplete intent, its first stored log) */
  blockNumber: bigint;
  logIndex: number;
  txHash: Hex;
  /** unix seconds */
  timestamp: number;
  /** approvals not voided by an owner removal */
  approvals: number;
  decisionKind: string | null;
  decisionTx: Hex | null;
  decisionBlock: bigint | null;
  decisionTimestamp: number | null;
}

/** A position in chain order: the keyset cursor of intent pages. */
export interface LogPosition {
  blockNumber: bigint;
  logIndex: number;
}

export interface IntentQuery {
  agentId?: Hex;
  tier?: NonNullable<IntentRow["tier"]>;
  status?: NonNullable<IntentRow["status"]>;
  /** inclusive bounds on the submission's block */
  fromBlock?: bigint;
  toBlock?: bigint;
  /** inclusive bounds on the submission's time, unix seconds */
  fromTime?: number;
  toTime?: number;
  /** keyset cursor: only intents after this position */
  after?: LogPosition;
}

/** What a sync learned about the node's `eth_getLogs` limits for a wallet (see `sync/range.ts`). */
export interface SyncHints {
  /** the range size (blocks) to start the next run with */
  rangeSize: bigint;
  /** largest block span the node accepts, when it named one */
  maxSpan?: bigint;
  /** logs per answer the node (or the client's response size cap) can serve, learned from a refusal */
  maxLogs?: number;
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
  /** The wallet's stored logs, optionally only those in an inclusive block range. */
  countLogs(wallet: Address, q?: { fromBlock?: bigint; toBlock?: bigint }): Promise<number>;
  /**
   * The wallet's logs in chain order, read in keyset pages of `batch` (default 2000): memory stays flat however
   * many there are. Reports and exports stream from this.
   */
  iterateLogs(wallet: Address, q?: LogQuery, batch?: number): AsyncGenerator<StoredLog>;
  /** One page of the materialised intents table in chain order; continue with `after` = the last row's position. */
  intents(wallet: Address, q?: IntentQuery, limit?: number): Promise<IntentRow[]>;
  /** Every matching intent row in chain order, read in keyset pages: memory stays flat. */
  iterateIntents(wallet: Address, q?: IntentQuery, batch?: number): AsyncGenerator<IntentRow>;
  countIntents(wallet: Address, q?: IntentQuery): Promise<number>;
  /** How many intents match, by status, in one pass (statuses with none are absent; the cursor is ignored). */
  countIntentsByStatus(wallet: Address, q?: IntentQuery): Promise<Partial<Record<NonNullable<IntentRow["status"]>, number>>>;
  /**
   * Refreshes the planner's statistics of the logs and intents tables (`ANALYZE`). After a bulk load the stale
   * statistics make PostgreSQL sort a whole table for a 100-row page; the sync calls this after large runs.
   */
  analyze(): Promise<void>;
  /** What the sync learned about the node's range limits for this wallet (undefined: nothing yet). */
  getSyncHints(wallet: Address): Promise<SyncHints | undefined>;
  saveSyncHints(wallet: Address, hints: SyncHints): Promise<void>;
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

export interface OpenStoreOptions {
  /**
   * `postgres://user:password@host:port/database` (or `postgresql://`): a node-postgres pool on that server.
   * Omitted: PGlite (see `dataDir`).
   */
  url?: string;
  /** PGlite only: the data directory (created if missing). Omitted with no `url`: an in-memory database. */
  dataDir?: string;
  /**
   * A PostgreSQL schema to hold the indexer's tables (created if missing), e.g. one per environment or test run.
   * Letters, digits and `_` only. Default: the server's default search path (usually `public`).
   */
  schema?: string;
  /** node-postgres: maximum pooled connections (default 10). */
  maxConnections?: number;
  /** node-postgres: connection timeout in ms (default 10 000). */
  connectTimeoutMs?: number;
}

/** A database the indexer opened itself (and closes with `close()`). */
export interface OpenedDatabase extends SqlDatabase {
  readonly kind: "postgres" | "pglite";
  /** the connection URL with its password masked (postgres), or the PGlite data directory / "memory://" */
  readonly location: string;
  close(): Promise<void>;
}
