/**
 * The audit report's data model. Values are in the reference currency (6 decimals) as fixed decimal strings
 * (`"47.000000"`); token amounts and block numbers stay bigints (the JSON renderer writes them as strings).
 * Every record carries the labels in force at its block (category name, its tier's limit, policy version).
 */
import type { Address, Hex } from "viem";
import type { ReasonName, TierName } from "../../client/intents";
import type { TrailStep } from "../model/trail";
import type { Governance } from "./governance";

/** Audit depth per tier, as in the article. */
export const AUDIT_DEPTH = {
  autonomous: "batch_daily",
  supervised: "per_transaction",
  collaborative: "per_transaction_enhanced",
  prohibited: "attempt_logged",
} as const satisfies Record<TierName, string>;
export type AuditDepth = (typeof AUDIT_DEPTH)[TierName];

/** Category id → name (a Map or a plain object). */
export type CategoryNames = ReadonlyMap<number, string> | Readonly<Record<number, string>>;

export interface ReportPeriod {
  from: number;
  to: number;
  fromUtc: string;
  toUtc: string;
}

export interface ReportMeta {
  title: string;
  wallet: Address | null;
  chainId: number | null;
  /** the blocks the records come from (null: no record in the period) */
  blockRange: { from: string; to: string } | null;
  period: ReportPeriod;
  /** the reference currency values are in */
  currency: string;
  generatedAt: string | null;
  toolVersion: string;
  /** sha256 of the report's JSON without `generatedAt` and this field: same records, same hash */
  contentHash: string;
  auditDepth: typeof AUDIT_DEPTH;
}

export interface DailyBucket {
  key: string;
  label: string;
  count: number;
  total: string;
}

export interface AutonomousDay {
  /** UTC date, yyyy-mm-dd */
  day: string;
  count: number;
  total: string;
  byCategory: (DailyBucket & { categoryId: number })[];
  byAgent: (DailyBucket & { agentId: Hex })[];
}

/** Who paid whom, what and how much: the fields every record of an intent starts with. */
export interface IntentIdentity {
  auditId: string;
  intentId: Hex;
  agentId: Hex;
  agent: string;
  key: Address;
  recipient: Address;
  /** the policy's label for the recipient, or null */
  recipientLabel: string | null;
  categoryId: number;
  /** the category's name at the intent's block */
  category: string;
  token: Address;
  /** the token's symbol (the policy's name for it, ETH, or its address) */
  tokenSymbol: string;
  /** token smallest units */
  amount: bigint;
  /** in whole tokens when the decimals are known, else smallest units */
  amountFormatted: string;
  /** reference units, 6 decimals */
  value: string;
}

/** Common fields of the per-transaction records. */
export interface IntentRecord extends IntentIdentity {
  justification: string;
  reason: ReasonName;
  /** earlier tiers and why they failed, e.g. `autonomous:CategoryNotAllowed` */
  misses: string[];
  policyVersion: number;
  /** the max value per intent of the intent's tier at its block */
  tierLimit: string | null;
  submittedAt: number;
  submittedAtUtc: string;
  submitTx: Hex;
  submitBlock: bigint;
  /** the intent was submitted inside the period (else: before it, and decided inside it) */
  submittedInPeriod: boolean;
  decidedAt: number | null;
  decidedAtUtc: string | null;
  decisionTx: Hex | null;
  /** every transaction of the intent's trail (within the period), in chain order, without repeats */
  txHashes: Hex[];
}

export type SupervisedOutcome = "executed" | "vetoed" | "stale" | "refused" | "pending";
export type CollaborativeOutcome = "executed" | "rejected" | "expired" | "refused" | "pending";

export interface SupervisedRecord extends IntentRecord {
  /** end of the veto window (exclusive): execution possible from then on */
  vetoWindowEnd: number;
  vetoWindowEndUtc: string;
  /** end of the grace period: stale from then on */
  deadline: number;
  deadlineUtc: string;
  outcome: SupervisedOutcome;
  /** who vetoed or executed (null: stale, refused, pending) */
  by: Address | null;
  byLabel: string | null;
  refusal: string | null;
}

export interface ApprovalRecord {
  owner: Address;
  ownerLabel: string | null;
  at: number;
  atUtc: string;
  txHash: Hex;
  /** voided by an owner removal while the intent was open */
  voided: boolean;
}

export interface ChainStep {
  kind: TrailStep["kind"];
  at: number;
  atUtc: string;
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  /** owner / executor / vetoer / rejecter, when the step has one */
  actor: Address | null;
  /** refusals: the refusal name; queued: the queue status */
  detail: string | null;
}

export interface CollaborativeRecord extends IntentRecord {
  /** end of the approval timeout */
  deadline: number;
  deadlineUtc: string;
  outcome: CollaborativeOutcome;
  by: Address | null;
  byLabel: string | null;
  approvals: ApprovalRecord[];
  /** approvals not voided */
  approvalCount: number;
  /** retryable and final refusals, in order */
  refusals: { refusal: string; closed: boolean; at: number; atUtc: string; txHash: Hex }[];
  /** the full lifecycle */
  chain: ChainStep[];
}

export interface BlockedRecord extends IntentIdentity {
  reason: ReasonName;
  misses: string[];
  justification: string;
  policyVersion: number;
  /** always null: a blocked attempt matched no tier (kept for the shared columns) */
  tierLimit: null;
  attemptedAt: number;
  attemptedAtUtc: string;
  txHash: Hex;
  blockNumber: bigint;
}

export interface TierTotals {
  tier: TierName;
  auditDepth: AuditDepth;
  /** intents submitted in the period */
  submitted: number;
  /** value of the intents submitted in the period */
  submittedValue: string;
  /** payments made in the period (autonomous at submission, queued ones at execution) */
  executed: number;
  executedValue: string;
  vetoed: number;
  rejected: number;
  expired: number;
  stale: number;
  refused: number;
  blocked: number;
  /** value of the blocked attempts (never paid; prohibited tier only) */
  blockedValue: string;
  /** still waiting at the end of the period */
  pending: number;
}

export interface ActorTotals {
  address: Address;
  label: string | null;
  approvals: number;
  vetoes: number;
  rejections: number;
  executions: number;
}

export interface AuditReport {
  meta: ReportMeta;
  totals: TierTotals[];
  governance: Governance;
  autonomousDaily: AutonomousDay[];
  supervised: SupervisedRecord[];
  collaborative: CollaborativeRecord[];
  blocked: BlockedRecord[];
  /** per owner / executor: approvals, vetoes, rejections, executions made in the period */
  actors: ActorTotals[];
  /** value paid in the period per category (all tiers; blocked attempts are not spend) */
  spendByCategory: { categoryId: number; category: string; count: number; total: string }[];
  /** value paid in the period per UTC day and tier */
  spendByDay: { day: string; autonomous: string; supervised: string; collaborative: string; total: string }[];
  /** intents whose submission is not stored (the sync started after it): not classified, listed here */
  incomplete: Hex[];
}

/** A table's records: an array, or a list read back from a file (iterable again and again, with its length). */
export type RecordList<T> = Iterable<T> & { readonly length: number };

/**
 * The report as the renderers read it: an `AuditReport`, or one streamed from a store (`writeReportFiles` of
 * `streamReport`) whose per-record tables are read back from files instead of held in memory.
 */
export type ReportView = Omit<AuditReport, "supervised" | "collaborative" | "blocked"> & {
  supervised: RecordList<SupervisedRecord>;
  collaborative: RecordList<CollaborativeRecord>;
  blocked: RecordList<BlockedRecord>;
};
