/** The columns of a stored log, and the SQL that reads them from the `logs` view (see `store.ts`). */

export const LOG_COLUMNS =
  "address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp";

/** The two tables behind the `logs` view, each as the view shows it. */
const LOG_SOURCES = [
  `SELECT ${LOG_COLUMNS} FROM other_logs`,
  `SELECT address, block_number, block_hash, tx_hash, tx_index, log_index, 'IntentSubmitted'::text AS event, intent_id,
          NULL::jsonb AS args, topics, data, timestamp FROM intents WHERE topics IS NOT NULL`,
];

/**
 * The SQL of `selectLogs`. A page (`limit`) reads each table in index order up to the limit and merges the two: over
 * the view, the planner sorts every row after the cursor at each page (a merge of two index scans costs more, in its
 * estimate, than one sort when the limit is not taken into account), which made a pass over the logs quadratic.
 */
export function selectLogsSql(whereSql: string, limit?: number): string {
  const order = "ORDER BY block_number, log_index";
  if (limit === undefined) return `SELECT ${LOG_COLUMNS} FROM logs WHERE ${whereSql} ${order}`;
  const n = Math.max(0, Math.floor(limit));
  const pages = LOG_SOURCES.map((source) => `(SELECT * FROM (${source}) s WHERE ${whereSql} ${order} LIMIT ${n})`);
  return `SELECT ${LOG_COLUMNS} FROM (${pages.join(" UNION ALL ")}) page ${order} LIMIT ${n}`;
}

