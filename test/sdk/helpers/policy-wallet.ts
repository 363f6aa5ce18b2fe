/**
 * A fresh wallet configured from examples/policy.yaml (the article's policy) on the test node: 2-of-3 owners
 * (accounts 0-2), mock USDC and EURC minted to it, a EUR/USD feed, and the agent "procurement-agent-prod"
 * holding a session key (account 3).
 */
import path from "node:path";
import type { Address } from "viem";
import { mockErc20Abi } from "../../../src/abi/MockERC20";
import { applyPolicy } from "../../../src/policy/apply";
import { loadPolicyFile } from "../../../src/policy/load";
import { createOwnerClient, ownerCalls } from "../../../src/client/owner";
import { account, deployFeed, deployToken, deployWallet, type Clients } from "./chain";
import { ROOT } from "./build";

export interface PolicyWallet {
  wallet: Address;
  usdc: Address;
  eurc: Address;
  feed: Address;
  fromBlock: bigint;
}

export const AGENT_NAME = "procurement-agent-prod";
export const agentKey = account(3);
export const owners = [account(0), account(1), account(2)];
/** recipients of examples/policy.yaml */
export const VENDORS = {
  embeddings: "0xBcd4042DE499D14e55001CcbB24a551F3b954096",
  compute: "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec",
  analysisAgent: "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097",
  casino: "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199",
} as const;

/** `opts.usdc`: a token already deployed to use as the policy's USDC (e.g. an EIP-3009 one); minted the same way. */
export async function deployPolicyWallet(c: Clients, opts: { usdc?: Address } = {}): Promise<PolicyWallet> {
  const fromBlock = (await c.publicClient.getBlockNumber()) + 1n;
  const wallet = await deployWallet(c, owners.map((o) => o.address), 2);
  const usdc = opts.usdc ?? (await deployToken(c, "Mock USD Coin", "USDC", 6));
  const eurc = await deployToken(c, "Mock Euro Coin", "EURC", 6);
  const feed = await deployFeed(c, 8, 108_000_000n);
  for (const token of [usdc, eurc]) {
    const hash = await c.walletFor(owners[0]).writeContract({ address: token, abi: mockErc20Abi, functionName: "mint", args: [wallet, 1_000_000n * 10n ** 6n] });
    await c.publicClient.waitForTransactionReceipt({ hash });
  }
  const policy = await loadPolicyFile(path.join(ROOT, "examples/policy.yaml"), { vars: { USDC: usdc, EURC: eurc, EURC_USD_FEED: feed } });
  const owner = createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(owners[0]), wallet, fromBlock });
  const signers = [c.walletFor(owners[0]), c.walletFor(owners[1])];
  await applyPolicy({ publicClient: c.publicClient, owner, policy, signers });
  const now = Number((await c.publicClient.getBlock()).timestamp);
  await owner.applyCalls([ownerCalls.grantSessionKey(agentKey.address, AGENT_NAME, now + 30 * 86_400)], signers);
  return { wallet, usdc, eurc, feed, fromBlock };
}
