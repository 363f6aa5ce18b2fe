/**
 * The off-chain classifier: a pure mirror of `Classifier._classify` (contracts/base/Classifier.sol), i.e. of what
 * `preview` returns or reverts with for an intent, given a snapshot of the state the contract reads.
 *
 * Semantics, in the contract's order:
 *   1. paused, zero amount, invalid recipient (zero address or the wallet): revert;
 *   2. fast path, when the autonomous tier allows the category (ids < 64 only): blocked recipient, prohibited
 *      trust, then value, then the autonomous tier's checks; the prohibited-category list is not consulted (the
 *      setters keep tier and prohibited categories disjoint);
 *      slow path otherwise: category >= 64 or undefined: revert; prohibited category, blocked recipient,
 *      prohibited trust; then value; autonomous miss = CategoryNotAllowed;
 *   3. supervised, then collaborative: the first whose category, amount, trust, frequency and budget checks all
 *      hold wins; each failed tier leaves its Reason in its `misses` nibble;
 *   4. otherwise the unmatched tier with NoTierMatched; when that is Collaborative, the collaborative tier's
 *      frequency and budget still hold: an intent that would exceed either is Prohibited with that Reason;
 *   5. an intent bound for a queued tier (supervised, collaborative) is Prohibited with TooManyOpenIntents when
 *      its agent already has `maxOpenIntents` open intents.
 * Prohibited intents never revert for pricing problems (their value is 0 then), but do for arithmetic panics.
 *
 * Hot-path notes: the snapshot is compiled once per object into lookup maps and 32-bit category masks; a typical
 * intent costs three string lowercasings, three Map lookups, a bigint compare and multiply for the value, and one
 * result object.
 */
import { getAddress } from "viem";
import { TierGuardError } from "../errors";
import {
  PriceKind,
  Reason,
  Tier,
  Trust,
  VALUE_DECIMALS,
  type ClassifierAgentState,
  type ClassifierState,
  type ClassifierTokenState,
  type ClassifyErrorCode,
  type ClassifyInput,
  type ClassifyResult,
} from "./types";

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;
/** The wallet's bound on open intents per agent until the policy sets one. */
export const DEFAULT_MAX_OPEN_INTENTS = 64;

const FIX: Partial<Record<ClassifyErrorCode, string>> = {
  TierGuardPaused: "wait until the owners unpause the wallet",
  TierGuardZeroAmount: "pay a non-zero amount",
  TierGuardInvalidRecipient: "pay a recipient other than the zero address and the wallet itself",
  TierGuardUnknownCategory: "use a category id the policy defines (0..63)",
  TierGuardTokenNotAccepted: "pay in a token the policy accepts, or have the owners configure this one",
  TierGuardStalePrice: "wait for the price feed to update (or have the owners raise maxStaleness)",
  TierGuardInvalidPrice: "the token's price feed reports no valid price: pay in another token",
  TierGuardValueTooLarge: "split the payment: its value does not fit 64 bits of reference units",
};

/**
 * Thrown by `classify` exactly when `preview` would revert; `code` is the contract's custom error name and `args`
 * its arguments as viem decodes them (addresses as given in the input).
 */
export class ClassifyError extends TierGuardError {
  override name = "ClassifyError";
  readonly code: ClassifyErrorCode;
  readonly args: readonly unknown[];

  constructor(code: ClassifyErrorCode, args: readonly unknown[], message: string) {
    super(message, { fix: FIX[code] });
    this.code = code;
    this.args = args;
  }
}

/* ----------------------------------------------------------------------------------------------------------------
 * Compiled snapshot
 * ------------------------------------------------------------------------------------------------------------- */

interface CTier {
  /** allowed categories, bits 0..31 and 32..63 */
  lo: number;
  hi: number;
  maxValue: bigint;
  minTrust: number;
  maxCount: number;
  period: number;
  hasBudget: boolean;
}

interface CBudget {
  max: bigint;
  period: number;
  windowStart: number;
  spent: bigint;
}

const enum FeedStatus {
  Ok,
  Reverted,
  Undecodable,
  NotRead,
}

interface CToken {
  kind: number;
  isFeed: boolean;
  feedStatus: FeedStatus;
  answer: bigint;
  updatedAt: bigint;
  maxStaleness: number;
  /** updatedAt + maxStaleness as a number (Infinity beyond 2**53): stale when < now */
  freshUntil: number;
  /** largest amount for which amount * factor fits 256 bits (tryMul) */
  limit: bigint;
  /** price (scale >= 6) or price * 10**(6 - scale) */
  factor: bigint;
  /** factor / unit when exact (so value = amount * exactMul), else -1n */
  exactMul: bigint;
  /** 10**(scale - 6) for scale >= 6, else 1n */
  unit: bigint;
}

interface Compiled {
  paused: boolean;
  maxOpen: number;
  walletLower: string;
  prohibitedTrust: number;
  unmatchedTier: number;
  /** categories some tier or the prohibited list names, or that are defined */
  knownLo: number;
  knownHi: number;
  prohLo: number;
  prohHi: number;
  tiers: [CTier, CTier, CTier];
  budgets: [CBudget, CBudget, CBudget];
  tokens: Map<string, CToken>;
  trust: Map<string, number>;
  agents: Map<string, ClassifierAgentState>;
}

const ZERO_AGENT: ClassifierAgentState = Object.freeze({
  start0: 0,
  count0: 0,
  start1: 0,
  count1: 0,
  start2: 0,
  count2: 0,
  nonce: 0,
});

const lo32 = (m: bigint) => Number(BigInt.asUintN(32, m));
const hi32 = (m: bigint) => Number(BigInt.asUintN(32, m >> 32n));

function compileToken(t: ClassifierTokenState): CToken {
  const kind = t.kind;
  const isFeed = kind === PriceKind.Feed;
  let feedStatus = FeedStatus.Ok;
  let answer = 0n;
  let updatedAt = 0n;
  let price = BigInt.asUintN(160, t.source);
  if (isFeed) {
    const f = t.feed;
    if (f === undefined) feedStatus = FeedStatus.NotRead;
    else if (f === "reverted") feedStatus = FeedStatus.Reverted;
    else if (f === "undecodable") feedStatus = FeedStatus.Undecodable;
    else {
      answer = f.answer;
      updatedAt = f.updatedAt;
    }
    price = answer > 0n ? answer : 0n;
  }
  const staleSum = updatedAt + BigInt(t.maxStaleness);
  const scale = (t.decimals & 0xff) + (t.priceDecimals & 0xff);
  let factor = price;
  let unit = 1n;
  if (scale >= VALUE_DECIMALS) {
    unit = 10n ** BigInt(scale - VALUE_DECIMALS);
  } else {
    factor = price * 10n ** BigInt(VALUE_DECIMALS - scale);
  }
  const limit = factor === 0n ? MAX_UINT256 : MAX_UINT256 / factor;
  return {
    kind,
    isFeed,
    feedStatus,
    answer,
    updatedAt,
    maxStaleness: t.maxStaleness,
    freshUntil: staleSum > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(staleSum),
    limit,
    factor,
    exactMul: factor % unit === 0n ? factor / unit : -1n,
    unit,
  };
}

/** Adds `key` in lowercase and, for 20-byte addresses, in checksummed form (the two spellings inputs usually use). */
function putAddress<V>(map: Map<string, V>, key: string, value: V) {
  const lower = key.toLowerCase();
  map.set(lower, value);
  if (lower.length === 42) {
    try {
      map.set(getAddress(lower), value);
    } catch {
      // not an address: the lowercase key is enough
    }
  }
}

function compileTier(r: ClassifierState["tiers"][number], hasBudget: boolean): CTier {
  return {
    lo: lo32(r.categories),
    hi: hi32(r.categories),
    maxValue: r.maxValue,
    minTrust: r.minTrust,
    maxCount: r.maxCount,
    period: r.period,
    hasBudget,
  };
}

function compile(state: ClassifierState): Compiled {
  const s = state.settings;
  const [t0, t1, t2] = state.tiers;
  const named = s.prohibitedCategories | t1.categories | t2.categories | s.categories;
  const tokens = new Map<string, CToken>();
  for (const [addr, t] of Object.entries(state.tokens)) putAddress(tokens, addr, compileToken(t));
  const trust = new Map<string, number>();
  for (const [addr, level] of Object.entries(state.recipientTrust)) putAddress(trust, addr, level);
  const agents = new Map<string, ClassifierAgentState>();
  for (const [id, a] of Object.entries(state.agents)) agents.set(id.toLowerCase(), a);
  const budget = (i: 0 | 1 | 2): CBudget => {
    const b = state.budgets[i];
    return { max: b.max, period: b.period, windowStart: b.windowStart, spent: b.spent };
  };
  return {
    paused: s.paused,
    maxOpen: s.maxOpenIntents ?? DEFAULT_MAX_OPEN_INTENTS,
    walletLower: state.wallet.toLowerCase(),
    prohibitedTrust: s.prohibitedTrust,
    unmatchedTier: s.unmatchedTier & 0xff,
    knownLo: lo32(named),
    knownHi: hi32(named),
    prohLo: lo32(s.prohibitedCategories),
    prohHi: hi32(s.prohibitedCategories),
    tiers: [
      compileTier(t0, (s.budgetTiers & 1) !== 0),
      compileTier(t1, (s.budgetTiers & 2) !== 0),
      compileTier(t2, (s.budgetTiers & 4) !== 0),
    ],
    budgets: [budget(0), budget(1), budget(2)],
    tokens,
    trust,
    agents,
  };
}

const cache = new WeakMap<ClassifierState, Compiled>();

function compiled(state: ClassifierState): Compiled {
  let c = cache.get(state);
  if (c === undefined) {
    c = compile(state);
    cache.set(state, c);
  }
  return c;
}

/* ----------------------------------------------------------------------------------------------------------------
 * Valuation (Classifier._valueOf / _feedPrice)
 * ------------------------------------------------------------------------------------------------------------- */

/**
 * The intent's value in reference units, rounded up. `strict` (the `_value` path) throws the contract's error;
 * otherwise (`_tryValue`, for blocked intents) returns 0n.
 */
function valueOf(c: Compiled, token: string, amount: bigint, strict: boolean, now: number): bigint {
  let t = c.tokens.get(token);
  if (t === undefined) t = c.tokens.get(token.toLowerCase());
  if (t === undefined || t.kind === PriceKind.None) {
    if (strict) throw new ClassifyError("TierGuardTokenNotAccepted", [token], `token ${token} is not accepted`);
    return 0n;
  }
  if (t.isFeed) {
    switch (t.feedStatus) {
      case FeedStatus.Ok:
        break;
      case FeedStatus.Reverted:
        if (strict) {
          throw new ClassifyError("TierGuardInvalidPrice", [token, 0n], `price feed of ${token} reverted`);
        }
        return 0n;
      case FeedStatus.Undecodable:
        // The wallet treats a malformed answer like a reverting feed.
        if (strict) {
          throw new ClassifyError("TierGuardInvalidPrice", [token, 0n], `price feed of ${token} returned malformed data`);
        }
        return 0n;
      default:
        throw new TierGuardError(`the snapshot has no price feed round for feed token ${token}`, {
          fix: "supply the feed's latestRoundData in state.tokens[token].feed (readClassifierState does)",
        });
    }
    if (t.answer <= 0n) {
      if (strict) {
        throw new ClassifyError("TierGuardInvalidPrice", [token, t.answer], `price feed of ${token} answers ${t.answer}`);
      }
      return 0n;
    }
    if (t.freshUntil < now) {
      if (strict) {
        throw new ClassifyError(
          "TierGuardStalePrice",
          [token, t.updatedAt, t.maxStaleness],
          `price of ${token} is stale (updated at ${t.updatedAt}, max staleness ${t.maxStaleness} s)`,
        );
      }
      return 0n;
    }
  }
  let v: bigint;
  if (amount > t.limit) {
    v = MAX_UINT256;
  } else {
    v = t.exactMul >= 0n ? amount * t.exactMul : (amount * t.factor - 1n) / t.unit + 1n;
    if (v <= MAX_UINT64) return v;
  }
  if (strict) throw new ClassifyError("TierGuardValueTooLarge", [v], `the value ${v} does not fit 64 bits`);
  return 0n;
}

/* ----------------------------------------------------------------------------------------------------------------
 * Tier checks (Classifier._check)
 * ------------------------------------------------------------------------------------------------------------- */

/** Reason code of the first failing check of tier `t` (amount, trust, frequency, budget), or 0 if all hold. */
function check(c: Compiled, t: 0 | 1 | 2, value: bigint, trust: number, agent: ClassifierAgentState, now: number) {
  const r = c.tiers[t];
  if (value > r.maxValue) return Reason.AmountAboveMax;
  if (trust < r.minTrust) return Reason.TrustTooLow;
  return limits(c, t, value, agent, now);
}

/** Tier `t`'s frequency and budget checks (Classifier._limits), which hold on every path into the tier. */
function limits(c: Compiled, t: 0 | 1 | 2, value: bigint, agent: ClassifierAgentState, now: number) {
  const r = c.tiers[t];
  if (r.period !== 0) {
    const start = t === 0 ? agent.start0 : t === 1 ? agent.start1 : agent.start2;
    let count = t === 0 ? agent.count0 : t === 1 ? agent.count1 : agent.count2;
    if (now >= start + r.period) count = 0;
    if (count >= r.maxCount) return Reason.FrequencyExceeded;
  }
  if (r.hasBudget) {
    const b = c.budgets[t];
    const spent = now >= b.windowStart + b.period ? 0n : b.spent;
    if (spent + value > b.max) return Reason.BudgetExceeded;
  }
  return Reason.Matched;
}

const allows = (lo: number, hi: number, category: number) =>
  (category < 32 ? (lo >>> category) & 1 : (hi >>> (category - 32)) & 1) !== 0;

function result(tier: number, reason: number, misses: number, value: bigint): ClassifyResult {
  return { tier: tier as Tier, reason: reason as Reason, misses, value };
}

/* ----------------------------------------------------------------------------------------------------------------
 * classify
 * ------------------------------------------------------------------------------------------------------------- */

/**
 * Classifies `input` as `preview(agentId, token, amount, recipient, category)` would at a block with timestamp
 * `now`, given `state` read at that block. Returns `{ tier, reason, misses, value }`, or throws `ClassifyError`
 * exactly when `preview` would revert (its `code` is the contract error's name).
 *
 * @example
 * ```ts
 * const state = await readClassifierState({ publicClient, wallet, agentId });
 * const r = classify({ agentId, token: usdc, amount: 47_000_000n, recipient, category: 3 }, state, state.timestamp);
 * r.tier; // 1 (Tier.Supervised), r.misses & 0xf === Reason.CategoryNotAllowed
 * ```
 */
export function classify(input: ClassifyInput, state: ClassifierState, now: number | bigint): ClassifyResult {
  const c = compiled(state);
  const ts = typeof now === "number" ? now : Number(now);
  const { amount, category } = input;
  if (typeof amount !== "bigint" || amount < 0n || amount > MAX_UINT256) {
    throw new TierGuardError(`amount must be a uint256 bigint, got ${String(amount)}`);
  }
  if (!Number.isInteger(category) || category < 0 || category > 255) {
    throw new TierGuardError(`category must be a uint8, got ${String(category)}`);
  }

  if (c.paused) throw new ClassifyError("TierGuardPaused", [], "the wallet is paused");
  if (amount === 0n) throw new ClassifyError("TierGuardZeroAmount", [], "the amount is zero");
  const recipient = input.recipient;
  const rl = recipient.toLowerCase();
  if (rl === "0x0000000000000000000000000000000000000000" || rl === c.walletLower) {
    throw new ClassifyError("TierGuardInvalidRecipient", [recipient], `invalid recipient ${recipient}`);
  }
  let trust = c.trust.get(recipient);
  if (trust === undefined) trust = c.trust.get(rl) ?? Trust.Unknown;
  let agent = c.agents.get(input.agentId);
  if (agent === undefined) agent = c.agents.get(input.agentId.toLowerCase()) ?? ZERO_AGENT;
  const token = input.token;

  let misses: number;
  let value: bigint;
  const auto = c.tiers[0];
  if (category < 64 && allows(auto.lo, auto.hi, category)) {
    // Fast path: the autonomous tier allows the category.
    const blocked = prohibitedByTrust(c, trust);
    if (blocked !== 0) return result(Tier.Prohibited, blocked, 0, valueOf(c, token, amount, false, ts));
    value = valueOf(c, token, amount, true, ts);
    const miss = check(c, 0, value, trust, agent, ts);
    if (miss === 0) return result(Tier.Autonomous, Reason.Matched, 0, value);
    misses = miss;
  } else {
    if (category >= 64 || !allows(c.knownLo, c.knownHi, category)) {
      throw new ClassifyError("TierGuardUnknownCategory", [category], `category ${category} is not defined`);
    }
    const blocked = allows(c.prohLo, c.prohHi, category) ? Reason.CategoryProhibited : prohibitedByTrust(c, trust);
    if (blocked !== 0) return result(Tier.Prohibited, blocked, 0, valueOf(c, token, amount, false, ts));
    value = valueOf(c, token, amount, true, ts);
    misses = Reason.CategoryNotAllowed;
  }
  let tier = 0;
  for (let t = 1 as 1 | 2; t < 3; t++) {
    let miss: number = Reason.CategoryNotAllowed;
    const r = c.tiers[t];
    if (allows(r.lo, r.hi, category)) {
      miss = check(c, t, value, trust, agent, ts);
      if (miss === 0) {
        tier = t;
        break;
      }
    }
    misses |= miss << (4 * t);
  }
  let reason: number = Reason.Matched;
  if (tier === 0) {
    reason = Reason.NoTierMatched;
    if (c.unmatchedTier !== Tier.Collaborative) return result(c.unmatchedTier, reason, misses, value);
    // Escalated: the collaborative tier's frequency and budget hold on this path too.
    const miss = limits(c, 2, value, agent, ts);
    if (miss !== 0) return result(Tier.Prohibited, miss, misses, value);
    tier = Tier.Collaborative;
  }
  if ((agent.openIntents ?? 0) >= c.maxOpen) return result(Tier.Prohibited, Reason.TooManyOpenIntents, misses, value);
  return result(tier, reason, misses, value);
}

function prohibitedByTrust(c: Compiled, trust: number): number {
  if (trust === Trust.Blocked) return Reason.RecipientBlocked;
  if (((c.prohibitedTrust >>> trust) & 1) !== 0) return Reason.TrustProhibited;
  return 0;
}
