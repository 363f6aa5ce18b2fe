/**
 * What each tier still allows an agent right now: per-payment cap, categories, minimum recipient trust, the
 * agent's frequency left and the wallet's budget left, with when each window resets. Pure: computed from a
 * classifier snapshot (`readClassifierState`) the way the wallet counts (a window that has ended counts zero).
 */
import type { Hex } from "viem";
import type { ClassifierState } from "../classify/types";
import { formatDecimal, formatDuration } from "../policy/units";

export const LIMIT_TIERS = ["autonomous", "supervised", "collaborative"] as const;
export type LimitTier = (typeof LIMIT_TIERS)[number];
const TRUST = ["unknown", "known", "verified"] as const;

export interface TierLimits {
  tier: LimitTier;
  /** how the tier pays: at once, after a veto window, or after M owners approve */
  approval: string;
  /** largest value of one payment, in the reference currency (inclusive) */
  maxPerPayment: string;
  categories: string[];
  minRecipientTrust: (typeof TRUST)[number];
  /** payments this agent may still make in this tier in the current window (null: no frequency limit) */
  frequency: { max: number; per: string; used: number; left: number; resetsAt: string | null } | null;
  /** the wallet-wide budget of this tier (null: none), in the reference currency */
  budget: { max: string; per: string; spent: string; left: string; resetsAt: string | null } | null;
}

export interface LimitsContext {
  state: ClassifierState;
  agentId: Hex;
  /** chain time, unix seconds */
  now: number;
  /** category id -> name */
  categoryNames: Record<number, string>;
  /** owners' approval threshold M and owner count N */
  threshold: number;
  ownerCount: number;
}

const iso = (t: number) => new Date(t * 1000).toISOString();

function approvalOf(tier: LimitTier, window: number | undefined, c: LimitsContext): string {
  if (tier === "autonomous") return "paid at once";
  if (tier === "supervised") return `queued; paid after a ${formatDuration(window ?? 0)} veto window unless an owner vetoes`;
  return `queued until ${c.threshold} of ${c.ownerCount} owners approve, within ${formatDuration(window ?? 0)}`;
}

/** Limits of the autonomous, supervised and collaborative tiers for `agentId` at `now`. */
export function tierLimits(c: LimitsContext): TierLimits[] {
  const agent = c.state.agents[c.agentId.toLowerCase()] ?? c.state.agents[c.agentId];
  return LIMIT_TIERS.map((tier, t) => {
    const r = c.state.tiers[t];
    const cats: string[] = [];
    for (let id = 0; id < 64; id++) if ((r.categories >> BigInt(id)) & 1n) cats.push(c.categoryNames[id] ?? String(id));
    let frequency: TierLimits["frequency"] = null;
    if (r.period !== 0) {
      const start = agent ? [agent.start0, agent.start1, agent.start2][t] : 0;
      const live = agent !== undefined && c.now < start + r.period;
      const used = live ? [agent.count0, agent.count1, agent.count2][t] : 0;
      frequency = { max: r.maxCount, per: formatDuration(r.period), used, left: Math.max(0, r.maxCount - used), resetsAt: live ? iso(start + r.period) : null };
    }
    let budget: TierLimits["budget"] = null;
    const b = c.state.budgets[t];
    if ((c.state.settings.budgetTiers >> t) & 1 && b.max > 0n) {
      const live = c.now < b.windowStart + b.period;
      const spent = live ? b.spent : 0n;
      budget = {
        max: formatDecimal(b.max),
        per: formatDuration(b.period),
        spent: formatDecimal(spent),
        left: formatDecimal(b.max > spent ? b.max - spent : 0n),
        resetsAt: live ? iso(b.windowStart + b.period) : null,
      };
    }
    return {
      tier,
      approval: approvalOf(tier, r.window, c),
      maxPerPayment: formatDecimal(r.maxValue),
      categories: cats,
      minRecipientTrust: TRUST[Math.min(r.minTrust, 2)],
      frequency,
      budget,
    };
  });
}
