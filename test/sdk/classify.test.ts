/**
 * Unit tests of the pure classifier on the article's policy (scripts/lib/article.ts mapped onto a snapshot).
 * No chain: the differential test (differential.test.ts) checks the same function against the contract.
 */
import { describe, expect, it } from "vitest";
import { getAddress, type Address, type Hex } from "viem";
import {
  ClassifyError,
  Reason,
  Tier,
  Trust,
  classify,
  type ClassifierState,
  type ClassifierTokenState,
  type ClassifyInput,
} from "../../src/classify";
import { TierGuardError } from "../../src/errors";

const CATEGORIES = [
  "api_calls",
  "embeddings",
  "search",
  "compute",
  "data_access",
  "saas_tools",
  "agent_hire",
  "service_procurement",
  "subscription",
  "gambling",
  "unverified_agents",
  "sanctioned_jurisdictions",
] as const;
type Category = (typeof CATEGORIES)[number];
const cat = (n: Category) => CATEGORIES.indexOf(n);
const mask = (...names: Category[]) => names.reduce((m, n) => m | (1n << BigInt(cat(n))), 0n);
const usd = (s: string): bigint => {
  const [whole, frac = ""] = s.split(".");
  return BigInt(whole) * 1_000_000n + BigInt((frac + "000000").slice(0, 6));
};
const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
/** misses nibbles, autonomous first */
const misses = (...r: number[]) => r.reduce((m, x, t) => m | (x << (4 * t)), 0);

const HOUR = 3600;
const T0 = 1_800_000_000;
const WALLET = addr(0xa11e7);
const USDC = addr(0x05dc);
const EURC = addr(0xe5c);
const ETH = addr(0);
const ZERO6 = addr(0x6660); // 0-decimal token, fixed 1.00
const vendors = {
  embeddings: addr(0x1001),
  search: addr(0x1002),
  data: addr(0x1003),
  compute: addr(0x1004),
  analysisAgent: addr(0x1005),
  casino: addr(0x1006),
  stranger: addr(0x1007),
  blocked: addr(0x1008),
};
const AGENT = "0x70726f637572656d656e742d6167656e742d70726f6400000000000000000000" as Hex;

const fixed = (decimals: number, price: bigint): ClassifierTokenState => ({
  kind: 1,
  decimals,
  priceDecimals: 18,
  maxStaleness: 0,
  source: price,
});
const feed = (decimals: number, priceDecimals: number, answer: bigint, updatedAt: number): ClassifierTokenState => ({
  kind: 2,
  decimals,
  priceDecimals,
  maxStaleness: HOUR,
  source: 0xfeedn,
  feed: { answer, updatedAt: BigInt(updatedAt) },
});

const noBudget = { max: 0n, period: 0, windowStart: 0, spent: 0n };

/** The article's policy: deployArticle() in scripts/lib/article.ts, as the classifier reads it. */
function article(over: Partial<ClassifierState> = {}): ClassifierState {
  return {
    wallet: WALLET,
    settings: {
      paused: false,
      prohibitedTrust: 1 << Trust.Unknown,
      unmatchedTier: Tier.Collaborative,
      budgetTiers: 0,
      categories: (1n << BigInt(CATEGORIES.length)) - 1n,
      prohibitedCategories: mask("gambling", "unverified_agents", "sanctioned_jurisdictions"),
    },
    tiers: [
      {
        categories: mask("api_calls", "embeddings", "search"),
        maxValue: usd("1.00"),
        maxCount: 1000,
        period: HOUR,
        minTrust: Trust.Verified,
      },
      {
        categories: mask("compute", "data_access", "saas_tools"),
        maxValue: usd("50.00"),
        maxCount: 20,
        period: HOUR,
        minTrust: Trust.Known,
      },
      {
        categories: mask("agent_hire", "service_procurement", "subscription"),
        maxValue: usd("5000.00"),
        maxCount: 5,
        period: 24 * HOUR,
        minTrust: Trust.Unknown,
      },
    ],
    budgets: [noBudget, noBudget, noBudget],
    tokens: {
      [USDC]: fixed(6, 10n ** 18n),
      [EURC]: feed(6, 8, 108_000_000n, T0 - 60),
      [ETH]: feed(18, 8, 3000n * 10n ** 8n, T0 - 60),
      [ZERO6]: fixed(0, 10n ** 18n),
    },
    recipientTrust: {
      [vendors.embeddings]: Trust.Verified,
      [vendors.search]: Trust.Verified,
      [vendors.data]: Trust.Known,
      [vendors.compute]: Trust.Known,
      [vendors.analysisAgent]: Trust.Known,
      [vendors.blocked]: Trust.Blocked,
    },
    agents: {},
    ...over,
  };
}

const pay = (amount: string | bigint, recipient: Address, category: Category | number, token: Address = USDC) => ({
  agentId: AGENT,
  token,
  amount: typeof amount === "string" ? usd(amount) : amount,
  recipient,
  category: typeof category === "number" ? category : cat(category),
});

const run = (input: ClassifyInput, state = article(), now = T0) => classify(input, state, now);

/** Runs `f` and returns the ClassifyError it throws. */
function thrown(f: () => unknown): ClassifyError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ClassifyError);
    expect(e).toBeInstanceOf(TierGuardError);
    return e as ClassifyError;
  }
  throw new Error("expected a ClassifyError");
}

describe("classify: the article's day", () => {
  const state = article();
  it("lands the five transactions in autonomous, autonomous, supervised, supervised, collaborative", () => {
    const day = [
      pay("0.02", vendors.embeddings, "embeddings"),
      pay("0.50", vendors.search, "search"),
      pay("4.99", vendors.data, "data_access"),
      pay("47.00", vendors.compute, "compute"),
      pay("89.00", vendors.analysisAgent, "agent_hire"),
    ];
    expect(day.map((i) => run(i, state))).toEqual([
      { tier: Tier.Autonomous, reason: Reason.Matched, misses: 0, value: usd("0.02") },
      { tier: Tier.Autonomous, reason: Reason.Matched, misses: 0, value: usd("0.50") },
      { tier: Tier.Supervised, reason: Reason.Matched, misses: misses(1), value: usd("4.99") },
      { tier: Tier.Supervised, reason: Reason.Matched, misses: misses(1), value: usd("47") },
      { tier: Tier.Collaborative, reason: Reason.Matched, misses: misses(1, 1), value: usd("89") },
    ]);
  });

  it("prohibits gambling whatever the amount, recipient or token, and still reports the value", () => {
    expect(run(pay("0.01", vendors.embeddings, "gambling"))).toEqual({
      tier: Tier.Prohibited,
      reason: Reason.CategoryProhibited,
      misses: 0,
      value: usd("0.01"),
    });
    // category before recipient: a blocked casino is still reported as a prohibited category
    expect(run(pay("10", vendors.blocked, "gambling")).reason).toBe(Reason.CategoryProhibited);
    // a prohibited intent in a token the wallet does not accept does not revert: its value is 0
    expect(run(pay("10", vendors.casino, "gambling", addr(0xbad)))).toEqual({
      tier: Tier.Prohibited,
      reason: Reason.CategoryProhibited,
      misses: 0,
      value: 0n,
    });
  });

  it("prohibits blocked and Unknown recipients (on the autonomous fast path too)", () => {
    expect(run(pay("0.02", vendors.blocked, "embeddings"))).toMatchObject({
      tier: Tier.Prohibited,
      reason: Reason.RecipientBlocked,
      misses: 0,
    });
    expect(run(pay("0.02", vendors.stranger, "embeddings"))).toMatchObject({
      tier: Tier.Prohibited,
      reason: Reason.TrustProhibited,
    });
    expect(run(pay("89", vendors.stranger, "agent_hire"))).toMatchObject({
      tier: Tier.Prohibited,
      reason: Reason.TrustProhibited,
    });
    // without the trust prohibition an Unknown recipient can only reach the collaborative tier
    const open = article({ settings: { ...article().settings, prohibitedTrust: 0 } });
    expect(run(pay("0.02", vendors.stranger, "embeddings"), open)).toMatchObject({
      tier: Tier.Collaborative,
      reason: Reason.NoTierMatched,
      misses: misses(Reason.TrustTooLow, 1, 1),
    });
    expect(run(pay("89", vendors.stranger, "agent_hire"), open)).toMatchObject({ tier: Tier.Collaborative, reason: 0 });
  });

  it("finds recipients, tokens and agents whatever the case of their addresses", () => {
    const lower = pay("0.02", vendors.embeddings.toLowerCase() as Address, "embeddings", USDC.toLowerCase() as Address);
    expect(run(lower)).toMatchObject({ tier: Tier.Autonomous, value: usd("0.02") });
    const state = article({ agents: { [AGENT.toUpperCase().replace("0X", "0x")]: { ...zeroAgent(), start0: T0, count0: 1000 } } });
    expect(run(pay("0.02", vendors.embeddings, "embeddings"), state).misses).toBe(misses(Reason.FrequencyExceeded, 1, 1));
  });
});

const zeroAgent = () => ({ start0: 0, count0: 0, start1: 0, count1: 0, start2: 0, count2: 0, nonce: 0 });

describe("classify: tier boundaries (micro-units around maxValue)", () => {
  it("autonomous: maxValue - 1 and maxValue are autonomous, maxValue + 1 is unmatched (collaborative)", () => {
    const at = (v: bigint) => run(pay(v, vendors.embeddings, "embeddings"));
    expect(at(usd("1") - 1n)).toMatchObject({ tier: Tier.Autonomous, reason: Reason.Matched, misses: 0 });
    expect(at(usd("1"))).toMatchObject({ tier: Tier.Autonomous, reason: Reason.Matched, value: usd("1") });
    expect(at(usd("1") + 1n)).toEqual({
      tier: Tier.Collaborative,
      reason: Reason.NoTierMatched,
      misses: misses(Reason.AmountAboveMax, 1, 1),
      value: usd("1") + 1n,
    });
  });

  it("supervised: 50.00 is the last supervised micro-unit", () => {
    const at = (v: bigint) => run(pay(v, vendors.compute, "compute"));
    expect(at(usd("50") - 1n)).toMatchObject({ tier: Tier.Supervised, misses: misses(1) });
    expect(at(usd("50"))).toMatchObject({ tier: Tier.Supervised, misses: misses(1) });
    expect(at(usd("50") + 1n)).toMatchObject({
      tier: Tier.Collaborative,
      reason: Reason.NoTierMatched,
      misses: misses(1, Reason.AmountAboveMax, 1),
    });
  });

  it("collaborative: 5000.00 matches, one micro-unit more goes to the unmatched tier", () => {
    const at = (v: bigint, s = article()) => run(pay(v, vendors.analysisAgent, "agent_hire"), s);
    expect(at(usd("5000") - 1n)).toMatchObject({ tier: Tier.Collaborative, reason: Reason.Matched });
    expect(at(usd("5000"))).toMatchObject({ tier: Tier.Collaborative, reason: Reason.Matched, misses: misses(1, 1) });
    expect(at(usd("5000") + 1n)).toMatchObject({
      tier: Tier.Collaborative,
      reason: Reason.NoTierMatched,
      misses: misses(1, 1, Reason.AmountAboveMax),
    });
    const strict = article({ settings: { ...article().settings, unmatchedTier: Tier.Prohibited } });
    expect(at(usd("5000") + 1n, strict)).toMatchObject({ tier: Tier.Prohibited, reason: Reason.NoTierMatched });
  });

  it("a Known recipient is too little trust for autonomous", () => {
    const s = article({
      tiers: [{ ...article().tiers[0], categories: mask("api_calls", "embeddings", "search", "compute") }, article().tiers[1], article().tiers[2]],
    });
    expect(run(pay("0.10", vendors.compute, "compute"), s)).toMatchObject({
      tier: Tier.Supervised,
      misses: misses(Reason.TrustTooLow),
    });
  });
});

describe("classify: frequency windows (fixed, end exclusive)", () => {
  const withAgent = (a: Partial<ReturnType<typeof zeroAgent>>) => article({ agents: { [AGENT]: { ...zeroAgent(), ...a } } });

  it("autonomous: the 1000th intent of the hour passes, the 1001st does not until the window ends", () => {
    const i = pay("0.02", vendors.embeddings, "embeddings");
    expect(run(i, withAgent({ start0: T0, count0: 999 }), T0 + 10).tier).toBe(Tier.Autonomous);
    const full = withAgent({ start0: T0, count0: 1000 });
    expect(run(i, full, T0 + HOUR - 1)).toMatchObject({
      tier: Tier.Collaborative,
      reason: Reason.NoTierMatched,
      misses: misses(Reason.FrequencyExceeded, 1, 1),
    });
    expect(run(i, full, T0 + HOUR)).toMatchObject({ tier: Tier.Autonomous, reason: Reason.Matched, misses: 0 });
  });

  it("supervised: 20 per hour; a full supervised window sends the intent to the unmatched tier", () => {
    const i = pay("4.99", vendors.data, "data_access");
    const full = withAgent({ start1: T0, count1: 20 });
    expect(run(i, full, T0 + HOUR - 1)).toMatchObject({
      tier: Tier.Collaborative,
      misses: misses(1, Reason.FrequencyExceeded, 1),
    });
    expect(run(i, full, T0 + HOUR)).toMatchObject({ tier: Tier.Supervised, reason: 0 });
    // another tier's window does not matter
    expect(run(i, withAgent({ start0: T0, count0: 5000, start2: T0, count2: 99 }), T0 + 1).tier).toBe(Tier.Supervised);
  });

  it("collaborative: 5 per day, then blocked: escalating as unmatched would exceed the same frequency", () => {
    const i = pay("89", vendors.analysisAgent, "agent_hire");
    const full = withAgent({ start2: T0, count2: 5 });
    expect(run(i, full, T0 + 24 * HOUR - 1)).toMatchObject({
      tier: Tier.Prohibited,
      reason: Reason.FrequencyExceeded,
      misses: misses(1, 1, Reason.FrequencyExceeded),
    });
    expect(run(i, full, T0 + 24 * HOUR)).toMatchObject({ tier: Tier.Collaborative, reason: Reason.Matched });
  });
});

describe("classify: open intents per agent", () => {
  it("blocks a queued-tier intent at maxOpenIntents open intents (TooManyOpenIntents), not an autonomous one", () => {
    const burst = pay("47", vendors.compute, "compute");
    const bounded = (open: number) =>
      article({ settings: { ...article().settings, maxOpenIntents: 2 }, agents: { [AGENT]: { ...zeroAgent(), openIntents: open } } });
    expect(run(burst, bounded(1)).tier).toBe(Tier.Supervised);
    expect(run(burst, bounded(2))).toMatchObject({ tier: Tier.Prohibited, reason: Reason.TooManyOpenIntents });
    expect(run(pay("0.02", vendors.embeddings, "embeddings"), bounded(2)).tier).toBe(Tier.Autonomous);
  });
});

describe("classify: budgets", () => {
  const budgeted = (spent: string, windowStart = T0) =>
    article({
      settings: { ...article().settings, budgetTiers: 1 << Tier.Supervised },
      budgets: [noBudget, { max: usd("100"), period: 24 * HOUR, windowStart, spent: usd(spent) }, noBudget],
    });

  it("is inclusive: spent + value == max passes, one micro-unit more is BudgetExceeded", () => {
    const s = budgeted("60");
    expect(run(pay("40", vendors.compute, "compute"), s, T0 + 5)).toMatchObject({ tier: Tier.Supervised, reason: 0 });
    expect(run(pay(usd("40") + 1n, vendors.compute, "compute"), s, T0 + 5)).toMatchObject({
      tier: Tier.Collaborative,
      reason: Reason.NoTierMatched,
      misses: misses(1, Reason.BudgetExceeded, 1),
    });
  });

  it("starts a new window at windowStart + period", () => {
    const s = budgeted("100");
    const i = pay("1", vendors.compute, "compute");
    expect(run(i, s, T0 + 24 * HOUR - 1).misses).toBe(misses(1, Reason.BudgetExceeded, 1));
    expect(run(i, s, T0 + 24 * HOUR)).toMatchObject({ tier: Tier.Supervised, reason: 0 });
  });

  it("checks frequency before budget, and a tier without the budget flag ignores its budget word", () => {
    const s = budgeted("100");
    const full = { ...s, agents: { [AGENT]: { ...zeroAgent(), start1: T0, count1: 20 } } };
    expect(run(pay("1", vendors.compute, "compute"), full, T0 + 1).misses).toBe(misses(1, Reason.FrequencyExceeded, 1));
    const unflagged = { ...s, settings: { ...s.settings, budgetTiers: 0 } };
    expect(run(pay("1", vendors.compute, "compute"), unflagged, T0 + 1).tier).toBe(Tier.Supervised);
  });
});

describe("classify: pricing", () => {
  it("rounds values up (1 micro-EURC at 1.08 is worth 2 micro-units)", () => {
    expect(run(pay(1n, vendors.embeddings, "embeddings", EURC)).value).toBe(2n);
    expect(run(pay(100n, vendors.embeddings, "embeddings", EURC)).value).toBe(108n);
    expect(run(pay(101n, vendors.embeddings, "embeddings", EURC)).value).toBe(110n); // 109.08 -> 110
    expect(run(pay(1n, vendors.embeddings, "embeddings", ETH)).value).toBe(1n); // 1 wei
    expect(run(pay(10n ** 18n, vendors.compute, "compute", ETH))).toMatchObject({ value: usd("3000") });
    expect(run(pay(1n, vendors.embeddings, "embeddings", ZERO6)).value).toBe(usd("1")); // 0 decimals
  });

  it("rounding up moves an intent across maxValue", () => {
    // 925_926 micro-EURC * 1.08 = 1_000_000.08 -> 1_000_001: above the autonomous cap
    expect(run(pay(925_925n, vendors.embeddings, "embeddings", EURC))).toMatchObject({ tier: 0, value: 999_999n });
    expect(run(pay(925_926n, vendors.embeddings, "embeddings", EURC))).toMatchObject({
      tier: Tier.Collaborative,
      misses: misses(Reason.AmountAboveMax, 1, 1),
      value: 1_000_001n,
    });
  });

  it("accepts a feed answer exactly maxStaleness old and refuses one a second older", () => {
    const s = article({
      tokens: { ...article().tokens, [EURC]: feed(6, 8, 108_000_000n, T0 - HOUR) },
    });
    expect(run(pay("1", vendors.compute, "compute", EURC), s, T0).tier).toBe(Tier.Supervised);
    const e = thrown(() => run(pay("1", vendors.compute, "compute", EURC), s, T0 + 1));
    expect(e.code).toBe("TierGuardStalePrice");
    expect(e.args).toEqual([EURC, BigInt(T0 - HOUR), HOUR]);
    // prohibited intents do not revert on a stale price: their value is 0
    expect(run(pay("1", vendors.casino, "gambling", EURC), s, T0 + 1)).toMatchObject({ tier: 3, value: 0n });
    expect(run(pay("1", vendors.stranger, "embeddings", EURC), s, T0 + 1)).toMatchObject({ tier: 3, value: 0n });
  });

  it("refuses zero, negative and reverting feeds as invalid prices", () => {
    for (const [f, answer] of [
      [{ answer: 0n, updatedAt: BigInt(T0) }, 0n],
      [{ answer: -5n, updatedAt: BigInt(T0) }, -5n],
      ["reverted", 0n],
    ] as const) {
      const s = article({ tokens: { ...article().tokens, [EURC]: { ...feed(6, 8, 1n, T0), feed: f } } });
      const e = thrown(() => run(pay("1", vendors.compute, "compute", EURC), s));
      expect([e.code, e.args]).toEqual(["TierGuardInvalidPrice", [EURC, answer]]);
    }
  });

  it("reverts on values that do not fit 64 bits, and on tokens the wallet does not accept", () => {
    const max = (1n << 64n) - 1n;
    expect(run(pay(max, vendors.analysisAgent, "agent_hire")).value).toBe(max);
    const e = thrown(() => run(pay(max + 1n, vendors.analysisAgent, "agent_hire")));
    expect([e.code, e.args]).toEqual(["TierGuardValueTooLarge", [max + 1n]]);
    // amount * price overflows 256 bits: the contract reports type(uint256).max
    const huge = thrown(() => run(pay((1n << 256n) - 1n, vendors.analysisAgent, "agent_hire")));
    expect([huge.code, huge.args]).toEqual(["TierGuardValueTooLarge", [(1n << 256n) - 1n]]);
    const na = thrown(() => run(pay("1", vendors.compute, "compute", addr(0xbad))));
    expect([na.code, na.args]).toEqual(["TierGuardTokenNotAccepted", [addr(0xbad)]]);
  });

  it("never panics on extreme feeds: a far-future update is fresh, an overflowing scale-up is too large", () => {
    const s = article({
      tokens: {
        ...article().tokens,
        [EURC]: feed(6, 8, 108_000_000n, 0),
        [ETH]: { ...feed(0, 0, 1n << 254n, T0) },
      },
    });
    const far = article({
      tokens: { ...article().tokens, [EURC]: { ...feed(6, 8, 1n, 0), feed: { answer: 1n, updatedAt: (1n << 256n) - 1n } } },
    });
    // updatedAt in the far future: fresh (no overflow in the staleness check); 1 EURC at 1e-8 USD rounds up to 1
    expect(run(pay("1", vendors.compute, "compute", EURC), far).value).toBe(1n);
    // 0 + 0 decimals: the price scaled up by 1e6 no longer fits 256 bits -> value too large
    const big = thrown(() => run(pay(1n, vendors.compute, "compute", ETH), s));
    expect([big.code, big.args]).toEqual(["TierGuardValueTooLarge", [(1n << 256n) - 1n]]);
    // a blocked intent with such a token is still recorded (value 0)
    expect(run(pay(1n, vendors.casino, "gambling", ETH), s).value).toBe(0n);
  });
});

describe("classify: invalid input reverts like preview", () => {
  it("in the contract's order: paused, zero amount, recipient, category, token", () => {
    const paused = article({ settings: { ...article().settings, paused: true } });
    expect(thrown(() => run(pay(0n, addr(0), 255), paused)).code).toBe("TierGuardPaused");
    expect(thrown(() => run(pay(0n, addr(0), 255))).code).toBe("TierGuardZeroAmount");
    expect(thrown(() => run(pay(1n, addr(0), 255))).code).toBe("TierGuardInvalidRecipient");
    const w = thrown(() => run(pay(1n, WALLET.toLowerCase() as Address, "embeddings")));
    expect([w.code, w.args]).toEqual(["TierGuardInvalidRecipient", [WALLET.toLowerCase()]]);
    for (const c of [12, 63, 64, 200, 255]) {
      const e = thrown(() => run(pay(1n, vendors.compute, c, addr(0xbad))));
      expect([e.code, e.args]).toEqual(["TierGuardUnknownCategory", [c]]);
    }
    expect(thrown(() => run(pay(1n, vendors.compute, "compute", addr(0xbad)))).code).toBe("TierGuardTokenNotAccepted");
  });

  it("rejects inputs that cannot be ABI-encoded with a plain TierGuardError", () => {
    expect(() => run(pay(-1n, vendors.compute, "compute"))).toThrow(TierGuardError);
    expect(() => run(pay(1n, vendors.compute, 256))).toThrow(/uint8/);
    expect(() => run(pay(1n, vendors.compute, 1.5))).toThrow(TierGuardError);
  });
});
