/**
 * Audit trails rebuilt from stored logs alone: one record per intent, from its `IntentSubmitted` (agent, key,
 * token, amount, value, recipient, category, justification, tier, reason, misses, policy version) through
 * queueing, owner approvals and its decision (executed, vetoed, rejected, expired, stale, refused, blocked),
 * each step with its transaction, block, log index and time. Logs are re-decoded from their stored topics and
 * data with the wallet's ABI, so the trail's values have their exact types (bigints, numbers).
 */
import { decodeEventLog, toEventSelector, type AbiEvent, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import {
  REASON_NAMES,
  expiryKind,
  REFUSAL_NAMES,
  TIER_NAMES,
  decodeDetails,
  decodeMisses,
  pendingIntentFrom,
  type Miss,
  type PendingIntent,
  type ReasonName,
  type RefusalName,
  type SubmittedArgs,
  type TierName,
} from "../../client/intents";
import { IndexerDecodeError } from "../errors";
import type { Store, StoredLog } from "../store/types";

/** Where a step happened. */
export interface LogRef {
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  /** block timestamp, unix seconds */
  timestamp: number;
}

export const TRAIL_STATUSES = [
  "queued",
  "awaiting_approval",
  "executed",
  "vetoed",
  "rejected",
  "expired",
  "stale",
  "refused",
  "blocked",
] as const;
export type TrailStatus = (typeof TRAIL_STATUSES)[number];

export type TrailStep = LogRef &
  (
    | { kind: "submitted" }
    | { kind: "queued"; status: "queued" | "awaiting_approval" }
    | { kind: "approved"; owner: Address }
    | { kind: "approvals_voided"; removedOwner: Address }
    | { kind: "executed"; by: Address | null }
    | { kind: "vetoed"; by: Address; budgetReleased: bigint }
    | { kind: "rejected"; by: Address; budgetReleased: bigint }
    | { kind: "expired" | "stale"; budgetReleased: bigint }
    | { kind: "refused"; refusal: RefusalName; closed: boolean; budgetReleased: bigint }
    | { kind: "blocked" }
  );

export interface Approval extends LogRef {
  owner: Address;
  /** voided by a later owner removal while the intent was open */
  voided: boolean;
}

export interface IntentTrail {
  intentId: Hex;
  agentId: Hex;
  /** false when the trail has lifecycle events but no stored `IntentSubmitted` (sync started after it) */
  complete: boolean;
  submitted?: LogRef & {
    key: Address;
    token: Address;
    amount: bigint;
    recipient: Address;
    value: bigint;
    budgeted: boolean;
    category: number;
    justification: string;
    tier: TierName;
    reason: ReasonName;
    misses: Miss[];
    policyVersion: number;
    notBefore: number;
    deadline: number;
  };
  /** queued intents: the struct owners and executors pass back */
  pending?: PendingIntent;
  /** submitted with `spendIdempotent` or `spendSigned`: the agent's idempotency key (`IdempotencyKeyRecorded`) */
  idempotencyKey?: Hex;
  /** with an idempotency key: the transaction's caller, the session key itself or a relayer of a signed intent */
  submittedBy?: Address;
  tier?: TierName;
  status?: TrailStatus;
  /** true once the status is final */
  decided: boolean;
  decision?: TrailStep;
  approvals: Approval[];
  steps: TrailStep[];
}

const LIFECYCLE = new Set([
  "IntentSubmitted",
  "IntentVetoed",
  "IntentApproved",
  "IntentRejected",
  "IntentExecuted",
  "IntentExpired",
  "IntentRefused",
]);

const NONCE_MASK = (1n << 40n) - 1n;
const agentOf = (intentId: Hex): Hex => `0x${(BigInt(intentId) & ~NONCE_MASK).toString(16).padStart(64, "0")}`;

/** The stored log fields a trail is built from (the decoded `args` are not needed: the log is decoded again). */
export type TrailLog = Pick<StoredLog, "event" | "txHash" | "blockNumber" | "logIndex" | "timestamp" | "topics" | "data">;

/** Each event's ABI item by its topic: decoding then hashes one event signature, not every one of the ABI's. */
const EVENT_BY_TOPIC = new Map<string, readonly [AbiEvent]>(
  tierGuardWalletAbi.filter((x): x is AbiEvent & (typeof tierGuardWalletAbi)[number] => x.type === "event").map((e) => [toEventSelector(e), [e]]),
);

function decode(l: TrailLog) {
  try {
    return decodeEventLog({
      abi: (EVENT_BY_TOPIC.get(String(l.topics[0]).toLowerCase()) ?? tierGuardWalletAbi) as typeof tierGuardWalletAbi,
      data: l.data,
      topics: l.topics as [Hex, ...Hex[]],
      strict: true,
    });
  } catch (e) {
    throw new IndexerDecodeError({ transactionHash: l.txHash, logIndex: l.logIndex, blockNumber: l.blockNumber }, e);
  }
}

/**
 * Builds trails from logs in chain order (the wallet's logs as `Store.logs` returns them). `OwnerRemoved` logs,
 * when present, void the approvals of intents open at that moment.
 */
export function buildTrails(logs: readonly TrailLog[]): IntentTrail[] {
  const trails = new Map<string, IntentTrail>();
  const get = (intentId: Hex) => {
    const k = intentId.toLowerCase();
    let t = trails.get(k);
    if (!t) {
      t = { intentId, agentId: agentOf(intentId), complete: false, decided: false, approvals: [], steps: [] };
      trails.set(k, t);
    }
    return t;
  };
  const decide = (t: IntentTrail, step: TrailStep, status: TrailStatus) => {
    t.steps.push(step);
    t.status = status;
    t.decided = true;
    t.decision = step;
  };

  for (const l of logs) {
    if (!LIFECYCLE.has(l.event) && l.event !== "OwnerRemoved" && l.event !== "IdempotencyKeyRecorded") continue;
    const ev = decode(l);
    const at: LogRef = { txHash: l.txHash, blockNumber: l.blockNumber, logIndex: l.logIndex, timestamp: l.timestamp };
    switch (ev.eventName) {
      case "IntentSubmitted": {
        const a = ev.args as SubmittedArgs;
        const t = get(a.intentId);
        const d = decodeDetails(a.details);
        const tier = TIER_NAMES[d.tier];
        t.complete = true;
        t.agentId = a.agentId;
        t.tier = tier;
        t.submitted = {
          ...at,
          key: a.key,
          token: a.token,
          amount: a.amount,
          recipient: a.recipient,
          value: d.value,
          budgeted: d.budgeted,
          category: d.category,
          justification: a.justification,
          tier,
          reason: REASON_NAMES[d.reason] ?? ("Unknown" as ReasonName),
          misses: decodeMisses(d.misses),
          policyVersion: d.policyVersion,
          notBefore: d.notBefore,
          deadline: d.deadline,
        };
        t.steps.push({ ...at, kind: "submitted" });
        if (d.tier === 0) decide(t, { ...at, kind: "executed", by: null }, "executed");
        else if (d.tier === 3) decide(t, { ...at, kind: "blocked" }, "blocked");
        else {
          const status = d.tier === 1 ? "queued" : "awaiting_approval";
          t.pending = pendingIntentFrom(a, l.timestamp);
          t.status = status;
          t.steps.push({ ...at, kind: "queued", status });
        }
        break;
      }
      case "IdempotencyKeyRecorded": {
        const t = get(ev.args.intentId);
        t.idempotencyKey = ev.args.idempotencyKey;
        t.submittedBy = ev.args.submittedBy;
        break;
      }
      case "IntentApproved": {
        const t = get(ev.args.intentId);
        t.approvals.push({ ...at, owner: ev.args.owner, voided: false });
        t.steps.push({ ...at, kind: "approved", owner: ev.args.owner });
        break;
      }
      case "IntentExecuted":
        decide(get(ev.args.intentId), { ...at, kind: "executed", by: ev.args.by }, "executed");
        break;
      case "IntentVetoed":
        decide(
          get(ev.args.intentId),
          { ...at, kind: "vetoed", by: ev.args.by, budgetReleased: ev.args.budgetReleased },
          "vetoed",
        );
        break;
      case "IntentRejected":
        decide(
          get(ev.args.intentId),
          { ...at, kind: "rejected", by: ev.args.by, budgetReleased: ev.args.budgetReleased },
          "rejected",
        );
        break;
      case "IntentExpired": {
        const kind = expiryKind(ev.args.status);
        decide(get(ev.args.intentId), { ...at, kind, budgetReleased: ev.args.budgetReleased }, kind);
        break;
      }
      case "IntentRefused": {
        const t = get(ev.args.intentId);
        const step: TrailStep = {
          ...at,
          kind: "refused",
          refusal: REFUSAL_NAMES[ev.args.refusal] ?? ("Unknown" as RefusalName),
          closed: ev.args.closed,
          budgetReleased: ev.args.budgetReleased,
        };
        if (ev.args.closed) decide(t, step, "refused");
        else t.steps.push(step);
        break;
      }
      case "OwnerRemoved":
        for (const t of trails.values()) {
          if (t.decided || t.approvals.every((a) => a.voided)) continue;
          for (const a of t.approvals) a.voided = true;
          t.steps.push({ ...at, kind: "approvals_voided", removedOwner: ev.args.owner });
        }
        break;
      default:
        break;
    }
  }
  return [...trails.values()];
}

/** Rebuilds every intent's trail from the store (or one intent's: `intentId`). */
export async function loadTrails(store: Store, wallet: Address, opts: { intentId?: Hex } = {}): Promise<IntentTrail[]> {
  if (opts.intentId) {
    const [own, removals] = await Promise.all([
      store.logs(wallet, { intentId: opts.intentId }),
      store.logs(wallet, { events: ["OwnerRemoved"] }),
    ]);
    const merged = [...own, ...removals].sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
    return buildTrails(merged);
  }
  return buildTrails(await store.logs(wallet, { events: [...LIFECYCLE, "OwnerRemoved"] }));
}

/** One intent's trail, or undefined if the store has no log of it. */
export async function loadTrail(store: Store, wallet: Address, intentId: Hex): Promise<IntentTrail | undefined> {
  return (await loadTrails(store, wallet, { intentId })).find((t) => t.intentId.toLowerCase() === intentId.toLowerCase());
}
