/**
 * Audit reports over a period, built from intent trails (`loadTrails`) alone, with the audit depth of each tier
 * (the autonomy-tiers article):
 *
 * - autonomous → `batch_daily`: per UTC day, count and value per category and per agent (`autonomousDaily`);
 * - supervised → `per_transaction`: one record per intent with its veto window and outcome (`supervised`);
 * - collaborative → `per_transaction_enhanced`: the full chain with justification, every approver and when
 *   (`collaborative`);
 * - prohibited → `attempt_logged`: every blocked attempt (`blocked`);
 *
 * plus totals per tier and per owner (approvals, vetoes, rejections).
 *
 * The period is `[from, to)`. An intent is in the report when it was submitted in the period, or (queued tiers)
 * decided in it. Outcomes are as of `to`: a step after the period is ignored, so the report of a past period
 * does not change when it is built again later. Values are in reference units (6 decimals) as fixed decimal
 * strings (`"47.000000"`); token amounts and block numbers stay bigints (the JSON renderer writes them as
 * strings).
 *
 * Renderers: `renderReportJson`, `renderReportCsv`, `renderReportMarkdown` here, `renderReportHtml` in
 * `report-html.ts`.
 */
import { decodeEventLog, hexToString, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { TIER_NAMES, auditIdFor, type ReasonName, type TierName } from "../../client/intents";
import type { Store, StoredLog } from "../store/types";
import type { IntentTrail, TrailStep } from "../model/trail";

/** A moment: unix seconds (number or bigint) or a Date. */
export type ReportTime = number | bigint | Date;

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

export interface ReportInput {
  trails: readonly IntentTrail[];
  /** period start, inclusive */
  from: ReportTime;
  /** period end, exclusive */
  to: ReportTime;
  /** category id → name (see `categoryNamesFromLogs` / `loadCategoryNames`); unknown ids show as `#<id>` */
  categories?: CategoryNames;
  /** agent id → label; default: the id decoded as text when it is printable, else the hex id */
  agents?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  title?: string;
  wallet?: Address;
  /** shown in the report when given (left out by default so that the output is reproducible) */
  generatedAt?: ReportTime;
}

export interface ReportPeriod {
  from: number;
  to: number;
  fromUtc: string;
  toUtc: string;
}

export interface ReportMeta {
  title: string;
  wallet: Address | null;
  period: ReportPeriod;
  generatedAt: string | null;
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
  categoryId: number;
  category: string;
  token: Address;
  /** token smallest units */
  amount: bigint;
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
  refusal: string | null;
}

export interface ApprovalRecord {
  owner: Address;
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
  justification: string;
  policyVersion: number;
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
  /** still waiting at the end of the period */
  pending: number;
}

export interface ActorTotals {
  address: Address;
  approvals: number;
  vetoes: number;
  rejections: number;
  executions: number;
}

export interface AuditReport {
  meta: ReportMeta;
  totals: TierTotals[];
  autonomousDaily: AutonomousDay[];
  supervised: SupervisedRecord[];
  collaborative: CollaborativeRecord[];
  blocked: BlockedRecord[];
  /** per owner / executor: approvals, vetoes, rejections, executions made in the period */
  actors: ActorTotals[];
  /** value executed in the period per category (all tiers) */
  spendByCategory: { categoryId: number; category: string; count: number; total: string }[];
  /** value executed in the period per UTC day and tier */
  spendByDay: { day: string; autonomous: string; supervised: string; collaborative: string; total: string }[];
  /** intents whose submission is not stored (the sync started after it): not classified, listed here */
  incomplete: Hex[];
}

// --- helpers ------------------------------------------------------------------------------------------------

const SCALE = 1_000_000n;

/** Reference units (6 decimals) as a fixed decimal string: `47000000n` → `"47.000000"`. */
export function formatReferenceUnits(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? "-" : ""}${a / SCALE}.${(a % SCALE).toString().padStart(6, "0")}`;
}

/** The inverse of `formatReferenceUnits` (accepts up to 6 decimals). */
export function parseReferenceUnits(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{0,6}))?$/.exec(s.trim());
  if (!m) throw new Error(`not a reference-unit amount: ${s}`);
  const v = BigInt(m[2]) * SCALE + BigInt((m[3] ?? "").padEnd(6, "0") || "0");
  return m[1] ? -v : v;
}

export const toUnixSeconds = (t: ReportTime): number =>
  t instanceof Date ? Math.floor(t.getTime() / 1000) : Number(t);

/** `2026-06-27T10:00:00Z` */
export const isoUtc = (ts: number): string => new Date(ts * 1000).toISOString().replace(".000Z", "Z");
export const utcDay = (ts: number): string => new Date(ts * 1000).toISOString().slice(0, 10);

const lookup = <K extends string | number>(
  m: ReadonlyMap<K, string> | Readonly<Record<K, string>> | undefined,
  k: K,
): string | undefined => {
  if (!m) return undefined;
  if (m instanceof Map) return (m as ReadonlyMap<K, string>).get(k);
  return (m as Record<K, string>)[k];
};

/** An agent id as text when its bytes are printable ASCII (ids made with `stringToHex(name, { size: 32 })`). */
export function agentLabel(agentId: Hex): string {
  try {
    const text = hexToString(agentId).replace(/\0+$/, "");
    if (text.length > 0 && /^[\x20-\x7e]+$/.test(text)) return text;
  } catch {
    // not text
  }
  return agentId;
}

const bytes32Name = (h: unknown): string => {
  if (typeof h !== "string" || !h.startsWith("0x")) return String(h);
  try {
    return hexToString(h as Hex).replace(/\0+$/, "");
  } catch {
    return h;
  }
};

/**
 * Category names from a wallet's logs in chain order: the latest `CategoryDefined` per id wins. A removed
 * category keeps its last name (intents already recorded still refer to it).
 */
export function categoryNamesFromLogs(logs: readonly StoredLog[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const l of logs) {
    if (l.event !== "CategoryDefined") continue;
    let id: number;
    let name: string;
    try {
      const ev = decodeEventLog({
        abi: tierGuardWalletAbi,
        data: l.data,
        topics: l.topics as [Hex, ...Hex[]],
        strict: true,
      });
      const a = ev.args as { category: number; name: Hex };
      id = Number(a.category);
      name = bytes32Name(a.name);
    } catch {
      id = Number(l.args.category);
      name = bytes32Name(l.args.name);
    }
    out.set(id, name);
  }
  return out;
}

/** `categoryNamesFromLogs` over the wallet's stored `CategoryDefined` logs. */
export async function loadCategoryNames(store: Store, wallet: Address): Promise<Map<number, string>> {
  return categoryNamesFromLogs(await store.logs(wallet, { events: ["CategoryDefined"] }));
}

const stepActor = (s: TrailStep): Address | null => {
  switch (s.kind) {
    case "approved":
      return s.owner;
    case "executed":
      return s.by;
    case "vetoed":
    case "rejected":
      return s.by;
    case "approvals_voided":
      return s.removedOwner;
    default:
      return null;
  }
};

const stepDetail = (s: TrailStep): string | null => {
  if (s.kind === "refused") return `${s.refusal}${s.closed ? " (final)" : " (retryable)"}`;
  if (s.kind === "queued") return s.status;
  if (s.kind === "approvals_voided") return "owner removed";
  return null;
};

const FINAL = new Set(["executed", "vetoed", "rejected", "expired", "stale", "refused", "blocked"]);
const isFinal = (s: TrailStep) => FINAL.has(s.kind) && (s.kind !== "refused" || s.closed);

const byAmountThenKey = <T extends { total: string; key: string }>(a: T, b: T) => {
  const d = parseReferenceUnits(b.total) - parseReferenceUnits(a.total);
  return d > 0n ? 1 : d < 0n ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
};

// --- the report ---------------------------------------------------------------------------------------------

/** Builds the audit report of `[from, to)` from intent trails. */
export function buildReport(input: ReportInput): AuditReport {
  const from = toUnixSeconds(input.from);
  const to = toUnixSeconds(input.to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
    throw new RangeError(`invalid report period: from ${String(input.from)} to ${String(input.to)}`);
  }
  const inPeriod = (ts: number) => ts >= from && ts < to;
  const categoryName = (id: number) => lookup(input.categories, id) ?? `#${id}`;
  const agentName = (id: Hex) => lookup(input.agents, id) ?? lookup(input.agents, id.toLowerCase()) ?? agentLabel(id);

  const totals = new Map<TierName, TierTotals & { sv: bigint; ev: bigint }>(
    TIER_NAMES.map((tier) => [
      tier,
      {
        tier,
        auditDepth: AUDIT_DEPTH[tier],
        submitted: 0,
        submittedValue: "",
        executed: 0,
        executedValue: "",
        vetoed: 0,
        rejected: 0,
        expired: 0,
        stale: 0,
        refused: 0,
        blocked: 0,
        pending: 0,
        sv: 0n,
        ev: 0n,
      },
    ]),
  );
  const days = new Map<
    string,
    {
      count: number;
      total: bigint;
      cat: Map<number, { count: number; total: bigint }>;
      agent: Map<Hex, { count: number; total: bigint }>;
    }
  >();
  const spendCat = new Map<number, { count: number; total: bigint }>();
  const spendDay = new Map<string, Record<"autonomous" | "supervised" | "collaborative", bigint>>();
  const actors = new Map<string, ActorTotals>();
  const actor = (a: Address) => {
    const k = a.toLowerCase();
    let x = actors.get(k);
    if (!x) {
      x = { address: a, approvals: 0, vetoes: 0, rejections: 0, executions: 0 };
      actors.set(k, x);
    }
    return x;
  };
  const addSpend = (
    tier: "autonomous" | "supervised" | "collaborative",
    ts: number,
    categoryId: number,
    value: bigint,
  ) => {
    const t = totals.get(tier)!;
    t.executed++;
    t.ev += value;
    const c = spendCat.get(categoryId) ?? { count: 0, total: 0n };
    c.count++;
    c.total += value;
    spendCat.set(categoryId, c);
    const d = spendDay.get(utcDay(ts)) ?? { autonomous: 0n, supervised: 0n, collaborative: 0n };
    d[tier] += value;
    spendDay.set(utcDay(ts), d);
  };

  const supervised: SupervisedRecord[] = [];
  const collaborative: CollaborativeRecord[] = [];
  const blocked: BlockedRecord[] = [];
  const incomplete: Hex[] = [];

  for (const t of input.trails) {
    const s = t.submitted;
    if (!s) {
      if (t.steps.some((x) => inPeriod(x.timestamp))) incomplete.push(t.intentId);
      continue;
    }
    // the trail as of the end of the period
    const steps = t.steps.filter((x) => x.timestamp < to);
    if (steps.length === 0) continue;
    const decision = steps.find(isFinal);
    const submittedIn = inPeriod(s.timestamp);
    const decidedIn = decision !== undefined && inPeriod(decision.timestamp);
    if (!submittedIn && !decidedIn) continue;

    const tt = totals.get(s.tier)!;
    if (submittedIn) {
      tt.submitted++;
      tt.sv += s.value;
    }
    const identity = (): IntentIdentity => ({
      auditId: auditIdFor(t.intentId, s.timestamp),
      intentId: t.intentId,
      agentId: t.agentId,
      agent: agentName(t.agentId),
      key: s.key,
      recipient: s.recipient,
      categoryId: s.category,
      category: categoryName(s.category),
      token: s.token,
      amount: s.amount,
      value: formatReferenceUnits(s.value),
    });
    const base = (): IntentRecord => ({
      ...identity(),
      justification: s.justification,
      reason: s.reason,
      misses: s.misses.map((m) => `${m.tier}:${m.reason}`),
      policyVersion: s.policyVersion,
      submittedAt: s.timestamp,
      submittedAtUtc: isoUtc(s.timestamp),
      submitTx: s.txHash,
      submitBlock: s.blockNumber,
      submittedInPeriod: submittedIn,
      decidedAt: decision?.timestamp ?? null,
      decidedAtUtc: decision ? isoUtc(decision.timestamp) : null,
      decisionTx: decision?.txHash ?? null,
      txHashes: [...new Set(steps.map((x) => x.txHash))],
    });

    switch (s.tier) {
      case "autonomous": {
        // paid in the submission transaction
        if (!submittedIn) break;
        addSpend("autonomous", s.timestamp, s.category, s.value);
        const day = utcDay(s.timestamp);
        let d = days.get(day);
        if (!d) {
          d = { count: 0, total: 0n, cat: new Map(), agent: new Map() };
          days.set(day, d);
        }
        d.count++;
        d.total += s.value;
        const c = d.cat.get(s.category) ?? { count: 0, total: 0n };
        c.count++;
        c.total += s.value;
        d.cat.set(s.category, c);
        const a = d.agent.get(t.agentId) ?? { count: 0, total: 0n };
        a.count++;
        a.total += s.value;
        d.agent.set(t.agentId, a);
        break;
      }
      case "prohibited": {
        if (!submittedIn) break;
        tt.blocked++;
        blocked.push({
          ...identity(),
          reason: s.reason,
          justification: s.justification,
          policyVersion: s.policyVersion,
          attemptedAt: s.timestamp,
          attemptedAtUtc: isoUtc(s.timestamp),
          txHash: s.txHash,
          blockNumber: s.blockNumber,
        });
        break;
      }
      case "supervised":
      case "collaborative": {
        const outcome = (decision?.kind ?? "pending") as SupervisedOutcome & CollaborativeOutcome;
        const by = decision ? stepActor(decision) : null;
        // counts of decisions made in the period
        if (decidedIn && decision) {
          if (decision.kind === "executed") {
            addSpend(s.tier, decision.timestamp, s.category, s.value);
            if (decision.by) actor(decision.by).executions++;
          } else if (decision.kind === "vetoed") {
            tt.vetoed++;
            actor(decision.by).vetoes++;
          } else if (decision.kind === "rejected") {
            tt.rejected++;
            actor(decision.by).rejections++;
          } else if (decision.kind === "expired") tt.expired++;
          else if (decision.kind === "stale") tt.stale++;
          else if (decision.kind === "refused") tt.refused++;
        }
        if (!decision) tt.pending++;
        for (const x of steps) {
          if (x.kind === "approved" && inPeriod(x.timestamp)) actor(x.owner).approvals++;
        }
        if (s.tier === "supervised") {
          const refusal = steps.filter((x) => x.kind === "refused").at(-1);
          supervised.push({
            ...base(),
            vetoWindowEnd: s.notBefore,
            vetoWindowEndUtc: isoUtc(s.notBefore),
            deadline: s.deadline,
            deadlineUtc: isoUtc(s.deadline),
            outcome,
            by,
            refusal: refusal && refusal.kind === "refused" ? refusal.refusal : null,
          });
        } else {
          const approvals = t.approvals
            .filter((a) => a.timestamp < to)
            .map((a) => ({
              owner: a.owner,
              at: a.timestamp,
              atUtc: isoUtc(a.timestamp),
              txHash: a.txHash,
              voided: a.voided,
            }));
          collaborative.push({
            ...base(),
            deadline: s.deadline,
            deadlineUtc: isoUtc(s.deadline),
            outcome,
            by,
            approvals,
            approvalCount: approvals.filter((a) => !a.voided).length,
            refusals: steps.flatMap((x) =>
              x.kind === "refused"
                ? [
                    {
                      refusal: x.refusal,
                      closed: x.closed,
                      at: x.timestamp,
                      atUtc: isoUtc(x.timestamp),
                      txHash: x.txHash,
                    },
                  ]
                : [],
            ),
            chain: steps.map((x) => ({
              kind: x.kind,
              at: x.timestamp,
              atUtc: isoUtc(x.timestamp),
              txHash: x.txHash,
              blockNumber: x.blockNumber,
              logIndex: x.logIndex,
              actor: stepActor(x),
              detail: stepDetail(x),
            })),
          });
        }
        break;
      }
    }
  }

  const chainOrder = <T extends { submitBlock?: bigint; blockNumber?: bigint; intentId: Hex }>(a: T, b: T) => {
    const x = a.submitBlock ?? a.blockNumber ?? 0n;
    const y = b.submitBlock ?? b.blockNumber ?? 0n;
    return x < y ? -1 : x > y ? 1 : a.intentId < b.intentId ? -1 : a.intentId > b.intentId ? 1 : 0;
  };
  supervised.sort(chainOrder);
  collaborative.sort(chainOrder);
  blocked.sort(chainOrder);

  const autonomousDaily: AutonomousDay[] = [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, d]) => ({
      day,
      count: d.count,
      total: formatReferenceUnits(d.total),
      byCategory: [...d.cat.entries()]
        .map(([id, v]) => ({
          key: String(id),
          categoryId: id,
          label: categoryName(id),
          count: v.count,
          total: formatReferenceUnits(v.total),
        }))
        .sort(byAmountThenKey),
      byAgent: [...d.agent.entries()]
        .map(([id, v]) => ({
          key: id,
          agentId: id,
          label: agentName(id),
          count: v.count,
          total: formatReferenceUnits(v.total),
        }))
        .sort(byAmountThenKey),
    }));

  const generatedAt = input.generatedAt === undefined ? null : isoUtc(toUnixSeconds(input.generatedAt));
  return {
    meta: {
      title: input.title ?? "TierGuard audit report",
      wallet: input.wallet ?? null,
      period: { from, to, fromUtc: isoUtc(from), toUtc: isoUtc(to) },
      generatedAt,
      auditDepth: AUDIT_DEPTH,
    },
    totals: [...totals.values()].map(({ sv, ev, ...t }) => ({
      ...t,
      submittedValue: formatReferenceUnits(sv),
      executedValue: formatReferenceUnits(ev),
    })),
    autonomousDaily,
    supervised,
    collaborative,
    blocked,
    actors: [...actors.values()].sort((a, b) =>
      a.address.toLowerCase() < b.address.toLowerCase()
        ? -1
        : a.address.toLowerCase() > b.address.toLowerCase()
          ? 1
          : 0,
    ),
    spendByCategory: [...spendCat.entries()]
      .sort(([a, x], [b, y]) => (x.total === y.total ? a - b : x.total > y.total ? -1 : 1))
      .map(([id, v]) => ({
        categoryId: id,
        category: categoryName(id),
        count: v.count,
        total: formatReferenceUnits(v.total),
      })),
    spendByDay: [...spendDay.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([day, v]) => ({
        day,
        autonomous: formatReferenceUnits(v.autonomous),
        supervised: formatReferenceUnits(v.supervised),
        collaborative: formatReferenceUnits(v.collaborative),
        total: formatReferenceUnits(v.autonomous + v.supervised + v.collaborative),
      })),
    incomplete,
  };
}

// --- JSON ---------------------------------------------------------------------------------------------------

/** The report as JSON: bigints as decimal strings, 2-space indentation, keys in a fixed order, final newline. */
export function renderReportJson(report: AuditReport): string {
  return `${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

// --- CSV ----------------------------------------------------------------------------------------------------

type Cell = string | number | bigint | boolean | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR, LF or surrounding spaces; quotes doubled.
 * Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed
 * with `'`: justifications are written by agents, not trusted.
 */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return "";
  let s = typeof v === "string" ? v : String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV text: header row + rows, CRLF line ends, final CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** One CSV per section: `totals.csv`, `autonomous_daily.csv`, `supervised.csv`, `collaborative.csv`, `blocked.csv`, `actors.csv`. */
export function renderReportCsv(report: AuditReport): Record<string, string> {
  const approvalsCell = (r: CollaborativeRecord) =>
    r.approvals.map((a) => `${a.owner}@${a.atUtc}${a.voided ? " (voided)" : ""}`).join("; ");
  return {
    "totals.csv": toCsv(
      [
        "tier",
        "audit_depth",
        "submitted",
        "submitted_value",
        "executed",
        "executed_value",
        "vetoed",
        "rejected",
        "expired",
        "stale",
        "refused",
        "blocked",
        "pending",
      ],
      report.totals.map((t) => [
        t.tier,
        t.auditDepth,
        t.submitted,
        t.submittedValue,
        t.executed,
        t.executedValue,
        t.vetoed,
        t.rejected,
        t.expired,
        t.stale,
        t.refused,
        t.blocked,
        t.pending,
      ]),
    ),
    "autonomous_daily.csv": toCsv(
      ["day", "dimension", "key", "label", "count", "total"],
      report.autonomousDaily.flatMap((d) => [
        [d.day, "all", "", "", d.count, d.total],
        ...d.byCategory.map((c) => [d.day, "category", c.categoryId, c.label, c.count, c.total]),
        ...d.byAgent.map((a) => [d.day, "agent", a.agentId, a.label, a.count, a.total]),
      ]),
    ),
    "supervised.csv": toCsv(
      [
        "audit_id",
        "intent_id",
        "agent",
        "agent_id",
        "category",
        "recipient",
        "token",
        "amount",
        "value",
        "justification",
        "submitted_at",
        "veto_window_end",
        "deadline",
        "outcome",
        "by",
        "decided_at",
        "refusal",
        "submit_tx",
        "decision_tx",
        "tx_hashes",
      ],
      report.supervised.map((r) => [
        r.auditId,
        r.intentId,
        r.agent,
        r.agentId,
        r.category,
        r.recipient,
        r.token,
        r.amount,
        r.value,
        r.justification,
        r.submittedAtUtc,
        r.vetoWindowEndUtc,
        r.deadlineUtc,
        r.outcome,
        r.by,
        r.decidedAtUtc,
        r.refusal,
        r.submitTx,
        r.decisionTx,
        r.txHashes.join(" "),
      ]),
    ),
    "collaborative.csv": toCsv(
      [
        "audit_id",
        "intent_id",
        "agent",
        "agent_id",
        "category",
        "recipient",
        "token",
        "amount",
        "value",
        "justification",
        "reason",
        "misses",
        "policy_version",
        "submitted_at",
        "deadline",
        "approval_count",
        "approvers",
        "outcome",
        "by",
        "decided_at",
        "submit_tx",
        "decision_tx",
        "tx_hashes",
      ],
      report.collaborative.map((r) => [
        r.auditId,
        r.intentId,
        r.agent,
        r.agentId,
        r.category,
        r.recipient,
        r.token,
        r.amount,
        r.value,
        r.justification,
        r.reason,
        r.misses.join(" "),
        r.policyVersion,
        r.submittedAtUtc,
        r.deadlineUtc,
        r.approvalCount,
        approvalsCell(r),
        r.outcome,
        r.by,
        r.decidedAtUtc,
        r.submitTx,
        r.decisionTx,
        r.txHashes.join(" "),
      ]),
    ),
    "blocked.csv": toCsv(
      [
        "audit_id",
        "intent_id",
        "agent",
        "agent_id",
        "recipient",
        "category",
        "token",
        "amount",
        "value",
        "reason",
        "justification",
        "attempted_at",
        "tx_hash",
        "block",
      ],
      report.blocked.map((r) => [
        r.auditId,
        r.intentId,
        r.agent,
        r.agentId,
        r.recipient,
        r.category,
        r.token,
        r.amount,
        r.value,
        r.reason,
        r.justification,
        r.attemptedAtUtc,
        r.txHash,
        r.blockNumber,
      ]),
    ),
    "actors.csv": toCsv(
      ["address", "approvals", "vetoes", "rejections", "executions"],
      report.actors.map((a) => [a.address, a.approvals, a.vetoes, a.rejections, a.executions]),
    ),
  };
}

/** Parses CSV text written by `toCsv` (RFC 4180 quoting) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// --- Markdown -----------------------------------------------------------------------------------------------

/** Escapes text for a Markdown table cell: no line breaks, `|` and Markdown/HTML syntax escaped. */
export function mdCell(v: Cell): string {
  if (v === null || v === undefined || v === "") return "";
  return String(v)
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

const code = (v: string | null | undefined) => (v ? `\`${v}\`` : "");

/** Column headers of the report's tables, shared by the Markdown and HTML renderers (and in the same order as
 * the cells each of them writes). */
export const COLUMNS = {
  totals: [
    "Tier",
    "Audit depth",
    "Submitted",
    "Submitted value",
    "Executed",
    "Executed value",
    "Vetoed",
    "Rejected",
    "Expired",
    "Stale",
    "Refused",
    "Blocked",
    "Pending",
  ],
  supervised: [
    "Audit id",
    "Agent",
    "Category",
    "Recipient",
    "Value",
    "Justification",
    "Submitted",
    "Veto window end",
    "Deadline",
    "Outcome",
    "By",
    "Decided",
    "Transactions",
  ],
  collaborative: [
    "Audit id",
    "Agent",
    "Category",
    "Recipient",
    "Value",
    "Justification",
    "Submitted",
    "Deadline",
    "Approvals",
    "Outcome",
    "By",
    "Decided",
    "Transactions",
  ],
  blocked: [
    "Audit id",
    "Agent",
    "Recipient",
    "Category",
    "Value",
    "Reason",
    "Justification",
    "Attempted",
    "Transaction",
  ],
  actors: ["Account", "Approvals", "Vetoes", "Rejections", "Executions"],
} as const;

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "_none_\n";
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}

/** The report as Markdown: one table per section. */
export function renderReportMarkdown(report: AuditReport): string {
  const m = report.meta;
  const out: string[] = [];
  out.push(`# ${mdCell(m.title)}`, "");
  out.push(`- Period: ${m.period.fromUtc} to ${m.period.toUtc} (end exclusive)`);
  if (m.wallet) out.push(`- Wallet: ${code(m.wallet)}`);
  if (m.generatedAt) out.push(`- Generated: ${m.generatedAt}`);
  out.push("- Values in reference units (6 decimals)", "");

  out.push("## Totals per tier", "");
  out.push(
    mdTable(
      COLUMNS.totals,
      report.totals.map((t) =>
        [
          t.tier,
          t.auditDepth,
          t.submitted,
          t.submittedValue,
          t.executed,
          t.executedValue,
          t.vetoed,
          t.rejected,
          t.expired,
          t.stale,
          t.refused,
          t.blocked,
          t.pending,
        ].map(mdCell),
      ),
    ),
  );

  out.push("## Autonomous payments, daily batch (batch\\_daily)", "");
  out.push(
    mdTable(
      ["Day", "Dimension", "Key", "Count", "Total"],
      report.autonomousDaily.flatMap((d) => [
        [mdCell(d.day), "all", "", mdCell(d.count), mdCell(d.total)],
        ...d.byCategory.map((c) => [mdCell(d.day), "category", mdCell(c.label), mdCell(c.count), mdCell(c.total)]),
        ...d.byAgent.map((a) => [mdCell(d.day), "agent", mdCell(a.label), mdCell(a.count), mdCell(a.total)]),
      ]),
    ),
  );

  out.push("## Supervised payments (per\\_transaction)", "");
  out.push(
    mdTable(
      COLUMNS.supervised,
      report.supervised.map((r) => [
        mdCell(r.auditId),
        mdCell(r.agent),
        mdCell(r.category),
        code(r.recipient),
        mdCell(r.value),
        mdCell(r.justification),
        mdCell(r.submittedAtUtc),
        mdCell(r.vetoWindowEndUtc),
        mdCell(r.deadlineUtc),
        mdCell(r.outcome),
        code(r.by),
        mdCell(r.decidedAtUtc),
        r.txHashes.map(code).join(" "),
      ]),
    ),
  );

  out.push("## Collaborative payments (per\\_transaction\\_enhanced)", "");
  out.push(
    mdTable(
      COLUMNS.collaborative,
      report.collaborative.map((r) => [
        mdCell(r.auditId),
        mdCell(r.agent),
        mdCell(r.category),
        code(r.recipient),
        mdCell(r.value),
        mdCell(r.justification),
        mdCell(r.submittedAtUtc),
        mdCell(r.deadlineUtc),
        r.approvals.map((a) => `${code(a.owner)} at ${mdCell(a.atUtc)}${a.voided ? " (voided)" : ""}`).join("<br>"),
        mdCell(r.outcome),
        code(r.by),
        mdCell(r.decidedAtUtc),
        r.txHashes.map(code).join(" "),
      ]),
    ),
  );
  for (const r of report.collaborative) {
    out.push(`### ${mdCell(r.auditId)}: lifecycle`, "");
    out.push(
      mdTable(
        ["Step", "Time", "Actor", "Detail", "Transaction", "Block", "Log index"],
        r.chain.map((s) => [
          mdCell(s.kind),
          mdCell(s.atUtc),
          code(s.actor),
          mdCell(s.detail),
          code(s.txHash),
          mdCell(s.blockNumber),
          mdCell(s.logIndex),
        ]),
      ),
    );
  }

  out.push("## Blocked attempts (attempt\\_logged)", "");
  out.push(
    mdTable(
      COLUMNS.blocked,
      report.blocked.map((r) => [
        mdCell(r.auditId),
        mdCell(r.agent),
        code(r.recipient),
        mdCell(r.category),
        mdCell(r.value),
        mdCell(r.reason),
        mdCell(r.justification),
        mdCell(r.attemptedAtUtc),
        code(r.txHash),
      ]),
    ),
  );

  out.push("## Approvals, vetoes and rejections per account", "");
  out.push(
    mdTable(
      COLUMNS.actors,
      report.actors.map((a) => [
        code(a.address),
        mdCell(a.approvals),
        mdCell(a.vetoes),
        mdCell(a.rejections),
        mdCell(a.executions),
      ]),
    ),
  );
  if (report.incomplete.length > 0) {
    out.push("## Incomplete trails", "", "Submission not indexed (the sync started after it):", "");
    for (const id of report.incomplete) out.push(`- ${code(id)}`);
    out.push("");
  }
  return out.join("\n");
}
