/**
 * The planner against a real wallet on the `hardhat node`: the full plan for an empty wallet, applied as one
 * owner action, then nothing left to do; single edits give single calls; ordering survives the contract's
 * checks (category conflicts, owner/threshold changes, category removal).
 */
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress, hexToString, stringToHex, type Address, type Hex, type HDAccount } from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import {
  compilePolicy,
  diffConfig,
  loadPolicyFile,
  planPolicy,
  PolicyError,
  readWalletConfig,
  validatePolicy,
  type Policy,
} from "../../src/policy";
import { account, clients, deployFeed, deployToken, deployWallet, snapshot } from "./helpers/chain";

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
const { ARTICLE_RULES, CATEGORIES, PROHIBITED_CATEGORIES, PROHIBITED_TRUST, Tier } = article;

const EXAMPLE = path.resolve(__dirname, "../../examples/policy.yaml");
const c = clients();
const abi = tierGuardWalletAbi;

let wallet: Address;
let usdc: Address;
let eurc: Address;
let feed: Address;
let policy: Policy;

/** Signs OwnerAction(bytes[] calls,uint256 nonce,uint256 deadline) with `signers` and runs `calls` on the wallet. */
async function applyCalls(calls: Hex[], signers: HDAccount[] = [account(0), account(1)]) {
  const nonce = await c.publicClient.readContract({ address: wallet, abi, functionName: "ownerNonce" });
  const block = await c.publicClient.getBlock();
  const deadline = block.timestamp + 3600n;
  const domain = { name: "TierGuardWallet", version: "1", chainId: 31337, verifyingContract: wallet } as const;
  const types = {
    OwnerAction: [
      { name: "calls", type: "bytes[]" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  } as const;
  const signatures = await Promise.all(
    signers.map(async (s) => ({
      signer: s.address,
      signature: await s.signTypedData({ domain, types, primaryType: "OwnerAction", message: { calls, nonce, deadline } }),
    })),
  );
  signatures.sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
  // anyone may submit the signed action
  const hash = await c.walletFor(account(5)).writeContract({ address: wallet, abi, functionName: "ownerAction", args: [calls, deadline, signatures] });
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
}

const plan = (p: Policy = policy) => planPolicy({ publicClient: c.publicClient, wallet, policy: p });
const names = (calls: Hex[]) => calls.map((data) => decodeFunctionData({ abi, data }).functionName);
/** The example policy with an edit. */
const edited = (edit: (p: Policy) => void): Policy => {
  const p = structuredClone(policy);
  edit(p);
  return validatePolicy(p);
};

beforeAll(async () => {
  wallet = getAddress(await deployWallet(c, [account(0).address, account(1).address, account(2).address], 2));
  usdc = getAddress(await deployToken(c, "Mock USD Coin", "USDC", 6));
  eurc = getAddress(await deployToken(c, "Mock Euro Coin", "EURC", 6));
  feed = getAddress(await deployFeed(c, 8, 108_000_000n));
  policy = await loadPolicyFile(EXAMPLE, { vars: { USDC: usdc, EURC: eurc, EURC_USD_FEED: feed } });
});

let revert: () => Promise<void>;
beforeEach(async () => {
  revert = await snapshot(c);
});
afterEach(async () => {
  await revert();
});

/** Applies the example policy to the fresh wallet. */
async function applyExample() {
  const p = await plan();
  await applyCalls(p.calls);
}

describe("planPolicy", () => {
  it("plans the full configuration for an empty wallet; after applying it nothing is left to do", async () => {
    const p = await plan();
    expect(p.empty).toBe(false);
    expect(p.changes).toHaveLength(p.calls.length);
    expect(names(p.calls)).toEqual([
      ...CATEGORIES.map(() => "defineCategory"),
      "setTierRules",
      "setTierRules",
      "setTierRules",
      "setProhibitions",
      "setUnmatchedTier", // a new wallet sends unmatched intents to prohibited; the article escalates them
      "configureToken",
      "configureToken",
      "setRecipientTrust",
      "setRecipientTrust",
      "setRecipientTrust",
      "setRecipientTrust",
      "setRecipientTrust",
    ]);
    expect(p.changes).toContain("define category 1 embeddings");
    expect(p.changes).toContain(
      "set tier supervised categories [] -> [compute, data_access, saas_tools], maxValue 0.00 -> 50.00, minTrust unknown -> known, " +
        "maxCount 0 -> 20, period 0s -> 1h, window 0s -> 30s, grace 0s -> 1h",
    );
    expect(p.changes).toContain("set prohibitions categories [] -> [gambling, unverified_agents, sanctioned_jurisdictions], trust [] -> [unknown]");
    expect(p.changes).toContain("set unmatched prohibited -> collaborative");
    expect(p.changes).toContain(`add token USDC ${usdc} fixed 1.00`);
    expect(p.changes).toContain(`add token EURC ${eurc} feed ${feed} maxStaleness 1h`);
    expect(p.changes).toContain("set recipient 0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097 (analysis-agent-beta) trust unknown -> known");

    await applyCalls(p.calls);

    // the wallet now holds exactly the article's rules
    const read = (t: number) => c.publicClient.readContract({ address: wallet, abi, functionName: "tierRules", args: [t] });
    expect(await read(Tier.Autonomous)).toEqual(ARTICLE_RULES.autonomous);
    expect(await read(Tier.Supervised)).toEqual(ARTICLE_RULES.supervised);
    expect(await read(Tier.Collaborative)).toEqual(ARTICLE_RULES.collaborative);
    const settings = await c.publicClient.readContract({ address: wallet, abi, functionName: "settings" });
    expect(settings).toMatchObject({ prohibitedCategories: PROHIBITED_CATEGORIES, prohibitedTrust: PROHIBITED_TRUST, unmatchedTier: Tier.Collaborative });
    expect(await readWalletConfig(c.publicClient, wallet)).toMatchObject({
      categories: compilePolicy(policy).categories,
      tokens: [
        { address: usdc, kind: 1, source: 10n ** 18n, maxStaleness: 0 },
        { address: eurc, kind: 2, source: BigInt(feed), maxStaleness: 3600 },
      ],
    });

    // the article's example payments classify as it says
    const agentId = stringToHex("procurement-agent-prod", { size: 32 });
    const preview = (amount: bigint, recipient: Address, category: string) =>
      c.publicClient.readContract({
        address: wallet,
        abi,
        functionName: "preview",
        args: [agentId, usdc, amount, recipient, CATEGORIES.indexOf(category)],
      });
    expect((await preview(20_000n, "0xBcd4042DE499D14e55001CcbB24a551F3b954096", "embeddings"))[0]).toBe(Tier.Autonomous);
    expect((await preview(47_000_000n, "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec", "compute"))[0]).toBe(Tier.Supervised);
    expect((await preview(89_000_000n, "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097", "agent_hire"))[0]).toBe(Tier.Collaborative);
    expect((await preview(1_000_000n, "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097", "gambling"))[0]).toBe(Tier.Prohibited);

    const again = await plan();
    expect(again).toMatchObject({ calls: [], changes: [], empty: true });
  });

  it("a changed maxAmount is exactly one setTierRules call", async () => {
    await applyExample();
    const p = await plan(edited((q) => ((q.tiers[1].conditions as { maxAmount: string }).maxAmount = "40.00")));
    expect(names(p.calls)).toEqual(["setTierRules"]);
    expect(p.changes).toEqual(["set tier supervised maxValue 50.00 -> 40.00"]);
    const { args } = decodeFunctionData({ abi, data: p.calls[0] });
    expect(args).toEqual([Tier.Supervised, { ...ARTICLE_RULES.supervised, maxValue: 40_000_000n }]);
    await applyCalls(p.calls);
    expect((await plan()).changes).toEqual(["set tier supervised maxValue 40.00 -> 50.00"]);
  });

  it("a token no longer in the file is removed", async () => {
    await applyExample();
    const p = await plan(edited((q) => delete q.tokens.EURC));
    expect(names(p.calls)).toEqual(["removeToken"]);
    expect(p.changes).toEqual([`remove token ${eurc}`]);
    await applyCalls(p.calls);
    expect(await c.publicClient.readContract({ address: wallet, abi, functionName: "tokens" })).toEqual([usdc]);
  });

  it("budgets, recipients, token prices, auto-promotion", async () => {
    await applyExample();
    const next = edited((q) => {
      q.tiers[2].conditions = { ...(q.tiers[2].conditions as object), budget: { max: "10000.00", per: "7d" } } as never;
      q.recipients = q.recipients.filter((r) => r.label !== "data vendor");
      q.recipients.push({ address: getAddress(account(16).address), trust: "blocked" });
      q.tokens.USDC.price = { fixed: "0.999" };
      q.autoPromote = true;
    });
    const p = await plan(next);
    expect(p.changes).toEqual([
      "set budget collaborative none -> 10000.00 per 7d",
      "set autoPromote false -> true",
      `set token USDC ${usdc} fixed 1.00 -> fixed 0.999`,
      `set recipient ${getAddress(account(16).address)} trust unknown -> blocked`,
      "reset recipient 0xFABB0ac9d68B0B445fB7357272Ff202C5651694a trust known -> unknown (not in the policy)",
    ]);
    await applyCalls(p.calls);
    expect((await plan(next)).empty).toBe(true);
  });

  it("moves categories between a tier and the prohibited list without tripping TierGuardCategoryConflict", async () => {
    await applyExample();
    const next = edited((q) => {
      const sup = q.tiers[1].conditions as { categories: string[] };
      const pro = q.tiers[3].conditions as { categories: string[] };
      sup.categories = ["data_access", "saas_tools", "gambling"];
      pro.categories = ["compute", "unverified_agents", "sanctioned_jurisdictions"];
    });
    const p = await plan(next);
    // prohibitions are lifted for gambling first, the tier set, then compute prohibited
    expect(names(p.calls)).toEqual(["setProhibitions", "setTierRules", "setProhibitions"]);
    expect(p.changes[0]).toBe("lift prohibition of [gambling] before the tiers change");
    await applyCalls(p.calls);
    expect((await plan(next)).empty).toBe(true);
  });

  it("keeps category ids stable: reordering changes nothing and a new name takes a free id", async () => {
    await applyExample();
    expect((await plan(edited((q) => q.categories.reverse()))).empty).toBe(true);
    const next = edited((q) => q.categories.unshift("gpu_rental"));
    const p = await plan(next);
    expect(p.changes).toEqual(["define category 12 gpu_rental"]);
    await applyCalls(p.calls);
    expect((await plan(next)).empty).toBe(true);
  });

  it("removing a category from the middle needs allowRemoveCategories and never renumbers the others", async () => {
    await applyExample();
    const next = edited((q) => {
      q.categories = q.categories.filter((n) => n !== "search"); // id 2
      (q.tiers[0].conditions as { categories: string[] }).categories = ["api_calls", "embeddings"];
    });
    const refused = await plan(next).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PolicyError);
    expect((refused as PolicyError).problems).toEqual([
      {
        path: "categories",
        message:
          '"search" (id 2) is defined on the wallet but not listed; removing it needs allowRemoveCategories: id 2 is retired, ' +
          'not renumbered: intents recorded under it keep the name "search" in audit records, and agents can no longer submit it',
      },
    ]);
    expect((refused as PolicyError).fix).toContain("--allow-remove-categories");

    const p = await planPolicy({ publicClient: c.publicClient, wallet, policy: next, allowRemoveCategories: true });
    expect(p.removedCategories.map((x) => x.name)).toEqual(["search"]);
    expect(p.changes).toEqual([
      "set tier autonomous categories [api_calls, embeddings, search] -> [api_calls, embeddings]",
      expect.stringMatching(/^remove category 2 search \(id 2 is retired, not renumbered/),
    ]);
    await applyCalls(p.calls);
    // every other id still means what it meant: 8 is subscription (a collaborative category), 9 is gambling
    const name = async (id: number) =>
      hexToString(await c.publicClient.readContract({ address: wallet, abi, functionName: "categoryName", args: [id] }), { size: 32 });
    expect(await Promise.all([3, 8, 9, 11].map(name))).toEqual(["compute", "subscription", "gambling", "sanctioned_jurisdictions"]);
    expect((await plan(next)).empty).toBe(true);

    // a rename is a removal plus a new category with its own id
    const renamed = edited((q) => {
      Object.assign(q, structuredClone(next));
      q.categories = q.categories.map((n) => (n === "subscription" ? "subscriptions" : n));
      (q.tiers[2].conditions as { categories: string[] }).categories = ["agent_hire", "service_procurement", "subscriptions"];
    });
    const p2 = await planPolicy({ publicClient: c.publicClient, wallet, policy: renamed, allowRemoveCategories: true });
    expect(p2.changes[0]).toBe("define category 12 subscriptions");
    expect(p2.changes.at(-1)).toMatch(/^remove category 8 subscription /);
    await applyCalls(p2.calls);
    expect((await plan(renamed)).empty).toBe(true);
  });

  it("changes owners and threshold in a safe order", async () => {
    await applyExample();
    const [a0, a1, a2, a3] = [0, 1, 2, 3].map((i) => getAddress(account(i).address));
    // replace owner 2 by owner 3 and raise the threshold to 3: add, remove, then raise
    const three = edited((q) => {
      q.owners = [a0, a1, a3];
      q.threshold = 3;
    });
    const p = await plan(three);
    expect(p.changes).toEqual([`add owner ${a3}`, `remove owner ${a2}`, "set threshold 2 -> 3"]);
    await applyCalls(p.calls);
    expect(await c.publicClient.readContract({ address: wallet, abi, functionName: "owners" })).toEqual([a0, a1, a3]);
    expect((await plan(three)).empty).toBe(true);

    // down to a single owner: lower the threshold first, then remove
    const one = edited((q) => {
      q.owners = [a0];
      q.threshold = 1;
    });
    const p2 = await plan(one);
    expect(p2.changes).toEqual(["set threshold 3 -> 1", `remove owner ${a1}`, `remove owner ${a3}`]);
    await applyCalls(p2.calls, [account(0), account(1), account(3)]);
    expect((await plan(one)).empty).toBe(true);
  });

  it("adds the guardians the policy lists and removes the others; a policy without guardians leaves them alone", async () => {
    await applyExample();
    const [g1, g2, g3] = [7, 8, 9].map((i) => getAddress(account(i).address));
    const p = await plan(edited((q) => void (q.guardians = [g1, g2])));
    expect(p.changes).toEqual([`add guardian ${g1}`, `add guardian ${g2}`]);
    await applyCalls(p.calls);
    const p2 = await plan(edited((q) => void (q.guardians = [g2, g3])));
    expect(p2.changes).toEqual([`add guardian ${g3}`, `remove guardian ${g1}`]);
    await applyCalls(p2.calls);
    const isGuardian = (g: Address) => c.publicClient.readContract({ address: wallet, abi, functionName: "isGuardian", args: [g] });
    expect(await Promise.all([g1, g2, g3].map(isGuardian))).toEqual([false, true, true]);
    expect((await plan()).changes.some((ch) => ch.includes("guardian"))).toBe(false);
  });

  it("refuses token and feed addresses without code, and the wallet as a recipient", async () => {
    const bad = edited((q) => {
      q.tokens.USDC.address = getAddress(account(7).address);
      q.tokens.EURC.price = { feed: getAddress(account(8).address), maxStaleness: "1h" };
    });
    bad.recipients.push({ address: wallet, trust: "known" });
    const error = await plan(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems.map((p) => p.path)).toEqual(["recipients[5]", "tokens.EURC.price.feed", "tokens.USDC.address"]);
    expect((error as PolicyError).message).toContain("has no contract code on this chain");
  });
});

describe("diffConfig", () => {
  it("is pure and empty for identical configurations", () => {
    const target = compilePolicy(policy);
    expect(diffConfig(target, structuredClone(target))).toEqual({ calls: [], changes: [], empty: true });
  });

  it("leaves owners alone when the policy does not list them", () => {
    const target = compilePolicy(policy);
    const current = { ...structuredClone(target), owners: [getAddress(account(9).address)], threshold: 1 };
    delete target.owners;
    delete target.threshold;
    expect(diffConfig(current, target).empty).toBe(true);
  });
});

describe("applyPolicy", () => {
  it("applies only the changes as one owner action, shows them in a dry run, and does nothing the second time", async () => {
    const { applyPolicy } = await import("../../src/policy/apply");
    const { createOwnerClient } = await import("../../src/client/owner");
    const alice = c.walletFor(account(0));
    const bob = c.walletFor(account(1));
    const owner = createOwnerClient({ publicClient: c.publicClient, walletClient: alice, wallet });

    const dry = await applyPolicy({ publicClient: c.publicClient, owner, policy, signers: [alice, bob], dryRun: true });
    expect(dry.txHash).toBeUndefined();
    expect(dry.changes.length).toBe(dry.calls.length);
    expect(dry.changes).toContain("define category 1 embeddings");
    expect(await c.publicClient.readContract({ address: wallet, abi, functionName: "ownerNonce" })).toBe(0n);

    const first = await applyPolicy({ publicClient: c.publicClient, owner, policy, signers: [alice, bob] });
    expect(first.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(first.calls).toEqual(dry.calls);
    expect(await c.publicClient.readContract({ address: wallet, abi, functionName: "ownerNonce" })).toBe(1n);

    const second = await applyPolicy({ publicClient: c.publicClient, owner, policy, signers: [alice, bob] });
    expect(second).toEqual({ changes: [], calls: [] });
    expect(await c.publicClient.readContract({ address: wallet, abi, functionName: "ownerNonce" })).toBe(1n);
  });
});
