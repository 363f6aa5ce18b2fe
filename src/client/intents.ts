/**
 * Intent events: decoding `IntentSubmitted.details`, rebuilding a queued intent's `PendingIntent` from its
 * submission log, reading an intent's history and deriving its status.
 */
import {
  parseEventLogs,
  type Address,
  type Hex,
  type Log,
  type PublicClient,
  type TransactionReceipt,
  numberToHex,
  pad,
} from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { withRetry, type RetryOptions } from "./errors";

export const TIER_NAMES = ["autonomous", "supervised", "collaborative", "prohibited"] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** The contract's `Status` enum, by number. */
export const STATUS_NAMES = [
  "None",
  "Queued",
  "AwaitingApproval",
  "Executed",
  "Vetoed",
  "Rejected",
  "Expired",
  "Stale",
  "Refused",
  "Blocked",
] as const;
export type ContractStatusName = (typeof STATUS_NAMES)[number];

/** What an `IntentExpired` event's `status` says: `Stale` (not executed within the grace period) or `Expired`. */
export const expiryKind = (status: unknown): "stale" | "expired" =>
  Number(status) === STATUS_NAMES.indexOf("Stale") ? "stale" : "expired";

export const REASON_NAMES = [
  "Matched",
  "CategoryNotAllowed",
  "AmountAboveMax",
  "TrustTooLow",
  "FrequencyExceeded",
  "BudgetExceeded",
  "CategoryProhibited",
  "RecipientBlocked",
  "TrustProhibited",
  "NoTierMatched",
  "TooManyOpenIntents",
] as const;
export type ReasonName = (typeof REASON_NAMES)[number];

export const REFUSAL_NAMES = [
  "Paused",
  "TransferFailed",
  "RecipientBlocked",
  "TokenNotAccepted",
  "CategoryProhibited",
  "TrustProhibited",
  "AgentFrozen",
] as const;
export type RefusalName = (typeof REFUSAL_NAMES)[number];

/** What `authorize` reports right after submission, by tier. */
export const SUBMIT_STATUS = ["executed", "awaiting_veto_window", "awaiting_approval", "blocked"] as const;
export type SubmitStatus = (typeof SUBMIT_STATUS)[number];

/** Final outcomes of an intent. */
export type Decision = "executed" | "vetoed" | "rejected" | "expired" | "stale" | "refused" | "blocked";

/** A queued intent's fields, exactly as the wallet's `veto`/`approve`/`execute`/... expect them. */
export interface PendingIntent {
  agentId: Hex;
  token: Address;
  amount: bigint;
  recipient: Address;
  value: bigint;
  category: number;
  tier: number;
  submittedAt: number;
  notBefore: number;
  deadline: number;
  /** the policy version at submission (execution re-checks prohibitions when it changed) */
  policyVersion: number;
  /** the tier budget's window generation `value` was counted in (0 when not counted against a budget) */
  budgetEpoch: number;
  /** the recipient's trust at submission */
  trust: number;
}

export interface Details {
  category: number;
  reason: number;
  misses: number;
  policyVersion: number;
  notBefore: number;
  deadline: number;
  tier: number;
  budgeted: boolean;
  /** the recipient's trust at submission (queued intents only, else 0) */
  trust: number;
  value: bigint;
  /** the budget window generation the value was counted in (budgeted intents only, else 0) */
  budgetEpoch: number;
}

const bits = (x: bigint, from: number, width: number) => (x >> BigInt(from)) & ((1n << BigInt(width)) - 1n);

/** Unpacks `IntentSubmitted.details` (layout in ITierGuardWallet's NatSpec and docs/events.md). */
export function decodeDetails(d: bigint): Details {
  return {
    category: Number(bits(d, 0, 8)),
    reason: Number(bits(d, 8, 8)),
    misses: Number(bits(d, 16, 16)),
    policyVersion: Number(bits(d, 32, 32)),
    notBefore: Number(bits(d, 64, 40)),
    deadline: Number(bits(d, 104, 40)),
    tier: Number(bits(d, 144, 8)),
    budgeted: bits(d, 152, 1) === 1n,
    trust: Number(bits(d, 156, 4)),
    value: bits(d, 160, 64),
    budgetEpoch: Number(bits(d, 224, 24)),
  };
}

export interface Miss {
  tier: TierName;
  reason: ReasonName;
}

/** The tiers tried before the result and why each failed (empty when the first tier tried matched). */
export function decodeMisses(misses: number): Miss[] {
  const out: Miss[] = [];
  for (let t = 0; t < 3; t++) {
    const code = (misses >> (4 * t)) & 0xf;
    if (code !== 0) out.push({ tier: TIER_NAMES[t], reason: REASON_NAMES[code] ?? ("Unknown" as ReasonName) });
  }
  return out;
}

const NONCE_MASK = (1n << 40n) - 1n;
/** The agent's intent nonce, held in the id's last 5 bytes. */
export const nonceOf = (intentId: Hex): bigint => BigInt(intentId) & NONCE_MASK;
/** The agent id an intent id belongs to (its last 5 bytes cleared). */
export const agentOf = (intentId: Hex): Hex => pad(numberToHex(BigInt(intentId) & ~NONCE_MASK), { size: 32 });
/** The id of the agent's `nonce`-th intent (like the wallet's `intentIdFor`). */
export const intentIdFor = (agentId: Hex, nonce: bigint | number): Hex =>
  pad(numberToHex(BigInt(agentId) | (BigInt(nonce) & NONCE_MASK)), { size: 32 });

/** `aud-<yyyy-mm-dd>-<nonce>`: the block's UTC date and the agent's intent nonce. */
export function auditIdFor(intentId: Hex, blockTimestamp: number | bigint): string {
  const date = new Date(Number(blockTimestamp) * 1000).toISOString().slice(0, 10);
  return `aud-${date}-${nonceOf(intentId).toString()}`;
}

/** Decoded `IntentSubmitted` arguments. */
export interface SubmittedArgs {
  intentId: Hex;
  agentId: Hex;
  recipient: Address;
  key: Address;
  token: Address;
  amount: bigint;
  details: bigint;
  justification: string;
}

/** A queued intent's `PendingIntent` from its `IntentSubmitted` arguments and its block's timestamp. */
export function pendingIntentFrom(e: SubmittedArgs, submittedAt: number | bigint): PendingIntent {
  const d = decodeDetails(e.details);
  return {
    agentId: e.agentId,
    token: e.token,
    amount: e.amount,
    recipient: e.recipient,
    value: d.value,
    category: d.category,
    tier: d.tier,
    submittedAt: Number(submittedAt),
    notBefore: d.notBefore,
    deadline: d.deadline,
    policyVersion: d.policyVersion,
    budgetEpoch: d.budgetEpoch,
    trust: d.trust,
  };
}

/** One submission, decoded, with its block. */
export interface Submission {
  args: SubmittedArgs;
  details: Details;
  tier: TierName;
  blockNumber: bigint;
  blockTimestamp: number;
  txHash: Hex;
  /** set for queued (supervised, collaborative) intents */
  pending?: PendingIntent;
}

function submissionFrom(args: SubmittedArgs, blockNumber: bigint, blockTimestamp: number, txHash: Hex): Submission {
  const details = decodeDetails(args.details);
  const queued = details.tier === 1 || details.tier === 2;
  return {
    args,
    details,
    tier: TIER_NAMES[details.tier],
    blockNumber,
    blockTimestamp,
    txHash,
    pending: queued ? pendingIntentFrom(args, blockTimestamp) : undefined,
  };
}

const sameAddress = (a?: string | null, b?: string | null) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** The `IntentSubmitted` log of a `spend` receipt (reads the block for its timestamp). */
export async function submissionFromReceipt(
  publicClient: PublicClient,
  wallet: Address,
  receipt: TransactionReceipt,
  retry?: RetryOptions,
): Promise<Submission | undefined> {
  const logs = parseEventLogs({
    abi: tierGuardWalletAbi,
    eventName: "IntentSubmitted",
    logs: receipt.logs.filter((l) => sameAddress(l.address, wallet)),
  });
  const log = logs[0];
  if (!log) return undefined;
  const block = await withRetry(() => publicClient.getBlock({ blockNumber: receipt.blockNumber }), retry);
  return submissionFrom(
    log.args as SubmittedArgs,
    receipt.blockNumber,
    Number(block.timestamp),
    receipt.transactionHash,
  );
}

/** Finds an intent's `IntentSubmitted` log by id (undefined if no intent has this id). */
export async function findSubmission(
  publicClient: PublicClient,
  wallet: Address,
  intentId: Hex,
  opts: { fromBlock?: bigint; retry?: RetryOptions } = {},
): Promise<Submission | undefined> {
  const logs = await withRetry(
    () =>
      publicClient.getContractEvents({
        address: wallet,
        abi: tierGuardWalletAbi,
        eventName: "IntentSubmitted",
        args: { intentId },
        fromBlock: opts.fromBlock ?? 0n,
        toBlock: "latest",
      }),
    opts.retry,
  );
  const log = logs[0];
  if (!log || log.blockNumber === null || log.transactionHash === null) return undefined;
  const block = await withRetry(() => publicClient.getBlock({ blockNumber: log.blockNumber! }), opts.retry);
  return submissionFrom(log.args as SubmittedArgs, log.blockNumber, Number(block.timestamp), log.transactionHash);
}

/** Every `IntentSubmitted` log of the wallet (optionally of one agent), decoded; block timestamps read once per block. */
export async function listSubmissions(
  publicClient: PublicClient,
  wallet: Address,
  opts: { fromBlock?: bigint; agentId?: Hex; retry?: RetryOptions } = {},
): Promise<Submission[]> {
  const logs = await withRetry(
    () =>
      publicClient.getContractEvents({
        address: wallet,
        abi: tierGuardWalletAbi,
        eventName: "IntentSubmitted",
        args: opts.agentId ? { agentId: opts.agentId } : undefined,
        fromBlock: opts.fromBlock ?? 0n,
        toBlock: "latest",
      }),
    opts.retry,
  );
  const times = new Map<bigint, Promise<number>>();
  const timeOf = (n: bigint) => {
    let t = times.get(n);
    if (!t) {
      t = withRetry(() => publicClient.getBlock({ blockNumber: n }), opts.retry).then((b) => Number(b.timestamp));
      times.set(n, t);
    }
    return t;
  };
  return Promise.all(
    logs
      .filter((l) => l.blockNumber !== null && l.transactionHash !== null)
      .map(async (l) =>
        submissionFrom(l.args as SubmittedArgs, l.blockNumber!, await timeOf(l.blockNumber!), l.transactionHash!),
      ),
  );
}

/** The lifecycle events after submission, decoded. */
export type LifecycleEvent = ReturnType<typeof parseLifecycle>[number];

const LIFECYCLE = [
  "IntentVetoed",
  "IntentApproved",
  "IntentRejected",
  "IntentExecuted",
  "IntentExpired",
  "IntentRefused",
] as const;

function parseLifecycle(logs: Log[]) {
  return parseEventLogs({ abi: tierGuardWalletAbi, logs, strict: true }).filter((l) =>
    (LIFECYCLE as readonly string[]).includes(l.eventName),
  );
}

/**
 * Lifecycle logs of the wallet, all intents or one (every lifecycle event indexes `intentId` as its first topic,
 * so one topic filter returns an intent's whole history).
 */
export async function lifecycleLogs(
  publicClient: PublicClient,
  wallet: Address,
  opts: { intentId?: Hex; fromBlock?: bigint; retry?: RetryOptions } = {},
) {
  const raw = await withRetry(
    () =>
      publicClient.request({
        method: "eth_getLogs",
        params: [
          {
            address: wallet,
            fromBlock: numberToHex(opts.fromBlock ?? 0n),
            toBlock: "latest",
            topics: opts.intentId ? [null, opts.intentId] : [],
          },
        ],
      }),
    opts.retry,
  );
  return parseLifecycle(raw as unknown as Log[]);
}

/** The final decision among an intent's lifecycle logs, if any. */
export function decisionFrom(
  events: LifecycleEvent[],
  intentId?: Hex,
): { decision: Decision; event: LifecycleEvent } | undefined {
  for (const ev of events) {
    if (intentId && (ev.args as { intentId: Hex }).intentId.toLowerCase() !== intentId.toLowerCase()) continue;
    switch (ev.eventName) {
      case "IntentExecuted":
        return { decision: "executed", event: ev };
      case "IntentVetoed":
        return { decision: "vetoed", event: ev };
      case "IntentRejected":
        return { decision: "rejected", event: ev };
      case "IntentExpired":
        return { decision: ev.args.status === 7 ? "stale" : "expired", event: ev };
      case "IntentRefused":
        if (ev.args.closed) return { decision: "refused", event: ev };
        break;
      default:
        break;
    }
  }
  return undefined;
}

/** The wallet's `intentStatus` (stored status of a waiting intent; `None` once decided or never queued). */
export async function readIntentStatus(
  publicClient: PublicClient,
  wallet: Address,
  intentId: Hex,
  retry?: RetryOptions,
): Promise<ContractStatusName> {
  const s = await withRetry(
    () =>
      publicClient.readContract({
        address: wallet,
        abi: tierGuardWalletAbi,
        functionName: "intentStatus",
        args: [intentId],
      }),
    retry,
  );
  return STATUS_NAMES[s] ?? "None";
}

/** Outcome of a call that may pay a queued intent (`execute`, `approve`, `approveBySignatures`). */
export interface SettleResult {
  txHash: Hex;
  executed: boolean;
  /** set when the payment was refused (`closed`: the intent is closed for good) */
  refusal?: { reason: RefusalName; closed: boolean; budgetReleased: bigint };
}

export function settleResultFrom(receipt: TransactionReceipt, wallet: Address): SettleResult {
  const events = parseLifecycle(receipt.logs.filter((l) => sameAddress(l.address, wallet)) as Log[]);
  const result: SettleResult = { txHash: receipt.transactionHash, executed: false };
  for (const ev of events) {
    if (ev.eventName === "IntentExecuted") result.executed = true;
    if (ev.eventName === "IntentRefused")
      result.refusal = {
        reason: REFUSAL_NAMES[ev.args.refusal],
        closed: ev.args.closed,
        budgetReleased: ev.args.budgetReleased,
      };
  }
  return result;
}

/**
 * Finds submissions by intent id, caching them (a submission never changes). `remember` adds one the caller
 * already decoded (e.g. from its own `spend` receipt).
 */
export function createIntentResolver(
  publicClient: PublicClient,
  wallet: Address,
  opts: { fromBlock?: bigint; retry?: RetryOptions } = {},
) {
  const cache = new Map<string, Submission>();
  return {
    remember(s: Submission) {
      cache.set(s.args.intentId.toLowerCase(), s);
    },
    async get(intentId: Hex): Promise<Submission | undefined> {
      const hit = cache.get(intentId.toLowerCase());
      if (hit) return hit;
      const s = await findSubmission(publicClient, wallet, intentId, opts);
      if (s) cache.set(intentId.toLowerCase(), s);
      return s;
    },
  };
}
export type IntentResolver = ReturnType<typeof createIntentResolver>;
