/** Helpers shared by the store's SQL: value conversions and one transaction wrapper for every backend. */
import type { LogPosition, SqlClient, SqlDatabase } from "./types";

export const big = (x: unknown): bigint => BigInt(String(x));
export const num = (x: unknown): number => Number(x);
export const lower = (a: string) => a.toLowerCase();

/**
 * A WHERE clause over one wallet's rows (logs or intents), built condition by condition with numbered
 * parameters: `add("tier = ?", v)` binds `v`; `range` adds the block range and the keyset cursor both tables share.
 */
export function walletWhere(wallet: string) {
  const parts = ["address = $1"];
  const params: unknown[] = [lower(wallet)];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    parts.push(sql.replace("?", `$${params.length}`));
  };
  const range = (q: { fromBlock?: bigint; toBlock?: bigint; after?: LogPosition }) => {
    if (q.fromBlock !== undefined) add("block_number >= ?", q.fromBlock.toString());
    if (q.toBlock !== undefined) add("block_number <= ?", q.toBlock.toString());
    if (q.after) {
      params.push(q.after.blockNumber.toString(), q.after.logIndex);
      parts.push(`(block_number, log_index) > ($${params.length - 1}::bigint, $${params.length}::integer)`);
    }
  };
  return { add, range, raw: (sql: string) => parts.push(sql), params, sql: () => parts.join(" AND ") };
}

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
