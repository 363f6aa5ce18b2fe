/**
 * Property-based tests: random sequences of agent, owner and time actions against the article's wallet,
 * checked step by step against a TypeScript model of the documented behaviour and against invariants
 * rebuilt from the wallet's events.
 *
 * Every run starts from the same deployed fixture (evm_snapshot / evm_revert) and sets every block's timestamp
 * explicitly, so the model knows the exact time of each transaction.
 *
 * Event invariants: (a) no tier's frequency is exceeded by any path into it (matched, or escalated to
 * Collaborative as unmatched); (b) funds move only for autonomous and executed intents; (c) a collaborative
 * payment has M distinct owner approvals; (d) approval signatures cannot be replayed; (e) decisions are final;
 * (f) nothing prohibited at execution time pays, and nothing of a frozen agent; (g) blocked attempts stay under
 * the per-agent cap. The model comparison also pins every budget (and its epoch) and the agent's open intents.
 *
 * Environment knobs: PROPS_RUNS (default 200), PROPS_SEED and PROPS_PATH (replay a reported failure),
 * PROPS_MAX_ACTIONS (default 15).
 */
import hre, { ethers, network } from "hardhat";
import { expect } from "chai";
import fc from "fast-check";
import type { ContractTransactionResponse, Signer, TransactionReceipt } from "ethers";
import type { MockERC20, MockPriceFeed, TierGuardWallet } from "../../typechain-types";
import {
  HOUR,
  PriceKind,
  Reason,
  Status,
  Tier,
  Trust,
  decodeDetails,
  decodeSubmission,
  deployArticle,
  type ArticleDeployment,
  type PendingIntentStruct,
  type Signed,
} from "../../scripts/lib/article";
import {
  FAR_DEADLINE,
  SIGNED_SPEND_TYPES,
  domainOf,
  revertName,
  signApprovalsWith,
  signOwnerActionWith,
} from "./helpers-props";

const RUNS = Number(process.env.PROPS_RUNS ?? 200);
const MAX_ACTIONS = Number(process.env.PROPS_MAX_ACTIONS ?? 15);
const THRESHOLD = 2;
/** Decided statuses (model only: on chain a decided intent is deleted and reads Status.None). */
const TERMINAL: ReadonlySet<number> = new Set([
  Status.Executed,
  Status.Vetoed,
  Status.Rejected,
  Status.Expired,
  Status.Stale,
  Status.Refused,
  Status.Blocked,
]);
const VENDOR_NAMES = ["embeddings", "search", "data", "compute", "analysisAgent", "casino", "stranger"] as const;
const FEED_PRICES = [108_000_000n, 100_000_000n, 125_000_000n];
const MAX_UNTIL = 2 ** 40 - 1;
/** The wallet's default bound on open intents per agent (the article does not change it). */
const MAX_OPEN = 64;

/*//////////////////////////////////////////////////////////////
                              ACTIONS
//////////////////////////////////////////////////////////////*/

type AmountSel = {
  base: "autoCap" | "supCap" | "colCap" | "small" | "random";
  delta: -1 | 0 | 1;
  rnd: bigint;
  bump: boolean;
};
type PolicyChange =
  | { p: "autoMax"; v: bigint }
  | { p: "supCount"; v: number }
  | { p: "budget"; tier: number; max: bigint; period: number }
  | { p: "trust"; vendor: number; trust: number }
  | { p: "eurc"; on: boolean }
  | { p: "blockQueued"; pick: number }
  | { p: "prohibitKnown" };

type Action =
  | {
      kind: "submit";
      key: number;
      category: number;
      recipient: number;
      token: 0 | 1;
      amount: AmountSel;
      /** 0: spend; 1: spendIdempotent with a fresh key; 2: spendSigned (signed by the key, sent by a relayer) */
      via?: number;
    }
  | { kind: "retry"; pick: number }
  | { kind: "veto"; pick: number; live: boolean; at: number; by: number }
  | { kind: "approve"; pick: number; live: boolean; at: number; by: number }
  | { kind: "approveSigs"; pick: number; live: boolean; at: number; signers: number; wrongIntent: boolean }
  | { kind: "reject"; pick: number; live: boolean; at: number; by: number }
  | { kind: "execute"; pick: number; live: boolean; at: number; by: number }
  | { kind: "expire"; pick: number; live: boolean; at: number }
  | { kind: "warp"; dt: number }
  | { kind: "warpEdge"; pick: number; live: boolean; edge: number }
  | { kind: "policy"; change: PolicyChange; forged: boolean }
  | { kind: "grant"; key: number; ttl: number }
  | { kind: "revoke"; key: number; by: number; viaAction: boolean }
  | { kind: "freeze"; picks: number; by: number }
  | { kind: "pause"; by: number }
  | { kind: "unpause" }
  | { kind: "pauseToggle"; by: number }
  | { kind: "feed"; price: number }
  | { kind: "replay"; pick: number };

const pickArb = fc.nat(1000);
/** Whether to pick among intents that the action can still move on (else among every queued intent, any status). */
/** 0: act now; 1, 2, 3: first move time to one second before, exactly at, or one second after the edge that
 * matters for the action (veto: end of the veto window; execute: notBefore (supervised) or deadline; others:
 * deadline), when that is still ahead. */
const atArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
);
const liveArb = fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const byArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 2 }) },
  { weight: 1, arbitrary: fc.constant(3) },
);

const amountArb: fc.Arbitrary<AmountSel> = fc.record({
  base: fc.constantFrom("autoCap", "supCap", "colCap", "small", "random") as fc.Arbitrary<AmountSel["base"]>,
  delta: fc.constantFrom(-1, 0, 1) as fc.Arbitrary<-1 | 0 | 1>,
  rnd: fc.bigInt({ min: 1n, max: 6_000_000_000n }),
  bump: fc.boolean(),
});

/**
 * Submissions are drawn by "shape" so that every tier is reached often: an autonomous-looking intent (category
 * 0..2 to a Verified vendor, around the autonomous cap), a supervised-looking one (3..5 to a Known or Verified
 * vendor, around the supervised cap), a collaborative-looking one (6..8, around the collaborative cap), or
 * anything (any of the 12 categories to any of the 7 vendors, including the casino and the stranger).
 */
const submitArb = fc
  .record({
    shape: fc.oneof(
      { weight: 2, arbitrary: fc.constant("auto") },
      { weight: 3, arbitrary: fc.constant("sup") },
      { weight: 2, arbitrary: fc.constant("col") },
      { weight: 2, arbitrary: fc.constant("any") },
    ),
    n: fc.nat(1000),
    r: fc.nat(1000),
    key: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) }),
    token: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
    amount: amountArb,
    capBias: fc.boolean(),
    via: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.constant(2) },
    ),
  })
  .map(({ shape, n, r, key, token, amount, capBias, via }) => {
    let category: number;
    let recipient: number;
    let base = amount.base;
    switch (shape) {
      case "auto":
        category = n % 3;
        recipient = r % 2;
        if (capBias) base = n % 2 === 0 ? "autoCap" : "small";
        break;
      case "sup":
        category = 3 + (n % 3);
        recipient = r % 5;
        if (capBias) base = "supCap";
        break;
      case "col":
        category = 6 + (n % 3);
        recipient = r % 5;
        if (capBias) base = "colCap";
        break;
      default:
        category = n % 12;
        recipient = r % 7;
    }
    return { kind: "submit" as const, key, category, recipient, token, amount: { ...amount, base }, via };
  });

const policyArb: fc.Arbitrary<PolicyChange> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({ p: fc.constant("autoMax" as const), v: fc.constantFrom(500_000n, 1_000_000n, 2_000_000n) }),
  },
  { weight: 1, arbitrary: fc.record({ p: fc.constant("supCount" as const), v: fc.constantFrom(1, 2, 3, 20) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      p: fc.constant("budget" as const),
      tier: fc.integer({ min: 0, max: 2 }),
      max: fc.constantFrom(0n, 2_000_000n, 60_000_000n, 100_000_000n, 6_000_000_000n),
      period: fc.constantFrom(HOUR, 2 * HOUR),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      p: fc.constant("trust" as const),
      vendor: fc.integer({ min: 0, max: 6 }),
      trust: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ p: fc.constant("eurc" as const), on: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ p: fc.constant("blockQueued" as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ p: fc.constant("prohibitKnown" as const) }) },
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 30, arbitrary: submitArb },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant("veto" as const), pick: pickArb, live: liveArb, at: atArb, by: byArb }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("approve" as const), pick: pickArb, live: liveArb, at: atArb, by: byArb }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("approveSigs" as const),
      pick: pickArb,
      live: liveArb,
      at: atArb,
      signers: fc.integer({ min: 1, max: 7 }),
      wrongIntent: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("reject" as const), pick: pickArb, live: liveArb, at: atArb, by: byArb }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("execute" as const),
      pick: pickArb,
      live: liveArb,
      at: atArb,
      by: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("expire" as const), pick: pickArb, live: liveArb, at: atArb }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("warp" as const),
      dt: fc.oneof(
        fc.constant(0),
        fc.constantFrom(29, 30, 31, HOUR - 1, HOUR, HOUR + 30, 4 * HOUR - 1, 4 * HOUR, 5 * HOUR),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 5 * HOUR }),
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("warpEdge" as const),
      pick: pickArb,
      live: liveArb,
      edge: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("policy" as const),
      change: policyArb,
      forged: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      key: fc.integer({ min: 0, max: 3 }),
      ttl: fc.constantFrom(60, HOUR, 5 * HOUR, MAX_UNTIL),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("revoke" as const),
      key: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) }),
      by: byArb,
      viaAction: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const), by: byArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unpause" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("pauseToggle" as const), by: fc.integer({ min: 0, max: 2 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("feed" as const), price: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("replay" as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("retry" as const), pick: pickArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("freeze" as const), picks: fc.integer({ min: 0, max: 255 }), by: byArb }),
  },
);

/*//////////////////////////////////////////////////////////////
                  HAND-WRITTEN SEQUENCES (run first)
//////////////////////////////////////////////////////////////*/

const amt = (base: AmountSel["base"], delta: -1 | 0 | 1 = 0): AmountSel => ({ base, delta, rnd: 1n, bump: false });
const SUP = { kind: "submit", key: 0, category: 3, recipient: 3, token: 0, amount: amt("supCap", -1) } as const;
const COL = { kind: "submit", key: 0, category: 6, recipient: 4, token: 0, amount: amt("colCap") } as const;
const AUTO = { kind: "submit", key: 0, category: 0, recipient: 0, token: 0, amount: amt("autoCap") } as const;
const q = (kind: "veto" | "approve" | "reject" | "execute" | "expire", at = 0, by = 0): Action =>
  ({ kind, pick: 0, live: true, at, by }) as Action;
const sigs = (signers: number, wrongIntent = false): Action => ({
  kind: "approveSigs",
  pick: 0,
  live: true,
  at: 0,
  signers,
  wrongIntent,
});
const policy = (change: PolicyChange, forged = false): Action => ({ kind: "policy", change, forged });

/** Sequences that reach the rarer paths on every run of the file, checked exactly like the random ones. */
const EXAMPLES: Action[][] = [
  // idempotent and signed submissions: retries (also after a pause and once the key expired) pay and count nothing
  [
    { ...AUTO, via: 1 },
    { kind: "retry", pick: 0 },
    { ...SUP, via: 2 },
    { kind: "pause", by: 0 },
    { kind: "retry", pick: 1 },
    { kind: "unpause" },
    { kind: "grant", key: 0, ttl: 5 },
    { kind: "warp", dt: 10 },
    { kind: "retry", pick: 0 },
  ],
  // supervised: veto in the last second of the window releases the budget; execution from notBefore on, once
  [
    policy({ p: "budget", tier: 1, max: 100_000_000n, period: HOUR }),
    SUP,
    q("veto", 1),
    SUP,
    q("execute", 1),
    q("execute", 2),
    { kind: "execute", pick: 0, live: false, at: 0, by: 3 },
    SUP,
  ],
  // collaborative: recipient blocked after queueing -> refused for good, budget released, signatures not replayable
  [
    policy({ p: "budget", tier: 2, max: 6_000_000_000n, period: 2 * HOUR }),
    COL,
    policy({ p: "blockQueued", pick: 0 }),
    sigs(3),
    { kind: "replay", pick: 0 },
    COL,
  ],
  // token delisted after queueing -> refused for good; submissions in it revert
  [
    { ...COL, token: 1 },
    policy({ p: "eurc", on: false }),
    q("approve", 0, 0),
    q("approve", 0, 1),
    { ...COL, token: 1 },
    policy({ p: "eurc", on: true }),
    { ...COL, token: 1 },
  ],
  // paused: approvals by signature are kept, the payment is refused (retryable), then executed after unpause
  [COL, { kind: "pauseToggle", by: 1 }, sigs(6), SUP, { kind: "pauseToggle", by: 0 }, q("execute"), sigs(5)],
  // deadlines: stale supervised and expired collaborative intents, with budget release; reject and approve edges
  [
    policy({ p: "budget", tier: 1, max: 60_000_000n, period: 2 * HOUR }),
    SUP,
    q("expire", 1),
    q("expire", 2),
    COL,
    q("approve", 1, 2),
    q("reject", 2, 1),
    q("expire", 2),
    COL,
    q("reject", 1, 0),
  ],
  // frequency: with supervised maxCount 1 the second one escalates; a new window starts after the period
  [policy({ p: "supCount", v: 1 }), SUP, SUP, { kind: "warp", dt: HOUR }, SUP, SUP],
  // keys: rotation keeps counters; revoked and expired keys are refused
  [
    { kind: "grant", key: 1, ttl: HOUR },
    { kind: "revoke", key: 0, by: 2, viaAction: false },
    { ...AUTO, key: 1 },
    AUTO,
    { kind: "grant", key: 2, ttl: 60 },
    { kind: "warp", dt: 60 },
    { ...AUTO, key: 2 },
    { kind: "revoke", key: 1, by: 0, viaAction: true },
    { ...AUTO, key: 1 },
  ],
  // autonomous caps at and around the boundary, budgets on the autonomous tier, a forged owner action
  [
    policy({ p: "autoMax", v: 500_000n }),
    AUTO,
    { ...AUTO, amount: amt("autoCap", 1) },
    policy({ p: "budget", tier: 0, max: 2_000_000n, period: HOUR }),
    AUTO,
    AUTO,
    AUTO,
    AUTO,
    AUTO,
    policy({ p: "autoMax", v: 2_000_000n }, true),
  ],
  // prices: stale EURC refused, prohibited still recorded, fresh again after an update
  [
    { kind: "warp", dt: HOUR + 30 },
    { ...SUP, token: 1 },
    { ...SUP, token: 1, category: 9 },
    { ...SUP, token: 1, recipient: 5 },
    { kind: "feed", price: 2 },
    { ...SUP, token: 1 },
    { ...AUTO, token: 1 },
  ],
];

/*//////////////////////////////////////////////////////////////
                              MODEL
//////////////////////////////////////////////////////////////*/

interface Rules {
  categories: bigint;
  maxValue: bigint;
  maxCount: number;
  period: number;
  window: number;
  grace: number;
  minTrust: number;
}
interface BudgetState {
  max: bigint;
  period: number;
  windowStart: number;
  spent: bigint;
}
interface MIntent {
  id: string;
  tier: number;
  reason: number;
  value: bigint;
  token: string;
  amount: bigint;
  recipient: string;
  submittedAt: number;
  /** lifecycle status (autonomous: Executed, prohibited: Blocked); the decision itself, which the wallet only
   * records in events: its `intentStatus` is Queued / AwaitingApproval while the intent waits, then None */
  status: number;
  pending?: PendingIntentStruct;
  approvals: Set<string>;
  lastSigs?: Signed[];
}
interface AgentModel {
  start: number[];
  count: number[];
  nonce: number;
  open: number;
  frozen: boolean;
}
interface Model {
  ts: number;
  warpTo?: number;
  paused: boolean;
  rules: Rules[];
  budgets: (BudgetState | null)[];
  /** each tier budget's window generation (bumped when a window opens or the budget is removed) */
  epochs: number[];
  prohibitedCats: bigint;
  prohibitedTrust: number;
  unmatched: number;
  trust: Map<string, number>;
  eurcAccepted: boolean;
  feed: { answer: bigint; updatedAt: number };
  keys: Map<string, number>;
  agent: AgentModel;
  intents: MIntent[];
  ownerNonce: bigint;
  policyVersion: number;
  bal: Map<string, bigint>;
  /** wallet events of this run, in chain order */
  events: { name: string; args: Record<string, unknown>; ts: number }[];
  /** last seen on-chain status per intent id (for (e): decisions are final) */
  seen: Map<string, number>;
  /** submissions made with an idempotency key, for retries */
  keyed: Keyed[];
}

interface Keyed {
  key: number;
  idempotencyKey: string;
  token: string;
  amount: bigint;
  recipient: string;
  category: number;
  intentId: string;
  tier: number;
  status: number;
}

interface Ctx {
  d: ArticleDeployment;
  wallet: TierGuardWallet;
  usdc: MockERC20;
  eurc: MockERC20;
  eurFeed: MockPriceFeed;
  walletAddr: string;
  usdcAddr: string;
  eurcAddr: string;
  feedAddr: string;
  owners: Signer[];
  ownerAddrs: string[];
  agentId: string;
  keys: Signer[];
  keyAddrs: string[];
  vendors: string[];
  domain: Awaited<ReturnType<typeof domainOf>>;
  snapshot: string;
  init: Omit<Model, "events" | "seen" | "intents" | "keyed">;
  initialRules: Rules[];
  baseBal: Map<string, bigint>;
}

const balKey = (holder: string, token: string) => `${holder.toLowerCase()}:${token.toLowerCase()}`;
const bit = (mask: bigint, i: number) => ((mask >> BigInt(i)) & 1n) === 1n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const jsonb = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

function cloneModel(init: Ctx["init"]): Model {
  return {
    ...init,
    warpTo: undefined,
    rules: init.rules.map((r) => ({ ...r })),
    budgets: init.budgets.map((b) => (b ? { ...b } : null)),
    epochs: [...init.epochs],
    trust: new Map(init.trust),
    feed: { ...init.feed },
    keys: new Map(init.keys),
    agent: { ...init.agent, start: [...init.agent.start], count: [...init.agent.count] },
    bal: new Map(init.bal),
    intents: [],
    events: [],
    seen: new Map(),
    keyed: [],
  };
}

/** Value in reference units, as documented: rounded up; USDC fixed at 1.00, EURC from the feed (8 decimals). */
function quote(ctx: Ctx, m: Model, token: string, amount: bigint): bigint {
  if (token === ctx.usdcAddr) return amount; // 6 + 18 decimals, price 1e18
  return ceilDiv(amount * m.feed.answer, 10n ** 8n); // 6 + 8 decimals
}

type Classified =
  | { err: string }
  | {
      err?: undefined;
      tier: number;
      reason: number;
      misses: number;
      value: bigint;
      /** the budget epoch the value is counted in (0: not counted) */
      budgetEpoch: number;
      /** applies the counters and budget to the model */
      commit: () => void;
    };

function classify(
  ctx: Ctx,
  m: Model,
  ts: number,
  token: string,
  amount: bigint,
  recipient: string,
  category: number,
): Classified {
  if (m.paused) return { err: "TierGuardPaused" };
  const trust = m.trust.get(recipient) ?? Trust.Unknown;
  const isEurc = token === ctx.eurcAddr;
  const accepted = !isEurc || m.eurcAccepted;
  const fresh = !isEurc || m.feed.updatedAt + HOUR >= ts;

  let prohibited: number | undefined;
  if (bit(m.prohibitedCats, category)) prohibited = Reason.CategoryProhibited;
  else if (trust === Trust.Blocked) prohibited = Reason.RecipientBlocked;
  else if ((m.prohibitedTrust >> trust) & 1) prohibited = Reason.TrustProhibited;
  if (prohibited !== undefined) {
    const value = accepted && fresh ? quote(ctx, m, token, amount) : 0n;
    return { tier: Tier.Prohibited, reason: prohibited, misses: 0, value, budgetEpoch: 0, commit: () => {} };
  }
  if (!accepted) return { err: "TierGuardTokenNotAccepted" };
  if (!fresh) return { err: "TierGuardStalePrice" };
  const value = quote(ctx, m, token, amount);

  let misses = 0;
  /** the tier's frequency and budget (documented: they hold on every path into the tier) */
  const limits = (t: number) => {
    const r = m.rules[t];
    let miss: number = Reason.Matched;
    let newStart = m.agent.start[t];
    let newCount = m.agent.count[t];
    let budgetNext: BudgetState | null = null;
    let epoch = m.epochs[t];
    if (r.period !== 0) {
      if (ts >= newStart + r.period) {
        newStart = ts;
        newCount = 0;
      }
      if (newCount >= r.maxCount) miss = Reason.FrequencyExceeded;
      else newCount += 1;
    }
    const b = m.budgets[t];
    if (miss === Reason.Matched && b) {
      let start = b.windowStart;
      let spent = b.spent;
      if (ts >= start + b.period) {
        start = ts;
        spent = 0n;
        epoch = (epoch % 0xffffff) + 1;
      }
      if (spent + value > b.max) miss = Reason.BudgetExceeded;
      else budgetNext = { ...b, windowStart: start, spent: spent + value };
    }
    return { miss, newStart, newCount, budgetNext, epoch };
  };
  const matched = (tier: number, reason: number, l: ReturnType<typeof limits>): Classified => {
    if (tier !== Tier.Autonomous && m.agent.open >= MAX_OPEN) {
      return {
        tier: Tier.Prohibited,
        reason: Reason.TooManyOpenIntents,
        misses,
        value,
        budgetEpoch: 0,
        commit: () => {},
      };
    }
    return {
      tier,
      reason,
      misses,
      value,
      budgetEpoch: l.budgetNext ? l.epoch : 0,
      commit: () => {
        if (m.rules[tier].period !== 0) {
          m.agent.start[tier] = l.newStart;
          m.agent.count[tier] = l.newCount;
        }
        if (l.budgetNext) {
          m.budgets[tier] = l.budgetNext;
          m.epochs[tier] = l.epoch;
        }
        if (tier !== Tier.Autonomous) m.agent.open += 1;
      },
    };
  };
  for (let t = 0; t < 3; t++) {
    const r = m.rules[t];
    let miss: number;
    if (!bit(r.categories, category)) miss = Reason.CategoryNotAllowed;
    else if (value > r.maxValue) miss = Reason.AmountAboveMax;
    else if (trust < r.minTrust) miss = Reason.TrustTooLow;
    else {
      const l = limits(t);
      if (l.miss === Reason.Matched) return matched(t, Reason.Matched, l);
      miss = l.miss;
    }
    misses |= miss << (4 * t);
  }
  if (m.unmatched === Tier.Prohibited) {
    return { tier: Tier.Prohibited, reason: Reason.NoTierMatched, misses, value, budgetEpoch: 0, commit: () => {} };
  }
  // escalated to Collaborative: counted against its frequency and budget, blocked when either would be exceeded
  const l = limits(Tier.Collaborative);
  if (l.miss !== Reason.Matched) {
    return { tier: Tier.Prohibited, reason: l.miss, misses, value, budgetEpoch: 0, commit: () => {} };
  }
  return matched(Tier.Collaborative, Reason.NoTierMatched, l);
}

/*//////////////////////////////////////////////////////////////
                         CHAIN INTERACTION
//////////////////////////////////////////////////////////////*/

type Outcome = { ok: true; receipt: TransactionReceipt } | { ok: false; err: string };

/** The timestamp the next transaction will have (consumes a pending warp). */
function nextTs(m: Model): number {
  const ts = Math.max(m.ts + 1, m.warpTo ?? 0);
  m.warpTo = undefined;
  return ts;
}

async function sendAt(
  ctx: Ctx,
  m: Model,
  ts: number,
  fn: () => Promise<ContractTransactionResponse>,
): Promise<Outcome> {
  await network.provider.send("evm_setNextBlockTimestamp", [ts]);
  let out: Outcome;
  try {
    const tx = await fn();
    const receipt = (await tx.wait())!;
    out = { ok: true, receipt };
  } catch (e) {
    out = { ok: false, err: revertName(e, ctx.wallet.interface) };
  }
  const latest = (await ethers.provider.getBlock("latest"))!;
  expect(latest.timestamp, "every transaction is mined at the timestamp the model chose").to.equal(ts);
  m.ts = ts;
  if (out.ok) {
    for (const log of out.receipt.logs) {
      if (log.address.toLowerCase() !== ctx.walletAddr.toLowerCase()) continue;
      const parsed = ctx.wallet.interface.parseLog(log);
      if (!parsed) continue;
      const args: Record<string, unknown> = {};
      parsed.fragment.inputs.forEach((input, i) => (args[input.name] = parsed.args[i]));
      m.events.push({ name: parsed.name, args, ts });
    }
  }
  return out;
}

function lifecycleEvents(ctx: Ctx, receipt: TransactionReceipt): string[] {
  const out: string[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== ctx.walletAddr.toLowerCase()) continue;
    const p = ctx.wallet.interface.parseLog(log);
    if (!p) continue;
    const a = p.args;
    switch (p.name) {
      case "IntentVetoed":
        out.push(`Vetoed:${a[0]}:${a[1]}:${a[2]}`);
        break;
      case "IntentApproved":
        out.push(`Approved:${a[0]}:${a[1]}`);
        break;
      case "IntentRejected":
        out.push(`Rejected:${a[0]}:${a[1]}:${a[2]}`);
        break;
      case "IntentExecuted":
        out.push(`Executed:${a[0]}:${a[1]}`);
        break;
      case "IntentExpired":
        out.push(`Expired:${a[0]}:${a[1]}:${a[2]}`);
        break;
      case "IntentRefused":
        out.push(`Refused:${a[0]}:${a[1]}:${a[2]}:${a[3]}`);
        break;
    }
  }
  return out;
}

/** Everything the wallet exposes that the actions can change (a revert must leave all of it unchanged). */
async function readChain(ctx: Ctx, m: Model) {
  const w = ctx.wallet;
  const collab = m.intents.filter((i) => i.pending && i.tier === Tier.Collaborative);
  const holders = [ctx.walletAddr, ...ctx.vendors];
  const [agent, b0, b1, b2, settings, ownerNonce, r0, r1, r2, keyList, tokens] = await Promise.all([
    w.agentState(ctx.agentId),
    w.budget(0),
    w.budget(1),
    w.budget(2),
    w.settings(),
    w.ownerNonce(),
    w.tierRules(0),
    w.tierRules(1),
    w.tierRules(2),
    w.sessionKeys(),
    w.tokens(),
  ]);
  const [keys, trust, statuses, approvals, bals] = await Promise.all([
    Promise.all(ctx.keyAddrs.map((k) => w.sessionKey(k))),
    Promise.all(ctx.vendors.map((v) => w.recipientTrust(v))),
    Promise.all(m.intents.map((i) => w.intentStatus(i.id))),
    Promise.all(collab.map((i) => w.approvals(i.id))),
    Promise.all(holders.flatMap((h) => [ctx.usdc.balanceOf(h), ctx.eurc.balanceOf(h)])),
  ]);
  const rules = [r0, r1, r2].map((r) => ({
    categories: r.categories,
    maxValue: r.maxValue,
    maxCount: Number(r.maxCount),
    period: Number(r.period),
    window: Number(r.window),
    grace: Number(r.grace),
    minTrust: Number(r.minTrust),
  }));
  return {
    agent: {
      start: [Number(agent.start0), Number(agent.start1), Number(agent.start2)],
      count: [Number(agent.count0), Number(agent.count1), Number(agent.count2)],
      nonce: Number(agent.nonce),
      open: Number(agent.openIntents),
      frozen: agent.frozen,
    },
    epochs: [b0, b1, b2].map((b) => Number(b.epoch)),
    budgets: [b0, b1, b2].map((b) => ({
      max: b.max,
      period: Number(b.period),
      windowStart: Number(b.windowStart),
      spent: b.spent,
    })),
    paused: settings.paused,
    threshold: Number(settings.threshold),
    policyVersion: Number(settings.policyVersion),
    prohibitedTrust: Number(settings.prohibitedTrust),
    prohibitedCats: settings.prohibitedCategories,
    unmatched: Number(settings.unmatchedTier),
    ownerNonce,
    rules,
    keyList: [...keyList].map(String).sort(),
    keys: keys.map((k) => ({ agentId: k.agentId, validUntil: Number(k.validUntil) })),
    tokens: [...tokens].map(String).sort(),
    trust: trust.map(Number),
    statuses: statuses.map(Number),
    approvals: approvals.map((a) => [...a].map(String).sort()),
    bals: bals.map((b) => b),
  };
}
type ChainState = Awaited<ReturnType<typeof readChain>>;

/** Compares the wallet's views with the model. */
function compareWithModel(ctx: Ctx, m: Model, c: ChainState) {
  expect(c.agent, "agentState").to.deep.equal(m.agent);
  const budgets = m.budgets.map((b) => (b ? { ...b } : { max: 0n, period: 0, windowStart: 0, spent: 0n }));
  expect(c.budgets, "budgets").to.deep.equal(budgets);
  expect(c.epochs, "budget epochs").to.deep.equal(m.epochs);
  expect(c.paused, "paused").to.equal(m.paused);
  expect(c.threshold, "threshold").to.equal(THRESHOLD);
  expect(c.policyVersion, "policyVersion").to.equal(m.policyVersion);
  expect(c.ownerNonce, "ownerNonce").to.equal(m.ownerNonce);
  expect(c.rules, "tier rules").to.deep.equal(m.rules);
  expect(c.trust, "recipient trust").to.deep.equal(ctx.vendors.map((v) => m.trust.get(v) ?? Trust.Unknown));
  expect(c.tokens.includes(ctx.eurcAddr), "EURC accepted").to.equal(m.eurcAccepted);
  const keys = ctx.keyAddrs.map((k) =>
    m.keys.has(k) ? { agentId: ctx.agentId, validUntil: m.keys.get(k)! } : { agentId: ethers.ZeroHash, validUntil: 0 },
  );
  expect(c.keys, "session keys").to.deep.equal(keys);
  // (e) statuses: storage keeps only intents that still wait (Queued, AwaitingApproval); decided ones (executed,
  // vetoed, rejected, expired, stale, refused for good) are deleted, and autonomous and prohibited ones are never
  // stored: all of those read None.
  const statuses = m.intents.map(storedStatus);
  expect(c.statuses, "intentStatus of every intent").to.deep.equal(statuses);
  // A decided intent's slot is deleted with its on-chain approvals.
  const collab = m.intents.filter((i) => i.pending && i.tier === Tier.Collaborative);
  expect(c.approvals, "on-chain approvals").to.deep.equal(
    collab.map((i) => (decided(i) ? [] : [...i.approvals].sort())),
  );
  const holders = [ctx.walletAddr, ...ctx.vendors];
  const bals = holders.flatMap((h) => [m.bal.get(balKey(h, ctx.usdcAddr))!, m.bal.get(balKey(h, ctx.eurcAddr))!]);
  expect(c.bals, "token balances").to.deep.equal(bals);
}

/** Invariants rebuilt from the run's events only (no model), plus (e) decisions are final. */
function checkEventInvariants(ctx: Ctx, m: Model, c: ChainState) {
  const rules = ctx.initialRules.map((r) => ({ ...r }));
  type Sub = {
    tier: number;
    reason: number;
    value: bigint;
    token: string;
    amount: bigint;
    recipient: string;
    category: number;
    maxValue: bigint;
  };
  const subs = new Map<string, Sub>();
  // (f) the prohibitions in force, rebuilt from events (the article's, then every ProhibitionsSet / RecipientTrustSet)
  let prohibitedCats = ctx.init.prohibitedCats;
  let prohibitedTrust = ctx.init.prohibitedTrust;
  const trustOf = new Map(ctx.init.trust);
  let frozen = ctx.init.agent.frozen;
  // (g) blocked attempts of the agent per fixed 24-hour window never exceed the wallet's cap (100 by default)
  const blockedWindow = { start: -1, count: 0 };
  const windows = [0, 1, 2].map(() => ({ start: -1, count: 0 }));
  const paid = new Map<string, bigint>();
  const received = new Map<string, bigint>();
  const approvers = new Map<string, Set<string>>();
  const add = (map: Map<string, bigint>, k: string, v: bigint) => map.set(k, (map.get(k) ?? 0n) + v);
  const executedIds = new Set<string>();
  /** intents decided so far, from their closing event (executed, vetoed, rejected, expired / stale, refused for good) */
  const decidedIds = new Set<string>();

  for (const e of m.events) {
    const a = e.args;
    if (LIFECYCLE_EVENTS.has(e.name)) {
      const id = a.intentId as string;
      // (e) a decided intent gets no further lifecycle event: nothing can approve, pay or close it again.
      expect(decidedIds.has(id), `(e) ${e.name} after ${id} was decided`).to.equal(false);
      if (e.name !== "IntentApproved" && (e.name !== "IntentRefused" || a.closed === true)) decidedIds.add(id);
    }
    if (e.name === "TierRulesSet") {
      const r = a.rules as unknown as Record<string, bigint>;
      rules[Number(a.tier)] = {
        categories: r.categories,
        maxValue: r.maxValue,
        maxCount: Number(r.maxCount),
        period: Number(r.period),
        window: Number(r.window),
        grace: Number(r.grace),
        minTrust: Number(r.minTrust),
      };
    } else if (e.name === "IntentSubmitted") {
      const d = decodeDetails(a.details as bigint);
      const id = a.intentId as string;
      expect(subs.has(id), `intent ids are unique (${id})`).to.equal(false);
      const sub: Sub = {
        tier: d.tier,
        reason: d.reason,
        value: d.value,
        token: a.token as string,
        amount: a.amount as bigint,
        recipient: a.recipient as string,
        category: d.category,
        maxValue: d.tier < 3 ? rules[d.tier].maxValue : 0n,
      };
      subs.set(id, sub);
      // (a) frequency: intents counted in a tier's window, by any path into it (matched, or escalated to
      // Collaborative as unmatched), never exceed the tier's maxCount in force.
      const escalated = d.tier === Tier.Collaborative && d.reason === Reason.NoTierMatched;
      if (d.tier < 3 && (d.reason === Reason.Matched || escalated)) {
        const r = rules[d.tier];
        if (!escalated) expect(sub.value, `(a) value of ${id} within its tier's maxValue`).to.be.lte(r.maxValue);
        if (r.period !== 0) {
          const w = windows[d.tier];
          if (w.start < 0 || e.ts >= w.start + r.period) {
            w.start = e.ts;
            w.count = 0;
          }
          w.count += 1;
          expect(w.count, `(a) tier ${d.tier}: intents in the window starting ${w.start}`).to.be.lte(r.maxCount);
        }
      }
      if (d.tier === Tier.Prohibited) {
        if (blockedWindow.start < 0 || e.ts >= blockedWindow.start + 24 * HOUR) {
          blockedWindow.start = e.ts;
          blockedWindow.count = 0;
        }
        blockedWindow.count += 1;
        expect(blockedWindow.count, `(g) blocked attempts in the window from ${blockedWindow.start}`).to.be.lte(100);
      }
      if (d.tier === Tier.Autonomous) {
        expect(d.reason, "an autonomous intent matched its tier").to.equal(Reason.Matched);
        add(paid, sub.token, sub.amount);
        add(received, balKey(sub.recipient, sub.token), sub.amount);
      }
    } else if (e.name === "ProhibitionsSet") {
      prohibitedCats = a.categories as bigint;
      prohibitedTrust = Number(a.trustMask);
    } else if (e.name === "RecipientTrustSet") {
      trustOf.set(String(a.recipient), Number(a.trust));
    } else if (e.name === "AgentFrozen") {
      frozen = true;
    } else if (e.name === "IntentApproved") {
      const id = a.intentId as string;
      if (!approvers.has(id)) approvers.set(id, new Set());
      approvers.get(id)!.add(String(a.owner));
    } else if (e.name === "IntentExecuted") {
      const id = a.intentId as string;
      const sub = subs.get(id);
      expect(sub, `IntentExecuted for a submitted intent ${id}`).to.not.equal(undefined);
      expect(executedIds.has(id), `(b) ${id} executed once`).to.equal(false);
      executedIds.add(id);
      expect([Tier.Supervised, Tier.Collaborative]).to.include(sub!.tier);
      // (f) nothing prohibited at execution time pays, and nothing of a frozen agent
      const trust = trustOf.get(sub!.recipient) ?? Trust.Unknown;
      expect(frozen, `(f) ${id} paid for a frozen agent`).to.equal(false);
      expect(trust, `(f) ${id} paid a blocked recipient`).to.not.equal(Trust.Blocked);
      expect((prohibitedTrust >> trust) & 1, `(f) ${id} paid a prohibited trust level`).to.equal(0);
      expect(bit(prohibitedCats, sub!.category), `(f) ${id} paid a prohibited category`).to.equal(false);
      // (a) caps at submission time
      if (sub!.reason === Reason.Matched) expect(sub!.value, `(a) executed ${id} within cap`).to.be.lte(sub!.maxValue);
      // (c) collaborative: at least M distinct owners approved before it was paid
      if (sub!.tier === Tier.Collaborative) {
        const n = approvers.get(id)?.size ?? 0;
        expect(n, `(c) distinct owner approvals before ${id} executed`).to.be.gte(THRESHOLD);
        for (const o of approvers.get(id)!) expect(ctx.ownerAddrs).to.include(o);
      }
      add(paid, sub!.token, sub!.amount);
      add(received, balKey(sub!.recipient, sub!.token), sub!.amount);
    }
  }

  // (b) funds moved only for autonomous and executed intents.
  const holders = [ctx.walletAddr, ...ctx.vendors];
  let i = 0;
  for (const h of holders) {
    for (const token of [ctx.usdcAddr, ctx.eurcAddr]) {
      const now = c.bals[i++];
      const base = ctx.baseBal.get(balKey(h, token))!;
      if (h === ctx.walletAddr)
        expect(now, `(b) wallet ${token} balance = fixture - paid`).to.equal(base - (paid.get(token) ?? 0n));
      else
        expect(now - base, `(b) ${h} received exactly its executed intents in ${token}`).to.equal(
          received.get(balKey(h, token)) ?? 0n,
        );
    }
  }

  // (e) decisions are final: a queued intent reads its waiting status (by tier) until its closing event, and None
  // from then on (its slot is deleted); a waiting status never changes, and a deleted one never comes back.
  m.intents.forEach((intent, k) => {
    if (!intent.pending) return;
    const st = c.statuses[k];
    const sub = subs.get(intent.id);
    expect(sub, `(e) ${intent.id} was submitted`).to.not.equal(undefined);
    const waiting = sub!.tier === Tier.Supervised ? Status.Queued : Status.AwaitingApproval;
    expect(st, `(e) status of ${intent.id} from its events`).to.equal(
      decidedIds.has(intent.id) ? Status.None : waiting,
    );
    const prev = m.seen.get(intent.id);
    if (prev === Status.None) expect(st, `(e) decided ${intent.id} stays deleted`).to.equal(Status.None);
    m.seen.set(intent.id, st);
  });
}

/*//////////////////////////////////////////////////////////////
                          ACTION EXECUTION
//////////////////////////////////////////////////////////////*/

const stats = new Map<string, number>();
const count = (k: string) => stats.set(k, (stats.get(k) ?? 0) + 1);

/**
 * A queued (supervised or collaborative) intent: with `live`, preferably one whose status is in `statuses` and,
 * unless the action is `expire`, whose deadline (for a veto: veto window) is still ahead.
 */
function pickQueued(
  m: Model,
  pick: number,
  live = false,
  statuses: number[] = [],
  kind?: Action["kind"],
): MIntent | undefined {
  const q = m.intents.filter((i) => i.pending);
  const ahead = (i: MIntent) =>
    kind === "expire" ||
    (kind === "veto" ? i.pending!.notBefore : i.pending!.deadline) > Math.max(m.ts + 1, m.warpTo ?? 0);
  const preferred = live ? q.filter((i) => statuses.includes(i.status) && ahead(i)) : [];
  const from = preferred.length > 0 ? preferred : q;
  return from.length === 0 ? undefined : from[pick % from.length];
}
const OPEN = [Status.Queued, Status.AwaitingApproval];
/** Whether the model has decided a queued intent (its commitment is then deleted on chain). */
const decided = (i: MIntent) => TERMINAL.has(i.status);
/** What `intentStatus` returns: the waiting status of a queued intent, None once decided or if never queued. */
const storedStatus = (i: MIntent) => (i.pending && !decided(i) ? i.status : Status.None);
/** Events that move a queued intent along its lifecycle. */
const LIFECYCLE_EVENTS: ReadonlySet<string> = new Set([
  "IntentVetoed",
  "IntentApproved",
  "IntentRejected",
  "IntentExecuted",
  "IntentExpired",
  "IntentRefused",
]);

/** Moves the next transaction next to an intent's edge (see `atArb`), if that is still ahead. */
function warpNear(m: Model, intent: MIntent, kind: Action["kind"], at: number) {
  if (at === 0) return;
  const p = intent.pending!;
  const edge = kind === "veto" || (kind === "execute" && intent.tier === Tier.Supervised) ? p.notBefore : p.deadline;
  const target = edge + at - 2;
  if (target > m.ts && target >= (m.warpTo ?? 0)) m.warpTo = target;
}

function amountFor(ctx: Ctx, m: Model, token: string, sel: AmountSel): bigint {
  let target: bigint;
  switch (sel.base) {
    case "autoCap":
      target = m.rules[0].maxValue;
      break;
    case "supCap":
      target = m.rules[1].maxValue;
      break;
    case "colCap":
      target = m.rules[2].maxValue;
      break;
    case "small":
      target = (sel.rnd % 1_000_000n) + 1n;
      break;
    default:
      target = sel.rnd;
  }
  target += BigInt(sel.delta);
  if (target < 1n) target = 1n;
  if (token === ctx.usdcAddr) return target;
  let amount = (target * 10n ** 8n) / m.feed.answer;
  if (sel.bump) amount += 1n;
  return amount < 1n ? 1n : amount;
}

/** Closes a queued intent without paying; returns the budget released (documented budget release rule). */
function closeIntent(m: Model, intent: MIntent, status: number): bigint {
  intent.status = status;
  m.agent.open -= 1;
  const epoch = intent.pending!.budgetEpoch;
  if (epoch === 0) return 0n;
  // only into the budget window (epoch) the value was counted in
  const b = m.budgets[intent.tier];
  if (!b || m.epochs[intent.tier] !== epoch) return 0n;
  const value = intent.pending!.value;
  const released = b.spent < value ? b.spent : value;
  b.spent -= released;
  return released;
}

function pay(ctx: Ctx, m: Model, token: string, recipient: string, amount: bigint) {
  m.bal.set(balKey(ctx.walletAddr, token), m.bal.get(balKey(ctx.walletAddr, token))! - amount);
  m.bal.set(balKey(recipient, token), m.bal.get(balKey(recipient, token))! + amount);
}

/** Tries to pay a queued intent (documented refusal rules); returns the lifecycle events it emits. */
function settle(ctx: Ctx, m: Model, intent: MIntent, caller: string): string[] {
  const outcome = settleOutcome(ctx, m, intent, caller);
  const [kind, , refusal] = outcome[0].split(":");
  count(`settle:tier${intent.tier}:${kind}${kind === "Refused" ? `:${refusal}` : ""}`);
  return outcome;
}

function settleOutcome(ctx: Ctx, m: Model, intent: MIntent, caller: string): string[] {
  const id = intent.id;
  if (m.paused) return [`Refused:${id}:0:false:0`];
  const refuse = (refusal: number) => [`Refused:${id}:${refusal}:true:${closeIntent(m, intent, Status.Refused)}`];
  // documented: every prohibition is re-checked at execution, as the policy stands then
  if (m.agent.frozen) return refuse(6);
  const trust = m.trust.get(intent.recipient) ?? Trust.Unknown;
  if (trust === Trust.Blocked) return refuse(2);
  if ((m.prohibitedTrust >> trust) & 1) return refuse(5);
  if (bit(m.prohibitedCats, intent.pending!.category)) return refuse(4);
  if (intent.token === ctx.eurcAddr && !m.eurcAccepted) return refuse(3);
  if (m.bal.get(balKey(ctx.walletAddr, intent.token))! < intent.amount) return [`Refused:${id}:1:false:0`];
  intent.status = Status.Executed;
  m.agent.open -= 1;
  pay(ctx, m, intent.token, intent.recipient, intent.amount);
  return [`Executed:${id}:${caller}`];
}

interface Expectation {
  err?: string;
  events?: string[];
  after?: (receipt: TransactionReceipt) => Promise<void>;
}

async function ownerActionTx(ctx: Ctx, m: Model, calls: string[], forged: boolean) {
  const signers = forged ? [ctx.keys[0], ctx.owners[0]] : [ctx.owners[0], ctx.owners[1]];
  const sigs = await signOwnerActionWith(ctx.domain, signers, calls, m.ownerNonce, FAR_DEADLINE);
  return () => ctx.wallet.connect(ctx.owners[2]).ownerAction(calls, FAR_DEADLINE, sigs);
}

async function runAction(ctx: Ctx, m: Model, a: Action): Promise<void> {
  const w = ctx.wallet;
  const i = w.interface;
  const who = (by: number) => (by < 3 ? ctx.owners[by] : ctx.keys[0]);
  const whoAddr = (by: number) => (by < 3 ? ctx.ownerAddrs[by] : ctx.keyAddrs[0]);
  let expectation: Expectation;
  let send: () => Promise<ContractTransactionResponse>;
  let ts: number;

  switch (a.kind) {
    case "warp": {
      m.warpTo = Math.max(m.warpTo ?? 0, m.ts + Math.max(a.dt, 1));
      count("warp");
      return;
    }
    case "warpEdge": {
      const intent = pickQueued(m, a.pick, a.live, OPEN, a.kind);
      if (!intent) return;
      const p = intent.pending!;
      const target = [p.notBefore - 1, p.notBefore, p.deadline - 1, p.deadline][a.edge];
      if (target > m.ts) m.warpTo = target;
      count("warpEdge");
      return;
    }
    case "feed": {
      ts = nextTs(m);
      const price = FEED_PRICES[a.price];
      const out = await sendAt(ctx, m, ts, () => ctx.eurFeed.setAnswer(price));
      expect(out.ok, "feed update").to.equal(true);
      m.feed = { answer: price, updatedAt: ts };
      count("feed");
      return;
    }
    case "submit": {
      ts = nextTs(m);
      const key = ctx.keys[a.key];
      const keyAddr = ctx.keyAddrs[a.key];
      const token = a.token === 0 ? ctx.usdcAddr : ctx.eurcAddr;
      const recipient = ctx.vendors[a.recipient];
      const amount = amountFor(ctx, m, token, a.amount);
      const validUntil = m.keys.get(keyAddr);
      let cls: Classified;
      if (validUntil === undefined) cls = { err: "TierGuardNotSessionKey" };
      else if (ts >= validUntil) cls = { err: "TierGuardSessionKeyExpired" };
      else cls = classify(ctx, m, ts, token, amount, recipient, a.category);
      const idempotencyKey = ethers.id(`property ${ts}`);
      const via = a.via ?? 0; // the hand-written examples spend
      if (via === 0) send = () => w.connect(key).spend(token, amount, recipient, a.category, "property test");
      else if (via === 1) {
        send = () =>
          w.connect(key).spendIdempotent(token, amount, recipient, a.category, "property test", idempotencyKey);
      } else {
        const intent = { token, amount, recipient, category: a.category, justification: "property test" };
        const signed = { ...intent, idempotencyKey, deadline: FAR_DEADLINE };
        const sig = await key.signTypedData(ctx.domain, SIGNED_SPEND_TYPES, signed);
        send = () => w.connect(ctx.owners[2]).spendSigned(signed, keyAddr, sig);
      }
      if (cls.err !== undefined) {
        expectation = { err: cls.err };
        break;
      }
      const c = cls;
      const nonce = m.agent.nonce;
      expectation = {
        events: [],
        after: async (receipt) => {
          const s = await decodeSubmission(w, receipt);
          const label = `submit ${jsonb(a)} amount=${amount}`;
          expect(s.intentId, `${label}: id`).to.equal(await w.intentIdFor(ctx.agentId, nonce));
          expect(
            { tier: s.tier, reason: s.reason, misses: s.misses, value: s.value, policyVersion: s.policyVersion },
            label,
          ).to.deep.equal({
            tier: c.tier,
            reason: c.reason,
            misses: c.misses,
            value: c.value,
            policyVersion: m.policyVersion,
          });
          c.commit();
          m.agent.nonce += 1;
          const intent: MIntent = {
            id: s.intentId,
            tier: c.tier,
            reason: c.reason,
            value: c.value,
            token,
            amount,
            recipient,
            submittedAt: ts,
            status: [Status.Executed, Status.Queued, Status.AwaitingApproval, Status.Blocked][c.tier],
            approvals: new Set(),
          };
          if (c.tier === Tier.Supervised || c.tier === Tier.Collaborative) {
            const r = m.rules[c.tier];
            const notBefore = c.tier === Tier.Supervised ? ts + r.window : ts;
            const deadline = c.tier === Tier.Supervised ? notBefore + r.grace : ts + r.window;
            const expected: PendingIntentStruct = {
              agentId: ctx.agentId,
              token,
              amount,
              recipient,
              value: c.value,
              category: a.category,
              tier: c.tier,
              submittedAt: ts,
              notBefore,
              deadline,
              policyVersion: m.policyVersion,
              budgetEpoch: c.budgetEpoch,
              trust: m.trust.get(recipient) ?? Trust.Unknown,
            };
            expect(s.pending, `${label}: pending intent`).to.deep.equal(expected);
            intent.pending = s.pending;
          } else {
            expect(s.pending, label).to.equal(undefined);
          }
          if (c.tier === Tier.Autonomous) pay(ctx, m, token, recipient, amount);
          m.intents.push(intent);
          if (via !== 0) {
            const k = { idempotencyKey, token, amount, recipient, category: a.category };
            m.keyed.push({ ...k, key: a.key, intentId: s.intentId, tier: c.tier, status: intent.status });
            expect(await w.intentByKey(ctx.agentId, idempotencyKey), `${label}: intentByKey`).to.deep.equal([
              s.intentId,
              BigInt(c.tier),
              BigInt(intent.status),
            ]);
          }
          count(`submit:tier${c.tier}:via${via}`);
        },
      };
      break;
    }
    case "retry": {
      // the agent retries a keyed submission (same key, same payment): nothing is submitted, paid or counted
      if (m.keyed.length === 0) return;
      const k = m.keyed[a.pick % m.keyed.length];
      ts = nextTs(m);
      const key = ctx.keys[k.key];
      const retry = () =>
        w.connect(key).spendIdempotent(k.token, k.amount, k.recipient, k.category, "retry", k.idempotencyKey);
      send = retry;
      // a revoked key no longer names the agent, so the retry is refused like any call by a stranger
      if (!m.keys.has(ctx.keyAddrs[k.key])) expectation = { err: "TierGuardNotSessionKey" };
      else {
        expectation = {
          events: [],
          after: async (receipt) => {
            expect(receipt.logs, `retry of ${k.intentId}: no event`).to.have.length(0);
            const again = w.connect(key).spendIdempotent.staticCall;
            expect(await again(k.token, k.amount, k.recipient, k.category, "retry", k.idempotencyKey)).to.deep.equal([
              k.intentId,
              BigInt(k.tier),
              BigInt(k.status),
            ]);
          },
        };
        count("retry");
      }
      break;
    }
    case "veto": {
      const intent = pickQueued(m, a.pick, a.live, [Status.Queued], a.kind);
      if (!intent) return;
      warpNear(m, intent, a.kind, a.at);
      ts = nextTs(m);
      const p = intent.pending!;
      send = () => w.connect(who(a.by)).veto(intent.id, p);
      if (a.by === 3) expectation = { err: "TierGuardNotOwnerOrGuardian" };
      else if (decided(intent)) expectation = { err: "TierGuardUnknownIntent" };
      else if (intent.status !== Status.Queued) expectation = { err: "TierGuardWrongStatus" };
      else if (ts >= p.notBefore) expectation = { err: "TierGuardVetoWindowOver" };
      else {
        const released = closeIntent(m, intent, Status.Vetoed);
        expectation = { events: [`Vetoed:${intent.id}:${whoAddr(a.by)}:${released}`] };
        count("veto:ok");
      }
      break;
    }
    case "reject": {
      const intent = pickQueued(m, a.pick, a.live, [Status.AwaitingApproval], a.kind);
      if (!intent) return;
      warpNear(m, intent, a.kind, a.at);
      ts = nextTs(m);
      const p = intent.pending!;
      send = () => w.connect(who(a.by)).reject(intent.id, p);
      if (a.by === 3) expectation = { err: "TierGuardNotOwner" };
      else if (decided(intent)) expectation = { err: "TierGuardUnknownIntent" };
      else if (intent.status !== Status.AwaitingApproval) expectation = { err: "TierGuardWrongStatus" };
      else if (ts >= p.deadline) expectation = { err: "TierGuardDeadlinePassed" };
      else {
        const released = closeIntent(m, intent, Status.Rejected);
        expectation = { events: [`Rejected:${intent.id}:${whoAddr(a.by)}:${released}`] };
        count("reject:ok");
      }
      break;
    }
    case "expire": {
      const intent = pickQueued(m, a.pick, a.live, OPEN, a.kind);
      if (!intent) return;
      warpNear(m, intent, a.kind, a.at);
      ts = nextTs(m);
      const p = intent.pending!;
      send = () => w.connect(ctx.owners[2]).expire(intent.id, p);
      if (decided(intent)) expectation = { err: "TierGuardUnknownIntent" };
      else if (ts < p.deadline) expectation = { err: "TierGuardDeadlineNotReached" };
      else {
        const closed = intent.status === Status.Queued ? Status.Stale : Status.Expired;
        const released = closeIntent(m, intent, closed);
        expectation = { events: [`Expired:${intent.id}:${closed}:${released}`] };
        count("expire:ok");
      }
      break;
    }
    case "approve": {
      const intent = pickQueued(m, a.pick, a.live, [Status.AwaitingApproval], a.kind);
      if (!intent) return;
      warpNear(m, intent, a.kind, a.at);
      ts = nextTs(m);
      const p = intent.pending!;
      send = () => w.connect(who(a.by)).approve(intent.id, p);
      const owner = whoAddr(a.by);
      if (a.by === 3) expectation = { err: "TierGuardNotOwner" };
      else if (decided(intent)) expectation = { err: "TierGuardUnknownIntent" };
      else if (intent.status !== Status.AwaitingApproval) expectation = { err: "TierGuardWrongStatus" };
      else if (ts >= p.deadline) expectation = { err: "TierGuardDeadlinePassed" };
      else if (intent.approvals.has(owner)) expectation = { err: "TierGuardAlreadyApproved" };
      else {
        intent.approvals.add(owner);
        const events = [`Approved:${intent.id}:${owner}`];
        if (intent.approvals.size >= THRESHOLD) events.push(...settle(ctx, m, intent, owner));
        expectation = { events };
        count("approve:ok");
      }
      break;
    }
    case "approveSigs": {
      const intent = pickQueued(m, a.pick, a.live, [Status.AwaitingApproval], a.kind);
      if (!intent) return;
      warpNear(m, intent, a.kind, a.at);
      ts = nextTs(m);
      const p = intent.pending!;
      const signers = ctx.owners.filter((_, k) => (a.signers >> k) & 1);
      const signedId = a.wrongIntent ? ethers.keccak256(ethers.toUtf8Bytes(`other:${intent.id}`)) : intent.id;
      const sigs = await signApprovalsWith(ctx.domain, signers, signedId, p);
      const caller = ctx.keys[0]; // anyone may submit signatures: the agent key does here
      send = () => w.connect(caller).approveBySignatures(intent.id, p, sigs);
      if (decided(intent)) expectation = { err: "TierGuardUnknownIntent" };
      else if (intent.status !== Status.AwaitingApproval) expectation = { err: "TierGuardWrongStatus" };
      else if (ts >= p.deadline) expectation = { err: "TierGuardDeadlinePassed" };
      else if (a.wrongIntent) expectation = { err: "TierGuardInvalidSignature" };
      else {
        const all = new Set([...intent.approvals, ...sigs.map((s) => s.signer)]);
        if (all.size < THRESHOLD) expectation = { err: "TierGuardNotEnoughApprovals" };
        else {
          const events = sigs
            .filter((s) => !intent.approvals.has(s.signer))
            .map((s) => `Approved:${intent.id}:${s.signer}`);
          intent.approvals = all;
          intent.lastSigs = sigs;
          events.push(...settle(ctx, m, intent, ctx.keyAddrs[0]));
          expectation = {
            events,
            after: async () => {
              // (d) once the intent is closed, the very same signatures can never be used again: its commitment
              // is gone, so they are refused as for an unknown intent.
              if (decided(intent)) {
                let reverted = "";
                try {
                  await w.connect(ctx.owners[2]).approveBySignatures.staticCall(intent.id, p, sigs);
                } catch (e) {
                  reverted = revertName(e, w.interface);
                }
                expect(reverted, "(d) replaying approval signatures of a closed intent").to.equal(
                  "TierGuardUnknownIntent",
                );
              }
            },
          };
          count(`approveSigs:${decided(intent) ? "closed" : "open"}`);
        }
      }
      break;
    }
    case "replay": {
      const closed = m.intents.filter((x) => x.lastSigs && decided(x));
      if (closed.length === 0) return;
      const intent = closed[a.pick % closed.length];
      ts = nextTs(m);
      send = () => w.connect(ctx.owners[1]).approveBySignatures(intent.id, intent.pending!, intent.lastSigs!);
      expectation = { err: "TierGuardUnknownIntent" };
      count("replay");
      break;
    }
    case "execute": {
      // collaborative intents mostly execute through approve / approveBySignatures: prefer supervised ones
      const intent = pickQueued(m, a.pick, a.live, a.pick % 4 === 0 ? OPEN : [Status.Queued], a.kind);
      if (!intent) return;
      warpNear(m, intent, a.kind, a.at);
      ts = nextTs(m);
      const p = intent.pending!;
      send = () => w.connect(who(a.by)).execute(intent.id, p);
      if (intent.status === Status.Queued) {
        if (ts < p.notBefore) expectation = { err: "TierGuardVetoWindowOpen" };
        else if (ts >= p.deadline) expectation = { err: "TierGuardDeadlinePassed" };
        else expectation = { events: settle(ctx, m, intent, whoAddr(a.by)) };
      } else if (intent.status === Status.AwaitingApproval) {
        if (ts >= p.deadline) expectation = { err: "TierGuardDeadlinePassed" };
        else if (intent.approvals.size < THRESHOLD) expectation = { err: "TierGuardNotEnoughApprovals" };
        else expectation = { events: settle(ctx, m, intent, whoAddr(a.by)) };
      } else expectation = { err: "TierGuardUnknownIntent" }; // decided: no longer stored
      break;
    }
    case "pause": {
      ts = nextTs(m);
      send = () => w.connect(who(a.by)).pause();
      if (a.by === 3) expectation = { err: "TierGuardNotOwnerOrGuardian" };
      else if (m.paused) expectation = { err: "TierGuardPaused" };
      else {
        m.paused = true;
        expectation = { events: [] };
        count("pause");
      }
      break;
    }
    case "pauseToggle": {
      // an owner pauses a running wallet; owners unpause a paused one
      return runAction(ctx, m, m.paused ? { kind: "unpause" } : { kind: "pause", by: a.by });
    }
    case "unpause": {
      const tx = await ownerActionTx(ctx, m, [i.encodeFunctionData("unpause")], false);
      ts = nextTs(m);
      send = tx;
      if (!m.paused) expectation = { err: "TierGuardActionCallFailed" };
      else {
        m.paused = false;
        m.ownerNonce += 1n;
        expectation = { events: [] };
        count("unpause");
      }
      break;
    }
    case "grant": {
      ts = nextTs(m);
      const keyAddr = ctx.keyAddrs[a.key];
      const validUntil = a.ttl === MAX_UNTIL ? MAX_UNTIL : ts + a.ttl;
      send = await ownerActionTx(
        ctx,
        m,
        [i.encodeFunctionData("grantSessionKey", [keyAddr, ctx.agentId, validUntil])],
        false,
      );
      if (m.agent.frozen) {
        expectation = { err: "TierGuardActionCallFailed" };
        break;
      }
      m.keys.set(keyAddr, validUntil);
      m.ownerNonce += 1n;
      expectation = { events: [] };
      count("grant");
      break;
    }
    case "freeze": {
      // an owner freezes the agent and passes some of its open intents (bit k of `picks` = the k-th open one)
      const open = m.intents.filter((x) => x.pending && !decided(x));
      const passed = open.filter((_, k) => (a.picks >> k) & 1);
      ts = nextTs(m);
      const list = passed.map((x) => ({ intentId: x.id, intent: x.pending! }));
      send = () => w.connect(who(a.by)).freezeAgent(ctx.agentId, list);
      if (a.by === 3) expectation = { err: "TierGuardNotOwner" };
      else {
        m.agent.frozen = true;
        m.keys.clear();
        const events = passed.map((x) => `Refused:${x.id}:6:true:${closeIntent(m, x, Status.Refused)}`);
        expectation = { events };
        count(`freeze:${passed.length}`);
      }
      break;
    }
    case "revoke": {
      const keyAddr = ctx.keyAddrs[a.key];
      if (a.viaAction) {
        send = await ownerActionTx(ctx, m, [i.encodeFunctionData("revokeSessionKey", [keyAddr])], false);
        ts = nextTs(m);
        if (!m.keys.has(keyAddr)) expectation = { err: "TierGuardActionCallFailed" };
        else {
          m.keys.delete(keyAddr);
          m.ownerNonce += 1n;
          expectation = { events: [] };
        }
      } else {
        ts = nextTs(m);
        send = () => w.connect(who(a.by)).revokeSessionKey(keyAddr);
        if (a.by === 3) expectation = { err: "TierGuardNotOwner" };
        else if (!m.keys.has(keyAddr)) expectation = { err: "TierGuardNotSessionKey" };
        else {
          m.keys.delete(keyAddr);
          expectation = { events: [] };
        }
      }
      if (!expectation.err) count("revoke");
      break;
    }
    case "policy": {
      const ch = a.change;
      let call: string;
      let ok = true;
      let apply: () => void;
      switch (ch.p) {
        case "autoMax": {
          const r = { ...m.rules[0], maxValue: ch.v };
          call = i.encodeFunctionData("setTierRules", [Tier.Autonomous, r]);
          apply = () => (m.rules[0] = r);
          break;
        }
        case "supCount": {
          const r = { ...m.rules[1], maxCount: ch.v };
          call = i.encodeFunctionData("setTierRules", [Tier.Supervised, r]);
          apply = () => (m.rules[1] = r);
          break;
        }
        case "budget": {
          call = i.encodeFunctionData("setBudget", [ch.tier, ch.max, ch.period]);
          apply = () => {
            const b = m.budgets[ch.tier];
            if (ch.max === 0n) {
              m.budgets[ch.tier] = null;
              m.epochs[ch.tier] = (m.epochs[ch.tier] % 0xffffff) + 1;
            } else if (b) m.budgets[ch.tier] = { ...b, max: ch.max, period: ch.period };
            else m.budgets[ch.tier] = { max: ch.max, period: ch.period, windowStart: 0, spent: 0n };
          };
          break;
        }
        case "trust": {
          call = i.encodeFunctionData("setRecipientTrust", [ctx.vendors[ch.vendor], ch.trust]);
          apply = () => m.trust.set(ctx.vendors[ch.vendor], ch.trust);
          break;
        }
        case "blockQueued": {
          // block the recipient of an open queued intent (so that its execution is refused for good)
          const intent = pickQueued(m, ch.pick, true, OPEN);
          const vendor = intent ? intent.recipient : ctx.vendors[ch.pick % ctx.vendors.length];
          call = i.encodeFunctionData("setRecipientTrust", [vendor, Trust.Blocked]);
          apply = () => m.trust.set(vendor, Trust.Blocked);
          break;
        }
        case "prohibitKnown": {
          const mask = m.prohibitedTrust ^ (1 << Trust.Known);
          call = i.encodeFunctionData("setProhibitions", [m.prohibitedCats, mask]);
          apply = () => (m.prohibitedTrust = mask);
          break;
        }
        case "eurc": {
          if (ch.on) {
            call = i.encodeFunctionData("configureToken", [ctx.eurcAddr, PriceKind.Feed, BigInt(ctx.feedAddr), HOUR]);
            apply = () => (m.eurcAccepted = true);
          } else {
            call = i.encodeFunctionData("removeToken", [ctx.eurcAddr]);
            ok = m.eurcAccepted;
            apply = () => (m.eurcAccepted = false);
          }
          break;
        }
      }
      send = await ownerActionTx(ctx, m, [call], a.forged);
      ts = nextTs(m);
      if (a.forged) expectation = { err: "TierGuardSignerNotOwner" };
      else if (!ok) expectation = { err: "TierGuardActionCallFailed" };
      else {
        apply();
        m.ownerNonce += 1n;
        m.policyVersion += 1;
        expectation = { events: [] };
        count(`policy:${ch.p}`);
      }
      break;
    }
  }

  const out = await sendAt(ctx, m, ts!, send!);
  const label = `${jsonb(a)} at ${ts!}`;
  if (expectation!.err) {
    expect(out.ok ? "success" : out.err, `${label}: expected revert`).to.equal(expectation!.err);
    count(`revert:${a.kind}:${expectation!.err}`);
  } else {
    expect(out.ok ? "success" : out.err, `${label}: expected success`).to.equal("success");
    const receipt = (out as { receipt: TransactionReceipt }).receipt;
    expect(lifecycleEvents(ctx, receipt), `${label}: lifecycle events`).to.deep.equal(expectation!.events ?? []);
    if (expectation!.after) await expectation!.after(receipt);
  }
}

/*//////////////////////////////////////////////////////////////
                               TEST
//////////////////////////////////////////////////////////////*/

describe("TierGuardWallet — properties (fast-check)", function () {
  this.timeout(1_800_000);
  let ctx: Ctx;
  let started = 0;

  before(async () => {
    const d = await deployArticle(hre);
    const signers = await ethers.getSigners();
    const wallet = d.wallet;
    const walletAddr = await wallet.getAddress();
    const usdcAddr = await d.usdc.getAddress();
    const eurcAddr = await d.eurc.getAddress();
    const feedAddr = await d.eurFeed.getAddress();
    const keys = [d.agentKey, signers[4], signers[5], signers[6]];
    const keyAddrs = await Promise.all(keys.map((k) => k.getAddress()));
    const vendors = VENDOR_NAMES.map((n) => d.vendors[n]);
    const ownerAddrs = await Promise.all(d.owners.map((o) => o.getAddress()));
    // Fresh feed at the fixture so that the first hour of every run can price EURC.
    await (await d.eurFeed.setAnswer(FEED_PRICES[0])).wait();
    const round = await d.eurFeed.latestRoundData();

    const partial = {
      d,
      wallet,
      usdc: d.usdc,
      eurc: d.eurc,
      eurFeed: d.eurFeed,
      walletAddr,
      usdcAddr,
      eurcAddr,
      feedAddr,
      owners: d.owners,
      ownerAddrs,
      agentId: d.agentId,
      keys,
      keyAddrs,
      vendors,
      domain: await domainOf(wallet),
    } as Ctx;
    const c0 = await readChain(partial, { intents: [] } as unknown as Model);
    const bal = new Map<string, bigint>();
    let k = 0;
    for (const h of [walletAddr, ...vendors]) for (const t of [usdcAddr, eurcAddr]) bal.set(balKey(h, t), c0.bals[k++]);
    const keyMap = new Map<string, number>();
    c0.keys.forEach((g, j) => {
      if (g.agentId !== ethers.ZeroHash) keyMap.set(keyAddrs[j], g.validUntil);
    });
    const init: Ctx["init"] = {
      ts: (await ethers.provider.getBlock("latest"))!.timestamp,
      paused: c0.paused,
      rules: c0.rules,
      budgets: c0.budgets.map((b) => (b.max === 0n ? null : b)),
      epochs: c0.epochs,
      prohibitedCats: c0.prohibitedCats,
      prohibitedTrust: c0.prohibitedTrust,
      unmatched: c0.unmatched,
      trust: new Map(vendors.map((v, j) => [v, c0.trust[j]])),
      eurcAccepted: c0.tokens.includes(eurcAddr),
      feed: { answer: round.answer, updatedAt: Number(round.updatedAt) },
      keys: keyMap,
      agent: c0.agent,
      ownerNonce: c0.ownerNonce,
      policyVersion: c0.policyVersion,
      bal,
    };
    // The article fixture as the tests assume it.
    expect(c0.threshold).to.equal(THRESHOLD);
    expect(init.unmatched).to.equal(Tier.Collaborative);
    expect(init.eurcAccepted).to.equal(true);
    expect([...keyMap.keys()]).to.deep.equal([keyAddrs[0]]);
    ctx = { ...partial, init, initialRules: c0.rules.map((r) => ({ ...r })), baseBal: new Map(bal), snapshot: "" };
    ctx.snapshot = await network.provider.send("evm_snapshot");
    started = Date.now();
  });

  after(async () => {
    if (ctx) await network.provider.send("evm_revert", [ctx.snapshot]);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const summary = [...stats.entries()].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
    console.log(`      property runs took ${secs}s; outcomes: ${summary.join(" ")}`);
  });

  it(`${EXAMPLES.length} hand-written + ${RUNS} random action sequences keep the model and invariants (a)-(g)`, async () => {
    // The hand-written examples run first and count towards numRuns: RUNS random sequences follow them.
    const params: fc.Parameters<[Action[]]> = {
      numRuns: RUNS + EXAMPLES.length,
      examples: EXAMPLES.map((e) => [e] as [Action[]]),
    };
    if (process.env.PROPS_SEED) params.seed = Number(process.env.PROPS_SEED);
    if (process.env.PROPS_PATH) params.path = process.env.PROPS_PATH;
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 5, maxLength: MAX_ACTIONS }), async (actions) => {
        await network.provider.send("evm_revert", [ctx.snapshot]);
        ctx.snapshot = await network.provider.send("evm_snapshot");
        const m = cloneModel(ctx.init);
        count("run");
        let prev = await readChain(ctx, m);
        compareWithModel(ctx, m, prev);
        for (const a of actions) {
          const eventsBefore = m.events.length;
          const intentsBefore = m.intents.length;
          await runAction(ctx, m, a);
          const now = await readChain(ctx, m);
          if (m.events.length === eventsBefore && m.intents.length === intentsBefore) {
            // Nothing happened on the wallet (a revert, a warp or a feed update): no state may have changed.
            expect(jsonb(now), `state unchanged after ${jsonb(a)}`).to.equal(jsonb(prev));
          }
          compareWithModel(ctx, m, now);
          checkEventInvariants(ctx, m, now);
          prev = now;
        }
      }),
      params,
    );
  });
});
