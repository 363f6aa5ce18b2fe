/**
 * What a policy would have done: replays a wallet's recorded intents (from the audit indexer's store) through the
 * off-chain classifier under a target configuration, in chain order, keeping the frequency and budget counters
 * the contract keeps, and compares each simulated tier with the recorded one. Pure: the caller reads the history
 * and the token facts (decimals, feed answers).
 *
 * What it cannot know, and says so in `approximations`: prices at the time (feed tokens are valued at the feed's
 * current answer), budgets released by vetoes, rejections and expiries, open-intent caps, recipients promoted to
 * known by auto-promotion, and the state of counters from before the window.
 */
import type { Address, Hex } from "viem";
import { classify, ClassifyError } from "../classify/classify";
import { PriceKind, Reason, Tier, type ClassifierAgentState, type ClassifierBudget, type ClassifierState } from "../classify/types";
import type { WalletConfig } from "./compile";

export type TierName = "autonomous" | "supervised" | "collaborative" | "prohibited";
const TIER_NAMES: readonly TierName[] = ["autonomous", "supervised", "collaborative", "prohibited"];
const REASON_NAMES = Object.fromEntries(Object.entries(Reason).map(([k, v]) => [v, k])) as Record<number, string>;

/** One recorded intent (a row of the indexer's intents table with its submission). */
export interface RecordedIntent {
  intentId: Hex;
  agentId: Hex;
  tier: TierName;
  token: Address;
  /** smallest units */
  amount: bigint;
  recipient: Address;
  category: number;
  /** unix seconds of the submission */
  timestamp: number;
}

/** What the chain says about a token the target accepts. */
export interface TokenFacts {
  decimals: number;
  /** feed tokens: the feed's decimals and its current answer */
  feed?: { decimals: number; answer: bigint };
}

export interface SimulatePolicyArgs {
  wallet: Address;
  target: WalletConfig;
  /** in chain order */
  history: readonly RecordedIntent[];
  /** by token address (any case) */
  tokens: Readonly<Record<string, TokenFacts>>;
}

/** An intent whose tier would differ. `simulated` "refused": the wallet would revert it (e.g. token not accepted). */
export interface TierChange {
  intentId: Hex;
  agentId: Hex;
  timestamp: number;
  recorded: TierName;
  simulated: TierName | "refused";
  /** the classifier's reason, or the contract error's name for "refused" */
  reason: string;
}

export interface PolicySimulation {
  intents: number;
  /** unix seconds of the first and last intent replayed (0 when none) */
  from: number;
  to: number;
  before: Record<TierName, number>;
  after: Record<TierName | "refused", number>;
  changed: TierChange[];
  approximations: string[];
}

const APPROXIMATIONS = [
  "feed-priced tokens are valued at the feed's current answer, not the answer at the time",
  "budgets released by vetoes, rejections and expiries are not released again in the replay",
  "open-intent caps and auto-promotion of recipients are not replayed",
  "frequency and budget counters start empty at the first replayed intent",
];

const lower = (a: string) => a.toLowerCase();

/** The classifier's view of `target` (counters empty, feeds fresh until `freshUntil`). */
function baseState(a: SimulatePolicyArgs, freshUntil: number): ClassifierState {
  const t = a.target;
  const rules = (n: "autonomous" | "supervised" | "collaborative") => ({ ...t.tiers[n] });
  const budgetTiers = (["autonomous", "supervised", "collaborative"] as const).reduce((m, n, i) => (t.budgets[n].max > 0n ? m | (1 << i) : m), 0);
  const tokens: ClassifierState["tokens"] = Object.fromEntries(
    t.tokens.map((tok) => {
      const facts = a.tokens[lower(tok.address)] ?? a.tokens[tok.address];
      if (!facts) throw new RangeError(`simulatePolicy: no token facts for ${tok.address}`);
      const feed = tok.kind === PriceKind.Feed ? facts.feed : undefined;
      return [
        lower(tok.address),
        {
          kind: tok.kind,
          decimals: facts.decimals,
          priceDecimals: feed ? feed.decimals : 18,
          maxStaleness: tok.maxStaleness,
          source: tok.source,
          ...(tok.kind === PriceKind.Feed ? { feed: feed ? { answer: feed.answer, updatedAt: BigInt(freshUntil) } : ("reverted" as const) } : {}),
        },
      ];
    }),
  );
  return {
    wallet: a.wallet,
    settings: {
      paused: false,
      prohibitedTrust: t.prohibitions.trustMask,
      unmatchedTier: t.unmatchedTier,
      budgetTiers,
      categories: t.categories.reduce((m, c) => m | (1n << BigInt(c.id)), 0n),
      prohibitedCategories: t.prohibitions.categories,
      maxOpenIntents: t.maxOpenIntents,
    },
    tiers: [rules("autonomous"), rules("supervised"), rules("collaborative")],
    budgets: (["autonomous", "supervised", "collaborative"] as const).map((n) => ({ max: t.budgets[n].max, period: t.budgets[n].period, windowStart: 0, spent: 0n })) as unknown as ClassifierState["budgets"],
    tokens,
    recipientTrust: Object.fromEntries(t.recipients.filter((r) => r.trust !== 0).map((r) => [lower(r.address), r.trust])),
    agents: {},
  };
}

const emptyAgent = (): ClassifierAgentState => ({ start0: 0, count0: 0, start1: 0, count1: 0, start2: 0, count2: 0, nonce: 0 });

/** Advances the counters the contract advances when an intent lands in tier `t` (Classifier._check). */
function advance(base: ClassifierState, agent: ClassifierAgentState, budgets: ClassifierBudget[], t: 0 | 1 | 2, value: bigint, now: number) {
  const r = base.tiers[t];
  if (r.period !== 0) {
    const startKey = `start${t}` as const;
    const countKey = `count${t}` as const;
    if (now >= agent[startKey] + r.period) {
      agent[startKey] = now;
      agent[countKey] = 0;
    }
    agent[countKey] += 1;
  }
  if ((base.settings.budgetTiers >> t) & 1) {
    const b = budgets[t];
    if (now >= b.windowStart + b.period) {
      b.windowStart = now;
      b.spent = 0n;
    }
    b.spent += value;
  }
}

/** Replays `history` under `target`; see the module comment for what is approximated. */
export function simulatePolicy(a: SimulatePolicyArgs): PolicySimulation {
  const last = a.history.length ? a.history[a.history.length - 1].timestamp : 0;
  const base = baseState(a, last);
  const agents = new Map<string, ClassifierAgentState>();
  const budgets = base.budgets.map((b) => ({ ...b }));
  const before = { autonomous: 0, supervised: 0, collaborative: 0, prohibited: 0 };
  const after = { autonomous: 0, supervised: 0, collaborative: 0, prohibited: 0, refused: 0 };
  const changed: TierChange[] = [];
  for (const i of a.history) {
    const id = lower(i.agentId);
    let agent = agents.get(id);
    if (!agent) agents.set(id, (agent = emptyAgent()));
    const state: ClassifierState = { ...base, agents: { [id]: agent }, budgets: budgets.map((b) => ({ ...b })) as unknown as ClassifierState["budgets"] };
    let simulated: TierName | "refused";
    let reason: string;
    try {
      const r = classify({ agentId: i.agentId, token: i.token, amount: i.amount, recipient: i.recipient, category: i.category }, state, i.timestamp);
      simulated = TIER_NAMES[r.tier];
      reason = REASON_NAMES[r.reason] ?? String(r.reason);
      if (r.tier !== Tier.Prohibited) advance(base, agent, budgets, r.tier as 0 | 1 | 2, r.value, i.timestamp);
    } catch (e) {
      if (!(e instanceof ClassifyError)) throw e;
      simulated = "refused";
      reason = e.code;
    }
    before[i.tier] += 1;
    after[simulated] += 1;
    if (simulated !== i.tier) changed.push({ intentId: i.intentId, agentId: i.agentId, timestamp: i.timestamp, recorded: i.tier, simulated, reason });
  }
  return {
    intents: a.history.length,
    from: a.history[0]?.timestamp ?? 0,
    to: last,
    before,
    after,
    changed,
    approximations: APPROXIMATIONS,
  };
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/** The simulation for people: counts per tier before and after, and the intents that change tier (at most `limit`). */
export function simulationLines(s: PolicySimulation, limit = 20): string[] {
  if (s.intents === 0) return ["simulation: no recorded intents in the window"];
  const names = [...TIER_NAMES, "refused"] as const;
  const lines = [
    `simulation over ${s.intents} recorded intent${s.intents === 1 ? "" : "s"} (${iso(s.from)} .. ${iso(s.to)}):`,
    `  ${"tier".padEnd(14)}${"recorded".padStart(9)}${"new policy".padStart(12)}`,
    ...names
      .filter((n) => n === "refused" ? s.after.refused > 0 : true)
      .map((n) => `  ${n.padEnd(14)}${String(n === "refused" ? 0 : s.before[n]).padStart(9)}${String(s.after[n]).padStart(12)}`),
    s.changed.length ? `  ${s.changed.length} intent${s.changed.length === 1 ? "" : "s"} would change tier:` : "  no intent would change tier",
    ...s.changed.slice(0, limit).map((c) => `    ${c.intentId} ${iso(c.timestamp)}: ${c.recorded} -> ${c.simulated} (${c.reason})`),
  ];
  if (s.changed.length > limit) lines.push(`    ... and ${s.changed.length - limit} more (--json lists them all)`);
  return lines;
}
