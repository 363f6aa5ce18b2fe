/**
 * Policy -> the wallet's target configuration: plain objects that mirror the contract's types
 * (`ITierGuardWallet.TierRules`, budgets, prohibitions, token and recipient settings).
 */
import { stringToHex, type Address, type Hex } from "viem";
import {
  MAX_CATEGORIES,
  RULED_TIER_NAMES,
  type Policy,
  type PolicyTier,
  type ProhibitedTier,
  type RuledTierName,
  type TierConditions,
  type TierTrust,
  type TrustName,
} from "./schema";
import { parseDecimal, parseDuration, PRICE_DECIMALS, REFERENCE_DECIMALS } from "./units";

/** `ITierGuardWallet.Tier` */
export const Tier = { Autonomous: 0, Supervised: 1, Collaborative: 2, Prohibited: 3 } as const;
/** `ITierGuardWallet.Trust` */
export const Trust = { Unknown: 0, Known: 1, Verified: 2, Blocked: 3 } as const;
/** `ITierGuardWallet.PriceKind` */
export const PriceKind = { None: 0, Fixed: 1, Feed: 2 } as const;

export const TIER_ID: Record<RuledTierName | "prohibited", number> = {
  autonomous: Tier.Autonomous,
  supervised: Tier.Supervised,
  collaborative: Tier.Collaborative,
  prohibited: Tier.Prohibited,
};
export const TRUST_ID: Record<TrustName, number> = {
  unknown: Trust.Unknown,
  known: Trust.Known,
  verified: Trust.Verified,
  blocked: Trust.Blocked,
};
export const TRUST_NAME_OF = ["unknown", "known", "verified", "blocked"] as const;
/** A tier's `recipientTrust` -> minimum trust. `any` means Unknown: any recipient that is not blocked or prohibited. */
export const MIN_TRUST_ID: Record<TierTrust, number> = { any: 0, unknown: 0, known: 1, verified: 2 };

/** `ITierGuardWallet.TierRules` as viem reads and writes it. */
export interface TierRules {
  /** bit i = category id i */
  categories: bigint;
  /** reference units (6 decimals) */
  maxValue: bigint;
  maxCount: number;
  /** seconds; 0 = no frequency limit */
  period: number;
  /** supervised: veto window; collaborative: approval timeout; autonomous: 0 (seconds) */
  window: number;
  /** supervised only, seconds */
  grace: number;
  minTrust: number;
}

export interface BudgetConfig {
  /** reference units; 0 = no budget */
  max: bigint;
  /** seconds; 0 when there is no budget */
  period: number;
}

export interface CategoryConfig {
  id: number;
  name: string;
  /** the name as the contract stores it */
  name32: Hex;
}

export interface TokenSetting {
  address: Address;
  /** the policy's name for it (absent when read from the chain) */
  symbol?: string;
  /** PriceKind.Fixed or PriceKind.Feed */
  kind: number;
  /** fixed price (18 decimals) or the feed's address as an integer */
  source: bigint;
  /** feed only, seconds; 0 for fixed prices */
  maxStaleness: number;
}

export interface RecipientSetting {
  address: Address;
  /** Trust value */
  trust: number;
  label?: string;
}

/** Everything the planner compares and sets. */
export interface WalletConfig {
  /** absent: leave the wallet's owners and threshold as they are */
  owners?: Address[];
  threshold?: number;
  /** absent: leave the wallet's guardians as they are (read from GuardianSet events only when a policy lists them) */
  guardians?: Address[];
  categories: CategoryConfig[];
  tiers: Record<RuledTierName, TierRules>;
  budgets: Record<RuledTierName, BudgetConfig>;
  prohibitions: { categories: bigint; trustMask: number };
  /** Tier.Collaborative or Tier.Prohibited */
  unmatchedTier: number;
  autoPromote: boolean;
  /** most open (queued) intents per agent */
  maxOpenIntents: number;
  /** most blocked attempts per agent per 24 hours (0: no cap) */
  maxBlockedAttempts: number;
  tokens: TokenSetting[];
  /** only recipients whose trust is not Unknown matter to the wallet; Unknown entries are kept for the record */
  recipients: RecipientSetting[];
}

/** Collaborative's approval timeout when the policy has no collaborative tier (escalated unmatched intents still need one). */
export const DEFAULT_COLLABORATIVE_TIMEOUT = 24 * 3600;

export const categoryName32 = (name: string): Hex => stringToHex(name, { size: 32 });

const must = <T>(r: { ok: true; value: T } | { ok: false; error: string }, what: string): T => {
  if (!r.ok) throw new RangeError(`${what}: ${r.error} (validate the policy with parsePolicy first)`);
  return r.value;
};
const seconds = (d: string | undefined, what: string) => (d === undefined ? 0 : must(parseDuration(d), what));
const units = (a: string | undefined, what: string) => (a === undefined ? 0n : must(parseDecimal(a, REFERENCE_DECIMALS), what));

const emptyRules = (): TierRules => ({ categories: 0n, maxValue: 0n, maxCount: 0, period: 0, window: 0, grace: 0, minTrust: 0 });

/** How category names get their ids. */
export interface CompileOptions {
  /**
   * The categories the wallet already defines. A name listed there keeps its id whatever its position in the
   * policy; a new name takes a free id (see `assignCategoryIds`). Absent: a new wallet, ids follow the list.
   */
  existing?: readonly CategoryConfig[];
}

/**
 * Category ids are stable: a category keeps the id it was first defined with, for as long as it exists.
 * Recorded intents carry only the id, so shifting ids would relabel history. A name already on the wallet keeps
 * its id; a new name takes the lowest id above every id in use (so an id freed by a removal is not handed to a
 * new name while higher ids are free), falling back to the lowest id free on the wallet once 63 is taken.
 * Without `existing` (a new wallet) the ids are the positions in the list.
 */
export function assignCategoryIds(names: readonly string[], existing: readonly CategoryConfig[] = []): CategoryConfig[] {
  const byName = new Map(existing.map((c) => [c.name, c.id]));
  // ids of names kept, and of categories on the wallet (a removed one's id is not given to a new name in the same plan)
  const used = new Set<number>(existing.map((c) => c.id));
  let next = Math.max(-1, ...used) + 1;
  const freeId = (): number => {
    while (used.has(next) && next < MAX_CATEGORIES) next++;
    if (next < MAX_CATEGORIES) return next;
    const lowest = Array.from({ length: MAX_CATEGORIES }, (_, i) => i).find((i) => !used.has(i));
    if (lowest === undefined) {
      throw new RangeError(`no free category id: all ${MAX_CATEGORIES} are in use on the wallet; remove unused categories first`);
    }
    return lowest;
  };
  return names.map((name) => {
    const id = byName.get(name) ?? freeId();
    used.add(id);
    return { id, name, name32: categoryName32(name) };
  });
}

/** Compiles a validated policy (from `parsePolicy`/`loadPolicyFile`) into the wallet's target configuration. */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): WalletConfig {
  const categories = assignCategoryIds(policy.categories, options.existing);
  const ids = new Map(categories.map((c) => [c.name, c.id]));
  const maskOf = (names: readonly string[], where: string) =>
    names.reduce((m, n) => {
      const id = ids.get(n);
      if (id === undefined) throw new RangeError(`${where}: unknown category "${n}" (validate the policy with parsePolicy first)`);
      return m | (1n << BigInt(id));
    }, 0n);

  const byName = new Map<string, PolicyTier>(policy.tiers.map((t) => [t.name, t]));
  const tiers = {} as Record<RuledTierName, TierRules>;
  const budgets = {} as Record<RuledTierName, BudgetConfig>;
  for (const name of RULED_TIER_NAMES) {
    const t = byName.get(name) as Exclude<PolicyTier, ProhibitedTier> | undefined;
    const rules = emptyRules();
    budgets[name] = { max: 0n, period: 0 };
    if (t) {
      const c: TierConditions = t.conditions;
      const where = `tier ${name}`;
      rules.categories = maskOf(c.categories, where);
      rules.maxValue = units(c.maxAmount, `${where} maxAmount`);
      rules.minTrust = MIN_TRUST_ID[c.recipientTrust];
      if (c.frequency) {
        rules.maxCount = c.frequency.max;
        rules.period = seconds(c.frequency.per, `${where} frequency.per`);
      }
      if (c.budget) budgets[name] = { max: units(c.budget.max, `${where} budget.max`), period: seconds(c.budget.per, `${where} budget.per`) };
      if (t.name === "supervised") {
        rules.window = seconds(t.vetoWindow, `${where} vetoWindow`);
        rules.grace = seconds(t.grace ?? "24h", `${where} grace`);
      } else if (t.name === "collaborative") {
        rules.window = seconds(t.timeout, `${where} timeout`);
      }
    }
    if (name === "collaborative" && rules.window === 0) rules.window = DEFAULT_COLLABORATIVE_TIMEOUT;
    tiers[name] = rules;
  }

  const prohibited = byName.get("prohibited") as ProhibitedTier | undefined;
  const prohibitions = {
    categories: prohibited ? maskOf(prohibited.conditions.categories, "tier prohibited") : 0n,
    trustMask: (prohibited?.conditions.recipientTrust ?? [])
      .filter((t) => t !== "blocked") // blocked recipients are always prohibited
      .reduce((m, t) => m | (1 << TRUST_ID[t]), 0),
  };

  const tokens: TokenSetting[] = Object.entries(policy.tokens).map(([symbol, t]) =>
    "fixed" in t.price
      ? {
          address: t.address,
          symbol,
          kind: PriceKind.Fixed,
          source: must(parseDecimal(t.price.fixed, PRICE_DECIMALS, "a fixed price"), `token ${symbol} price`),
          maxStaleness: 0,
        }
      : {
          address: t.address,
          symbol,
          kind: PriceKind.Feed,
          source: BigInt(t.price.feed),
          maxStaleness: seconds(t.price.maxStaleness, `token ${symbol} maxStaleness`),
        },
  );

  return {
    ...(policy.owners ? { owners: [...policy.owners], threshold: policy.threshold } : {}),
    ...(policy.guardians ? { guardians: [...policy.guardians] } : {}),
    categories,
    tiers,
    budgets,
    prohibitions,
    unmatchedTier: policy.unmatched === "prohibited" ? Tier.Prohibited : Tier.Collaborative,
    autoPromote: policy.autoPromote,
    maxOpenIntents: policy.maxOpenIntentsPerAgent,
    maxBlockedAttempts: policy.maxBlockedAttemptsPerDay,
    tokens,
    recipients: policy.recipients.map((r) => ({
      address: r.address,
      trust: TRUST_ID[r.trust],
      ...(r.label !== undefined ? { label: r.label } : {}),
    })),
  };
}
