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

/**
 * A copy of a decoded value with its bigints as decimal strings, so that `JSON.stringify` needs no replacer (a
 * replacer function is called for every key of every row: the most costly part of a range's JSON).
 */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = jsonSafe((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

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
