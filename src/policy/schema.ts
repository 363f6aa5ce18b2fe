/**
 * The policy file: its zod schema, the cross-field checks a schema cannot express, and `PolicyError`, which
 * lists every problem of a file at once, each with the path of the field and what to write instead.
 *
 * The shape follows the autonomy-tiers article: four named tiers with conditions, plus what the wallet needs
 * besides (owners, categories with their ids, tokens with price sources, recipients with trust levels).
 */
import { z } from "zod";
import { getAddress, isAddress, zeroAddress, type Address } from "viem";
import { TierGuardError } from "../errors";
import { describe, parseDecimal, parseDuration, PRICE_DECIMALS, REFERENCE_DECIMALS, type Parsed } from "./units";

/*//////////////////////////////////////////////////////////////
                               TYPES
//////////////////////////////////////////////////////////////*/

export const TIER_NAMES = ["autonomous", "supervised", "collaborative", "prohibited"] as const;
export type TierName = (typeof TIER_NAMES)[number];
/** The tiers that have rules (the prohibited tier has prohibitions instead). */
export type RuledTierName = Exclude<TierName, "prohibited">;
export const RULED_TIER_NAMES: readonly RuledTierName[] = ["autonomous", "supervised", "collaborative"];

export const TRUST_NAMES = ["unknown", "known", "verified", "blocked"] as const;
export type TrustName = (typeof TRUST_NAMES)[number];
/** A tier's minimum recipient trust; `any` = unknown (every recipient not blocked or prohibited). */
export const TIER_TRUST_NAMES = ["verified", "known", "unknown", "any"] as const;
export type TierTrust = (typeof TIER_TRUST_NAMES)[number];

/** The approval path the wallet enforces for each tier (the article's names). */
export const APPROVAL_OF: Record<TierName, string> = {
  autonomous: "none",
  supervised: "notify_with_veto",
  collaborative: "explicit_human",
  prohibited: "blocked",
};

export const MAX_CATEGORIES = 64;
export const MAX_OWNERS = 16;
const MAX_U32 = 2 ** 32 - 1;
const MAX_U24 = 2 ** 24 - 1;
const MAX_U64 = 2n ** 64n - 1n;
const MAX_U160 = 2n ** 160n - 1n;

export interface Frequency {
  /** intents per agent per `per` */
  max: number;
  /** duration, e.g. "1h" */
  per: string;
}
export interface TierBudget {
  /** wallet-wide maximum per window, decimal string in the reference currency */
  max: string;
  per: string;
}
export interface TierConditions {
  /** decimal string in the reference currency; required when `categories` is not empty */
  maxAmount?: string;
  categories: string[];
  recipientTrust: TierTrust;
  frequency?: Frequency;
  budget?: TierBudget;
}
interface TierInfo {
  approval?: string;
  audit?: string;
  micaCompliance?: string;
  alert?: string;
  description?: string;
}
export interface AutonomousTier extends TierInfo {
  name: "autonomous";
  conditions: TierConditions;
}
export interface SupervisedTier extends TierInfo {
  name: "supervised";
  conditions: TierConditions;
  vetoWindow: string;
  /** default "24h" */
  grace: string;
}
export interface CollaborativeTier extends TierInfo {
  name: "collaborative";
  conditions: TierConditions;
  timeout: string;
}
export interface ProhibitedTier extends TierInfo {
  name: "prohibited";
  conditions: {
    categories: string[];
    /** trust levels whose recipients are prohibited ("blocked" ones always are) */
    recipientTrust: TrustName[];
  };
}
export type PolicyTier = AutonomousTier | SupervisedTier | CollaborativeTier | ProhibitedTier;

export type TokenPrice = { fixed: string } | { feed: Address; maxStaleness: string };
export interface TokenPolicy {
  /** checksummed; the zero address is native ETH */
  address: Address;
  price: TokenPrice;
}
export interface RecipientPolicy {
  address: Address;
  trust: TrustName;
  label?: string;
}

/** A validated policy: the file's values, addresses checksummed, recipients as a list, defaults filled in. */
export interface Policy {
  name?: string;
  description?: string;
  reference: { currency: string; decimals: 6 };
  /** when absent (with `threshold`), the planner leaves the wallet's owners alone */
  owners?: Address[];
  threshold?: number;
  /** who may pause and veto besides the owners; when absent, the planner leaves the wallet's guardians alone */
  guardians?: Address[];
  /**
   * category names. On a new wallet a category's id is its index; once defined, a category keeps its id
   * (see `assignCategoryIds`), so reordering the list changes nothing on the wallet.
   */
  categories: string[];
  tokens: Record<string, TokenPolicy>;
  recipients: RecipientPolicy[];
  tiers: PolicyTier[];
  unmatched: "collaborative" | "prohibited";
  autoPromote: boolean;
  /** most open (queued) intents one agent may have at a time; beyond it, submissions are blocked */
  maxOpenIntentsPerAgent: number;
  /** most blocked attempts one agent may make per 24 hours (0: no cap); beyond it, `spend` reverts */
  maxBlockedAttemptsPerDay: number;
}

/*//////////////////////////////////////////////////////////////
                                ERRORS
//////////////////////////////////////////////////////////////*/

export interface PolicyProblem {
  /** where, e.g. `tiers[1].conditions.maxAmount` (empty for the whole file) */
  path: string;
  /** what is wrong and what to write instead */
  message: string;
}

/** Everything wrong with a policy, all at once. */
export class PolicyError extends TierGuardError {
  override name = "PolicyError";
  readonly problems: PolicyProblem[];
  readonly source?: string;

  constructor(problems: PolicyProblem[], options: { source?: string; fix?: string; cause?: unknown } = {}) {
    const n = problems.length;
    super(`${options.source ?? "policy"}: ${n} problem${n === 1 ? "" : "s"}`, {
      details: problems.map(formatProblem),
      fix: options.fix ?? "correct each field listed above and load the policy again",
      cause: options.cause,
    });
    this.problems = problems;
    this.source = options.source;
  }
}

export const formatProblem = (p: PolicyProblem) => (p.path ? `${p.path}: ${p.message}` : p.message);

/*//////////////////////////////////////////////////////////////
                          SUGGESTIONS
//////////////////////////////////////////////////////////////*/

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest candidate, if it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const didYouMean = (word: string, candidates: readonly string[]) => {
  const s = suggest(word, candidates);
  return s === undefined ? "" : `; did you mean "${s}"?`;
};

/*//////////////////////////////////////////////////////////////
                              LEAVES
//////////////////////////////////////////////////////////////*/

const fail = (error: string): Parsed<never> => ({ ok: false, error });
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });

/** A zod schema from a validating function; its message becomes the issue at this path. */
function leaf<T>(fn: (v: unknown) => Parsed<T>) {
  return z.unknown().transform((v, ctx): T => {
    const r = fn(v);
    if (!r.ok) {
      const message = v === undefined ? `is missing; ${r.error.replace(/[,;] got nothing$/, "")}` : r.error;
      ctx.addIssue({ code: "custom", message, input: v });
      return z.NEVER;
    }
    return r.value;
  });
}

export function checkAddress(v: unknown, opts: { allowZero?: boolean; what?: string } = {}): Parsed<Address> {
  if (typeof v !== "string") return fail(`expected an address (0x followed by 40 hex digits), got ${describe(v)}`);
  const s = v.trim();
  if (!isAddress(s, { strict: false })) return fail(`"${v}" is not an address (0x followed by 40 hex digits)`);
  if (!isAddress(s, { strict: true })) {
    return fail(`"${v}" has an invalid checksum; check it for typos (or write it all in lowercase)`);
  }
  if (!opts.allowZero && BigInt(s) === 0n) return fail(`the zero address cannot be ${opts.what ?? "used here"}`);
  return ok(getAddress(s));
}

function checkAmount(v: unknown, opts: { positive?: boolean } = {}): Parsed<string> {
  const r = parseDecimal(v, REFERENCE_DECIMALS);
  if (!r.ok) return r;
  if (opts.positive && r.value === 0n) return fail(`"${v}" is zero; it must be more than 0`);
  if (r.value > MAX_U64) return fail(`"${v}" is too large (at most 18446744073709.551615)`);
  return ok((v as string).trim());
}

function checkDuration(v: unknown, max: number): Parsed<string> {
  const r = parseDuration(v);
  if (!r.ok) return r;
  if (r.value > max) return fail(`"${v}" is too long (at most ${max} seconds)`);
  return ok((v as string).trim());
}

/** The wallet counts intents per agent and tier in 24 bits. */
const MAX_COUNT = 2 ** 24 - 1;

function checkCount(v: unknown): Parsed<number> {
  if (typeof v === "string" && /^\d+$/.test(v.trim())) return fail(`"${v}" is a string; write the count as a number: ${v.trim()}`);
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) return fail(`expected a whole number of 1 or more, got ${describe(v)}`);
  if (v > MAX_COUNT) return fail(`${v} is too large (at most ${MAX_COUNT})`);
  return ok(v);
}

/** A supervised veto window of 0 would make supervised payments executable in the next block, unsupervised. */
function checkVetoWindow(v: unknown): Parsed<string> {
  const d = parseDuration(v);
  if (!d.ok && d.error.endsWith("is zero; durations must be positive")) {
    return fail(`a veto window of ${describe(v)} lets the agent execute supervised payments in the next block, with no time to veto; set vetoWindow to at least 1s (for example 30s)`);
  }
  return checkDuration(v, MAX_U32);
}

function checkOneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): Parsed<T> {
  if (typeof v !== "string") return fail(`expected ${what}: one of ${allowed.join(", ")}; got ${describe(v)}`);
  if ((allowed as readonly string[]).includes(v)) return ok(v as T);
  return fail(`"${v}" is not ${what}; use one of ${allowed.join(", ")}${didYouMean(v, allowed)}`);
}

function checkCategoryName(v: unknown): Parsed<string> {
  if (typeof v !== "string") return fail(`expected a category name (a string), got ${describe(v)}`);
  if (v.length === 0) return fail("a category name cannot be empty");
  if (v.includes("\0")) return fail("a category name cannot contain a NUL character");
  const bytes = new TextEncoder().encode(v).length;
  if (bytes > 31) return fail(`"${v}" is ${bytes} bytes long; category names are stored as bytes32 and must be at most 31 bytes`);
  return ok(v);
}

function checkTrustSet(v: unknown): Parsed<TrustName[]> {
  const list = Array.isArray(v) ? v : [v];
  const out: TrustName[] = [];
  for (const item of list) {
    const r = checkOneOf(item, TRUST_NAMES, "a trust level");
    if (!r.ok) return r;
    if (!out.includes(r.value)) out.push(r.value);
  }
  return ok(out);
}

/** Rejects a field that does not belong where it is written, saying why. */
const forbidden = (why: string) =>
  z
    .unknown()
    .transform((v, ctx) => {
      ctx.addIssue({ code: "custom", message: why, input: v });
      return undefined;
    })
    .optional();

/** Picks a schema by looking at the input, and reports the chosen schema's issues at this path. */
function dispatch<T>(pick: (v: unknown) => z.ZodType<T> | string) {
  return z.unknown().transform((v, ctx): T => {
    const s = pick(v);
    if (typeof s === "string") {
      ctx.addIssue({ code: "custom", message: s, input: v });
      return z.NEVER;
    }
    const r = s.safeParse(v);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue(issue as never);
      return z.NEVER;
    }
    return r.data;
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/*//////////////////////////////////////////////////////////////
                              SCHEMA
//////////////////////////////////////////////////////////////*/

const address = (what: string) => leaf((v) => checkAddress(v, { what }));
const amount = leaf((v) => checkAmount(v));
const positiveAmount = leaf((v) => checkAmount(v, { positive: true }));
const duration = (max = MAX_U32) => leaf((v) => checkDuration(v, max));
const info = z.string().optional();

const frequencySchema = z.strictObject({ max: leaf(checkCount), per: duration() });
const budgetSchema = z.strictObject({ max: positiveAmount, per: duration() });

const conditionsSchema = z.strictObject({
  maxAmount: amount.optional(),
  categories: z.array(leaf(checkCategoryName)),
  recipientTrust: leaf((v) => checkOneOf(v, TIER_TRUST_NAMES, "a minimum trust level")),
  frequency: frequencySchema.optional(),
  budget: budgetSchema.optional(),
});

const approval = (tier: TierName) =>
  leaf((v) =>
    v === APPROVAL_OF[tier]
      ? ok(v as string)
      : fail(`${describe(v)} is not the approval path of the ${tier} tier: the wallet enforces "${APPROVAL_OF[tier]}" (write that, or leave approval out)`),
  ).optional();

const tierInfo = (tier: TierName) => ({
  approval: approval(tier),
  audit: info,
  micaCompliance: info,
  alert: info,
  description: info,
});

const noVeto = (tier: string) => forbidden(`the ${tier} tier has no veto window; remove vetoWindow`);
const noGrace = (tier: string) => forbidden(`the ${tier} tier has no grace period (only supervised does); remove grace`);
const noTimeout = (tier: string, why = "") => forbidden(`the ${tier} tier has no approval timeout${why}; remove timeout`);

const autonomousSchema = z.strictObject({
  name: z.literal("autonomous"),
  conditions: conditionsSchema,
  vetoWindow: forbidden("autonomous payments execute at once: there is no veto window; remove vetoWindow"),
  grace: noGrace("autonomous"),
  timeout: noTimeout("autonomous"),
  ...tierInfo("autonomous"),
});

const supervisedSchema = z.strictObject({
  name: z.literal("supervised"),
  conditions: conditionsSchema,
  vetoWindow: leaf(checkVetoWindow),
  grace: duration(MAX_U24).default("24h"),
  timeout: noTimeout("supervised", " (it has vetoWindow and grace)"),
  ...tierInfo("supervised"),
});

const collaborativeSchema = z.strictObject({
  name: z.literal("collaborative"),
  conditions: conditionsSchema,
  timeout: duration(),
  vetoWindow: noVeto("collaborative"),
  grace: noGrace("collaborative"),
  ...tierInfo("collaborative"),
});

const prohibitedSchema = z.strictObject({
  name: z.literal("prohibited"),
  conditions: z.strictObject({
    categories: z.array(leaf(checkCategoryName)).default([]),
    recipientTrust: leaf(checkTrustSet).default([]),
    maxAmount: forbidden("the prohibited tier has no amount: every intent it matches is blocked; remove maxAmount"),
    frequency: forbidden("the prohibited tier has no frequency; remove it"),
    budget: forbidden("the prohibited tier has no budget; remove it"),
  }),
  vetoWindow: noVeto("prohibited"),
  grace: noGrace("prohibited"),
  timeout: noTimeout("prohibited"),
  ...tierInfo("prohibited"),
});

const TIER_SCHEMAS = {
  autonomous: autonomousSchema,
  supervised: supervisedSchema,
  collaborative: collaborativeSchema,
  prohibited: prohibitedSchema,
} as const;

const tierSchema = dispatch<PolicyTier>((v) => {
  if (!isRecord(v)) return `expected a tier (an object with name and conditions), got ${describe(v)}`;
  const name = checkOneOf(v.name, TIER_NAMES, "a tier name");
  // The name's own issue, reported at tiers[i].name.
  if (!name.ok) return z.object({ name: leaf(() => name) }).passthrough() as never;
  return TIER_SCHEMAS[name.value] as unknown as z.ZodType<PolicyTier>;
});

const fixedPriceSchema = z.strictObject({
  fixed: leaf((v) => {
    const r = parseDecimal(v, PRICE_DECIMALS, "a fixed price");
    if (!r.ok) return r;
    if (r.value === 0n) return fail(`"${v}" is zero; a fixed price must be more than 0`);
    if (r.value > MAX_U160) return fail(`"${v}" is too large`);
    return ok((v as string).trim());
  }),
});
const feedPriceSchema = z.strictObject({
  feed: address("a price feed"),
  maxStaleness: duration(),
});
const priceSchema = dispatch<TokenPrice>((v) => {
  if (!isRecord(v)) return `expected { fixed: "1.00" } or { feed: <feed address>, maxStaleness: "1h" }, got ${describe(v)}`;
  if ("fixed" in v && "feed" in v) return "has both fixed and feed; a token has one price source: keep one";
  if ("fixed" in v) return fixedPriceSchema;
  if ("feed" in v) return feedPriceSchema;
  return `needs a price source: fixed: "1.00" (reference currency per whole token) or feed: <feed address> with maxStaleness: "1h"`;
});

const tokenSchema = z.strictObject({
  address: leaf((v) => checkAddress(v, { allowZero: true })),
  price: priceSchema,
});

const recipientEntrySchema = z.strictObject({
  address: address("a recipient"),
  trust: leaf((v) => checkOneOf(v, TRUST_NAMES, "a trust level")),
  label: z.string().optional(),
});

/** `{ address: trust }` or `[{ address, trust, label }]`; always a list after parsing. */
const recipientsSchema = z.unknown().transform((v, ctx): RecipientPolicy[] => {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    const r = z.array(recipientEntrySchema).safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue(issue as never);
    return z.NEVER;
  }
  if (!isRecord(v)) {
    ctx.addIssue({
      code: "custom",
      input: v,
      message: `expected a mapping { <address>: <trust> } or a list of { address, trust, label }, got ${describe(v)}`,
    });
    return z.NEVER;
  }
  const out: RecipientPolicy[] = [];
  for (const [key, trust] of Object.entries(v)) {
    const a = checkAddress(key, { what: "a recipient" });
    const t = checkOneOf(trust, TRUST_NAMES, "a trust level");
    if (!a.ok) ctx.addIssue({ code: "custom", input: key, path: [key], message: a.error });
    if (!t.ok) ctx.addIssue({ code: "custom", input: trust, path: [key], message: t.error });
    if (a.ok && t.ok) out.push({ address: a.value, trust: t.value });
  }
  return out;
});

/** The policy file's schema (structure and each field's format). `validatePolicy` adds the cross-field checks. */
export const policySchema = z.strictObject({
  name: info,
  description: info,
  reference: z
    .strictObject({
      currency: leaf((v) =>
        typeof v === "string" && /^[A-Za-z]{3,8}$/.test(v)
          ? ok(v)
          : fail(`expected a currency code such as "USD", got ${describe(v)}`),
      ),
      decimals: leaf((v) =>
        v === REFERENCE_DECIMALS
          ? ok(REFERENCE_DECIMALS as 6)
          : fail(`${describe(v)}: the wallet counts the reference currency with 6 decimals; write decimals: 6`),
      ).default(6),
    })
    .default({ currency: "USD", decimals: 6 }),
  owners: z.array(address("an owner")).optional(),
  guardians: z.array(address("a guardian")).optional(),
  threshold: leaf((v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1
      ? ok(v)
      : fail(`expected the number of owner approvals required (a whole number of 1 or more), got ${describe(v)}`),
  ).optional(),
  categories: z.array(leaf(checkCategoryName)),
  tokens: z.record(z.string(), tokenSchema).default({}),
  recipients: recipientsSchema.default([]),
  tiers: z.array(tierSchema),
  unmatched: leaf((v) =>
    checkOneOf(v, ["collaborative", "prohibited"] as const, "where unmatched intents go"),
  ).default("collaborative"),
  autoPromote: leaf((v) =>
    typeof v === "boolean" ? ok(v) : fail(`expected true or false, got ${describe(v)}`),
  ).default(false),
  maxOpenIntentsPerAgent: leaf((v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535
      ? ok(v)
      : fail(`expected the most open (queued) intents one agent may have, a whole number from 0 to 65535, got ${describe(v)}`),
  ).default(64),
  maxBlockedAttemptsPerDay: leaf((v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535
      ? ok(v)
      : fail(`expected the most blocked attempts one agent may make per 24 hours, a whole number from 0 (no cap) to 65535, got ${describe(v)}`),
  ).default(100),
});

/*//////////////////////////////////////////////////////////////
                         CROSS-FIELD CHECKS
//////////////////////////////////////////////////////////////*/

type Path = (string | number)[];
interface RawProblem {
  path: Path;
  message: string;
}

/**
 * Checks that need more than one field: category references, conflicts, duplicates, the threshold. Written
 * against the raw input so that they run (and report) even when other fields are malformed.
 */
function crossCheck(raw: unknown): RawProblem[] {
  const out: RawProblem[] = [];
  const add = (path: Path, message: string) => out.push({ path, message });

  /** Flags repeated addresses in `list` (at `key`); returns the first index of each distinct address. */
  const uniqueAddresses = (list: unknown[], key: string, what: string) => {
    const seen = new Map<string, number>();
    list.forEach((x, i) => {
      const a = checkAddress(x);
      if (!a.ok) return;
      const prev = seen.get(a.value);
      if (prev !== undefined) add([key, i], `duplicate ${what} ${a.value} (also ${key}[${prev}])`);
      else seen.set(a.value, i);
    });
    return seen;
  };
  if (!isRecord(raw)) return out;

  // categories: unique, at most 64
  const categories = Array.isArray(raw.categories) ? raw.categories : [];
  const firstIndex = new Map<string, number>();
  categories.forEach((c, i) => {
    if (typeof c !== "string") return;
    const prev = firstIndex.get(c);
    if (prev !== undefined) add(["categories", i], `duplicate category "${c}" (also categories[${prev}]); list each category once`);
    else firstIndex.set(c, i);
  });
  if (categories.length > MAX_CATEGORIES) {
    add(["categories"], `${categories.length} categories; the wallet holds at most ${MAX_CATEGORIES}`);
  }
  const known = [...firstIndex.keys()];

  // owners and threshold
  const owners = Array.isArray(raw.owners) ? raw.owners : undefined;
  if (owners) {
    const seen = uniqueAddresses(owners, "owners", "owner");
    if (owners.length === 0) add(["owners"], "a wallet needs at least one owner");
    if (owners.length > MAX_OWNERS) add(["owners"], `${owners.length} owners; the wallet holds at most ${MAX_OWNERS}`);
    if (raw.threshold === undefined) add([], "owners is set but threshold is not; add threshold: <owner approvals required>");
    else if (typeof raw.threshold === "number" && raw.threshold > seen.size && seen.size > 0) {
      add(["threshold"], `${raw.threshold} is more than the ${seen.size} owner${seen.size === 1 ? "" : "s"}; lower it or add owners`);
    }
  } else if (raw.threshold !== undefined && raw.owners === undefined) {
    add(["threshold"], "threshold is set but owners is not; list the owners too");
  }

  // guardians: each once
  if (Array.isArray(raw.guardians)) uniqueAddresses(raw.guardians, "guardians", "guardian");

  // tiers: names unique, categories known, maxAmount where needed, no category both allowed and prohibited
  const tiers = Array.isArray(raw.tiers) ? raw.tiers : [];
  const tierIndex = new Map<string, number>();
  const allowedBy = new Map<string, string>();
  let prohibitedAt: number | undefined;
  tiers.forEach((t, i) => {
    if (!isRecord(t) || typeof t.name !== "string" || !(TIER_NAMES as readonly string[]).includes(t.name)) return;
    const prev = tierIndex.get(t.name);
    if (prev !== undefined) {
      add(["tiers", i, "name"], `tier "${t.name}" appears twice (also tiers[${prev}]); merge them into one`);
      return;
    }
    tierIndex.set(t.name, i);
    if (!isRecord(t.conditions)) {
      if (t.conditions === undefined && t.name === "prohibited") return;
      return; // the schema reports it
    }
    const cats = Array.isArray(t.conditions.categories) ? t.conditions.categories : [];
    cats.forEach((c, j) => {
      if (typeof c !== "string" || c.length === 0 || !Array.isArray(raw.categories)) return;
      if (!firstIndex.has(c)) {
        add(
          ["tiers", i, "conditions", "categories", j],
          `unknown category "${c}"${didYouMean(c, known)}${didYouMean(c, known) ? "" : "; add it to categories or fix the name"}`,
        );
      }
    });
    if (t.name === "prohibited") {
      prohibitedAt = i;
      return;
    }
    for (const c of cats) if (typeof c === "string" && !allowedBy.has(c)) allowedBy.set(c, t.name);
    if (cats.length > 0 && t.conditions.maxAmount === undefined) {
      add(["tiers", i, "conditions"], `maxAmount is required when the tier allows categories; add maxAmount: "<decimal amount>"`);
    } else if (cats.length > 0) {
      const a = parseDecimal(t.conditions.maxAmount, REFERENCE_DECIMALS);
      if (a.ok && a.value === 0n) {
        add(["tiers", i, "conditions", "maxAmount"], `"${t.conditions.maxAmount}" is zero; a tier that allows categories needs a maxAmount above 0`);
      }
    }
  });
  if (prohibitedAt !== undefined) {
    const t = tiers[prohibitedAt] as Record<string, unknown>;
    const cats = isRecord(t.conditions) && Array.isArray(t.conditions.categories) ? t.conditions.categories : [];
    cats.forEach((c, j) => {
      if (typeof c !== "string" || !allowedBy.has(c)) return;
      add(
        ["tiers", prohibitedAt!, "conditions", "categories", j],
        `category "${c}" is both allowed by the ${allowedBy.get(c)} tier and prohibited; the wallet refuses that ` +
          `(TierGuardCategoryConflict): remove it from one of the two`,
      );
    });
  }

  // tokens: one entry per address
  if (isRecord(raw.tokens)) {
    const seen = new Map<string, string>();
    for (const [symbol, tok] of Object.entries(raw.tokens)) {
      if (!isRecord(tok)) continue;
      const a = checkAddress(tok.address, { allowZero: true });
      if (!a.ok) continue;
      const prev = seen.get(a.value);
      if (prev !== undefined) add(["tokens", symbol, "address"], `${a.value} is already listed as token ${prev}; list each token once`);
      else seen.set(a.value, symbol);
    }
  }

  // recipients: one entry per address
  const seenR = new Map<string, string>();
  const recipient = (addr: unknown, path: Path) => {
    const a = checkAddress(addr);
    if (!a.ok) return;
    const prev = seenR.get(a.value);
    if (prev !== undefined) add(path, `recipient ${a.value} is listed twice (also ${prev}); list it once`);
    else seenR.set(a.value, formatPath(path));
  };
  if (Array.isArray(raw.recipients)) {
    raw.recipients.forEach((r, i) => isRecord(r) && recipient(r.address, ["recipients", i, "address"]));
  } else if (isRecord(raw.recipients)) {
    for (const key of Object.keys(raw.recipients)) recipient(key, ["recipients", key]);
  }
  return out;
}

/*//////////////////////////////////////////////////////////////
                         ISSUES -> PROBLEMS
//////////////////////////////////////////////////////////////*/

/** `["tiers", 1, "conditions", "maxAmount"]` -> `tiers[1].conditions.maxAmount`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const k of path) {
    if (typeof k === "number") s += `[${k}]`;
    else if (/^[A-Za-z_$][\w$-]*$|^0x[0-9a-fA-F]*$/.test(String(k))) s += s ? `.${String(k)}` : String(k);
    else s += `[${JSON.stringify(String(k))}]`;
  }
  return s;
}

const at = (raw: unknown, path: readonly PropertyKey[]): unknown => {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
};

const EXPECTED: Record<string, string> = {
  array: "a list",
  object: "an object",
  record: "a mapping",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/** Every key the schema knows, for "did you mean" on unknown keys. */
const KEYS = [
  "name", "description", "reference", "currency", "decimals", "owners", "guardians", "threshold", "categories", "tokens",
  "address", "price", "fixed", "feed", "maxStaleness", "recipients", "trust", "label", "tiers", "conditions",
  "maxAmount", "recipientTrust", "frequency", "budget", "max", "per", "approval", "vetoWindow", "grace", "timeout",
  "audit", "micaCompliance", "alert", "unmatched", "autoPromote", "maxOpenIntentsPerAgent",
  "maxBlockedAttemptsPerDay",
];

function fromIssue(issue: z.core.$ZodIssue, raw: unknown): RawProblem[] {
  const path = issue.path as Path;
  const value = at(raw, path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => ({
        path: [...path, k],
        message: `unknown key${didYouMean(k, KEYS) || "; remove it (or check the spelling)"}`,
      }));
    case "invalid_type":
      if (value === undefined) return [{ path, message: `is required (${EXPECTED[issue.expected] ?? issue.expected})` }];
      return [{ path, message: `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(value)}` }];
    case "invalid_value":
      return [{ path, message: `${describe(value)} is not allowed here; use ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Orders problems as their fields appear in the file. */
function compareInFile(raw: unknown, a: Path, b: Path): number {
  let node = raw;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const [ka, kb] = [a[i], b[i]];
    if (ka !== kb) {
      if (typeof ka === "number" && typeof kb === "number") return ka - kb;
      const keys = node !== null && typeof node === "object" ? Object.keys(node) : [];
      const [ia, ib] = [keys.indexOf(String(ka)), keys.indexOf(String(kb))];
      return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || String(ka).localeCompare(String(kb));
    }
    node = node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[ka] : undefined;
  }
  return 0;
}

/** Every problem of a raw (parsed YAML/JSON) policy, in file order; empty if it is valid. */
export function policyProblems(raw: unknown): { policy?: Policy; problems: PolicyProblem[] } {
  if (!isRecord(raw)) {
    return { problems: [{ path: "", message: `a policy must be a mapping of fields (categories, tiers, ...), got ${describe(raw)}` }] };
  }
  const parsed = policySchema.safeParse(raw);
  const found: RawProblem[] = parsed.success ? [] : parsed.error.issues.flatMap((i) => fromIssue(i, raw));
  found.push(...crossCheck(raw));
  found.sort((a, b) => compareInFile(raw, a.path, b.path));
  const seen = new Set<string>();
  const problems: PolicyProblem[] = [];
  for (const p of found) {
    const problem = { path: formatPath(p.path), message: p.message };
    const key = formatProblem(problem);
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  if (problems.length > 0 || !parsed.success) return { problems };
  return { policy: parsed.data as Policy, problems };
}

/** Validates a raw policy object; throws one `PolicyError` listing every problem. */
export function validatePolicy(raw: unknown, options: { source?: string } = {}): Policy {
  const { policy, problems } = policyProblems(raw);
  if (!policy) throw new PolicyError(problems, options);
  return policy;
}
