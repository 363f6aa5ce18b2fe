/**
 * The wallet side of an x402 payment: submitting an EIP-3009 authorization to the wallet (`authorizeX402`, by the
 * agent's session key), reading where a recorded authorization stands, and releasing an expired one's budget.
 */
import { getAddress, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { withRetry, type RetryOptions } from "../client/errors";
import {
  decodeMisses,
  REASON_NAMES,
  submissionFromReceipt,
  SUBMIT_STATUS,
  type Miss,
  type PendingIntent,
  type ReasonName,
  type SubmitStatus,
  type TierName,
} from "../client/intents";
import { sendWalletTx, type TxContext } from "../client/tx";
import { InvalidInputError } from "../client/errors";

/** An EIP-3009 TransferWithAuthorization from the wallet (`from` is always the wallet). */
export interface X402Authorization {
  token: Address;
  to: Address;
  /** in the token's smallest unit */
  value: bigint;
  /** unix seconds, exclusive */
  validAfter: bigint;
  /** unix seconds, exclusive */
  validBefore: bigint;
  nonce: Hex;
}

/** What the wallet decided for an x402 authorization. */
export interface X402Submission {
  intentId: Hex;
  tier: TierName;
  status: SubmitStatus;
  reason: ReasonName;
  misses: Miss[];
  /** value in reference units (6 decimals) */
  value: bigint;
  /** the EIP-712 digest the wallet recorded (undefined when blocked) */
  digest?: Hex;
  authorization: X402Authorization;
  /**
   * What the token passes to the wallet's `isValidSignature`: the intent id (32 bytes). Valid at once for an
   * autonomous payment, after execution for a queued one, never for a blocked one.
   */
  signature: Hex;
  txHash: Hex;
  /** queued intents: its fields, for veto / approve / execute */
  pending?: PendingIntent;
}

export type X402RecordStatus = "none" | "pending" | "authorized";
const X402_STATUS = ["none", "pending", "authorized"] as const;

export function toAuthorizationArgs(a: X402Authorization) {
  return {
    token: getAddress(a.token),
    to: getAddress(a.to),
    value: a.value,
    validAfter: a.validAfter,
    validBefore: a.validBefore,
    nonce: a.nonce,
  };
}

/**
 * Submits an x402 authorization to the wallet with the agent's session key: the wallet classifies it like `spend`,
 * counts it and records its digest (unless prohibited).
 */
export async function submitX402Authorization(
  ctx: TxContext,
  auth: X402Authorization,
  category: number,
  justification: string,
): Promise<X402Submission> {
  const { hash, receipt } = await sendWalletTx(ctx, "authorizeX402", [
    toAuthorizationArgs(auth),
    category,
    justification,
  ]);
  const sub = await submissionFromReceipt(ctx.publicClient, ctx.wallet, receipt, ctx.retry);
  if (!sub)
    throw new InvalidInputError("wallet", `transaction ${hash} emitted no IntentSubmitted event from ${ctx.wallet}`);
  const [recorded] = parseEventLogs({
    abi: tierGuardWalletAbi,
    eventName: "X402AuthorizationRecorded",
    logs: receipt.logs.filter((l) => l.address.toLowerCase() === ctx.wallet.toLowerCase()),
  });
  const d = sub.details;
  return {
    intentId: sub.args.intentId,
    tier: sub.tier,
    status: SUBMIT_STATUS[d.tier],
    reason: REASON_NAMES[d.reason],
    misses: decodeMisses(d.misses),
    value: d.value,
    digest: recorded?.args.digest,
    authorization: auth,
    signature: sub.args.intentId,
    txHash: hash,
    pending: sub.pending,
  };
}

/** Where a recorded authorization stands in the wallet ("none" once released, or if never recorded). */
export async function readX402Record(
  publicClient: PublicClient,
  wallet: Address,
  digest: Hex,
  retry?: RetryOptions,
): Promise<{ status: X402RecordStatus; validBefore: number }> {
  const r = await withRetry(
    () => publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "x402Record", args: [digest] }),
    retry,
  );
  return { status: X402_STATUS[r.status] ?? "none", validBefore: r.validBefore };
}

/** Gives an expired, unsettled authorization's budget back (anyone may send it). Returns the value released. */
export async function releaseX402Authorization(ctx: TxContext, intentId: Hex, auth: X402Authorization): Promise<bigint> {
  const { receipt } = await sendWalletTx(ctx, "releaseX402", [intentId, toAuthorizationArgs(auth)]);
  const [released] = parseEventLogs({ abi: tierGuardWalletAbi, eventName: "X402AuthorizationReleased", logs: receipt.logs });
  return released?.args.budgetReleased ?? 0n;
}
