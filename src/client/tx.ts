/**
 * Internal: sending one wallet transaction (never retried) and waiting for its receipt (retried: safe), with
 * every failure decoded into a TierGuard error.
 */
import type { Account, Address, Chain, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { ContractError, decodeError, InvalidInputError, withRetry, type RetryOptions } from "./errors";

export type AnyWalletClient = WalletClient<Transport, Chain | undefined, Account | undefined>;

export interface TxContext {
  publicClient: PublicClient;
  walletClient: AnyWalletClient;
  wallet: Address;
  retry?: RetryOptions;
}

export function accountOf(walletClient: AnyWalletClient, role: string): Account {
  if (!walletClient.account)
    throw new InvalidInputError(
      "walletClient",
      `the ${role} wallet client has no account`,
      "Create it with `account`.",
    );
  return walletClient.account;
}

/** Sends `functionName(args)` to the wallet and waits for the receipt. Reverts come out as `ContractError`. */
export async function sendWalletTx(
  ctx: TxContext,
  functionName: string,
  args: readonly unknown[],
): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
  const account = accountOf(ctx.walletClient, "sending");
  let hash: Hex;
  try {
    hash = await ctx.walletClient.writeContract({
      address: ctx.wallet,
      abi: tierGuardWalletAbi,
      functionName,
      args,
      account,
      chain: ctx.walletClient.chain ?? ctx.publicClient.chain,
    } as never);
  } catch (e) {
    throw decodeError(e, functionName);
  }
  const receipt = await withRetry(() => ctx.publicClient.waitForTransactionReceipt({ hash }), ctx.retry);
  if (receipt.status === "reverted") {
    // Mined but reverted (e.g. state changed after gas estimation): replay it at its block to read the error.
    try {
      await ctx.publicClient.simulateContract({
        address: ctx.wallet,
        abi: tierGuardWalletAbi,
        functionName,
        args,
        account: account.address,
        blockNumber: receipt.blockNumber,
      } as never);
    } catch (e) {
      const err = decodeError(e, functionName);
      if (err instanceof ContractError) throw err;
    }
    throw new ContractError("Reverted", { txHash: hash }, { functionName });
  }
  return { hash, receipt };
}
