/** PGlite: embedded PostgreSQL in a data directory or in memory, loaded on demand. */
import { checkSchema } from "./location";
import { acquireLock } from "./lock";
import type { OpenStoreOptions, OpenedDatabase, SqlClient, SqlResult } from "./types";

/** Parameters longer than this travel as UTF-8 bytes (binary format) instead of text. */
const BINARY_PARAM_CHARS = 1 << 16;

/**
 * Query options that send long string parameters of type text or json as bytes: PGlite measures and encodes a
 * text parameter character by character in JavaScript, which costs more than PostgreSQL's own work on a range's
 * JSON (megabytes); `TextEncoder` does it natively. In the binary format, text and json are their UTF-8 bytes.
 */
function binaryParams(types: typeof import("@electric-sql/pglite").types) {
  const encoder = new TextEncoder();
  const wrap = (fallback: (x: unknown) => string) => (x: unknown) =>
    typeof x === "string" && x.length > BINARY_PARAM_CHARS ? (encoder.encode(x) as unknown as string) : fallback(x);
  const serializers = types.serializers as Record<number, (x: unknown) => string>;
  return {
    serializers: {
      [types.TEXT]: wrap(serializers[types.TEXT] ?? String),
      [types.JSON]: wrap(serializers[types.JSON] ?? String),
    },
  };
}

export async function openPglite(opts: OpenStoreOptions): Promise<OpenedDatabase> {
  const schema = checkSchema(opts.schema);
  const { PGlite, types } = await import("@electric-sql/pglite");
  const options = binaryParams(types);
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
      pg.query<R>(sql, params, options) as Promise<SqlResult<R>>,
    transaction: <T>(fn: (tx: SqlClient) => Promise<T>) =>
      pg.transaction((tx) =>
        fn({
          query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) =>
            tx.query<R>(sql, params, options) as Promise<SqlResult<R>>,
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
