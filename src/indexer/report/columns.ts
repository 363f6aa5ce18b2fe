/**
 * The report's tables, described once: per table its rows and columns (CSV key, header, kind, value). The CSV,
 * Markdown and HTML renderers all read this model, so a column (and a total) is written in one place.
 */
import type { GovernanceAction, FundMovement, Governance } from "./governance";
import type {
  ActorTotals,
  BlockedRecord,
  CollaborativeRecord,
  IntentIdentity,
  IntentRecord,
  RecordList,
  ReportView,
  SupervisedRecord,
  TierTotals,
} from "./model";

export type Cell = string | number | bigint | boolean | null | undefined;

/**
 * How a cell shows: `text`; `num` (right-aligned); `money` (reference-currency value); `address` (monospace, with
 * the policy's label when there is one); `hash` (monospace); `list` (several values: CSV joins them with a
 * space, Markdown and HTML one per line); `outcome` (a coloured badge in HTML).
 */
export type ColumnKind = "text" | "num" | "money" | "address" | "hash" | "list" | "outcome";

export interface Column<R> {
  /** CSV header (snake_case) */
  key: string;
  /** Markdown/HTML header */
  header: string;
  kind: ColumnKind;
  value(r: R): Cell | readonly string[];
  /** for `address` cells: the label shown beside the address */
  label?(r: R): string | null;
}

export interface Table<R> {
  /** section id (HTML `id`, CSV file `<id>.csv`) */
  id: string;
  title: string;
  columns: readonly Column<R>[];
  rows(report: ReportView): RecordList<R>;
}

const col = <R>(key: string, header: string, kind: ColumnKind, value: Column<R>["value"], label?: Column<R>["label"]): Column<R> =>
  label ? { key, header, kind, value, label } : { key, header, kind, value };

/** Columns every intent table starts with. */
const identity = <R extends IntentIdentity>(currency: string): Column<R>[] => [
  col("audit_id", "Audit id", "text", (r) => r.auditId),
  col("intent_id", "Intent id", "hash", (r) => r.intentId),
  col("agent", "Agent", "text", (r) => r.agent),
  col("category", "Category", "text", (r) => r.category),
  col("recipient", "Recipient", "address", (r) => r.recipient, (r) => r.recipientLabel),
  col("token", "Token", "text", (r) => r.tokenSymbol),
  col("amount", "Amount", "num", (r) => r.amountFormatted),
  col("value", `Value (${currency})`, "money", (r) => r.value),
];

/** Classification columns (every tier's records): why the tier, which tiers were missed and why, the policy then. */
const classification = <R extends IntentRecord | BlockedRecord>(): Column<R>[] => [
  col("reason", "Reason", "text", (r) => r.reason),
  col("misses", "Misses", "list", (r) => r.misses),
  col("policy_version", "Policy version", "num", (r) => r.policyVersion),
  col("tier_limit", "Tier limit then", "money", (r) => r.tierLimit),
  col("justification", "Justification", "text", (r) => r.justification),
];

export function reportTables(report: ReportView) {
  const cur = report.meta.currency;
  const totals: Table<TierTotals> = {
    id: "totals",
    title: "Totals per tier",
    rows: (r) => r.totals,
    columns: [
      col("tier", "Tier", "text", (t) => t.tier),
      col("audit_depth", "Audit depth", "text", (t) => t.auditDepth),
      col("submitted", "Submitted", "num", (t) => t.submitted),
      col("submitted_value", `Submitted value (${cur})`, "money", (t) => t.submittedValue),
      col("executed", "Executed", "num", (t) => t.executed),
      col("executed_value", `Paid (${cur})`, "money", (t) => t.executedValue),
      col("vetoed", "Vetoed", "num", (t) => t.vetoed),
      col("rejected", "Rejected", "num", (t) => t.rejected),
      col("expired", "Expired", "num", (t) => t.expired),
      col("stale", "Stale", "num", (t) => t.stale),
      col("refused", "Refused", "num", (t) => t.refused),
      col("blocked", "Blocked", "num", (t) => t.blocked),
      col("blocked_value", `Blocked value, not paid (${cur})`, "money", (t) => t.blockedValue),
      col("pending", "Pending", "num", (t) => t.pending),
    ],
  };
  type DailyRow = { day: string; dimension: string; key: string; label: string; count: number; total: string };
  const autonomous: Table<DailyRow> = {
    id: "autonomous_daily",
    title: "Autonomous payments, daily batch (batch_daily)",
    rows: (r) =>
      r.autonomousDaily.flatMap((d) => [
        { day: d.day, dimension: "all", key: "", label: "", count: d.count, total: d.total },
        ...d.byCategory.map((c) => ({ day: d.day, dimension: "category", key: String(c.categoryId), label: c.label, count: c.count, total: c.total })),
        ...d.byAgent.map((a) => ({ day: d.day, dimension: "agent", key: a.agentId, label: a.label, count: a.count, total: a.total })),
      ]),
    columns: [
      col("day", "Day (UTC)", "text", (x) => x.day),
      col("dimension", "Dimension", "text", (x) => x.dimension),
      col("key", "Key", "hash", (x) => x.key),
      col("label", "Label", "text", (x) => x.label),
      col("count", "Count", "num", (x) => x.count),
      col("total", `Total (${cur})`, "money", (x) => x.total),
    ],
  };
  /** the decision columns, with the tier's own window columns after the submission time */
  const decided = <R extends IntentRecord & { outcome: string; by: string | null; byLabel: string | null; deadlineUtc: string }>(
    windows: Column<R>[],
  ): Column<R>[] => [
    col("submitted_at", "Submitted", "text", (r) => r.submittedAtUtc),
    ...windows,
    col("deadline", "Deadline", "text", (r) => r.deadlineUtc),
    col("outcome", "Outcome", "outcome", (r) => r.outcome),
    col("by", "By", "address", (r) => r.by, (r) => r.byLabel),
    col("decided_at", "Decided", "text", (r) => r.decidedAtUtc),
    col("tx_hashes", "Transactions", "list", (r) => r.txHashes),
  ];
  const supervised: Table<SupervisedRecord> = {
    id: "supervised",
    title: "Supervised payments (per_transaction)",
    rows: (r) => r.supervised,
    columns: [
      ...identity<SupervisedRecord>(cur),
      ...classification<SupervisedRecord>(),
      ...decided<SupervisedRecord>([
        col("veto_window_end", "Veto window end", "text", (r) => r.vetoWindowEndUtc),
        col("refusal", "Refusal", "text", (r) => r.refusal),
      ]),
    ],
  };
  const collaborative: Table<CollaborativeRecord> = {
    id: "collaborative",
    title: "Collaborative payments (per_transaction_enhanced)",
    rows: (r) => r.collaborative,
    columns: [
      ...identity<CollaborativeRecord>(cur),
      ...classification<CollaborativeRecord>(),
      ...decided<CollaborativeRecord>([
        col("approval_count", "Approvals", "num", (r) => r.approvalCount),
        col("approvers", "Approvers", "list", (r) =>
          r.approvals.map((a) => `${a.ownerLabel ? `${a.ownerLabel} ` : ""}${a.owner}@${a.atUtc}${a.voided ? " (voided)" : ""}`),
        ),
      ]),
    ],
  };
  const blocked: Table<BlockedRecord> = {
    id: "blocked",
    title: "Blocked attempts (attempt_logged, never paid)",
    rows: (r) => r.blocked,
    columns: [
      ...identity<BlockedRecord>(cur),
      ...classification<BlockedRecord>(),
      col("attempted_at", "Attempted", "text", (r) => r.attemptedAtUtc),
      col("tx_hash", "Transaction", "hash", (r) => r.txHash),
      col("block", "Block", "num", (r) => r.blockNumber),
    ],
  };
  const actors: Table<ActorTotals> = {
    id: "actors",
    title: "Approvals, vetoes and rejections per account",
    rows: (r) => r.actors,
    columns: [
      col("address", "Account", "address", (a) => a.address, (a) => a.label),
      col("approvals", "Approvals", "num", (a) => a.approvals),
      col("vetoes", "Vetoes", "num", (a) => a.vetoes),
      col("rejections", "Rejections", "num", (a) => a.rejections),
      col("executions", "Executions", "num", (a) => a.executions),
    ],
  };
  const governance: Table<GovernanceAction> = {
    id: "governance",
    title: "Governance: configuration changes and who signed them",
    rows: (r) => r.governance.actions,
    columns: [
      col("at", "Time", "text", (a) => a.atUtc),
      col("action", "Action", "text", (a) => a.action),
      col("signers", "Signed by", "list", (a) => a.signers),
      col("policy_version", "Policy version after", "num", (a) => a.policyVersion),
      col("changes", "Changes", "list", (a) => a.changes),
      col("tx_hash", "Transaction", "hash", (a) => a.txHash),
    ],
  };
  const funds: Table<FundMovement> = {
    id: "funds",
    title: "Deposits and withdrawals",
    rows: (r) => r.governance.funds,
    columns: [
      col("at", "Time", "text", (f) => f.atUtc),
      col("kind", "Kind", "text", (f) => f.kind),
      col("currency", "Currency", "text", (f) => f.currency),
      col("amount", "Amount", "num", (f) => f.amountFormatted),
      col("counterparty", "From / to", "address", (f) => f.counterparty, (f) => f.counterpartyLabel),
      col("tx_hash", "Transaction", "hash", (f) => f.txHash),
    ],
  };
  type KeyRow = Governance["keys"][number];
  const keys: Table<KeyRow> = {
    id: "keys",
    title: "Session keys granted and revoked, agents frozen",
    rows: (r) => r.governance.keys,
    columns: [
      col("at", "Time", "text", (k) => k.atUtc),
      col("kind", "Event", "text", (k) => k.kind),
      col("agent", "Agent", "text", (k) => k.agent),
      col("key", "Key", "hash", (k) => k.key),
      col("valid_until", "Valid until", "text", (k) => k.validUntilUtc),
      col("by", "By", "list", (k) => k.by),
      col("tx_hash", "Transaction", "hash", (k) => k.txHash),
    ],
  };
  type PauseRow = Governance["pauses"][number];
  const pauses: Table<PauseRow> = {
    id: "pauses",
    title: "Pauses and unpauses",
    rows: (r) => r.governance.pauses,
    columns: [
      col("at", "Time", "text", (p) => p.atUtc),
      col("kind", "Event", "text", (p) => p.kind),
      col("by", "By", "list", (p) => p.by),
      col("tx_hash", "Transaction", "hash", (p) => p.txHash),
    ],
  };
  return { totals, governance, funds, keys, pauses, autonomous, supervised, collaborative, blocked, actors };
}

export type ReportTables = ReturnType<typeof reportTables>;
export type AnyTable = ReportTables[keyof ReportTables];

/** The tables in the order the renderers write them. */
export const tableList = (report: ReportView): Table<unknown>[] => Object.values(reportTables(report)) as Table<unknown>[];

/** A cell as plain text (CSV, and the base of the other renderers). */
export const plain = (v: Cell | readonly string[], sep = " "): string =>
  v === null || v === undefined ? "" : Array.isArray(v) ? v.join(sep) : String(v);
