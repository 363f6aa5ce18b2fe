/** PGlite: embedded PostgreSQL in a data directory or in memory, loaded on demand. */
import { checkSchema } from "./location";
import { acquireLock } from "./lock";
import type { OpenStoreOptions, OpenedDatabase, SqlClient, SqlResult } from "./types";

export async function openPglite(opts: OpenStoreOptions): Promise<OpenedDatabase> {
  const schema = checkSchema(opts.schema);
  const { PGlite } = await import("@electric-sql/pglite");
  const release = opts.dataDir ? acquireLock(opts.dataDir) : () => undefined;
  let pg: InstanceType<typeof PGlite>;
  try {
    pg = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
    if (schema) {
      await pg.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await pg.query(`SET search_path TO "${schema}"`);
    }
  } catch (e) {
    release();
    throw e;
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
    close: async () => {
      try {
        await pg.close();
      } finally {
        release();
      }
    },
  };
}
