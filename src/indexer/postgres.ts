/**
 * Database handles for the indexer store: node-postgres (a connection `Pool`) when a `postgres://` URL is given,
 * PGlite (embedded PostgreSQL: a data directory, or in memory) otherwise. Both speak the same SQL, so the store's
 * one schema and its migrations apply unchanged to either.
 *
 * `pg` and `@electric-sql/pglite` are loaded on demand: a process that only uses one of them never loads the other.
 */
import type { SqlClient, SqlDatabase, SqlResult } from "./store";
import { IndexerStoreError } from "./store";

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

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** True for `postgres://` and `postgresql://` URLs. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url.trim());

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

function checkSchema(schema: string | undefined): string | undefined {
  if (schema === undefined) return undefined;
  if (!SCHEMA_NAME.test(schema)) {
    throw new IndexerStoreError(`invalid schema name "${schema}"`, {
      fix: "Use letters, digits and underscores only (at most 63 characters, not starting with a digit).",
    });
  }
  return schema;
}

/** PostgreSQL's "already exists" errors, which a concurrent `CREATE SCHEMA IF NOT EXISTS` can still raise. */
const isAlreadyExists = (e: unknown) => {
  const code = (e as { code?: unknown })?.code;
  return code === "42P06" || code === "23505";
};

async function openPostgres(opts: OpenStoreOptions & { url: string }): Promise<OpenedDatabase> {
  const schema = checkSchema(opts.schema);
  const location = redactUrl(opts.url);
  let pgModule: typeof import("pg");
  try {
    pgModule = await import("pg");
  } catch (e) {
    throw new IndexerStoreError("the PostgreSQL driver (pg) is not installed", {
      cause: e,
      fix: "npm install pg",
    });
  }
  const Pool = pgModule.Pool ?? (pgModule as unknown as { default: typeof import("pg") }).default.Pool;
  const pool = new Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle pooled connection that dies (server restart) must not crash the process: the next query reconnects.
  pool.on("error", () => undefined);

  const wrap = (q: { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }): SqlClient => ({
    async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>> {
      const res = await q.query(sql, params);
      return { rows: res.rows as R[] };
    },
  });
  const base = wrap(pool as never);
  const db: OpenedDatabase = {
    kind: "postgres",
    location,
    query: base.query,
    async connect() {
      const client = await pool.connect();
      return {
        ...wrap(client as never),
        release: (err?: unknown) => client.release(err instanceof Error ? err : err ? true : undefined),
      };
    },
    close: () => pool.end(),
  };
  try {
    if (schema) {
      try {
        await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    } else {
      await db.query("SELECT 1");
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new IndexerStoreError(`cannot open the PostgreSQL database at ${location}`, {
      cause: e,
      details: [String((e as Error)?.message ?? e)],
      fix: "Check that the server runs and accepts password connections from this host, and that the role and database in the URL exist.",
    });
  }
  return db;
}

async function openPglite(opts: OpenStoreOptions): Promise<OpenedDatabase> {
  const schema = checkSchema(opts.schema);
  const { PGlite } = await import("@electric-sql/pglite");
  const pg = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  if (schema) {
    await pg.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pg.query(`SET search_path TO "${schema}"`);
  }
  return {
    kind: "pglite",
    location: opts.dataDir ?? "memory://",
    query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) =>
      pg.query<R>(sql, params) as Promise<SqlResult<R>>,
    transaction: <T>(fn: (tx: SqlClient) => Promise<T>) =>
      pg.transaction((tx) =>
        fn({
          query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) =>
            tx.query<R>(sql, params) as Promise<SqlResult<R>>,
        }),
      ) as Promise<T>,
    close: () => pg.close(),
  };
}

/**
 * Opens the database an indexer store lives in: node-postgres for a `postgres://` URL, PGlite otherwise (the
 * data directory `dataDir`, or in memory). Any other URL scheme is refused.
 */
export async function openDatabase(opts: OpenStoreOptions = {}): Promise<OpenedDatabase> {
  if (opts.url !== undefined && opts.url !== "") {
    if (!isPostgresUrl(opts.url)) {
      throw new IndexerStoreError(`unsupported database URL ${redactUrl(opts.url)}`, {
        fix: "Give a postgres:// (or postgresql://) URL for PostgreSQL, or no URL and a data directory (dataDir) for PGlite.",
      });
    }
    return openPostgres({ ...opts, url: opts.url });
  }
  return openPglite(opts);
}
