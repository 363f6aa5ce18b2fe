/**
 * Policy files, pure: the article's example parses and compiles to exactly the rules the contract tests use,
 * and every kind of mistake is reported with its path and fix, all problems at once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringToHex, zeroAddress } from "viem";
import { TierGuardError } from "../../src/errors";
import {
  compilePolicy,
  formatDecimal,
  formatDuration,
  loadPolicyFile,
  parseDecimal,
  parseDuration,
  parsePolicy,
  PolicyError,
  readPolicyData,
  substituteVars,
  validatePolicy,
  type Policy,
} from "../../src/policy";

/**
 * The article's values as the contract tests encode them (scripts/lib/article.ts), the source of truth this
 * SDK must match. Imported by a computed path: that file's types need Hardhat's plugins, which the SDK's
 * tsconfig does not load, so only its values (typed below) come in.
 */
interface ArticleModule {
  ARTICLE_RULES: Record<"autonomous" | "supervised" | "collaborative", {
    categories: bigint; maxValue: bigint; maxCount: number; period: number; window: number; grace: number; minTrust: number;
  }>;
  CATEGORIES: readonly string[];
  PROHIBITED_CATEGORIES: bigint;
  PROHIBITED_TRUST: number;
  Tier: { Autonomous: 0; Supervised: 1; Collaborative: 2; Prohibited: 3 };
  Trust: { Unknown: 0; Known: 1; Verified: 2; Blocked: 3 };
  PriceKind: { None: 0; Fixed: 1; Feed: 2 };
}
const ARTICLE_PATH = "../../scripts/lib/article";
const article = (await import(/* @vite-ignore */ ARTICLE_PATH)) as ArticleModule;
const { ARTICLE_RULES, CATEGORIES, PROHIBITED_CATEGORIES, PROHIBITED_TRUST } = article;
const [ArticleTier, ArticleTrust, ArticlePriceKind] = [article.Tier, article.Trust, article.PriceKind];

const EXAMPLE = path.resolve(__dirname, "../../examples/policy.yaml");
const VARS = {
  USDC: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  EURC: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  EURC_USD_FEED: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
};
const exampleText = readFileSync(EXAMPLE, "utf8");

/** The example as plain data, to mutate for bad-input cases. */
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const raw = (): Raw => readPolicyData(exampleText, "yaml", { vars: VARS }) as Raw;

/** Validates `data` and returns the PolicyError's problems as `path: message` lines. */
function problemsOf(data: unknown): string[] {
  try {
    validatePolicy(data);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect(e).toBeInstanceOf(TierGuardError);
    return (e as PolicyError).problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  }
  throw new Error("expected a PolicyError");
}

/** Mutates a fresh copy of the example and expects exactly one problem matching `expected`. */
function oneProblem(mutate: (r: Raw) => void, expected: string | RegExp): string {
  const r = raw();
  mutate(r);
  const problems = problemsOf(r);
  expect(problems, problems.join("\n")).toHaveLength(1);
  if (typeof expected === "string") expect(problems[0]).toBe(expected);
  else expect(problems[0]).toMatch(expected);
  return problems[0];
}

describe("units", () => {
  it("parses decimal strings exactly and refuses numbers", () => {
    expect(parseDecimal("50.00", 6)).toEqual({ ok: true, value: 50_000_000n });
    expect(parseDecimal("0.000001", 6)).toEqual({ ok: true, value: 1n });
    expect(parseDecimal("5000", 6)).toEqual({ ok: true, value: 5_000_000_000n });
    expect(parseDecimal("50.001", 2)).toMatchObject({ ok: false });
    expect(parseDecimal(1.5, 6)).toMatchObject({ ok: false, error: expect.stringContaining('"1.5"') });
    expect(parseDecimal("-1", 6)).toMatchObject({ ok: false });
    expect(parseDecimal("1e3", 6)).toMatchObject({ ok: false });
    expect(formatDecimal(50_000_000n)).toBe("50.00");
    expect(formatDecimal(1_234_567n)).toBe("1.234567");
    expect(formatDecimal(10n ** 18n, 18)).toBe("1.00");
  });

  it("parses durations with units", () => {
    expect(parseDuration("30s")).toEqual({ ok: true, value: 30 });
    expect(parseDuration("15m")).toEqual({ ok: true, value: 900 });
    expect(parseDuration("4h")).toEqual({ ok: true, value: 14_400 });
    expect(parseDuration("24h")).toEqual({ ok: true, value: 86_400 });
    expect(parseDuration("7d")).toEqual({ ok: true, value: 604_800 });
    expect(parseDuration("0s")).toMatchObject({ ok: false });
    expect(parseDuration("1.5h")).toMatchObject({ ok: false });
    expect(parseDuration(30)).toMatchObject({ ok: false, error: expect.stringContaining('"30s"') });
    expect(formatDuration(30)).toBe("30s");
    expect(formatDuration(3600)).toBe("1h");
    expect(formatDuration(86_400)).toBe("1d");
    expect(formatDuration(90)).toBe("90s");
  });
});

describe("the article's example policy", () => {
  it("loads from examples/policy.yaml and compiles to the contract tests' rules", async () => {
    const policy = await loadPolicyFile(EXAMPLE, { vars: VARS });
    const config = compilePolicy(policy);

    expect(config.categories.map((c) => c.name)).toEqual([...CATEGORIES]);
    expect(config.categories.map((c) => c.id)).toEqual(CATEGORIES.map((_, i) => i));
    expect(config.categories[1].name32).toBe(stringToHex("embeddings", { size: 32 }));

    expect(config.tiers.autonomous).toEqual(ARTICLE_RULES.autonomous);
    expect(config.tiers.supervised).toEqual(ARTICLE_RULES.supervised);
    expect(config.tiers.collaborative).toEqual(ARTICLE_RULES.collaborative);
    expect(config.prohibitions).toEqual({ categories: PROHIBITED_CATEGORIES, trustMask: PROHIBITED_TRUST });
    expect(config.unmatchedTier).toBe(ArticleTier.Collaborative);
    expect(config.autoPromote).toBe(false);
    for (const b of Object.values(config.budgets)) expect(b).toEqual({ max: 0n, period: 0 });

    expect(config.owners).toEqual([
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    ]);
    expect(config.threshold).toBe(2);
    expect(config.tokens).toEqual([
      { address: VARS.USDC, symbol: "USDC", kind: ArticlePriceKind.Fixed, source: 10n ** 18n, maxStaleness: 0 },
      { address: VARS.EURC, symbol: "EURC", kind: ArticlePriceKind.Feed, source: BigInt(VARS.EURC_USD_FEED), maxStaleness: 3600 },
    ]);
    expect(config.recipients.map((r) => r.trust)).toEqual([
      ArticleTrust.Verified,
      ArticleTrust.Verified,
      ArticleTrust.Known,
      ArticleTrust.Known,
      ArticleTrust.Known,
    ]);
    expect(config.recipients[0]).toEqual({
      address: "0xBcd4042DE499D14e55001CcbB24a551F3b954096",
      trust: ArticleTrust.Verified,
      label: "embeddings vendor",
    });
  });

  it("keeps the informational fields and fills defaults", () => {
    const policy = parsePolicy(exampleText, "yaml", { vars: VARS });
    expect(policy.reference).toEqual({ currency: "USD", decimals: 6 });
    expect(policy.tiers[0]).toMatchObject({ name: "autonomous", approval: "none", audit: "batch_daily" });
    expect(policy.tiers[3]).toMatchObject({
      name: "prohibited",
      conditions: { recipientTrust: ["unknown"] },
      alert: "immediate_to_owner",
    });
  });

  it("reads the same policy from JSON", () => {
    const fromJson = parsePolicy(JSON.stringify(raw()), "json");
    expect(compilePolicy(fromJson)).toEqual(compilePolicy(parsePolicy(exampleText, "yaml", { vars: VARS })));
  });

  it("accepts recipients as a mapping of address to trust", () => {
    const r = raw();
    r.recipients = { "0xBcd4042DE499D14e55001CcbB24a551F3b954096": "verified", "0xfabb0ac9d68b0b445fb7357272ff202c5651694a": "blocked" };
    expect(compilePolicy(validatePolicy(r)).recipients).toEqual([
      { address: "0xBcd4042DE499D14e55001CcbB24a551F3b954096", trust: ArticleTrust.Verified },
      { address: "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a", trust: ArticleTrust.Blocked },
    ]);
    // unquoted hex keys stay addresses in YAML (not hexadecimal integers)
    const yaml = "categories: [a]\ntiers: []\nrecipients:\n  0xBcd4042DE499D14e55001CcbB24a551F3b954096: known\n";
    expect(parsePolicy(yaml).recipients).toEqual([{ address: "0xBcd4042DE499D14e55001CcbB24a551F3b954096", trust: "known" }]);
  });

  it("compiles defaults and variants: supervised grace, trust sets, budgets, ETH, unmatched", () => {
    const r = raw();
    delete r.tiers[1].grace;
    r.tiers[3].conditions.recipientTrust = ["unknown", "known", "blocked"];
    r.tiers[0].conditions.budget = { max: "100.00", per: "24h" };
    r.tiers[2].conditions.recipientTrust = "known";
    delete r.tiers[2].conditions.frequency;
    r.tokens.ETH = { address: zeroAddress, price: { fixed: "3000.50" } };
    r.unmatched = "prohibited";
    r.autoPromote = true;
    const c = compilePolicy(validatePolicy(r));
    expect(c.tiers.supervised.grace).toBe(86_400);
    expect(c.prohibitions.trustMask).toBe(0b011);
    expect(c.budgets.autonomous).toEqual({ max: 100_000_000n, period: 86_400 });
    expect(c.tiers.collaborative).toMatchObject({ minTrust: ArticleTrust.Known, maxCount: 0, period: 0, window: 14_400 });
    expect(c.tokens[2]).toEqual({ address: zeroAddress, symbol: "ETH", kind: 1, source: 3_000_500_000_000_000_000_000n, maxStaleness: 0 });
    expect(c.unmatchedTier).toBe(ArticleTier.Prohibited);
    expect(c.autoPromote).toBe(true);
  });

  it("disables tiers the file leaves out", () => {
    const p = parsePolicy("categories: [a, b]\ntiers:\n  - name: autonomous\n    conditions: { maxAmount: '1.00', categories: [a], recipientTrust: any }\n");
    const c = compilePolicy(p);
    expect(c.tiers.supervised).toEqual({ categories: 0n, maxValue: 0n, maxCount: 0, period: 0, window: 0, grace: 0, minTrust: 0 });
    // the collaborative timeout still applies to escalated (unmatched) intents
    expect(c.tiers.collaborative.window).toBe(86_400);
    expect(c.prohibitions).toEqual({ categories: 0n, trustMask: 0 });
    expect(c.owners).toBeUndefined();
  });
});

describe("mistakes, each with its path and fix", () => {
  it("too many decimals", () => {
    oneProblem(
      (r) => (r.tiers[1].conditions.maxAmount = "50.0000001"),
      'tiers[1].conditions.maxAmount: "50.0000001" has more decimals than the reference currency allows (6)',
    );
  });

  it("amounts as numbers", () => {
    oneProblem(
      (r) => (r.tiers[0].conditions.maxAmount = 1),
      'tiers[0].conditions.maxAmount: got the number 1; write amounts as quoted decimal strings, e.g. "1.00" (numbers lose precision)',
    );
    // unquoted in YAML is a number too
    const yaml = exampleText.replace('maxAmount: "50.00"', "maxAmount: 50.00");
    expect(() => parsePolicy(yaml, "yaml", { vars: VARS })).toThrow(/tiers\[1\]\.conditions\.maxAmount: got the number 50; write amounts as quoted decimal strings, e.g\. "50\.00"/);
  });

  it("unknown category referenced by a tier, with a suggestion", () => {
    oneProblem(
      (r) => (r.tiers[0].conditions.categories[1] = "embedding"),
      'tiers[0].conditions.categories[1]: unknown category "embedding"; did you mean "embeddings"?',
    );
    oneProblem(
      (r) => r.tiers[3].conditions.categories.push("crypto_mixers"),
      'tiers[3].conditions.categories[3]: unknown category "crypto_mixers"; add it to categories or fix the name',
    );
  });

  it("invalid addresses", () => {
    oneProblem((r) => (r.tokens.USDC.address = "0x12"), 'tokens.USDC.address: "0x12" is not an address (0x followed by 40 hex digits)');
    oneProblem(
      (r) => (r.owners[1] = "0x70997970c51812dc3a010c7d01b50e0d17dc79C9"),
      /^owners\[1\]: "0x70997970c51812dc3a010c7d01b50e0d17dc79C9" has an invalid checksum/,
    );
    oneProblem((r) => (r.tokens.EURC.price.feed = zeroAddress), "tokens.EURC.price.feed: the zero address cannot be a price feed");
    oneProblem(
      (r) => (r.recipients[2].address = "vendor.example"),
      'recipients[2].address: "vendor.example" is not an address (0x followed by 40 hex digits)',
    );
  });

  it("a category both allowed and prohibited (TierGuardCategoryConflict)", () => {
    oneProblem(
      (r) => r.tiers[3].conditions.categories.push("compute"),
      'tiers[3].conditions.categories[3]: category "compute" is both allowed by the supervised tier and prohibited; the wallet refuses that (TierGuardCategoryConflict): remove it from one of the two',
    );
  });

  it("unknown trust levels", () => {
    oneProblem(
      (r) => (r.tiers[0].conditions.recipientTrust = "verfied"),
      'tiers[0].conditions.recipientTrust: "verfied" is not a minimum trust level; use one of verified, known, unknown, any; did you mean "verified"?',
    );
    oneProblem(
      (r) => (r.tiers[3].conditions.recipientTrust = ["unknown", "any"]),
      /^tiers\[3\]\.conditions\.recipientTrust: "any" is not a trust level; use one of unknown, known, verified, blocked/,
    );
    oneProblem((r) => (r.recipients[0].trust = "trusted"), /^recipients\[0\]\.trust: "trusted" is not a trust level/);
  });

  it("duration formats", () => {
    oneProblem(
      (r) => (r.tiers[1].vetoWindow = "30 secs"),
      'tiers[1].vetoWindow: "30 secs" is not a duration; write a whole number with a unit s, m, h, d or w (e.g. "30s", "15m", "4h", "7d")',
    );
    oneProblem((r) => (r.tiers[0].conditions.frequency.per = 3600), /^tiers\[0\]\.conditions\.frequency\.per: got the number 3600; write durations as strings with a unit, e\.g\. "3600s"/);
    oneProblem((r) => (r.tiers[1].grace = "400d"), /^tiers\[1\]\.grace: "400d" is too long \(at most 16777215 seconds\)/);
  });

  it("threshold above the number of owners", () => {
    oneProblem((r) => (r.threshold = 4), "threshold: 4 is more than the 3 owners; lower it or add owners");
  });

  it("duplicate category", () => {
    oneProblem(
      (r) => r.categories.push("search"),
      'categories[12]: duplicate category "search" (also categories[2]); list each category once',
    );
  });

  it("category names longer than 31 bytes, more than 64 categories", () => {
    oneProblem((r) => r.categories.push("x".repeat(32)), /^categories\[12\]: "x{32}" is 32 bytes long; .* at most 31 bytes$/);
    oneProblem(
      (r) => r.categories.push(...Array.from({ length: 53 }, (_, i) => `extra_${i}`)),
      "categories: 65 categories; the wallet holds at most 64",
    );
  });

  it("unknown keys, with a suggestion", () => {
    const r = raw();
    r.tiers[0].conditions.maxAmmount = r.tiers[0].conditions.maxAmount;
    delete r.tiers[0].conditions.maxAmount;
    expect(problemsOf(r)).toEqual([
      'tiers[0].conditions: maxAmount is required when the tier allows categories; add maxAmount: "<decimal amount>"',
      'tiers[0].conditions.maxAmmount: unknown key; did you mean "maxAmount"?',
    ]);
    oneProblem((r) => (r.owner = []), 'owner: unknown key; did you mean "owners"?');
    oneProblem((r) => (r.tiers[1].colour = "blue"), "tiers[1].colour: unknown key; remove it (or check the spelling)");
  });

  it("fields that do not belong to a tier", () => {
    oneProblem((r) => (r.tiers[0].vetoWindow = "30s"), /^tiers\[0\]\.vetoWindow: autonomous payments execute at once/);
    oneProblem((r) => (r.tiers[1].timeout = "4h"), /^tiers\[1\]\.timeout: the supervised tier has no approval timeout/);
    oneProblem((r) => (r.tiers[3].conditions.maxAmount = "1.00"), /^tiers\[3\]\.conditions\.maxAmount: the prohibited tier has no amount/);
    oneProblem(
      (r) => (r.tiers[2].approval = "notify_with_veto"),
      'tiers[2].approval: "notify_with_veto" is not the approval path of the collaborative tier: the wallet enforces "explicit_human" (write that, or leave approval out)',
    );
  });

  it("a supervised veto window of 0, agent limits out of range, a frequency the wallet cannot count (security review)", () => {
    oneProblem(
      (r) => (r.tiers[1].vetoWindow = "0s"),
      'tiers[1].vetoWindow: a veto window of "0s" lets the agent execute supervised payments in the next block, with no time to veto; set vetoWindow to at least 1s (for example 30s)',
    );
    oneProblem((r) => (r.maxOpenIntentsPerAgent = 70000), /^maxOpenIntentsPerAgent: expected the most open \(queued\) intents one agent may have, a whole number from 0 to 65535/);
    oneProblem((r) => (r.maxBlockedAttemptsPerDay = -1), /^maxBlockedAttemptsPerDay: expected the most blocked attempts one agent may make per 24 hours, a whole number from 0 \(no cap\) to 65535/);
    oneProblem((r) => (r.tiers[1].conditions.frequency = { max: 2 ** 24, per: "1h" }), /^tiers\[1\]\.conditions\.frequency\.max: 16777216 is too large \(at most 16777215\)$/);
  });

  it("missing required fields", () => {
    oneProblem((r) => delete r.tiers[1].vetoWindow, /^tiers\[1\]\.vetoWindow: is missing; expected a duration such as "30s", "15m", "4h" or "7d"$/);
    oneProblem((r) => delete r.tiers[2].timeout, /^tiers\[2\]\.timeout: is missing; expected a duration/);
    oneProblem((r) => delete r.categories, "categories: is required (a list)");
    oneProblem(
      (r) => delete r.tiers[0].conditions.maxAmount,
      'tiers[0].conditions: maxAmount is required when the tier allows categories; add maxAmount: "<decimal amount>"',
    );
  });

  it("tier names and duplicates", () => {
    oneProblem((r) => (r.tiers[1].name = "supervise"), /^tiers\[1\]\.name: "supervise" is not a tier name; .* did you mean "supervised"\?/);
    const r = raw();
    r.tiers[2].name = "supervised";
    expect(problemsOf(r)).toContain('tiers[2].name: tier "supervised" appears twice (also tiers[1]); merge them into one');
  });

  it("prices", () => {
    oneProblem((r) => (r.tokens.USDC.price = { fixed: "1.00", feed: VARS.EURC_USD_FEED }), /^tokens\.USDC\.price: has both fixed and feed/);
    oneProblem((r) => (r.tokens.USDC.price = {}), /^tokens\.USDC\.price: needs a price source/);
    oneProblem((r) => delete r.tokens.EURC.price.maxStaleness, /^tokens\.EURC\.price\.maxStaleness: is missing; expected a duration/);
    oneProblem((r) => (r.tokens.EURC.address = VARS.USDC), /^tokens\.EURC\.address: 0x5FbDB2315678afecb367f032d93F642f64180aa3 is already listed as token USDC/);
  });

  it("reference decimals are fixed to 6", () => {
    oneProblem((r) => (r.reference.decimals = 18), /^reference\.decimals: number 18: the wallet counts the reference currency with 6 decimals; write decimals: 6$/);
  });

  it("duplicate owners and recipients", () => {
    oneProblem((r) => (r.owners[2] = r.owners[0]), /^owners\[2\]: duplicate owner 0xf39F/);
    oneProblem((r) => (r.recipients[1].address = r.recipients[0].address), /^recipients\[1\]\.address: recipient 0xBcd4.* is listed twice \(also recipients\[0\]\.address\)/);
  });

  it("reports several problems together, in file order", () => {
    const r = raw();
    r.threshold = 5;
    r.categories.push("compute");
    r.tokens.USDC.address = "0x12";
    r.tiers[0].conditions.categories[1] = "embedding";
    r.tiers[1].conditions.maxAmount = "50.0000001";
    r.tiers[1].vetoWindow = "soon";
    r.tiers[3].conditions.categories.push("saas_tools");
    r.tiers[3].conditions.recipientTrust = "unknwn";
    let error: PolicyError | undefined;
    try {
      validatePolicy(r, { source: "bad.yaml" });
    } catch (e) {
      error = e as PolicyError;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error!.problems.map((p) => p.path)).toEqual([
      "threshold",
      "categories[12]",
      "tokens.USDC.address",
      "tiers[0].conditions.categories[1]",
      "tiers[1].conditions.maxAmount",
      "tiers[1].vetoWindow",
      "tiers[3].conditions.categories[3]",
      "tiers[3].conditions.recipientTrust",
    ]);
    expect(error!.shortMessage).toBe("bad.yaml: 8 problems");
    expect(error!.message).toContain('  - tiers[1].conditions.maxAmount: "50.0000001" has more decimals than the reference currency allows (6)');
    expect(error!.message).toContain("Fix: ");
  });
});

describe("loading", () => {
  it("substitutes ${VAR} placeholders and reports every missing one", () => {
    expect(substituteVars("a: ${A}\n# b: ${B}\n", { A: "1" })).toBe("a: 1\n# b: ${B}\n");
    let error: PolicyError | undefined;
    try {
      parsePolicy(exampleText, "yaml", { vars: { USDC: VARS.USDC }, source: "policy.yaml" });
    } catch (e) {
      error = e as PolicyError;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error!.problems).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/^line \d+$/), message: expect.stringContaining("placeholder ${EURC} has no value") }),
      expect.objectContaining({ message: expect.stringContaining("placeholder ${EURC_USD_FEED} has no value") }),
    ]);
  });

  it("reports YAML and JSON syntax errors and unreadable files", async () => {
    expect(() => parsePolicy("categories: [a\ntiers: []\n")).toThrow(PolicyError);
    expect(() => parsePolicy("a: 1\na: 2\n")).toThrow(/YAML syntax/);
    expect(() => parsePolicy("{ nope", "json")).toThrow(/not valid JSON/);
    await expect(loadPolicyFile("/nonexistent/policy.yaml")).rejects.toThrow(/cannot read the file/);
    expect(() => parsePolicy("- just\n- a list\n")).toThrow(/a policy must be a mapping/);
  });

  it("a valid policy has the Policy type", () => {
    const p: Policy = parsePolicy(exampleText, "yaml", { vars: VARS });
    expect(p.categories).toHaveLength(12);
  });
});
