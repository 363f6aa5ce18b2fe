/**
 * The article's scenario on a fresh wallet (as in indexer.test.ts), for the follow, API and fault tests: a 2-of-3
 * wallet with the article's policy and mock USDC, then five intents (autonomous executed, supervised executed
 * after its window, supervised vetoed, collaborative approved by two owners, prohibited blocked), and optionally
 * `extra` more intents (a mix of autonomous, supervised (every other one vetoed) and prohibited).
 */
import { encodeFunctionData, stringToHex, type Address, type Hex } from "viem";
import { account, clients, deployToken, deployWallet, type Clients } from "./chain";
import { tierGuardWalletAbi } from "../../../src/abi/TierGuardWallet";
import { mockErc20Abi } from "../../../src/abi/MockERC20";
import { createAgentClient, createOwnerClient, type AgentClient, type OwnerClient } from "../../../src/client";
import { CATEGORIES, mask, Tier, Trust, RULES } from "./article";
export { CATEGORIES } from "./article";

export const AGENT_ID = stringToHex("procurement-agent-prod", { size: 32 });
const call = (functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);

export interface Scenario {
  c: Clients;
  wallet: Address;
  usdc: Address;
  /** first block after the node's state before the wallet's deployment */
  fromBlock: bigint;
  /** head once the scenario ran */
  endBlock: bigint;
  ids: Record<"emb" | "gpu" | "gpu2" | "hire" | "bet", Hex>;
  extraIds: Hex[];
  owners: ReturnType<typeof account>[];
  agentClient(): AgentClient;
  ownerClient(i: number): OwnerClient;
}

/** The article's wallet, configured and funded, before any intent: 2-of-3 owners, mock USDC, one agent key. */
export interface ArticleWallet {
  c: Clients;
  wallet: Address;
  usdc: Address;
  /** first block after the node's state before the wallet's deployment */
  fromBlock: bigint;
  owners: ReturnType<typeof account>[];
  recipients: Record<"embeddings" | "compute" | "analysisAgent" | "casino", Address>;
  agentClient(): AgentClient;
  ownerClient(i: number): OwnerClient;
}

export async function setupArticleWallet(): Promise<ArticleWallet> {
  const c = clients();
  const owners = [account(0), account(1), account(2)];
  const agentKey = account(3);
  const [embeddings, compute, analysisAgent, casino] = [10, 13, 14, 15].map((i) => account(i).address);
  const fromBlock = (await c.publicClient.getBlockNumber()) + 1n;
  const wallet = await deployWallet(
    c,
    owners.map((o) => o.address),
    2,
  );
  const usdc = await deployToken(c, "Mock USD Coin", "USDC", 6);
  const ownerClient = (i: number): OwnerClient =>
    createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(account(i)), wallet });
  const agentClient = (): AgentClient =>
    createAgentClient({
      publicClient: c.publicClient,
      walletClient: c.walletFor(agentKey),
      wallet,
      token: usdc,
      pollingInterval: 50,
    });
  const mintHash = await c.walletFor(account(0)).writeContract({
    address: usdc,
    abi: mockErc20Abi,
    functionName: "mint",
    args: [wallet, 1_000_000n * 10n ** 6n],
  } as never);
  await c.publicClient.waitForTransactionReceipt({ hash: mintHash });
  await ownerClient(0).applyCalls(
    [
      ...CATEGORIES.map((name, id) => call("defineCategory", [id, stringToHex(name, { size: 32 })])),
      call("setTierRules", [Tier.Autonomous, RULES.autonomous]),
      call("setTierRules", [Tier.Supervised, RULES.supervised]),
      call("setTierRules", [Tier.Collaborative, RULES.collaborative]),
      call("setProhibitions", [mask("gambling", "unverified_agents", "sanctioned_jurisdictions"), 1 << Trust.Unknown]),
      call("setUnmatchedTier", [Tier.Collaborative]),
      call("configureToken", [usdc, 1, 10n ** 18n, 0]),
      call("setRecipientTrust", [embeddings, Trust.Verified]),
      call("setRecipientTrust", [compute, Trust.Known]),
      call("setRecipientTrust", [analysisAgent, Trust.Known]),
      call("grantSessionKey", [agentKey.address, AGENT_ID, 2 ** 40 - 1]),
    ],
    owners.slice(0, 2).map((o) => c.walletFor(o)),
  );
  return {
    c,
    wallet,
    usdc,
    fromBlock,
    owners,
    recipients: { embeddings, compute, analysisAgent, casino },
    agentClient,
    ownerClient,
  };
}

export async function runArticleScenario(opts: { extra?: number } = {}): Promise<Scenario> {
  const { c, wallet, usdc, fromBlock, owners, recipients, agentClient, ownerClient } = await setupArticleWallet();
  const { embeddings, compute, analysisAgent, casino } = recipients;
  const agent = agentClient();
  const ids = {} as Scenario["ids"];
  ids.emb = (
    await agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "embed docs" })
  ).intentId;
  ids.gpu = (
    await agent.authorize({ amount: "47.00", category: "compute", recipient: compute, justification: "GPU hours" })
  ).intentId;
  ids.gpu2 = (
    await agent.authorize({ amount: "12.00", category: "compute", recipient: compute, justification: "more GPU" })
  ).intentId;
  await ownerClient(1).veto(ids.gpu2);
  await c.testClient.increaseTime({ seconds: 31 });
  await c.testClient.mine({ blocks: 1 });
  await agent.execute(ids.gpu);
  ids.hire = (
    await agent.authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire the analysis agent for the Q3 report",
    })
  ).intentId;
  const sigs = [await ownerClient(2).signApproval(ids.hire), await ownerClient(1).signApproval(ids.hire)];
  const approved = await ownerClient(0).submitApprovals(ids.hire, sigs);
  if (!approved.executed) throw new Error("the collaborative intent was not executed");
  ids.bet = (
    await agent.authorize({ amount: "10.00", category: "gambling", recipient: casino, justification: "feeling lucky" })
  ).intentId;

  const extraIds: Hex[] = [];
  for (let i = 0; i < (opts.extra ?? 0); i++) {
    const kind = i % 3;
    const r =
      kind === 0
        ? await agent.authorize({ amount: "0.01", category: "embeddings", recipient: embeddings, justification: `emb ${i}` })
        : kind === 1
          ? await agent.authorize({ amount: "1.00", category: "compute", recipient: compute, justification: `gpu ${i}` })
          : await agent.authorize({ amount: "2.00", category: "gambling", recipient: casino, justification: `bet ${i}` });
    extraIds.push(r.intentId);
    if (kind === 1 && i % 2 === 0) await ownerClient(2).veto(r.intentId);
  }
  const endBlock = await c.publicClient.getBlockNumber();
  return { c, wallet, usdc, fromBlock, endBlock, ids, extraIds, owners, agentClient, ownerClient };
}
