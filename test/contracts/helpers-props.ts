/**
 * Helpers shared by the adversarial and property-based contract tests.
 * Built on scripts/lib/article.ts (which is owned elsewhere and not modified here).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer, Interface } from "ethers";
import type { TierGuardWallet, MockERC20, MockPriceFeed } from "../../typechain-types";
import { SIGNED_SPEND_TYPES } from "../../scripts/lib/article";
import {
  ARTICLE_RULES,
  CATEGORIES,
  HOUR,
  PROHIBITED_CATEGORIES,
  PROHIBITED_TRUST,
  PriceKind,
  Tier,
  Trust,
  sortSigs,
  type ArticleDeployment,
  type PendingIntentStruct,
  type Signed,
} from "../../scripts/lib/article";

/** An owner-action deadline far in the future (well past any time travel the tests do). */
export const FAR_DEADLINE = 2n ** 40n - 1n;

/** EIP-712 domain of a wallet, optionally with another chain id (to forge cross-chain signatures). */
export async function domainOf(wallet: TierGuardWallet, chainId?: bigint) {
  const net = await wallet.runner!.provider!.getNetwork();
  return {
    name: "TierGuardWallet",
    version: "1",
    chainId: chainId ?? net.chainId,
    verifyingContract: await wallet.getAddress(),
  };
}

export const OWNER_ACTION_TYPES = {
  OwnerAction: [
    { name: "calls", type: "bytes[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export const APPROVAL_TYPES = {
  Approval: [
    { name: "intentId", type: "bytes32" },
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "recipient", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
};

type Domain = Awaited<ReturnType<typeof domainOf>>;

/** Signs an owner action over an explicit domain and nonce (sorted by signer). */
export async function signOwnerActionWith(
  domain: Domain,
  signers: Signer[],
  calls: string[],
  nonce: bigint,
  deadline: bigint = FAR_DEADLINE,
): Promise<Signed[]> {
  const value = { calls, nonce, deadline };
  return sortSigs(
    await Promise.all(
      signers.map(async (s) => ({
        signer: await s.getAddress(),
        signature: await s.signTypedData(domain, OWNER_ACTION_TYPES, value),
      })),
    ),
  );
}

/** Signs a collaborative intent's approval over an explicit domain (sorted by signer). */
export async function signApprovalsWith(
  domain: Domain,
  signers: Signer[],
  intentId: string,
  p: PendingIntentStruct,
): Promise<Signed[]> {
  const value = { intentId, token: p.token, amount: p.amount, recipient: p.recipient, deadline: p.deadline };
  return sortSigs(
    await Promise.all(
      signers.map(async (s) => ({
        signer: await s.getAddress(),
        signature: await s.signTypedData(domain, APPROVAL_TYPES, value),
      })),
    ),
  );
}

/** Runs an owner action with a far deadline; `from` sends the transaction (default: the wallet's runner). */
export async function runOwnerAction(
  wallet: TierGuardWallet,
  signers: Signer[],
  calls: string[],
  opts: { from?: Signer; nonce?: bigint; deadline?: bigint } = {},
) {
  const deadline = opts.deadline ?? FAR_DEADLINE;
  const nonce = opts.nonce ?? (await wallet.ownerNonce());
  const sigs = await signOwnerActionWith(await domainOf(wallet), signers, calls, nonce, deadline);
  const w = opts.from ? wallet.connect(opts.from) : wallet;
  return (await w.ownerAction(calls, deadline, sigs)).wait();
}

/** The custom error name in a thrown transaction error, decoded with the given interfaces. */
export function revertName(e: unknown, ...ifaces: Interface[]): string {
  const data = findRevertData(e);
  if (!data || data === "0x") return `no-data: ${String((e as Error)?.message ?? e).slice(0, 200)}`;
  for (const i of ifaces) {
    try {
      const parsed = i.parseError(data);
      if (parsed) return parsed.name;
    } catch {
      /* try the next interface */
    }
  }
  return `unknown(${data.slice(0, 10)})`;
}

function findRevertData(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (x: unknown): string | undefined => {
    if (!x || typeof x !== "object" || seen.has(x)) return undefined;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
    for (const k of ["error", "info", "cause"]) {
      const r = walk(o[k]);
      if (r) return r;
    }
    return undefined;
  };
  return walk(e);
}

/** The selector-level decoded error of raw revert bytes. */
export function decodeRevertData(data: string, ...ifaces: Interface[]): string {
  for (const i of ifaces) {
    try {
      const parsed = i.parseError(data);
      if (parsed) return parsed.name;
    } catch {
      /* next */
    }
  }
  return `unknown(${data.slice(0, 10)})`;
}

/**
 * Deploys a second wallet with the same owners, threshold, tokens, feeds, policy and agent key as an article
 * deployment (a "twin"), funded the same way. Intents submitted on both get the same ids (same agentId and nonce).
 */
export async function deployTwin(hre: HardhatRuntimeEnvironment, d: ArticleDeployment): Promise<TierGuardWallet> {
  const { ethers } = hre;
  const ownerAddrs = await Promise.all(d.owners.map((o) => o.getAddress()));
  const twin = (await ethers.deployContract("TierGuardWallet", [ownerAddrs, 2])) as unknown as TierGuardWallet;
  const i = twin.interface;
  const v = d.vendors;
  const calls: string[] = [
    ...CATEGORIES.map((name, id) => i.encodeFunctionData("defineCategory", [id, ethers.encodeBytes32String(name)])),
    i.encodeFunctionData("setTierRules", [Tier.Autonomous, ARTICLE_RULES.autonomous]),
    i.encodeFunctionData("setTierRules", [Tier.Supervised, ARTICLE_RULES.supervised]),
    i.encodeFunctionData("setTierRules", [Tier.Collaborative, ARTICLE_RULES.collaborative]),
    i.encodeFunctionData("setProhibitions", [PROHIBITED_CATEGORIES, PROHIBITED_TRUST]),
    i.encodeFunctionData("setUnmatchedTier", [Tier.Collaborative]),
    i.encodeFunctionData("configureToken", [await d.usdc.getAddress(), PriceKind.Fixed, 10n ** 18n, 0]),
    i.encodeFunctionData("configureToken", [
      await d.eurc.getAddress(),
      PriceKind.Feed,
      BigInt(await d.eurFeed.getAddress()),
      HOUR,
    ]),
    i.encodeFunctionData("configureToken", [
      ethers.ZeroAddress,
      PriceKind.Feed,
      BigInt(await d.ethFeed.getAddress()),
      HOUR,
    ]),
    i.encodeFunctionData("setRecipientTrust", [v.embeddings, Trust.Verified]),
    i.encodeFunctionData("setRecipientTrust", [v.search, Trust.Verified]),
    i.encodeFunctionData("setRecipientTrust", [v.data, Trust.Known]),
    i.encodeFunctionData("setRecipientTrust", [v.compute, Trust.Known]),
    i.encodeFunctionData("setRecipientTrust", [v.analysisAgent, Trust.Known]),
    i.encodeFunctionData("grantSessionKey", [await d.agentKey.getAddress(), d.agentId, 2n ** 40n - 1n]),
  ];
  await runOwnerAction(twin, d.owners.slice(0, 2), calls);
  const twinAddr = await twin.getAddress();
  await (await (d.usdc as MockERC20).mint(twinAddr, 1_000_000n * 10n ** 6n)).wait();
  await (await (d.eurc as MockERC20).mint(twinAddr, 1_000_000n * 10n ** 6n)).wait();
  await (await d.owners[0].sendTransaction({ to: twinAddr, value: 100n * 10n ** 18n })).wait();
  return twin;
}

/** Refreshes a mock feed's answer (so that time travel does not make it stale). */
export async function refreshFeed(feed: MockPriceFeed, answer: bigint) {
  await (await feed.setAnswer(answer)).wait();
}

/** A plain-object snapshot of the agent's counters (for deep equality). */
export async function agentSnapshot(wallet: TierGuardWallet, agentId: string) {
  const a = await wallet.agentState(agentId);
  return {
    start0: a.start0,
    count0: a.count0,
    start1: a.start1,
    count1: a.count1,
    start2: a.start2,
    count2: a.count2,
    nonce: a.nonce,
  };
}

/** Rules with one field changed (the article's rules as the base). */
export function withRules(
  tier: "autonomous" | "supervised" | "collaborative",
  patch: Partial<(typeof ARTICLE_RULES)["autonomous"]>,
) {
  return { ...ARTICLE_RULES[tier], ...patch };
}

/** Sets the next block's timestamp. */
export async function setNextTs(hre: HardhatRuntimeEnvironment, ts: number) {
  await hre.network.provider.send("evm_setNextBlockTimestamp", [ts]);
}

export async function latestTs(hre: HardhatRuntimeEnvironment): Promise<number> {
  const b = await hre.ethers.provider.getBlock("latest");
  return b!.timestamp;
}

export interface SignedSpendValue {
  token: string;
  amount: bigint;
  recipient: string;
  category: number;
  justification: string;
  idempotencyKey: string;
  deadline: bigint;
}

/** A session key's EIP-712 signature over a signed intent for `wallet`. */
export async function signSpend(wallet: TierGuardWallet, key: Signer, value: SignedSpendValue): Promise<string> {
  return key.signTypedData(await domainOf(wallet), SIGNED_SPEND_TYPES, value);
}

export { SIGNED_SPEND_TYPES };
