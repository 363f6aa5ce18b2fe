/**
 * Types of the off-chain classifier: the same tiers, reasons and layouts as the contract
 * (contracts/interfaces/ITierGuardWallet.sol, contracts/base/Classifier.sol).
 */
import type { Address, Hex } from "viem";

/** Autonomy tiers, in the order they are tried (`ITierGuardWallet.Tier`). */
export const Tier = { Autonomous: 0, Supervised: 1, Collaborative: 2, Prohibited: 3 } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

/** Recipient trust levels (`ITierGuardWallet.Trust`). */
export const Trust = { Unknown: 0, Known: 1, Verified: 2, Blocked: 3 } as const;
export type Trust = (typeof Trust)[keyof typeof Trust];

/** Why an intent got its tier; the same codes fill the `misses` nibbles (`ITierGuardWallet.Reason`). */
export const Reason = {
  Matched: 0,
  CategoryNotAllowed: 1,
  AmountAboveMax: 2,
  TrustTooLow: 3,
  FrequencyExceeded: 4,
  BudgetExceeded: 5,
  CategoryProhibited: 6,
  RecipientBlocked: 7,
  TrustProhibited: 8,
  NoTierMatched: 9,
  /** the agent already has the policy's maximum of open (queued) intents */
  TooManyOpenIntents: 10,
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** How a token is valued (`ITierGuardWallet.PriceKind`). */
export const PriceKind = { None: 0, Fixed: 1, Feed: 2 } as const;
export type PriceKind = (typeof PriceKind)[keyof typeof PriceKind];

/** Reference-currency decimals: values are micro-units (1.00 USD = 1_000_000n). */
export const VALUE_DECIMALS = 6;
/** Category ids are bit positions in 64-bit masks: ids >= 64 are never defined. */
export const MAX_CATEGORIES = 64;

/** One payment intent, as `spend`/`preview` take it (the agent id is what the session key acts for). */
export interface ClassifyInput {
  agentId: Hex;
  /** address(0) for native ETH */
  token: Address;
  /** in the token's smallest unit (uint256) */
  amount: bigint;
  recipient: Address;
  /** uint8 */
  category: number;
}

/** The verdict, exactly as `preview` returns it. */
export interface ClassifyResult {
  tier: Tier;
  reason: Reason;
  /**
   * For each tier tried and failed, the Reason why: 4 bits per tier, tier t at bits 4t..4t+3 (autonomous in
   * the low nibble). 0 when the intent was prohibited before any tier was tried.
   */
  misses: number;
  /** value in reference units (6 decimals), rounded up; for prohibited intents 0 when it cannot be computed */
  value: bigint;
}

/** The settings the classifier reads (a subset of `settings()`). */
export interface ClassifierSettings {
  paused: boolean;
  /** bitmask over Trust values (bit 0 Unknown, 1 Known, 2 Verified) whose recipients are prohibited */
  prohibitedTrust: number;
  /** raw tier byte where unmatched intents go (Collaborative or Prohibited) */
  unmatchedTier: number;
  /** bitmask of tiers (bit i = Tier i) that have a budget */
  budgetTiers: number;
  /** bitmask of defined category ids (uint64) */
  categories: bigint;
  /** bitmask of prohibited category ids (uint64) */
  prohibitedCategories: bigint;
  /** most open (queued) intents one agent may have; missing = the contract's default, 64 */
  maxOpenIntents?: number;
}

/** A tier's conditions (`tierRules(tier)`; window and grace are not used for classification). */
export interface ClassifierTierRules {
  categories: bigint;
  maxValue: bigint;
  maxCount: number;
  period: number;
  minTrust: number;
  window?: number;
  grace?: number;
}

/** A tier's wallet-wide budget and its running window (`budget(tier)`). */
export interface ClassifierBudget {
  max: bigint;
  period: number;
  windowStart: number;
  spent: bigint;
}

/** The latest round of a price feed, as `latestRoundData()` returned it. */
export interface FeedRound {
  answer: bigint;
  updatedAt: bigint;
}

/** A token's configuration (`tokenConfig(token)`) and, for feed tokens, the feed's latest round. */
export interface ClassifierTokenState {
  kind: number;
  decimals: number;
  priceDecimals: number;
  maxStaleness: number;
  /** fixed price (18 decimals) or the feed's address as a number */
  source: bigint;
  /**
   * Feed tokens only: the feed's latest round; "reverted" if `latestRoundData()` reverted (the contract catches
   * that: invalid price), "undecodable" if it returned data the contract cannot decode (the contract reverts
   * without a reason, even for prohibited intents). Missing for a feed token means "not read" and throws.
   */
  feed?: FeedRound | "reverted" | "undecodable";
}

/** Per-agent counters (`agentState(agentId)`). */
export interface ClassifierAgentState {
  start0: number;
  count0: number;
  start1: number;
  count1: number;
  start2: number;
  count2: number;
  nonce: number;
  /** the agent's queued intents not decided yet (missing = 0) */
  openIntents?: number;
}

/**
 * A plain snapshot of everything `_classify` reads. Address and agent-id keys may be in any case.
 *
 * Treat a snapshot as immutable: `classify` derives lookup tables from it once per object (a WeakMap keyed by the
 * snapshot). To change something, make a new object (a shallow copy with the changed part is enough).
 */
export interface ClassifierState {
  /** the wallet's address (a recipient equal to it is invalid) */
  wallet: Address;
  settings: ClassifierSettings;
  /** rules of Autonomous, Supervised, Collaborative */
  tiers: readonly [ClassifierTierRules, ClassifierTierRules, ClassifierTierRules];
  /** budgets of Autonomous, Supervised, Collaborative (max 0 = none) */
  budgets: readonly [ClassifierBudget, ClassifierBudget, ClassifierBudget];
  /** accepted tokens by address; a missing token is not accepted */
  tokens: Readonly<Record<string, ClassifierTokenState>>;
  /** trust by recipient address; a missing recipient is Unknown (0) */
  recipientTrust: Readonly<Record<string, number>>;
  /** counters by agent id; a missing agent has all-zero counters (a fresh agent) */
  agents: Readonly<Record<string, ClassifierAgentState>>;
  /** informational: the block the snapshot was read at (readClassifierState sets it) */
  blockNumber?: bigint;
  /** informational: that block's timestamp, the `now` that `preview` at that block uses */
  timestamp?: bigint;
}

/** Custom errors (and the two data-less failures) that `preview` can revert with. */
export type ClassifyErrorCode =
  | "TierGuardPaused"
  | "TierGuardZeroAmount"
  | "TierGuardInvalidRecipient"
  | "TierGuardUnknownCategory"
  | "TierGuardTokenNotAccepted"
  | "TierGuardStalePrice"
  | "TierGuardInvalidPrice"
  | "TierGuardValueTooLarge";
