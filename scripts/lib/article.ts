/**
 * The article's four-tier policy on a freshly deployed wallet, built with ethers on Hardhat's network.
 * Shared by the contract tests, the gas benchmark and the demo so that all three run the same scenario.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer, BaseContract } from "ethers";
import type { TierGuardWallet, MockERC20, MockPriceFeed } from "../../typechain-types";

export const Tier = { Autonomous: 0, Supervised: 1, Collaborative: 2, Prohibited: 3 } as const;
export const Trust = { Unknown: 0, Known: 1, Verified: 2, Blocked: 3 } as const;
export const Status = {
  None: 0,
  Queued: 1,
  AwaitingApproval: 2,
  Executed: 3,
  Vetoed: 4,
  Rejected: 5,
  Expired: 6,
  Stale: 7,
  Refused: 8,
  Blocked: 9,
} as const;
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
  TooManyOpenIntents: 10,
} as const;
export const PriceKind = { None: 0, Fixed: 1, Feed: 2 } as const;

/** The article's categories, in id order (id = index). */
export const CATEGORIES = [
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
export type Category = (typeof CATEGORIES)[number];
export const cat = (name: Category): number => CATEGORIES.indexOf(name);
export const mask = (...names: Category[]): bigint => names.reduce((m, n) => m | (1n << BigInt(cat(n))), 0n);

/** Reference-currency amount (USD, 6 decimals) from a decimal string. */
export const usd = (s: string): bigint => {
  const [whole, frac = ""] = s.split(".");
  return BigInt(whole) * 1_000_000n + BigInt((frac + "000000").slice(0, 6));
};

export const HOUR = 3600;
export const GRACE = HOUR;

export interface TierRulesInput {
  categories: bigint;
  maxValue: bigint;
  maxCount: number;
  period: number;
  window: number;
  grace: number;
  minTrust: number;
}

/** The article's tier rules. */
export const ARTICLE_RULES: Record<"autonomous" | "supervised" | "collaborative", TierRulesInput> = {
  autonomous: {
    categories: mask("api_calls", "embeddings", "search"),
    maxValue: usd("1.00"),
    maxCount: 1000,
    period: HOUR,
    window: 0,
    grace: 0,
    minTrust: Trust.Verified,
  },
  supervised: {
    categories: mask("compute", "data_access", "saas_tools"),
    maxValue: usd("50.00"),
    maxCount: 20,
    period: HOUR,
    window: 30,
    grace: GRACE,
    minTrust: Trust.Known,
  },
  collaborative: {
    categories: mask("agent_hire", "service_procurement", "subscription"),
    maxValue: usd("5000.00"),
    maxCount: 5,
    period: 24 * HOUR,
    window: 4 * HOUR,
    grace: 0,
    minTrust: Trust.Unknown,
  },
};
export const PROHIBITED_CATEGORIES = mask("gambling", "unverified_agents", "sanctioned_jurisdictions");
/** Unknown recipients are prohibited (the article's prohibited tier: recipientTrust 'unknown'). */
export const PROHIBITED_TRUST = 1 << Trust.Unknown;

export interface Signed {
  signer: string;
  signature: string;
}

/** Signs an owner action with each of `owners` and returns the signatures sorted by signer. */
export async function signOwnerAction(
  wallet: TierGuardWallet,
  owners: Signer[],
  calls: string[],
  deadline: bigint,
  nonce?: bigint,
): Promise<Signed[]> {
  const { chainId } = await wallet.runner!.provider!.getNetwork();
  const domain = { name: "TierGuardWallet", version: "1", chainId, verifyingContract: await wallet.getAddress() };
  const types = {
    OwnerAction: [
      { name: "calls", type: "bytes[]" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  };
  const value = { calls, nonce: nonce ?? (await wallet.ownerNonce()), deadline };
  const sigs = await Promise.all(
    owners.map(async (o) => ({ signer: await o.getAddress(), signature: await o.signTypedData(domain, types, value) })),
  );
  return sortSigs(sigs);
}

export const sortSigs = (sigs: Signed[]): Signed[] =>
  [...sigs].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));

/** Runs `calls` (encoded self-calls) as one owner action signed by `owners`. */
export async function ownerAction(wallet: TierGuardWallet, owners: Signer[], calls: string[]) {
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 10 * 365 * 24 * HOUR);
  const sigs = await signOwnerAction(wallet, owners, calls, deadline);
  return wallet.ownerAction(calls, deadline, sigs);
}

export interface PendingIntentStruct {
  agentId: string;
  token: string;
  amount: bigint;
  recipient: string;
  value: bigint;
  category: number;
  tier: number;
  submittedAt: number;
  notBefore: number;
  deadline: number;
  policyVersion: number;
  budgetEpoch: number;
  trust: number;
}

export interface Submitted {
  intentId: string;
  tier: number;
  reason: number;
  misses: number;
  value: bigint;
  status: number;
  policyVersion: number;
  /** set for queued (supervised, collaborative) intents */
  pending?: PendingIntentStruct;
  gasUsed: bigint;
}

/** Submits an intent and reads the outcome (and the queued intent's fields) back from the receipt's events. */
export async function submitIntent(
  wallet: TierGuardWallet,
  key: Signer,
  args: { token: string; amount: bigint; recipient: string; category: number; justification?: string },
): Promise<Submitted> {
  const tx = await wallet
    .connect(key)
    .spend(args.token, args.amount, args.recipient, args.category, args.justification ?? "test payment");
  const receipt = (await tx.wait())!;
  return decodeSubmission(wallet, receipt);
}

/** The status an intent has right after `submit`, by tier. */
export const STATUS_AT_SUBMIT = [Status.Executed, Status.Queued, Status.AwaitingApproval, Status.Blocked];

/** Unpacks IntentSubmitted's `details` word (layout in the interface's NatSpec). */
export function decodeDetails(details: bigint) {
  const bits = (off: number, n: number) => Number((details >> BigInt(off)) & ((1n << BigInt(n)) - 1n));
  return {
    category: bits(0, 8),
    reason: bits(8, 8),
    misses: bits(16, 16),
    policyVersion: bits(32, 32),
    notBefore: bits(64, 40),
    deadline: bits(104, 40),
    tier: bits(144, 8),
    budgeted: bits(152, 1) === 1,
    trust: bits(156, 4),
    value: (details >> 160n) & ((1n << 64n) - 1n),
    budgetEpoch: bits(224, 24),
  };
}

export async function decodeSubmission(
  wallet: TierGuardWallet,
  receipt: { logs: readonly { topics: readonly string[]; data: string }[]; gasUsed: bigint; blockNumber: number },
): Promise<Submitted> {
  let out: Submitted | undefined;
  for (const log of receipt.logs) {
    const parsed = wallet.interface.parseLog(log as { topics: string[]; data: string });
    if (parsed?.name !== "IntentSubmitted") continue;
    const a = parsed.args;
    const d = decodeDetails(a.details);
    const tier = d.tier;
    const block = await wallet.runner!.provider!.getBlock(receipt.blockNumber);
    out = {
      intentId: a.intentId,
      tier,
      reason: d.reason,
      misses: d.misses,
      value: d.value,
      status: STATUS_AT_SUBMIT[tier],
      gasUsed: receipt.gasUsed,
      policyVersion: d.policyVersion,
      pending: {
        agentId: a.agentId,
        token: a.token,
        amount: a.amount,
        recipient: a.recipient,
        value: d.value,
        category: d.category,
        tier,
        submittedAt: block!.timestamp,
        notBefore: d.notBefore,
        deadline: d.deadline,
        policyVersion: d.policyVersion,
        budgetEpoch: d.budgetEpoch,
        trust: d.trust,
      },
    };
  }
  if (!out) throw new Error("no IntentSubmitted event in the receipt");
  if (out.status === Status.Executed || out.status === Status.Blocked) out.pending = undefined;
  return out;
}

/** Signs a collaborative intent's EIP-712 approval with each owner; sorted by signer. */
export async function signApprovals(
  wallet: TierGuardWallet,
  owners: Signer[],
  intentId: string,
  p: PendingIntentStruct,
): Promise<Signed[]> {
  const { chainId } = await wallet.runner!.provider!.getNetwork();
  const domain = { name: "TierGuardWallet", version: "1", chainId, verifyingContract: await wallet.getAddress() };
  const types = {
    Approval: [
      { name: "intentId", type: "bytes32" },
      { name: "token", type: "address" },
      { name: "amount", type: "uint256" },
      { name: "recipient", type: "address" },
      { name: "deadline", type: "uint256" },
    ],
  };
  const value = { intentId, token: p.token, amount: p.amount, recipient: p.recipient, deadline: p.deadline };
  return sortSigs(
    await Promise.all(
      owners.map(async (o) => ({
        signer: await o.getAddress(),
        signature: await o.signTypedData(domain, types, value),
      })),
    ),
  );
}

export interface ArticleDeployment {
  wallet: TierGuardWallet;
  usdc: MockERC20;
  eurc: MockERC20;
  eurFeed: MockPriceFeed;
  ethFeed: MockPriceFeed;
  owners: Signer[];
  agentKey: Signer;
  agentId: string;
  vendors: {
    embeddings: string;
    search: string;
    data: string;
    compute: string;
    analysisAgent: string;
    casino: string;
    stranger: string;
  };
  addr: (c: BaseContract) => Promise<string>;
}

/**
 * Deploys a 2-of-3 wallet, mock USDC (6 decimals, fixed 1.00), mock EURC (6 decimals, feed 1.08) and ETH
 * (feed 3000.00), applies the article's policy in one owner action, funds the wallet and grants one agent key.
 */
export async function deployArticle(hre: HardhatRuntimeEnvironment): Promise<ArticleDeployment> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const agentKey = signers[3];
  const [embeddings, search, data, compute, analysisAgent, casino, stranger] = signers
    .slice(10, 17)
    .map((s) => s.address);

  const wallet = (await ethers.deployContract("TierGuardWallet", [
    owners.map((o) => o.address),
    2,
  ])) as unknown as TierGuardWallet;
  const usdc = (await ethers.deployContract("MockERC20", ["Mock USD Coin", "USDC", 6])) as unknown as MockERC20;
  const eurc = (await ethers.deployContract("MockERC20", ["Mock Euro Coin", "EURC", 6])) as unknown as MockERC20;
  const eurFeed = (await ethers.deployContract("MockPriceFeed", [8, 108_000_000n])) as unknown as MockPriceFeed;
  const ethFeed = (await ethers.deployContract("MockPriceFeed", [8, 3000n * 10n ** 8n])) as unknown as MockPriceFeed;
  const addr = (c: BaseContract) => c.getAddress();

  const agentId = ethers.encodeBytes32String("procurement-agent-prod");
  const i = wallet.interface;
  const calls: string[] = [
    ...CATEGORIES.map((name, id) => i.encodeFunctionData("defineCategory", [id, ethers.encodeBytes32String(name)])),
    i.encodeFunctionData("setTierRules", [Tier.Autonomous, ARTICLE_RULES.autonomous]),
    i.encodeFunctionData("setTierRules", [Tier.Supervised, ARTICLE_RULES.supervised]),
    i.encodeFunctionData("setTierRules", [Tier.Collaborative, ARTICLE_RULES.collaborative]),
    i.encodeFunctionData("setProhibitions", [PROHIBITED_CATEGORIES, PROHIBITED_TRUST]),
    i.encodeFunctionData("setUnmatchedTier", [Tier.Collaborative]),
    i.encodeFunctionData("configureToken", [await addr(usdc), PriceKind.Fixed, 10n ** 18n, 0]),
    i.encodeFunctionData("configureToken", [await addr(eurc), PriceKind.Feed, BigInt(await addr(eurFeed)), HOUR]),
    i.encodeFunctionData("configureToken", [ethers.ZeroAddress, PriceKind.Feed, BigInt(await addr(ethFeed)), HOUR]),
    i.encodeFunctionData("setRecipientTrust", [embeddings, Trust.Verified]),
    i.encodeFunctionData("setRecipientTrust", [search, Trust.Verified]),
    i.encodeFunctionData("setRecipientTrust", [data, Trust.Known]),
    i.encodeFunctionData("setRecipientTrust", [compute, Trust.Known]),
    i.encodeFunctionData("setRecipientTrust", [analysisAgent, Trust.Known]),
    i.encodeFunctionData("grantSessionKey", [agentKey.address, agentId, 2n ** 40n - 1n]),
  ];
  await (await ownerAction(wallet, owners.slice(0, 2), calls)).wait();

  await (await usdc.mint(await addr(wallet), 1_000_000n * 10n ** 6n)).wait();
  await (await eurc.mint(await addr(wallet), 1_000_000n * 10n ** 6n)).wait();
  await (await owners[0].sendTransaction({ to: await addr(wallet), value: 100n * 10n ** 18n })).wait();

  return {
    wallet,
    usdc,
    eurc,
    eurFeed,
    ethFeed,
    owners,
    agentKey,
    agentId,
    vendors: { embeddings, search, data, compute, analysisAgent, casino, stranger },
    addr,
  };
}

/**
 * EIP-712 types of a session key's signed intent (`spendSigned`) for ethers. The SDK's `signedSpendTypes` are the
 * same fields; this CommonJS side cannot import the SDK (viem is ESM-only), and the contract tests check these
 * types against the wallet's `signedSpendDigest`, the SDK tests check the SDK's by paying with them.
 */
export const SIGNED_SPEND_TYPES = {
  SignedSpend: [
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "recipient", type: "address" },
    { name: "category", type: "uint8" },
    { name: "justification", type: "string" },
    { name: "idempotencyKey", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
};
