/**
 * Builds the audit report of a period from intent trails, the policy history and the governance logs, with
 * the audit depth of each tier (the autonomy-tiers article):
 *
 * - autonomous → `batch_daily`: per UTC day, count and value per category and per agent;
 * - supervised → `per_transaction`: one record per intent with its veto window and outcome;
 * - collaborative → `per_transaction_enhanced`: the full chain with justification, every approver and when;
 * - prohibited → `attempt_logged`: every blocked attempt, apart from spend (never counted as paid);
 *
 * plus totals per tier and per owner, and the governance section. The period is `[from, to)`; `from` defaults
 * to the first record's time. An intent is in the report when it was submitted in the period, or (queued
 * tiers) decided in it. Outcomes are as of `to`, so the report of a past period does not change when it is
 * built again later. Labels are those in force at each record's block (`PolicyHistory`).
 */
import { createHash } from "node:crypto";
import { formatUnits, type Address, type Hex } from "viem";
import { TIER_NAMES, auditIdFor, type TierName } from "../../client/intents";
import type { IntentTrail, TrailStep } from "../model/trail";
import type { AutonomousGroup } from "../store/report-reads";
import type { StoredLog } from "../store/types";
import { formatReferenceUnits, isoUtc, parseReferenceUnits, toUnixSeconds, utcDay, type ReportTime } from "./format";
import { buildGovernance } from "./governance";
import { PolicyHistory } from "./history";
import { createLabels, type Labels } from "./labels";
import { memoryRecords, type RecordSink } from "./records";
import { reportJsonChunks } from "./render-text";
import {
  AUDIT_DEPTH,
  type ActorTotals,
  type AuditReport,
  type AutonomousDay,
  type BlockedRecord,
  type CategoryNames,
  type CollaborativeOutcome,
  type CollaborativeRecord,
  type IntentIdentity,
  type IntentRecord,
  type ReportView,
  type SupervisedOutcome,
  type SupervisedRecord,
  type TierTotals,
} from "./model";

export interface ReportInput {
  trails: readonly IntentTrail[];
  /** period start, inclusive (default: the first record's time) */
  from?: ReportTime;
  /** period end, exclusive */
  to: ReportTime;
  /**
   * The wallet's configuration and fund logs (`CONFIG_EVENTS`, `Deposited`, `Withdrawn`): the policy history
   * records are labelled with, and the governance section. Without them, `categories` names the categories.
   */
  configLogs?: readonly StoredLog[];
  /** category id → name, used only without `configLogs`; unknown ids show as `#<id>` */
  categories?: CategoryNames;
  /** names for agents, addresses and tokens (e.g. from the policy file) */
  labels?: Labels;
  title?: string;
  wallet?: Address;
  chainId?: number;
  /** default: now */
  generatedAt?: ReportTime | null;
  toolVersion?: string;
}

const stepActor = (s: TrailStep): Address | null => {
  switch (s.kind) {
    case "approved":
      return s.owner;
    case "executed":
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
const lookup = (m: CategoryNames | undefined, k: number) => (m instanceof Map ? m.get(k) : (m as Record<number, string> | undefined)?.[k]);
const addressOrder = (a: { address: string }, b: { address: string }) =>
  a.address.toLowerCase() < b.address.toLowerCase() ? -1 : a.address.toLowerCase() > b.address.toLowerCase() ? 1 : 0;

/** The JSON the content hash covers: everything but the generation time and the hash itself. */
export function contentHashOf(report: ReportView): string {
  const { generatedAt: _g, contentHash: _h, ...meta } = report.meta;
  const hash = createHash("sha256");
  for (const chunk of reportJsonChunks({ ...report, meta: meta as ReportView["meta"] }, 0)) hash.update(chunk);
  return `sha256:${hash.digest("hex")}`;
}

/** Where the per-record tables are kept while the report is built (default: in memory). */
export interface RecordSinks {
  supervised: RecordSink<SupervisedRecord>;
  collaborative: RecordSink<CollaborativeRecord>;
  blocked: RecordSink<BlockedRecord>;
}

/**
 * The report built record by record, so that a store can stream its intents through it (`loadReport`): memory
 * holds the daily aggregates, never the history; the per-record tables (supervised, collaborative, blocked) go
 * to `records` (default: in memory; `streamReport` writes them to files). `firstRecord` is the earliest record's
 * time (the period's default start).
 */
export function reportBuilder(input: Omit<ReportInput, "trails"> & { firstRecord?: number; records?: RecordSinks }) {
  const labels = input.labels ?? createLabels();
  const history = PolicyHistory.fromLogs(input.configLogs ?? [], input.wallet ?? "0x0000000000000000000000000000000000000000");
  let firstRecord = input.firstRecord ?? Number.POSITIVE_INFINITY;
  for (const l of input.configLogs ?? []) if (l.timestamp < firstRecord) firstRecord = l.timestamp;
  const from = input.from !== undefined ? toUnixSeconds(input.from) : Number.isFinite(firstRecord) ? firstRecord : toUnixSeconds(input.to);
  const to = toUnixSeconds(input.to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
    throw new RangeError(`invalid report period: from ${String(input.from)} to ${String(input.to)}`);
  }
  const inPeriod = (ts: number) => ts >= from && ts < to;
  const categoryAt = (id: number, block: bigint, logIndex: number) =>
    input.configLogs ? history.categoryName(id, block, logIndex) : (lookup(input.categories, id) ?? `#${id}`);
  /** per category, its first record in chain order: the charts and per-day tables show the name it had there */
  const categoryFirst = new Map<number, { blockNumber: bigint; logIndex: number }>();
  const noteCategory = (id: number, blockNumber: bigint, logIndex: number) => {
    const x = categoryFirst.get(id);
    if (!x || blockNumber < x.blockNumber || (blockNumber === x.blockNumber && logIndex < x.logIndex)) categoryFirst.set(id, { blockNumber, logIndex });
  };

  const totals = new Map<TierName, TierTotals & { sv: bigint; ev: bigint; bv: bigint }>(
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
        blockedValue: "",
        pending: 0,
        sv: 0n,
        ev: 0n,
        bv: 0n,
      },
    ]),
  );
  type Sum = { count: number; total: bigint };
  const add = <K>(m: Map<K, Sum>, k: K, v: bigint, n = 1) => {
    const x = m.get(k) ?? { count: 0, total: 0n };
    x.count += n;
    x.total += v;
    m.set(k, x);
  };
  const days = new Map<string, Sum & { cat: Map<number, Sum>; agent: Map<Hex, Sum> }>();
  const spendCat = new Map<number, Sum>();
  const spendDay = new Map<string, Record<"autonomous" | "supervised" | "collaborative", bigint>>();
  const actors = new Map<string, ActorTotals>();
  const actor = (a: Address) => {
    const k = a.toLowerCase();
    let x = actors.get(k);
    if (!x) actors.set(k, (x = { address: a, label: labels.address(a), approvals: 0, vetoes: 0, rejections: 0, executions: 0 }));
    return x;
  };
  const addSpend = (tier: "autonomous" | "supervised" | "collaborative", day: string, categoryId: number, value: bigint, n = 1) => {
    const t = totals.get(tier)!;
    t.executed += n;
    t.ev += value;
    add(spendCat, categoryId, value, n);
    const d = spendDay.get(day) ?? { autonomous: 0n, supervised: 0n, collaborative: 0n };
    d[tier] += value;
    spendDay.set(day, d);
  };

  const { supervised, collaborative, blocked } = input.records ?? {
    supervised: memoryRecords<SupervisedRecord>(),
    collaborative: memoryRecords<CollaborativeRecord>(),
    blocked: memoryRecords<BlockedRecord>(),
  };
  const incomplete: Hex[] = [];
  let minBlock: bigint | undefined;
  let maxBlock: bigint | undefined;
  const seenBlock = (b: bigint) => {
    if (minBlock === undefined || b < minBlock) minBlock = b;
    if (maxBlock === undefined || b > maxBlock) maxBlock = b;
  };

  /** `n` autonomous payments of one day, category and agent, worth `value` together */
  const payAutonomous = (day: string, categoryId: number, value: bigint, agentId: Hex, n = 1) => {
    addSpend("autonomous", day, categoryId, value, n);
    let d = days.get(day);
    if (!d) days.set(day, (d = { count: 0, total: 0n, cat: new Map(), agent: new Map() }));
    d.count += n;
    d.total += value;
    add(d.cat, categoryId, value, n);
    add(d.agent, agentId, value, n);
  };

  /** Adds an intent's trail (in any order: the tables are sorted by `finish`). */
  const addTrail = (t: IntentTrail): void => {
      const s = t.submitted;
      if (!s) {
        if (t.steps.some((x) => inPeriod(x.timestamp))) incomplete.push(t.intentId);
        return;
      }
      // the trail as of the end of the period
      const steps = t.steps.filter((x) => x.timestamp < to);
      if (steps.length === 0) return;
      const decision = steps.find(isFinal);
      const submittedIn = inPeriod(s.timestamp);
      const decidedIn = decision !== undefined && inPeriod(decision.timestamp);
      if (!submittedIn && !decidedIn) return;
      for (const x of steps) if (inPeriod(x.timestamp)) seenBlock(x.blockNumber);

      const tt = totals.get(s.tier)!;
      if (submittedIn) {
        tt.submitted++;
        tt.sv += s.value;
      }
      const snapshot = history.at(s.blockNumber, s.logIndex);
      const category = categoryAt(s.category, s.blockNumber, s.logIndex);
      noteCategory(s.category, s.blockNumber, s.logIndex);
      const token = labels.token(s.token, snapshot.state);
      const identity = (): IntentIdentity => ({
        auditId: auditIdFor(t.intentId, s.timestamp),
        intentId: t.intentId,
        agentId: t.agentId,
        agent: labels.agent(t.agentId),
        key: s.key,
        recipient: s.recipient,
        recipientLabel: labels.address(s.recipient),
        categoryId: s.category,
        category,
        token: s.token,
        tokenSymbol: token.symbol,
        amount: s.amount,
        amountFormatted: token.decimals === undefined ? s.amount.toString() : formatUnits(s.amount, token.decimals),
        value: formatReferenceUnits(s.value),
      });
      const tierIndex = TIER_NAMES.indexOf(s.tier);
      const base = (): IntentRecord => ({
        ...identity(),
        justification: s.justification,
        reason: s.reason,
        misses: s.misses.map((m) => `${m.tier}:${m.reason}`),
        policyVersion: s.policyVersion,
        tierLimit: input.configLogs && tierIndex < 3 ? formatReferenceUnits(snapshot.state.tierRules[tierIndex].maxValue) : null,
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
          if (submittedIn) payAutonomous(utcDay(s.timestamp), s.category, s.value, t.agentId);
          break;
        }
        case "prohibited": {
          if (!submittedIn) break;
          tt.blocked++;
          tt.bv += s.value;
          const { misses, reason, policyVersion, justification } = base();
          blocked.push({
            ...identity(),
            reason,
            misses,
            justification,
            policyVersion,
            tierLimit: null,
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
          if (decidedIn && decision) {
            if (decision.kind === "executed") {
              addSpend(s.tier, utcDay(decision.timestamp), s.category, s.value);
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
          for (const x of steps) if (x.kind === "approved" && inPeriod(x.timestamp)) actor(x.owner).approvals++;
          const decided = { deadline: s.deadline, deadlineUtc: isoUtc(s.deadline), outcome, by, byLabel: by ? labels.address(by) : null };
          if (s.tier === "supervised") {
            const refusal = steps.filter((x) => x.kind === "refused").at(-1);
            supervised.push({
              ...base(),
              vetoWindowEnd: s.notBefore,
              vetoWindowEndUtc: isoUtc(s.notBefore),
              ...decided,
              refusal: refusal && refusal.kind === "refused" ? refusal.refusal : null,
            });
          } else {
            const approvals = t.approvals
              .filter((a) => a.timestamp < to)
              .map((a) => ({ owner: a.owner, ownerLabel: labels.address(a.owner), at: a.timestamp, atUtc: isoUtc(a.timestamp), txHash: a.txHash, voided: a.voided }));
            collaborative.push({
              ...base(),
              ...decided,
              approvals,
              approvalCount: approvals.filter((a) => !a.voided).length,
              refusals: steps.flatMap((x) =>
                x.kind === "refused" ? [{ refusal: x.refusal, closed: x.closed, at: x.timestamp, atUtc: isoUtc(x.timestamp), txHash: x.txHash }] : [],
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
  };

  /**
   * Adds autonomous payments known from the intents table without their logs, summed per UTC day, category and
   * agent (`autonomousGroups`: submitted in the period).
   */
  const addAutonomousGroup = (g: AutonomousGroup): void => {
    seenBlock(g.first.blockNumber);
    seenBlock(g.lastBlock);
    noteCategory(g.category, g.first.blockNumber, g.first.logIndex);
    const tt = totals.get("autonomous")!;
    tt.submitted += g.count;
    tt.sv += g.total;
    payAutonomous(utcDay(g.day * 86_400), g.category, g.total, g.agentId, g.count);
  };

  /** The report of everything added. */
  const finish = (): ReportView => {

    const catLabel = (id: number) => {
      const first = categoryFirst.get(id);
      return first ? categoryAt(id, first.blockNumber, first.logIndex) : `#${id}`;
    };
    const autonomousDaily: AutonomousDay[] = [...days.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([day, d]) => ({
        day,
        count: d.count,
        total: formatReferenceUnits(d.total),
        byCategory: [...d.cat.entries()]
          .map(([id, v]) => ({ key: String(id), categoryId: id, label: catLabel(id), count: v.count, total: formatReferenceUnits(v.total) }))
          .sort(byAmountThenKey),
        byAgent: [...d.agent.entries()]
          .map(([id, v]) => ({ key: id, agentId: id, label: labels.agent(id), count: v.count, total: formatReferenceUnits(v.total) }))
          .sort(byAmountThenKey),
      }));

    const governance = buildGovernance({ logs: input.configLogs ?? [], history, from, to, labels });
    for (const a of governance.actions) seenBlock(a.blockNumber);
    for (const f of governance.funds) seenBlock(f.blockNumber);
    const generatedAt = input.generatedAt === null ? null : isoUtc(toUnixSeconds(input.generatedAt ?? new Date()));
    const report: ReportView = {
      meta: {
        title: input.title ?? "TierGuard audit report",
        wallet: input.wallet ?? null,
        chainId: input.chainId ?? null,
        blockRange: minBlock === undefined ? null : { from: minBlock.toString(), to: maxBlock!.toString() },
        period: { from, to, fromUtc: isoUtc(from), toUtc: isoUtc(to) },
        currency: labels.currency,
        generatedAt,
        toolVersion: input.toolVersion ?? "unspecified",
        contentHash: "",
        auditDepth: AUDIT_DEPTH,
      },
      totals: [...totals.values()].map(({ sv, ev, bv, ...t }) => ({
        ...t,
        submittedValue: formatReferenceUnits(sv),
        executedValue: formatReferenceUnits(ev),
        blockedValue: formatReferenceUnits(bv),
      })),
      governance,
      autonomousDaily,
      supervised: supervised.finish(),
      collaborative: collaborative.finish(),
      blocked: blocked.finish(),
      actors: [...actors.values()].sort(addressOrder),
      spendByCategory: [...spendCat.entries()]
        .sort(([a, x], [b, y]) => (x.total === y.total ? a - b : x.total > y.total ? -1 : 1))
        .map(([id, v]) => ({ categoryId: id, category: catLabel(id), count: v.count, total: formatReferenceUnits(v.total) })),
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
    report.meta.contentHash = contentHashOf(report);
    return report;
  };

  return { period: { from, to }, addTrail, addAutonomousGroup, finish };
}

/** Builds the audit report of `[from, to)` from trails in memory. */
export function buildReport(input: ReportInput): AuditReport {
  let firstRecord = Number.POSITIVE_INFINITY;
  for (const t of input.trails) {
    if (t.submitted) firstRecord = Math.min(firstRecord, t.submitted.timestamp);
    else for (const x of t.steps) firstRecord = Math.min(firstRecord, x.timestamp);
  }
  const b = reportBuilder({ ...input, firstRecord });
  for (const t of input.trails) b.addTrail(t);
  return b.finish() as AuditReport; // records kept in memory: arrays
}
