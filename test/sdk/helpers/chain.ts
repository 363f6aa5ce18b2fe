/**
 * Shared fixtures for SDK tests against the `hardhat node` started by the global setup: viem clients, the
 * node's well-known accounts as local (signing) accounts, contract deployment, snapshots.
 */
import { inject } from "vitest";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type HDAccount,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../../../src/abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../../../src/abi/MockERC20";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../../src/abi/MockPriceFeed";

/** Hardhat's default development mnemonic: its accounts are funded with 10,000 ETH on a `hardhat node`. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const account = (i: number): HDAccount => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i });

export function clients(url: string = inject("rpcUrl")) {
  const transport = http(url);
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 50 });
  const testClient = createTestClient({ chain: hardhat, mode: "hardhat", transport });
  const walletFor = (a: HDAccount | PrivateKeyAccount) => createWalletClient({ chain: hardhat, transport, account: a });
  return { url, transport, publicClient, testClient, walletFor };
}

export type Clients = ReturnType<typeof clients>;

async function deploy(c: Clients, abi: readonly unknown[], bytecode: Hex, args: readonly unknown[], from = account(0)) {
  const hash = await c.walletFor(from).deployContract({ abi, bytecode, args } as never);
  const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("deployment produced no contract address");
  return receipt.contractAddress;
}

export const deployWallet = (c: Clients, owners: Address[], threshold: number) =>
  deploy(c, tierGuardWalletAbi, tierGuardWalletBytecode, [owners, threshold]);
export const deployToken = (c: Clients, name: string, symbol: string, decimals: number) =>
  deploy(c, mockErc20Abi, mockErc20Bytecode, [name, symbol, decimals]);
export const deployFeed = (c: Clients, decimals: number, answer: bigint) =>
  deploy(c, mockPriceFeedAbi, mockPriceFeedBytecode, [decimals, answer]);

/** Takes a snapshot; the returned function reverts to it. */
export async function snapshot(c: Clients) {
  const id = await c.testClient.snapshot();
  return () => c.testClient.revert({ id });
}
