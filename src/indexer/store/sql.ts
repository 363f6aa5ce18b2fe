/** Helpers shared by the store's SQL: value conversions and one transaction wrapper for every backend. */
import type { SqlClient, SqlDatabase } from "./types";

export const big = (x: unknown): bigint => BigInt(String(x));
export const num = (x: unknown): number => Number(x);
export const lower = (a: string) => a.toLowerCase();

/** JSON with bigints as decimal strings. */
export const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

export async function inTransaction<T>(db: SqlDatabase, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
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
