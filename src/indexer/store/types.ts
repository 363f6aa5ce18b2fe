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
