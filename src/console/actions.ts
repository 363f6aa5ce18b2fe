/**
 * What the browser wallet is asked to sign or send. The console never holds a key: it prepares the EIP-712
 * `Approval` (for eth_signTypedData_v4) and the transactions' calldata (for eth_sendTransaction from the
 * owner's own wallet); the wallet contract checks everything again.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { approvalTypedData, approvalTypes, toContractSignatures } from "../client/signing";
import type { IntentTrail } from "../indexer";
import type { CollectedSignature } from "./signatures";

export type TxAction = "veto" | "reject" | "execute" | "expire" | "submit" | "pause";

export interface PreparedTx {
  to: Address;
  data: Hex;
  /** what the transaction does, for the confirmation text */
  summary: string;
}

/** The `Approval` typed data as eth_signTypedData_v4 takes it (JSON: numbers as decimal strings). */
export function approvalRequest(p: { chainId: number; wallet: Address; trail: IntentTrail }) {
  const td = approvalTypedData({ chainId: p.chainId, wallet: p.wallet, intentId: p.trail.intentId, intent: p.trail.pending! });
  return {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      ...approvalTypes,
    },
    domain: td.domain,
    primaryType: td.primaryType,
    message: {
      ...td.message,
      amount: td.message.amount.toString(),
      deadline: td.message.deadline.toString(),
    },
  };
}

/** Calldata for an intent action (the trail must be a waiting one: its `pending` struct is passed back). */
export function intentTx(p: {
  wallet: Address;
  action: Exclude<TxAction, "pause">;
  trail: IntentTrail;
  signatures?: readonly CollectedSignature[];
}): PreparedTx {
  const { trail } = p;
  const intent = trail.pending!;
  const id = trail.intentId;
  const data =
    p.action === "submit"
      ? encodeFunctionData({
          abi: tierGuardWalletAbi,
          functionName: "approveBySignatures",
          args: [id, intent, toContractSignatures(p.signatures ?? [])],
        })
      : encodeFunctionData({ abi: tierGuardWalletAbi, functionName: p.action, args: [id, intent] });
  const summary =
    p.action === "submit"
      ? `submit ${p.signatures?.length ?? 0} owner approval signature(s) for intent ${id}: pays it if M are in`
      : `${p.action} intent ${id}`;
  return { to: p.wallet, data, summary };
}

export const pauseTx = (wallet: Address): PreparedTx => ({
  to: wallet,
  data: encodeFunctionData({ abi: tierGuardWalletAbi, functionName: "pause" }),
  summary: "pause all agent spending and executions (unpausing needs M owners)",
});
