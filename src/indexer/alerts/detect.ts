/**
 * Alert detection: turns a wallet's logs, in chain order, into alerts. Pure: the state it needs across batches
 * (category names, policy version, each tier's budget window) travels in a `DetectorState` that the outbox
 * stores beside its cursor, so a restart resumes exactly where the last committed batch ended.
 *
 * Kinds: a blocked attempt (critical), a veto, a withdrawal, a pause (critical) and an unpause, a frozen agent
 * (critical), a policy change (one alert per owner action, with every change it made), and a tier's budget
 * crossing 80% and 100% of its max; with `queued: true` (the owners' console), also every supervised or
 * collaborative intent that starts waiting for the owners (`intent_queued`, with the token, raw amount, veto
 * window end and deadline in `details`).
 * Every alert names the log it comes from; its `key` (kind + that log's identity, block hash included) makes
 * producing it twice impossible and tells a reorged-away alert from the new branch's one.
 */
import type { Address, Hex } from "viem";
import { REASON_NAMES, TIER_NAMES, decodeDetails, type SubmittedArgs, type TierName } from "../../client/intents";
import { agentLabel, formatReferenceUnits, isoUtc } from "../report/format";
import { POLICY_CHANGE_EVENTS, categoryLabel, decodeStoredLog } from "../model/state";
import type { StoredLog } from "../store/types";

export type AlertKind =
  | "blocked"
  | "vetoed"
  | "withdrawal"
  | "paused"
  | "unpaused"
  | "policy_changed"
  | "budget_threshold"
  | "agent_frozen"
  | "retracted"
  | "intent_queued";

export type AlertSeverity = "critical" | "warning" | "info";

export interface Alert {
  /** the outbox's id (a decimal string); null for an alert not stored yet */
  id: string | null;
  /** unique per alert: kind, then the source log's transaction, log index and block hash */
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  intentId: Hex | null;
  agentId: Hex | null;
  agent: string | null;
  tier: TierName | null;
  recipient: Address | null;
  categoryId: number | null;
  /** the category's name as of the alert's block */
  category: string | null;
  /** reference units, 6 decimals (null when not an amount in the reference currency) */
  value: string | null;
  /** blocked: the prohibition reason; budget_threshold: "80%" or "100%" */
  reason: string | null;
  /** vetoed: who vetoed; paused: who paused; policy_changed: the owner action's signers, comma-separated */
  by: string | null;
  justification: string | null;
  /** retracted: the id of the alert it withdraws (its log is no longer on the chain) */
  retracts: string | null;
  /** kind-specific facts (withdrawal token/amount, policy change lines, budget max/spent, the retracted alert) */
  details: Record<string, unknown>;
  txHash: Hex;
  blockHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  timestamp: number;
  at: string;
  message: string;
}

/** A tier's budget window as the wallet keeps it (reference units as decimal strings, JSON-safe). */
export interface BudgetWindow {
  max: string;
  period: number;
  start: number;
  spent: string;
}

/** What detection carries from one batch to the next. JSON-safe (stored beside the cursor). */
export interface DetectorState {
  categories: Record<string, string>;
  policyVersion: number;
  /** Autonomous, Supervised, Collaborative */
  budgets: [BudgetWindow, BudgetWindow, BudgetWindow];
  /** queued intents counted against a budget: intent id -> tier (a release gives the value back to that tier) */
  openBudgeted: Record<string, number>;
}

export const initialDetectorState = (): DetectorState => ({
  categories: {},
  policyVersion: 0,
  budgets: [0, 1, 2].map(() => ({ max: "0", period: 0, start: 0, spent: "0" })) as DetectorState["budgets"],
  openBudgeted: {},
});

/** The submission facts an alert about a later step needs (`submissions` argument of `detectAlerts`). */
export type KnownSubmissions = ReadonlyMap<string, StoredLog>;

/** Budget thresholds alerted, in percent of the tier's max. */
export const BUDGET_THRESHOLDS = [80, 100] as const;

const POLICY_EVENTS = new Set<string>(POLICY_CHANGE_EVENTS);

const TIER_TITLE = (t: number) => TIER_NAMES[t] ?? `tier ${t}`;

/** Lines for a policy change alert, one per event. */
function changeLine(event: string, a: Record<string, unknown>, categories: Record<string, string>): string {
  switch (event) {
    case "CategoryDefined":
      return `category ${a.category} defined as "${categoryLabel(a.name as Hex)}"`;
    case "CategoryRemoved":
      return `category ${a.category} (${categories[String(a.category)] ?? "?"}) removed`;
    case "TierRulesSet": {
      const r = a.rules as { maxValue: bigint };
      return `tier ${TIER_TITLE(Number(a.tier))} rules set (max ${formatReferenceUnits(BigInt(r.maxValue))})`;
    }
    case "BudgetSet":
      return BigInt(a.max as bigint) === 0n
        ? `tier ${TIER_TITLE(Number(a.tier))} budget removed`
        : `tier ${TIER_TITLE(Number(a.tier))} budget ${formatReferenceUnits(BigInt(a.max as bigint))} per ${a.period}s`;
    case "ProhibitionsSet":
      return "prohibitions set";
    case "UnmatchedTierSet":
      return `unmatched intents go to ${TIER_TITLE(Number(a.tier))}`;
    case "AutoPromoteSet":
      return `auto-promotion ${a.enabled ? "on" : "off"}`;
    case "MaxOpenIntentsSet":
      return `at most ${a.maxOpenIntents} open intents per agent`;
    case "MaxBlockedAttemptsSet":
      return `at most ${a.maxBlockedAttempts} blocked attempts per agent per day`;
    case "TokenConfigured":
      return `token ${a.token} configured`;
    case "TokenRemoved":
      return `token ${a.token} removed`;
    case "OwnerAdded":
      return `owner ${a.owner} added`;
    case "OwnerRemoved":
      return `owner ${a.owner} removed`;
    case "ThresholdChanged":
      return `threshold set to ${a.threshold}`;
    case "GuardianSet":
      return `guardian ${a.guardian} ${a.enabled ? "enabled" : "disabled"}`;
    default:
      return `policy version ${a.policyVersion}`;
  }
}

/**
 * Detects the alerts of `logs` (one wallet's, chain order) and returns them with the state after the last log.
 * `submissions` holds the `IntentSubmitted` logs of intents decided in `logs` but submitted earlier (a veto's
 * alert describes the vetoed payment). `emit: false` only advances the state (starting alerts "from now").
 */
export function detectAlerts(
  logs: readonly StoredLog[],
  before: DetectorState,
  opts: { submissions?: KnownSubmissions; emit?: boolean; queued?: boolean } = {},
): { alerts: Alert[]; state: DetectorState } {
  const state: DetectorState = structuredClone(before);
  const emit = opts.emit ?? true;
  const alerts: Alert[] = [];
  const submissions = new Map(opts.submissions ?? []);
  state.openBudgeted ??= {};
  const budgets = state.budgets.map((b) => ({ ...b, maxN: BigInt(b.max), spentN: BigInt(b.spent) }));
  // policy events of one transaction make one alert, pushed when the transaction's logs end
  let change: { log: StoredLog; lines: string[]; signers: Address[]; version: number; at: number } | undefined;
  const flushChange = () => {
    // only owner actions change the configuration (the deployment's owners and threshold are no change)
    if (change && emit && change.signers.length > 0 && change.lines.length > 0) {
      const c = change;
      alerts.splice(
        c.at,
        0,
        make(c.log, "policy_changed", "warning", {
          by: c.signers.length > 0 ? c.signers.join(",") : null,
          details: { policyVersion: c.version, changes: c.lines, signers: c.signers },
          message: `policy changed${c.version ? ` to version ${c.version}` : ""}${
            c.signers.length > 0 ? ` by ${c.signers.join(", ")}` : ""
          }: ${c.lines.join("; ")}`,
        }),
      );
    }
    change = undefined;
  };

  for (const l of logs) {
    if (change && change.log.txHash.toLowerCase() !== l.txHash.toLowerCase()) flushChange();
    const { eventName, args: a } = decodeStoredLog(l);
    if (POLICY_EVENTS.has(eventName) || eventName === "OwnerActionExecuted") {
      if (!change) change = { log: l, lines: [], signers: [], version: state.policyVersion, at: alerts.length };
      if (eventName === "OwnerActionExecuted") change.signers = [...(a.signers as Address[])];
      else if (eventName !== "PolicyVersionChanged") change.lines.push(changeLine(eventName, a, state.categories));
      if ("policyVersion" in a) change.version = Math.max(change.version, Number(a.policyVersion));
    }
    switch (eventName) {
      case "PolicyVersionChanged":
        state.policyVersion = Number(a.policyVersion);
        break;
      case "CategoryDefined":
        state.categories[String(a.category)] = categoryLabel(a.name as Hex);
        break;
      case "CategoryRemoved":
        delete state.categories[String(a.category)];
        break;
      case "BudgetSet": {
        const b = budgets[Number(a.tier)];
        if (!b) break;
        const max = BigInt(a.max as bigint);
        // as the wallet does: removing a budget clears its window; resizing keeps it
        if (max === 0n) Object.assign(b, { maxN: 0n, period: 0, start: 0, spentN: 0n });
        else Object.assign(b, { maxN: max, period: Number(a.period) });
        break;
      }
      case "IntentSubmitted": {
        const s = a as unknown as SubmittedArgs;
        submissions.set(s.intentId.toLowerCase(), l);
        const d = decodeDetails(s.details);
        if (d.tier === 3 && emit) {
          alerts.push(intentAlert(l, l, "blocked", "critical", state, { reason: reasonName(d.reason) }));
        }
        if ((d.tier === 1 || d.tier === 2) && emit && opts.queued) {
          const a = intentAlert(l, l, "intent_queued", "warning", state, {});
          Object.assign(a.details, { token: s.token, amount: s.amount.toString(), notBefore: d.notBefore, deadline: d.deadline });
          alerts.push(a);
        }
        const b = budgets[d.tier];
        if (d.budgeted && (d.tier === 1 || d.tier === 2)) state.openBudgeted[s.intentId.toLowerCase()] = d.tier;
        if (d.budgeted && b && b.maxN > 0n) {
          if (l.timestamp >= b.start + b.period) Object.assign(b, { start: l.timestamp, spentN: 0n });
          const was = b.spentN;
          b.spentN += d.value;
          for (const pct of BUDGET_THRESHOLDS) {
            const line = (b.maxN * BigInt(pct)) / 100n;
            if (was < line && b.spentN >= line && emit) {
              alerts.push(
                make(l, "budget_threshold", pct === 100 ? "critical" : "warning", {
                  tier: TIER_NAMES[d.tier],
                  reason: `${pct}%`,
                  value: formatReferenceUnits(b.spentN),
                  intentId: s.intentId,
                  details: { percent: pct, max: formatReferenceUnits(b.maxN), spent: formatReferenceUnits(b.spentN), windowStart: b.start, period: b.period },
                  message: `${TIER_NAMES[d.tier]} budget at ${pct}%: ${formatReferenceUnits(b.spentN)} of ${formatReferenceUnits(b.maxN)} spent in the window from ${isoUtc(b.start)}`,
                }),
              );
              alerts[alerts.length - 1].key += `:${pct}`;
            }
          }
        }
        break;
      }
      case "IntentExecuted":
      case "IntentVetoed":
      case "IntentRejected":
      case "IntentExpired":
      case "IntentRefused": {
        const id = String(a.intentId).toLowerCase();
        const released = BigInt((a.budgetReleased as bigint | undefined) ?? 0n);
        const b = budgets[state.openBudgeted[id] ?? -1];
        if (b && released > 0n) b.spentN = b.spentN > released ? b.spentN - released : 0n;
        if (eventName !== "IntentRefused" || a.closed) delete state.openBudgeted[id];
        if (eventName === "IntentVetoed" && emit) {
          alerts.push(intentAlert(l, submissions.get(id), "vetoed", "warning", state, { by: a.by as Address }));
        }
        break;
      }
      case "Withdrawn":
        if (emit) {
          const token = a.token as Address;
          alerts.push(
            make(l, "withdrawal", "warning", {
              recipient: a.to as Address,
              details: { token, amount: String(a.amount) },
              message: `withdrawal of ${a.amount} ${token === "0x0000000000000000000000000000000000000000" ? "wei (ETH)" : `units of token ${token}`} to ${a.to}`,
            }),
          );
        }
        break;
      case "AgentFrozen":
        if (emit) {
          const agentId = a.agentId as Hex;
          alerts.push(
            make(l, "agent_frozen", "critical", {
              agentId,
              agent: agentLabel(agentId),
              by: a.by as Address,
              details: { keysRevoked: String(a.keysRevoked), intentsVoided: String(a.intentsVoided) },
              message: `agent ${agentLabel(agentId)} frozen by ${a.by}: ${a.keysRevoked} keys revoked, ${a.intentsVoided} queued intents voided`,
            }),
          );
        }
        break;
      case "Paused":
        if (emit) alerts.push(make(l, "paused", "critical", { by: a.by as Address, message: `agent spending paused by ${a.by}` }));
        break;
      case "Unpaused":
        if (emit) alerts.push(make(l, "unpaused", "info", { message: "agent spending unpaused" }));
        break;
      default:
        break;
    }
  }
  flushChange();
  state.budgets = budgets.map(({ maxN, spentN, period, start }) => ({ max: String(maxN), spent: String(spentN), period, start })) as DetectorState["budgets"];
  return { alerts, state };
}

const reasonName = (code: number): string => REASON_NAMES[code] ?? `reason ${code}`;

/** The alert key of a log: kind and the log's identity (a reorg gives the same transaction a new block hash). */
export const alertKey = (kind: AlertKind, l: { txHash: string; logIndex: number; blockHash: string }) =>
  `${kind}:${l.txHash.toLowerCase()}:${l.logIndex}:${l.blockHash.toLowerCase()}`;

function make(l: StoredLog, kind: AlertKind, severity: AlertSeverity, fields: Partial<Alert> & { message: string }): Alert {
  return {
    id: null,
    key: alertKey(kind, l),
    kind,
    severity,
    intentId: null,
    agentId: null,
    agent: null,
    tier: null,
    recipient: null,
    categoryId: null,
    category: null,
    value: null,
    reason: null,
    by: null,
    justification: null,
    retracts: null,
    details: {},
    txHash: l.txHash,
    blockHash: l.blockHash,
    blockNumber: l.blockNumber,
    logIndex: l.logIndex,
    timestamp: l.timestamp,
    at: isoUtc(l.timestamp),
    ...fields,
  };
}

function intentAlert(
  l: StoredLog,
  submitted: StoredLog | undefined,
  kind: "blocked" | "vetoed" | "intent_queued",
  severity: AlertSeverity,
  state: DetectorState,
  extra: { reason?: string; by?: Address },
): Alert {
  const s = submitted ? (decodeStoredLog(submitted).args as unknown as SubmittedArgs) : undefined;
  const d = s ? decodeDetails(s.details) : undefined;
  const intentId = (s?.intentId ?? (decodeStoredLog(l).args.intentId as Hex)) as Hex;
  const agentId = s?.agentId ?? null;
  const agent = agentId ? agentLabel(agentId) : null;
  const category = d ? (state.categories[String(d.category)] ?? `#${d.category}`) : null;
  const value = d ? formatReferenceUnits(d.value) : null;
  const what = `${value ?? "?"} to ${s?.recipient ?? "?"} in ${category ?? "?"}`;
  return make(l, kind, severity, {
    intentId,
    agentId,
    agent,
    tier: d ? (TIER_NAMES[d.tier] ?? null) : null,
    recipient: s?.recipient ?? null,
    categoryId: d?.category ?? null,
    category,
    value,
    justification: s?.justification ?? null,
    reason: extra.reason ?? null,
    by: extra.by ?? null,
    details: d ? { policyVersion: d.policyVersion } : {},
    message:
      kind === "blocked"
        ? `blocked attempt by agent ${agent ?? "?"}: ${what} (${extra.reason})`
        : kind === "intent_queued"
          ? `${d?.tier === 1 ? "supervised" : "collaborative"} intent of agent ${agent ?? "?"} waits for the owners: ${what}`
          : `veto by ${extra.by} of agent ${agent ?? "?"}'s ${what}`,
  });
}
