/** node-postgres: a connection pool on a `postgres://` URL, loaded on demand. */
import { IndexerStoreError } from "../errors";
import { checkSchema, redactUrl } from "./location";
import type { OpenStoreOptions, OpenedDatabase, SqlClient, SqlResult } from "./types";

/** PostgreSQL's "already exists" errors, which a concurrent `CREATE SCHEMA IF NOT EXISTS` can still raise. */
const isAlreadyExists = (e: unknown) => {
  const code = (e as { code?: unknown })?.code;
  return code === "42P06" || code === "23505";
};

export async function openPostgres(opts: OpenStoreOptions & { url: string }): Promise<OpenedDatabase> {
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
      // A checked-out client whose server goes away emits 'error'; unhandled, that would crash the process. The
      // failing query rejects anyway (and the caller retries it), so the event itself needs no action.
      const ignore = () => undefined;
      client.on("error", ignore);
      return {
        ...wrap(client as never),
        release: (err?: unknown) => {
          client.off("error", ignore);
          client.release(err instanceof Error ? err : err ? true : undefined);
        },
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
