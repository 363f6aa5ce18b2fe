/**
 * The store's schema, applied by numbered migrations recorded in `schema_migrations` (see `store.ts` for the
 * tables). Migrations are append-only: a released one is never edited, a change is a new version.
 */
import type { Migration, SqlDatabase } from "./types";
import { inTransaction } from "./sql";
import { INTENTS_TABLE, SUBMISSIONS_IN_INTENTS } from "./intents";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "blocks, logs, checkpoint",
    statements: [
      `CREATE TABLE IF NOT EXISTS blocks (
         number bigint PRIMARY KEY,
         hash text NOT NULL,
         parent_hash text NOT NULL,
         timestamp bigint NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS logs (
         address text NOT NULL,
         block_number bigint NOT NULL,
         block_hash text NOT NULL,
         tx_hash text NOT NULL,
         tx_index integer NOT NULL,
         log_index integer NOT NULL,
         event text NOT NULL,
         intent_id text,
         args jsonb NOT NULL,
         topics jsonb NOT NULL,
         data text NOT NULL,
         timestamp bigint NOT NULL,
         PRIMARY KEY (tx_hash, log_index)
       )`,
      `CREATE INDEX IF NOT EXISTS logs_order ON logs (address, block_number, log_index)`,
      `CREATE INDEX IF NOT EXISTS logs_intent ON logs (intent_id, block_number, log_index)`,
      `CREATE INDEX IF NOT EXISTS logs_event ON logs (event)`,
      `CREATE TABLE IF NOT EXISTS checkpoint (
         address text PRIMARY KEY,
         block_number bigint NOT NULL,
         block_hash text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
  {
    version: 2,
    name: "leaner log indexes for backfill",
    statements: [
      // `event` has a few dozen values: the index cost every insert more than it saved any query.
      `DROP INDEX IF EXISTS logs_event`,
      // Configuration events have no intent id: index only the intent lifecycle.
      `DROP INDEX IF EXISTS logs_intent`,
      `CREATE INDEX IF NOT EXISTS logs_intent ON logs (intent_id, block_number, log_index) WHERE intent_id IS NOT NULL`,
    ],
  },
  {
    version: 3,
    name: "materialised intents",
    // Filled from the stored logs when the store is opened (rows need the event decoding done in TypeScript).
    statements: [...INTENTS_TABLE],
  },
  {
    version: 4,
    name: "sync hints",
    // What the sync learned about the node's eth_getLogs limits, so that a restart does not relearn them.
    statements: [
      `CREATE TABLE IF NOT EXISTS sync_hints (
         address text PRIMARY KEY,
         range_size bigint NOT NULL,
         max_span bigint,
         max_logs integer,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
  {
    version: 5,
    name: "configuration logs index",
    // The logs without an intent id are few (configuration, pauses, owner actions) but spread over the whole
    // history: a partial index reads them without a pass over every log (the console's start-up).
    statements: [
      `CREATE INDEX IF NOT EXISTS logs_config ON logs (address, block_number, log_index) WHERE intent_id IS NULL`,
    ],
  },
  {
    version: 6,
    name: "submissions kept in their intents' rows",
    // `logs` becomes a view: a submission is one row (and three index entries) instead of two (and six). The logs of
    // an existing store are moved when it is opened (`moveSubmissions`).
    statements: [...SUBMISSIONS_IN_INTENTS],
  },
];

/** Stable key for the migration advisory lock (any constant). */
const MIGRATION_LOCK = 727_274_001;

/** Applies pending migrations (each in its own transaction, serialised by an advisory lock). Returns the versions applied. */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  // Under the lock too: concurrent `CREATE TABLE IF NOT EXISTS` of one table can fail on PostgreSQL.
  await inTransaction(db, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  });
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await inTransaction(db, async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const { rows } = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
      if (rows.length > 0) return false;
      for (const s of m.statements) await tx.query(s);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
