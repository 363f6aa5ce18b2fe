/**
 * The materialised `intents` table: one summary row per intent (who, what, tier, status, decision, approvals),
 * kept up to date in the same transaction as the logs it is derived from, so that listing, filtering and paging
 * are SQL (keyset pagination on the submission's position) instead of a rebuild of every trail.
 *
 * The rows follow the same rules as the trail model (`model/trail.ts`): an autonomous submission is executed at
 * once, a prohibited one blocked, a supervised one queued, a collaborative one awaiting approval; a closing event
 * decides it; an `OwnerRemoved` voids the approvals of every intent still open.
 *
 * A row also keeps its `IntentSubmitted` log as the chain gave it (`tx_index`, `block_hash`, `topics`, `data`, with
 * the position and time columns it already has): the submission is stored once, here, and the `logs` view shows it
 * beside every other log (`other_logs`). Nine in ten of a busy wallet's logs are submissions: one row and three index
 * entries each instead of two rows and six entries is what the sync's commit costs.
 */
import { getAddress, type Address, type Hex } from "viem";
import { REASON_NAMES, TIER_NAMES, decodeDetails, expiryKind } from "../../client/intents";
import { decodeStoredArgs, submittedOf, type SubmittedFields } from "./decode";
import { selectLogsSql } from "./logs-sql";
import { big, lower, num, walletWhere } from "./sql";
import type { IntentQuery, IntentRow, SqlClient, StoredLog } from "./types";

/** The lifecycle events the table is derived from. */
export const INTENT_TABLE_EVENTS = [
  "IntentSubmitted",
  "IntentApproved",
  "IntentExecuted",
  "IntentVetoed",
  "IntentRejected",
  "IntentExpired",
  "IntentRefused",
  "OwnerRemoved",
] as const;
const TABLE_EVENTS = new Set<string>(INTENT_TABLE_EVENTS);

const NONCE_MASK = (1n << 40n) - 1n;
const hex32 = (x: bigint): Hex => `0x${x.toString(16).padStart(64, "0")}`;

/** The summary columns (the table as migration 3 created it: never edit, append a migration). */
const SUMMARY_COLUMNS = [
  ["address", "text"],
  ["intent_id", "text"],
  ["agent_id", "text"],
  ["nonce", "bigint"],
  ["tier", "text"],
  ["status", "text"],
  ["decided", "boolean"],
  ["complete", "boolean"],
  ["key", "text"],
  ["token", "text"],
  ["amount", "numeric"],
  ["value", "numeric"],
  ["recipient", "text"],
  ["category", "integer"],
  ["justification", "text"],
  ["reason", "text"],
  ["policy_version", "integer"],
  ["block_number", "bigint"],
  ["log_index", "integer"],
  ["tx_hash", "text"],
  ["timestamp", "bigint"],
  ["approvals", "integer"],
  ["decision_kind", "text"],
  ["decision_tx", "text"],
  ["decision_block", "bigint"],
  ["decision_timestamp", "bigint"],
  ["updated_block", "bigint"],
] as const;
/** The submission log's own columns (migration 6), NULL until the row's `IntentSubmitted` is stored here. */
const RAW_COLUMNS = [
  ["tx_index", "integer"],
  ["block_hash", "text"],
  ["topics", "jsonb"],
  ["data", "text"],
] as const;
const COLUMNS = [...SUMMARY_COLUMNS, ...RAW_COLUMNS];
const NAMES = SUMMARY_COLUMNS.map(([n]) => n).join(", ");

/** Migration 3's statements: the table and the indexes its queries use. */
export const INTENTS_TABLE = [
  `CREATE TABLE IF NOT EXISTS intents (${SUMMARY_COLUMNS.map(([n, t]) => `${n} ${t}`).join(", ")}, PRIMARY KEY (address, intent_id))`,
  `CREATE INDEX IF NOT EXISTS intents_order ON intents (address, block_number, log_index)`,
  `CREATE INDEX IF NOT EXISTS intents_status ON intents (address, status, block_number, log_index)`,
];

/**
 * Migration 6's statements: the submission log moves into its intent's row, `logs` becomes a view over both tables,
 * and the status index keeps only the intents that are not executed (the queries by status look for the waiting,
 * vetoed or blocked ones: nearly every row of a busy wallet is executed, and the index no longer pays for them).
 */
export const SUBMISSIONS_IN_INTENTS = [
  `ALTER TABLE logs RENAME TO other_logs`,
  `ALTER TABLE intents ${RAW_COLUMNS.map(([n, t]) => `ADD COLUMN ${n} ${t}`).join(", ")}`,
  `DROP INDEX IF EXISTS intents_status`,
  `CREATE INDEX IF NOT EXISTS intents_open ON intents (address, status, block_number, log_index) WHERE status <> 'executed'`,
  `CREATE VIEW logs AS
     SELECT address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp
       FROM other_logs
     UNION ALL
     SELECT address, block_number, block_hash, tx_hash, tx_index, log_index, 'IntentSubmitted'::text, intent_id, NULL::jsonb,
            topics, data, timestamp
       FROM intents WHERE topics IS NOT NULL`,
  // A log written through the view (below) may come without decoded arguments: they are decoded on read.
  `ALTER TABLE other_logs ALTER COLUMN args DROP NOT NULL`,
  // The view takes DELETE, UPDATE and INSERT like the table it replaces, each routed to the table holding the log
  // (in the store's own schema, whatever the caller's search_path). Deleting a submission takes its log out of the
  // intent's row and leaves the summary (as deleting the log row did).
  `CREATE FUNCTION logs_view_delete() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     DELETE FROM other_logs WHERE tx_hash = OLD.tx_hash AND log_index = OLD.log_index;
     IF NOT FOUND THEN
       UPDATE intents SET tx_index = NULL, block_hash = NULL, topics = NULL, data = NULL
        WHERE address = OLD.address AND intent_id = OLD.intent_id AND tx_hash = OLD.tx_hash AND log_index = OLD.log_index;
     END IF;
     RETURN OLD;
   END $$`,
  `CREATE FUNCTION logs_view_insert() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     INSERT INTO other_logs (address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp)
     VALUES (NEW.address, NEW.block_number, NEW.block_hash, NEW.tx_hash, NEW.tx_index, NEW.log_index, NEW.event, NEW.intent_id,
             NEW.args, NEW.topics, NEW.data, NEW.timestamp);
     RETURN NEW;
   END $$`,
  `CREATE FUNCTION logs_view_update() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     UPDATE other_logs SET address = NEW.address, block_number = NEW.block_number, block_hash = NEW.block_hash,
            tx_hash = NEW.tx_hash, tx_index = NEW.tx_index, log_index = NEW.log_index, event = NEW.event,
            intent_id = NEW.intent_id, args = NEW.args, topics = NEW.topics, data = NEW.data, timestamp = NEW.timestamp
      WHERE tx_hash = OLD.tx_hash AND log_index = OLD.log_index;
     IF FOUND THEN RETURN NEW; END IF;
     IF NEW.address IS DISTINCT FROM OLD.address OR NEW.intent_id IS DISTINCT FROM OLD.intent_id THEN
       RAISE EXCEPTION 'a submission log is kept in its intent''s row: its address and intent id cannot change';
     END IF;
     IF NEW.event = 'IntentSubmitted' THEN
       UPDATE intents SET block_number = NEW.block_number, block_hash = NEW.block_hash, tx_hash = NEW.tx_hash,
              tx_index = NEW.tx_index, log_index = NEW.log_index, topics = NEW.topics, data = NEW.data, timestamp = NEW.timestamp
        WHERE address = OLD.address AND intent_id = OLD.intent_id;
     ELSE
       -- no longer a submission: the log moves to other_logs, the summary stays
       INSERT INTO other_logs (address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp)
       VALUES (NEW.address, NEW.block_number, NEW.block_hash, NEW.tx_hash, NEW.tx_index, NEW.log_index, NEW.event, NEW.intent_id,
               NEW.args, NEW.topics, NEW.data, NEW.timestamp);
       UPDATE intents SET tx_index = NULL, block_hash = NULL, topics = NULL, data = NULL
        WHERE address = OLD.address AND intent_id = OLD.intent_id;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER logs_view_delete INSTEAD OF DELETE ON logs FOR EACH ROW EXECUTE FUNCTION logs_view_delete()`,
  `CREATE TRIGGER logs_view_insert INSTEAD OF INSERT ON logs FOR EACH ROW EXECUTE FUNCTION logs_view_insert()`,
  `CREATE TRIGGER logs_view_update INSTEAD OF UPDATE ON logs FOR EACH ROW EXECUTE FUNCTION logs_view_update()`,
];

/**
 * Moves the `IntentSubmitted` logs still in `other_logs` (a store written before migration 6) into their intents'
 * rows, in one transaction: each log is in exactly one of the two places at any time.
 */
export async function moveSubmissions(tx: SqlClient): Promise<void> {
  const same = `l.event = 'IntentSubmitted' AND l.address = i.address AND l.intent_id = i.intent_id
                AND l.tx_hash = i.tx_hash AND l.log_index = i.log_index`;
  await tx.query(
    `UPDATE intents i SET tx_index = l.tx_index, block_hash = l.block_hash, topics = l.topics, data = l.data
       FROM other_logs l WHERE ${same} AND i.topics IS NULL`,
  );
  await tx.query(`DELETE FROM other_logs l USING intents i WHERE ${same} AND i.topics IS NOT NULL`);
}

type Row = Omit<IntentRow, "amount" | "value" | "blockNumber" | "decisionBlock" | "nonce"> & {
  amount: string | null;
  value: string | null;
  nonce: string;
  blockNumber: string;
  decisionBlock: string | null;
  updatedBlock: string;
  /** the submission log, when this commit stores it (rows read back or rebuilt keep the stored one) */
  raw?: { txIndex: number; blockHash: string; topics: readonly string[]; data: string };
};

function rowFromSql(r: Record<string, unknown>): Row {
  const s = (x: unknown) => (x === null || x === undefined ? null : String(x));
  return {
    intentId: r.intent_id as Hex,
    agentId: r.agent_id as Hex,
    nonce: String(r.nonce),
    tier: (r.tier as IntentRow["tier"]) ?? null,
    status: (r.status as IntentRow["status"]) ?? null,
    decided: Boolean(r.decided),
    complete: Boolean(r.complete),
    key: (r.key as Address) ?? null,
    token: (r.token as Address) ?? null,
    amount: s(r.amount),
    value: s(r.value),
    recipient: (r.recipient as Address) ?? null,
    category: r.category === null ? null : num(r.category),
    justification: (r.justification as string) ?? null,
    reason: (r.reason as string) ?? null,
    policyVersion: r.policy_version === null ? null : num(r.policy_version),
    blockNumber: String(r.block_number),
    logIndex: num(r.log_index),
    txHash: r.tx_hash as Hex,
    timestamp: num(r.timestamp),
    approvals: num(r.approvals),
    decisionKind: (r.decision_kind as string) ?? null,
    decisionTx: (r.decision_tx as Hex) ?? null,
    decisionBlock: s(r.decision_block),
    decisionTimestamp: r.decision_timestamp === null ? null : num(r.decision_timestamp),
    updatedBlock: String(r.updated_block),
  };
}

/** Checksummed addresses, memoised: a page names the same few keys, tokens and recipients on every row. */
const checksums = new Map<string, Address>();
function checksum(a: Address | null): Address | null {
  if (a === null) return null;
  let c = checksums.get(a);
  if (c === undefined) {
    if (checksums.size >= 10_000) checksums.clear();
    checksums.set(a, (c = getAddress(a)));
  }
  return c;
}

const str = (x: unknown): string => String(x);
const parseJson = (x: unknown): unknown => (typeof x === "string" ? JSON.parse(x) : x);

function newRow(l: StoredLog, intentId: Hex): Row {
  const id = BigInt(intentId);
  return {
    intentId: lower(intentId) as Hex,
    agentId: hex32(id & ~NONCE_MASK),
    nonce: (id & NONCE_MASK).toString(),
    tier: null,
    status: null,
    decided: false,
    complete: false,
    key: null,
    token: null,
    amount: null,
    value: null,
    recipient: null,
    category: null,
    justification: null,
    reason: null,
    policyVersion: null,
    blockNumber: l.blockNumber.toString(),
    logIndex: l.logIndex,
    txHash: lower(l.txHash) as Hex,
    timestamp: l.timestamp,
    approvals: 0,
    decisionKind: null,
    decisionTx: null,
    decisionBlock: null,
    decisionTimestamp: null,
    updatedBlock: l.blockNumber.toString(),
  };
}

function decide(r: Row, l: StoredLog, kind: string, status: IntentRow["status"]) {
  r.status = status;
  r.decided = true;
  r.decisionKind = kind;
  r.decisionTx = lower(l.txHash) as Hex;
  r.decisionBlock = l.blockNumber.toString();
  r.decisionTimestamp = l.timestamp;
}

/** An intent log's id, lower case: the column the sync filled, else the decoded argument. */
const intentIdOf = (l: StoredLog): string => lower(str(l.intentId ?? l.args.intentId));

/** A submission's fields: read by position from its topics and data, else from its decoded arguments. */
function submittedFields(l: StoredLog): SubmittedFields {
  const fast = submittedOf(l);
  if (fast) return fast;
  const a = l.args;
  return {
    intentId: lower(str(a.intentId)) as Hex,
    agentId: lower(str(a.agentId)) as Hex,
    recipient: lower(str(a.recipient)) as Hex,
    key: lower(str(a.key)) as Hex,
    token: lower(str(a.token)) as Hex,
    amount: BigInt(str(a.amount)),
    details: BigInt(str(a.details)),
    justification: str(a.justification ?? ""),
  };
}

/**
 * Applies one lifecycle log to its row (creating it when `rows` has none). `keepRaw`: the submission log is stored in
 * the row (a commit); a rebuild reads it from there and leaves it.
 */
function apply(rows: Map<string, Row>, l: StoredLog, keepRaw = false): void {
  const submitted = l.event === "IntentSubmitted" ? submittedFields(l) : undefined;
  const a = submitted ? {} : l.args;
  const id = submitted ? submitted.intentId : intentIdOf(l);
  let r = rows.get(id);
  if (!r) {
    r = newRow(l, id as Hex);
    rows.set(id, r);
  }
  r.updatedBlock = l.blockNumber.toString();
  switch (l.event) {
    case "IntentSubmitted": {
      const f = submitted!;
      const d = decodeDetails(f.details);
      const tier = TIER_NAMES[d.tier] ?? null;
      Object.assign(r, {
        agentId: f.agentId,
        tier,
        complete: true,
        key: f.key,
        token: f.token,
        amount: f.amount.toString(),
        value: d.value.toString(),
        recipient: f.recipient,
        category: d.category,
        justification: f.justification,
        reason: REASON_NAMES[d.reason] ?? "Unknown",
        policyVersion: d.policyVersion,
        blockNumber: l.blockNumber.toString(),
        logIndex: l.logIndex,
        txHash: lower(l.txHash),
        timestamp: l.timestamp,
      });
      if (keepRaw) r.raw = { txIndex: l.txIndex, blockHash: lower(l.blockHash), topics: l.topics, data: l.data };
      if (d.tier === 0) decide(r, l, "executed", "executed");
      else if (d.tier === 3) decide(r, l, "blocked", "blocked");
      else if (!r.decided) r.status = d.tier === 1 ? "queued" : "awaiting_approval";
      break;
    }
    case "IntentApproved":
      r.approvals++;
      break;
    case "IntentExecuted":
      decide(r, l, "executed", "executed");
      break;
    case "IntentVetoed":
      decide(r, l, "vetoed", "vetoed");
      break;
    case "IntentRejected":
      decide(r, l, "rejected", "rejected");
      break;
    case "IntentExpired": {
      const kind = expiryKind(a.status);
      decide(r, l, kind, kind);
      break;
    }
    case "IntentRefused":
      if (a.closed === true || a.closed === "true") decide(r, l, "refused", "refused");
      break;
    default:
      break;
  }
}

async function loadRows(tx: SqlClient, wallet: Address, ids: string[]): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  if (ids.length === 0) return rows;
  const { rows: found } = await tx.query(
    `SELECT ${NAMES} FROM intents WHERE address = $1 AND intent_id = ANY($2::text[])`,
    [lower(wallet), ids],
  );
  for (const r of found) rows.set(String(r.intent_id), rowFromSql(r));
  return rows;
}

async function upsert(tx: SqlClient, wallet: Address, rows: Iterable<Row>): Promise<void> {
  const list = [...rows].map((r) => ({
    address: lower(wallet),
    intent_id: r.intentId,
    agent_id: r.agentId,
    nonce: r.nonce,
    tier: r.tier,
    status: r.status,
    decided: r.decided,
    complete: r.complete,
    key: r.key,
    token: r.token,
    amount: r.amount,
    value: r.value,
    recipient: r.recipient,
    category: r.category,
    justification: r.justification,
    reason: r.reason,
    policy_version: r.policyVersion,
    block_number: r.blockNumber,
    log_index: r.logIndex,
    tx_hash: r.txHash,
    timestamp: r.timestamp,
    approvals: r.approvals,
    decision_kind: r.decisionKind,
    decision_tx: r.decisionTx,
    decision_block: r.decisionBlock,
    decision_timestamp: r.decisionTimestamp,
    updated_block: r.updatedBlock,
    tx_index: r.raw?.txIndex ?? null,
    block_hash: r.raw?.blockHash ?? null,
    topics: r.raw?.topics ?? null,
    data: r.raw?.data ?? null,
  }));
  if (list.length === 0) return;
  const all = COLUMNS.map(([n]) => n).join(", ");
  await tx.query(
    `INSERT INTO intents (${all})
     SELECT ${all} FROM json_to_recordset($1::json) AS x(${COLUMNS.map(([n, t]) => `${n} ${t}`).join(", ")})
     ON CONFLICT (address, intent_id) DO UPDATE SET ${[
       ...SUMMARY_COLUMNS.slice(2).map(([n]) => `${n} = EXCLUDED.${n}`),
       ...RAW_COLUMNS.map(([n]) => `${n} = coalesce(EXCLUDED.${n}, intents.${n})`),
     ].join(", ")}`,
    [JSON.stringify(list)], // strings, numbers and booleans only: no replacer needed
  );
}

/**
 * Applies a committed range's logs (in chain order) to the table, inside the range's transaction: rows of
 * intents first seen in the range are created, rows of earlier intents are read, updated and written back. The
 * range's `IntentSubmitted` logs are stored in their rows (the caller stores every other log in `other_logs`).
 */
export async function materialiseIntents(tx: SqlClient, wallet: Address, logs: readonly StoredLog[]): Promise<void> {
  const relevant = logs.filter((l) => TABLE_EVENTS.has(l.event));
  if (relevant.length === 0) return;
  const submittedHere = new Set(relevant.filter((l) => l.event === "IntentSubmitted").map(intentIdOf));
  const earlier = [
    ...new Set(relevant.filter((l) => l.event !== "OwnerRemoved" && !submittedHere.has(intentIdOf(l))).map(intentIdOf)),
  ];
  const rows = await loadRows(tx, wallet, earlier);
  for (const l of relevant) {
    if (l.event === "OwnerRemoved") {
      // Voids the approvals of every intent open at this point: the ones already written, and the ones in hand.
      await upsert(tx, wallet, rows.values());
      await tx.query(
        "UPDATE intents SET approvals = 0, updated_block = $2 WHERE address = $1 AND NOT decided AND approvals > 0",
        [lower(wallet), l.blockNumber.toString()],
      );
      for (const r of rows.values()) if (!r.decided) r.approvals = 0;
      continue;
    }
    apply(rows, l, true);
  }
  await upsert(tx, wallet, rows.values());
}

/**
 * After a rewind to block `above` (the caller has deleted `other_logs` above it): drops the rows first seen above it
 * (with their submissions) and rebuilds, from the logs that remain, the rows that changed above it. A rebuilt row
 * overwrites every summary column and keeps its stored submission.
 */
export async function rewindIntents(tx: SqlClient, wallet: Address, above: bigint): Promise<void> {
  await tx.query("DELETE FROM intents WHERE address = $1 AND block_number > $2", [lower(wallet), above.toString()]);
  const { rows: changed } = await tx.query<{ intent_id: string }>(
    "SELECT intent_id FROM intents WHERE address = $1 AND updated_block > $2",
    [lower(wallet), above.toString()],
  );
  const ids = changed.map((r) => r.intent_id);
  if (ids.length === 0) return;
  await rebuildIntents(tx, wallet, { intentIds: ids });
}

/** Rebuilds the rows of a wallet (or of some intents) from the stored logs, in pages of `batch` logs. */
export async function rebuildIntents(
  tx: SqlClient,
  wallet: Address,
  opts: { intentIds?: string[]; batch?: number } = {},
): Promise<void> {
  const batch = opts.batch ?? 5000;
  const rows = new Map<string, Row>();
  let after: [string, number] = ["-1", 0];
  const events = [...INTENT_TABLE_EVENTS];
  for (;;) {
    const params: unknown[] = [lower(wallet), events, after[0], after[1]];
    let filter = "";
    if (opts.intentIds) {
      params.push(opts.intentIds);
      filter = ` AND (intent_id = ANY($5::text[]) OR event = 'OwnerRemoved')`;
    }
    const { rows: page } = await tx.query(
      selectLogsSql(
        `address = $1 AND event = ANY($2::text[]) AND (block_number, log_index) > ($3::bigint, $4::integer)${filter}`,
        batch,
      ),
      params,
    );
    if (page.length === 0) break;
    for (const p of page) {
      const topics = parseJson(p.topics) as Hex[];
      const l = {
        blockNumber: big(p.block_number),
        logIndex: num(p.log_index),
        txHash: p.tx_hash as Hex,
        event: p.event as string,
        intentId: (p.intent_id as Hex | null) ?? null,
        topics,
        data: p.data as Hex,
        // a submission stores no arguments: its fields are read from its topics and data
        get args() {
          return (p.args === null ? decodeStoredArgs(topics, p.data as Hex) : parseJson(p.args)) as Record<string, unknown>;
        },
        timestamp: num(p.timestamp),
      } as StoredLog;
      if (l.event === "OwnerRemoved") {
        for (const r of rows.values()) if (!r.decided) r.approvals = 0;
      } else apply(rows, l);
    }
    const last = page[page.length - 1];
    after = [String(last.block_number), num(last.log_index)];
    if (page.length < batch) break;
  }
  // Written once at the end: an OwnerRemoved late in the history must reach rows built from earlier pages.
  await upsert(tx, wallet, rows.values());
}

/** WHERE clause and parameters for an intent query (after `address = $1`). */
function where(wallet: Address, q: IntentQuery): { sql: string; params: unknown[] } {
  const w = walletWhere(wallet);
  if (q.agentId) w.add("agent_id = ?", lower(q.agentId));
  if (q.tier) w.add("tier = ?", q.tier);
  if (q.status) w.add("status = ?", q.status);
  if (q.fromTime !== undefined) w.add("timestamp >= ?", q.fromTime);
  if (q.toTime !== undefined) w.add("timestamp <= ?", q.toTime);
  w.range(q);
  return { sql: w.sql(), params: w.params };
}

/**
 * A page row travels as one text: the fields below joined with the unit separator (U+001F), NULL as an empty field,
 * and the justification, the only free text, last (absent when NULL) so that whatever it contains, the fields before
 * it split cleanly. PGlite decodes every field of a result on its own, in JavaScript: at 100 rows of 26 columns that
 * costs several times the query itself; one field per row does not.
 */
const PAGE_FIELDS = [
  "intent_id", "agent_id", "nonce", "tier", "status", "decided", "complete", "key", "token", "amount", "value", "recipient",
  "category", "reason", "policy_version", "block_number", "log_index", "tx_hash", "timestamp", "approvals", "decision_kind",
  "decision_tx", "decision_block", "decision_timestamp",
] as const;
const SEP = "\u001f";
const PAGE_ROW = `concat_ws(E'\\x1f', ${PAGE_FIELDS.map((n) => `coalesce(${n}::text, '')`).join(", ")}, justification) AS r`;

function intentFromText(t: string): IntentRow {
  const f: (string | null)[] = [];
  let at = 0;
  for (let k = 0; k < PAGE_FIELDS.length; k++) {
    const end = t.indexOf(SEP, at);
    const v = end < 0 ? t.slice(at) : t.slice(at, end);
    f.push(v === "" ? null : v);
    at = end < 0 ? -1 : end + 1;
  }
  const [id, agent, nonce, tier, status, decided, complete, key, token, amount, value, recipient, category, reason,
    policyVersion, blockNumber, logIndex, txHash, timestamp, approvals, decisionKind, decisionTx, decisionBlock, decisionTimestamp] = f;
  return {
    intentId: id as Hex,
    agentId: agent as Hex,
    nonce: BigInt(nonce!),
    tier: tier as IntentRow["tier"],
    status: status as IntentRow["status"],
    decided: decided === "true",
    complete: complete === "true",
    key: checksum(key as Address | null),
    token: checksum(token as Address | null),
    amount: amount === null ? null : BigInt(amount),
    value: value === null ? null : BigInt(value),
    recipient: checksum(recipient as Address | null),
    category: category === null ? null : Number(category),
    justification: at < 0 ? null : t.slice(at),
    reason,
    policyVersion: policyVersion === null ? null : Number(policyVersion),
    blockNumber: BigInt(blockNumber!),
    logIndex: Number(logIndex),
    txHash: txHash as Hex,
    timestamp: Number(timestamp),
    approvals: Number(approvals ?? 0),
    decisionKind,
    decisionTx: decisionTx as Hex | null,
    decisionBlock: decisionBlock === null ? null : BigInt(decisionBlock),
    decisionTimestamp: decisionTimestamp === null ? null : Number(decisionTimestamp),
  };
}

/** One page of intents in chain order (keyset: pass the last row's position as `after` for the next page). */
export async function intentPage(db: SqlClient, wallet: Address, q: IntentQuery, limit: number): Promise<IntentRow[]> {
  const w = where(wallet, q);
  const { rows } = await db.query<{ r: string }>(
    `SELECT ${PAGE_ROW} FROM intents WHERE ${w.sql} ORDER BY block_number, log_index LIMIT ${Math.max(0, Math.floor(limit))}`,
    w.params,
  );
  return rows.map((r) => intentFromText(r.r));
}

/** How many intents match (the cursor fields are ignored). */
export async function countIntents(db: SqlClient, wallet: Address, q: IntentQuery): Promise<number> {
  const w = where(wallet, { ...q, after: undefined });
  const { rows } = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM intents WHERE ${w.sql}`, w.params);
  return num(rows[0]?.n ?? 0);
}

/** How many intents match, by status, in one pass (the cursor fields are ignored). */
export async function countIntentsByStatus(
  db: SqlClient,
  wallet: Address,
  q: IntentQuery,
): Promise<Partial<Record<NonNullable<IntentRow["status"]>, number>>> {
  const w = where(wallet, { ...q, after: undefined });
  const { rows } = await db.query<{ status: string | null; n: unknown }>(
    `SELECT status, count(*) AS n FROM intents WHERE ${w.sql} GROUP BY status`,
    w.params,
  );
  const out: Partial<Record<NonNullable<IntentRow["status"]>, number>> = {};
  for (const r of rows) if (r.status !== null) out[r.status as NonNullable<IntentRow["status"]>] = num(r.n);
  return out;
}

/** Every matching intent in chain order, read in keyset pages of `batch` rows: memory stays flat. */
export async function* iterateIntents(
  db: SqlClient,
  wallet: Address,
  q: IntentQuery = {},
  batch = 1000,
): AsyncGenerator<IntentRow> {
  let after = q.after;
  for (;;) {
    const page = await intentPage(db, wallet, { ...q, after }, batch);
    yield* page;
    if (page.length < batch) return;
    const last = page[page.length - 1];
    after = { blockNumber: last.blockNumber, logIndex: last.logIndex };
  }
}
