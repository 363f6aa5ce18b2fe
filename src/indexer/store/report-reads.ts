/**
 * Read-only queries of the materialised `intents` table for the audit report and `verify`: the sums and counts
 * are made in SQL (GROUP BY), so that only the groups, not one row per intent, cross into JavaScript. On PGlite
 * every row read is a cost (the row is converted on the main thread), so these read the few columns they need.
 */
import type { Address, Hex } from "viem";
import { big, lower, num } from "./sql";
import type { LogPosition, SqlClient } from "./types";

/** An intent paid in its submission transaction and known completely from its row (no logs needed). */
const PAID_AT_SUBMISSION = "complete AND tier = 'autonomous' AND value IS NOT NULL AND category IS NOT NULL";

/** Autonomous payments of one UTC day, category and agent. */
export interface AutonomousGroup {
  /** days since 1970-01-01 (UTC) */
  day: number;
  category: number;
  agentId: Hex;
  count: number;
  /** reference units */
  total: bigint;
  /** the group's first payment in chain order */
  first: LogPosition;
  lastBlock: bigint;
}

/** The autonomous payments submitted in `[from, to)` (unix seconds), summed per UTC day, category and agent. */
export async function autonomousGroups(db: SqlClient, wallet: Address, from: number, to: number): Promise<AutonomousGroup[]> {
  // The first position as one bigint: block * 2^20 + log index (a block holds far fewer than 2^20 logs).
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT timestamp / 86400 AS day, category, agent_id, count(*) AS n, sum(value) AS total,
            min(block_number * 1048576 + log_index) AS first, max(block_number) AS last_block
       FROM intents
      WHERE address = $1 AND ${PAID_AT_SUBMISSION} AND timestamp >= $2 AND timestamp < $3
      GROUP BY 1, 2, 3`,
    [lower(wallet), from, to],
  );
  return rows.map((r) => {
    const first = big(r.first);
    return {
      day: num(r.day),
      category: num(r.category),
      agentId: r.agent_id as Hex,
      count: num(r.n),
      total: big(r.total),
      first: { blockNumber: first >> 20n, logIndex: Number(first & 0xfffffn) },
      lastBlock: big(r.last_block),
    };
  });
}

/** The time of the wallet's first intent in chain order (its submission, or its first stored log). */
export async function firstIntentTime(db: SqlClient, wallet: Address): Promise<number | undefined> {
  const { rows } = await db.query<{ timestamp: unknown }>(
    "SELECT timestamp FROM intents WHERE address = $1 ORDER BY block_number, log_index LIMIT 1",
    [lower(wallet)],
  );
  return rows.length === 0 ? undefined : num(rows[0].timestamp);
}

/**
 * One keyset page of the intents whose report records need their logs (every intent but an autonomous payment
 * known from its row: queued tiers, blocked attempts, intents whose submission is not stored), in chain order.
 */
export async function trailIntentPage(
  db: SqlClient,
  wallet: Address,
  after: LogPosition | undefined,
  limit: number,
): Promise<{ intentId: Hex; position: LogPosition }[]> {
  const params: unknown[] = [lower(wallet)];
  let cursor = "";
  if (after) {
    params.push(after.blockNumber.toString(), after.logIndex);
    cursor = " AND (block_number, log_index) > ($2::bigint, $3::integer)";
  }
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT intent_id, block_number, log_index FROM intents
      WHERE address = $1 AND (${PAID_AT_SUBMISSION}) IS NOT TRUE${cursor}
      ORDER BY block_number, log_index LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  );
  return rows.map((r) => ({ intentId: r.intent_id as Hex, position: { blockNumber: big(r.block_number), logIndex: num(r.log_index) } }));
}

/** A stored log without its decoded arguments (a trail decodes the log again from its topics and data). */
export interface BareLog {
  event: string;
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  timestamp: number;
  topics: Hex[];
  data: Hex;
}

/** The logs of these intents in chain order, without the decoded arguments (`args`, the costliest column to read). */
export async function bareIntentLogs(db: SqlClient, wallet: Address, intentIds: readonly Hex[]): Promise<BareLog[]> {
  if (intentIds.length === 0) return [];
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT event, tx_hash, block_number, log_index, timestamp, topics::text AS topics, data FROM logs
      WHERE address = $1 AND intent_id = ANY($2::text[]) ORDER BY block_number, log_index`,
    [lower(wallet), intentIds.map(lower)],
  );
  return rows.map((r) => ({
    event: r.event as string,
    txHash: r.tx_hash as Hex,
    blockNumber: big(r.block_number),
    logIndex: num(r.log_index),
    timestamp: num(r.timestamp),
    topics: JSON.parse(r.topics as string) as Hex[],
    data: r.data as Hex,
  }));
}
