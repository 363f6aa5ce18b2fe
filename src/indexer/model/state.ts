/**
 * The wallet's state at any block, rebuilt from stored logs alone (docs/events.md, "Rebuilding state"): owners
 * (in slot order) and threshold, guardians, pause, session keys, recipients' trust, accepted tokens and their
 * pricing, categories, tier rules, budget configuration, prohibitions, the unmatched tier, auto-promotion, the
 * policy version, and the intents that still wait (Queued / AwaitingApproval) with their on-chain approvals.
 * Plus the configuration history: every configuration event with where and when it happened, the policy
 * version it belongs to and the owner action that made it.
 *
 * Logs are re-decoded from their stored topics and data with the wallet's ABI, so values have their exact types.
 * State that changes on every payment and is in no event (budget windows, agents' frequency counters) is not
 * rebuilt: read it from the views.
 */
import { decodeEventLog, hexToString, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { TIER_NAMES, decodeDetails, expiryKind, pendingIntentFrom, type PendingIntent, type SubmittedArgs } from "../../client/intents";
import { IndexerDecodeError, IndexerStoreError } from "../errors";
import type { BudgetConfig, TierRules } from "../../policy/compile";
import type { Store, StoredLog } from "../store/types";
import type { LogRef, TrailStatus } from "./trail";

/** Tier names for display, capitalised: the one list is `TIER_NAMES`. */
export const TIERS: readonly string[] = TIER_NAMES.map((t) => t[0].toUpperCase() + t.slice(1));
export const TRUST_NAMES = ["Unknown", "Known", "Verified", "Blocked"] as const;
export const PRICE_KINDS = ["None", "Fixed", "Feed"] as const;

/** A tier's rules and budget as the contract stores them: one definition, the policy compiler's. */
export type { BudgetConfig } from "../../policy/compile";
export type TierRulesConfig = TierRules;

export interface TokenConfigState {
  kind: number;
  decimals: number;
  priceDecimals: number;
  maxStaleness: number;
  source: bigint;
}

export interface SessionKeyState {
  key: Address;
  agentId: Hex;
  /** unix seconds, exclusive: the key works while the block time is below it (expiry emits no event) */
  validUntil: number;
  granted: LogRef;
}

export interface IntentState {
  intentId: Hex;
  agentId: Hex;
  /** -1 when the store has no `IntentSubmitted` for it (the sync started later) */
  tier: number;
  /** false when the store has lifecycle events of the intent but not its submission: its status is unknown */
  complete: boolean;
  /** what `intentStatus(intentId)` returns: 1 Queued, 2 AwaitingApproval, 0 None (decided or never stored) */
  contractStatus: 0 | 1 | 2;
  /** the outcome so far, as the events say */
  status: TrailStatus;
  /** owners whose approval currently counts (what `approvals(intentId)` returns), in approval order */
  approvals: Address[];
  /** waiting intents: the struct callers pass back */
  pending?: PendingIntent;
  submitted?: LogRef;
  /** the agent's idempotency key, when submitted with one (`IdempotencyKeyRecorded`) */
  idempotencyKey?: Hex;
  /**
   * x402 payments (`authorizeX402`): the EIP-3009 authorization the wallet recorded. For these, "executed" means
   * authorized: the token moves when the API's facilitator settles it (or never: then `released` is set).
   */
  x402?: { digest: Hex; nonce: Hex; validAfter: bigint; validBefore: bigint; released?: { budgetReleased: bigint; log: LogRef } };
}

/** The wallet's state as of the end of block `blockNumber`. Addresses are checksummed as the logs decode them. */
export interface WalletState {
  wallet: Address;
  blockNumber: bigint;
  /** the last applied log (undefined: no log at or below the block) */
  lastLog?: LogRef & { event: string };
  logsApplied: number;
  /** owners in slot order (as `owners()` lists them) */
  owners: Address[];
  ownerSlots: { owner: Address; slot: number }[];
  threshold: number;
  guardians: Address[];
  /** every address a `GuardianSet` named, enabled or not */
  guardiansSeen: Address[];
  paused: boolean;
  /** granted and not revoked (expired keys included: expiry emits no event) */
  sessionKeys: SessionKeyState[];
  /** every key ever granted */
  keysSeen: Address[];
  /** recipients whose trust is not Unknown (as `recipientList()`) */
  recipients: { recipient: Address; trust: number }[];
  /** every recipient a `RecipientTrustSet` named */
  recipientsSeen: Address[];
  tokens: { token: Address; config: TokenConfigState }[];
  tokensSeen: Address[];
  /** defined categories; `name` is the raw bytes32, `label` the decoded string */
  categories: { id: number; name: Hex; label: string }[];
  /** Autonomous, Supervised, Collaborative */
  tierRules: [TierRulesConfig, TierRulesConfig, TierRulesConfig];
  /** Autonomous, Supervised, Collaborative */
  budgets: [BudgetConfig, BudgetConfig, BudgetConfig];
  prohibitions: { categories: bigint; trustMask: number };
  unmatchedTier: number;
  autoPromote: boolean;
  /** most open (queued) intents per agent (a new wallet: 64) */
  maxOpenIntents: number;
  /** most blocked attempts per agent per 24 hours, 0 = no cap (a new wallet: 100) */
  maxBlockedAttempts: number;
  /** agents frozen by an owner and not unfrozen since */
  frozenAgents: Hex[];
  policyVersion: number;
  /** every intent seen, in submission order */
  intents: IntentState[];
  /** intents still waiting on-chain (contractStatus Queued / AwaitingApproval) */
  waiting: IntentState[];
}

/** Events that change the configuration (owners, guardians, pause, policy, keys) or audit owner actions. */
export const CONFIG_EVENTS = [
  "OwnerActionExecuted",
  "OwnerAdded",
  "OwnerRemoved",
  "ThresholdChanged",
  "GuardianSet",
  "Paused",
  "Unpaused",
  "PolicyVersionChanged",
  "CategoryDefined",
  "CategoryRemoved",
  "TierRulesSet",
  "BudgetSet",
  "ProhibitionsSet",
  "UnmatchedTierSet",
  "AutoPromoteSet",
  "MaxOpenIntentsSet",
  "MaxBlockedAttemptsSet",
  "TokenConfigured",
  "TokenRemoved",
  "RecipientTrustSet",
  "SessionKeyGranted",
  "SessionKeyRevoked",
  "AgentFrozen",
  "AgentUnfrozen",
] as const;
export type ConfigEventName = (typeof CONFIG_EVENTS)[number];

/**
 * The configuration events that change the policy, the owners, the threshold or the guardians (what a
 * `policy_changed` alert reports). The others are owner-action envelopes, pauses, recipient trust and session
 * keys, which have records (and alerts) of their own.
 */
export const POLICY_CHANGE_EVENTS: readonly ConfigEventName[] = CONFIG_EVENTS.filter(
  (e) =>
    ![
      "OwnerActionExecuted",
      "Paused",
      "Unpaused",
      "RecipientTrustSet",
      "SessionKeyGranted",
      "SessionKeyRevoked",
      "AgentFrozen",
      "AgentUnfrozen",
    ].includes(e),
);

/** The intent lifecycle events. */
export const INTENT_EVENTS = [
  "IntentSubmitted",
  "IntentVetoed",
  "IntentApproved",
  "IntentRejected",
  "IntentExecuted",
  "IntentExpired",
  "IntentRefused",
] as const;

/** The x402 payment events (docs/events.md, "x402 payments"): they annotate intents, never change their status. */
export const X402_EVENTS = ["X402AuthorizationRecorded", "X402AuthorizationReleased"] as const;

/** One configuration event of `configHistory()`. */
export interface ConfigChange extends LogRef {
  event: ConfigEventName;
  /** the policy version this change belongs to: the event's own for policy events, else the one in force */
  policyVersion: number;
  /** true for policy events (they carry a version); false for owners, guardians, pause, keys, owner actions */
  policy: boolean;
  /** RecipientTrustSet only: auto-promotion after an approved payment (no version bump) */
  automatic?: boolean;
  /** the owner action whose transaction made the change (undefined: a single-owner call such as pause or revoke) */
  ownerAction?: { nonce: bigint; signers: Address[]; actionHash: Hex };
  /** the decoded event arguments */
  args: Record<string, unknown>;
  /** one line in words, e.g. "tier Supervised rules set" */
  summary: string;
}

const ZERO_RULES = (): TierRulesConfig => ({
  categories: 0n,
  maxValue: 0n,
  maxCount: 0,
  period: 0,
  window: 0,
  grace: 0,
  minTrust: 0,
});

export const categoryLabel = (name: Hex): string => {
  try {
    return hexToString(name, { size: 32 }).replace(/\0+$/, "");
  } catch {
    return name;
  }
};

type Decoded = { eventName: string; args: Record<string, unknown> };

export function decodeStoredLog(l: StoredLog): Decoded {
  try {
    const d = decodeEventLog({
      abi: tierGuardWalletAbi,
      data: l.data,
      topics: l.topics as [Hex, ...Hex[]],
      strict: true,
    });
    return { eventName: d.eventName as string, args: (d.args ?? {}) as Record<string, unknown> };
  } catch (e) {
    throw new IndexerDecodeError({ transactionHash: l.txHash, logIndex: l.logIndex, blockNumber: l.blockNumber }, e);
  }
}

const ref = (l: StoredLog): LogRef => ({
  txHash: l.txHash,
  blockNumber: l.blockNumber,
  logIndex: l.logIndex,
  timestamp: l.timestamp,
});
const key = (a: string) => a.toLowerCase();
const inOrder = (a: StoredLog, b: StoredLog) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;

/**
 * Replays `logs` (a wallet's logs; sorted here into chain order) up to and including block `blockNumber`
 * (default: all of them) and returns the state then. A wallet starts unpaused at policy version 0 with
 * unmatched intents prohibited and nothing else configured; its deployment emits the initial owners and threshold.
 */
export function buildState(logs: readonly StoredLog[], opts: { wallet: Address; blockNumber?: bigint }): WalletState {
  const sorted = [...logs].filter((l) => opts.blockNumber === undefined || l.blockNumber <= opts.blockNumber);
  sorted.sort(inOrder);

  const slots = new Map<number, Address>();
  let threshold = 0;
  const guardians = new Map<string, { address: Address; enabled: boolean }>();
  const actors = new Map<string, Address>();
  let paused = false;
  const keys = new Map<string, SessionKeyState>();
  const keysSeen = new Map<string, Address>();
  const trust = new Map<string, { recipient: Address; trust: number }>();
  const tokens = new Map<string, { token: Address; config: TokenConfigState }>();
  const tokensSeen = new Map<string, Address>();
  const categories = new Map<number, Hex>();
  const tierRules: WalletState["tierRules"] = [ZERO_RULES(), ZERO_RULES(), ZERO_RULES()];
  const budgets: WalletState["budgets"] = [
    { max: 0n, period: 0 },
    { max: 0n, period: 0 },
    { max: 0n, period: 0 },
  ];
  let prohibitions = { categories: 0n, trustMask: 0 };
  let unmatchedTier = 3;
  let autoPromote = false;
  let maxOpenIntents = 64;
  let maxBlockedAttempts = 100;
  const frozen = new Map<string, Hex>();
  let policyVersion = 0;
  const intents = new Map<string, IntentState>();
  const intent = (id: Hex): IntentState => {
    let t = intents.get(key(id));
    if (!t) {
      // lifecycle events without a stored submission (sync started later): known, state unknown
      t = {
        intentId: id,
        agentId: `0x${(BigInt(id) & ~((1n << 40n) - 1n)).toString(16).padStart(64, "0")}` as Hex,
        tier: -1,
        complete: false,
        contractStatus: 0,
        status: "queued",
        approvals: [],
      };
      intents.set(key(id), t);
    }
    return t;
  };
  const close = (t: IntentState, status: TrailStatus) => {
    t.contractStatus = 0;
    t.status = status;
    t.approvals = [];
  };
  const version = (v: unknown) => {
    const n = Number(v);
    if (n > policyVersion) policyVersion = n;
  };

  let lastLog: WalletState["lastLog"];
  for (const l of sorted) {
    const { eventName, args: a } = decodeStoredLog(l);
    lastLog = { ...ref(l), event: eventName };
    switch (eventName) {
      case "OwnerAdded":
        slots.set(Number(a.index), a.owner as Address);
        break;
      case "OwnerRemoved":
        slots.delete(Number(a.index));
        // every on-chain approval made before a removal is void, on every intent
        for (const t of intents.values()) if (t.contractStatus !== 0) t.approvals = [];
        break;
      case "ThresholdChanged":
        threshold = Number(a.threshold);
        break;
      case "GuardianSet":
        guardians.set(key(a.guardian as string), { address: a.guardian as Address, enabled: a.enabled as boolean });
        break;
      case "Paused":
        paused = true;
        actors.set(key(a.by as string), a.by as Address);
        break;
      case "Unpaused":
        paused = false;
        break;
      case "PolicyVersionChanged":
        policyVersion = Number(a.policyVersion);
        break;
      case "CategoryDefined":
        categories.set(Number(a.category), a.name as Hex);
        version(a.policyVersion);
        break;
      case "CategoryRemoved":
        categories.delete(Number(a.category));
        version(a.policyVersion);
        break;
      case "TierRulesSet": {
        const r = a.rules as TierRulesConfig;
        const t = Number(a.tier);
        if (t < 3) {
          tierRules[t] = {
            categories: BigInt(r.categories),
            maxValue: BigInt(r.maxValue),
            maxCount: Number(r.maxCount),
            period: Number(r.period),
            window: Number(r.window),
            grace: Number(r.grace),
            minTrust: Number(r.minTrust),
          };
        }
        version(a.policyVersion);
        break;
      }
      case "BudgetSet": {
        const t = Number(a.tier);
        const max = BigInt(a.max as bigint);
        // max = 0 deletes the budget: its period goes with it
        if (t < 3) budgets[t] = max === 0n ? { max: 0n, period: 0 } : { max, period: Number(a.period) };
        version(a.policyVersion);
        break;
      }
      case "ProhibitionsSet":
        prohibitions = { categories: BigInt(a.categories as bigint), trustMask: Number(a.trustMask) };
        version(a.policyVersion);
        break;
      case "UnmatchedTierSet":
        unmatchedTier = Number(a.tier);
        version(a.policyVersion);
        break;
      case "AutoPromoteSet":
        autoPromote = a.enabled as boolean;
        version(a.policyVersion);
        break;
      case "MaxOpenIntentsSet":
        maxOpenIntents = Number(a.maxOpenIntents);
        version(a.policyVersion);
        break;
      case "MaxBlockedAttemptsSet":
        maxBlockedAttempts = Number(a.maxBlockedAttempts);
        version(a.policyVersion);
        break;
      case "AgentFrozen":
        frozen.set(key(a.agentId as string), a.agentId as Hex);
        actors.set(key(a.by as string), a.by as Address);
        break;
      case "AgentUnfrozen":
        frozen.delete(key(a.agentId as string));
        break;
      case "TokenConfigured": {
        const c = a.config as TokenConfigState;
        tokensSeen.set(key(a.token as string), a.token as Address);
        tokens.set(key(a.token as string), {
          token: a.token as Address,
          config: {
            kind: Number(c.kind),
            decimals: Number(c.decimals),
            priceDecimals: Number(c.priceDecimals),
            maxStaleness: Number(c.maxStaleness),
            source: BigInt(c.source),
          },
        });
        version(a.policyVersion);
        break;
      }
      case "TokenRemoved":
        tokensSeen.set(key(a.token as string), a.token as Address);
        tokens.delete(key(a.token as string));
        version(a.policyVersion);
        break;
      case "RecipientTrustSet": {
        const k = key(a.recipient as string);
        const level = Number(a.trust);
        trust.delete(k); // re-added at the end: the latest change last
        trust.set(k, { recipient: a.recipient as Address, trust: level });
        if (!a.automatic) version(a.policyVersion);
        break;
      }
      case "SessionKeyGranted":
        keysSeen.set(key(a.key as string), a.key as Address);
        keys.set(key(a.key as string), {
          key: a.key as Address,
          agentId: a.agentId as Hex,
          validUntil: Number(a.validUntil),
          granted: ref(l),
        });
        break;
      case "SessionKeyRevoked":
        keysSeen.set(key(a.key as string), a.key as Address);
        keys.delete(key(a.key as string));
        break;
      case "IntentSubmitted": {
        const s = a as unknown as SubmittedArgs;
        const d = decodeDetails(s.details);
        const t = intent(s.intentId);
        t.agentId = s.agentId;
        t.tier = d.tier;
        t.complete = true;
        t.submitted = ref(l);
        t.approvals = [];
        if (d.tier === 1 || d.tier === 2) {
          t.contractStatus = d.tier as 1 | 2;
          t.status = d.tier === 1 ? "queued" : "awaiting_approval";
          t.pending = pendingIntentFrom(s, l.timestamp);
        } else {
          close(t, d.tier === 0 ? "executed" : "blocked");
        }
        break;
      }
      case "IdempotencyKeyRecorded":
        intent(a.intentId as Hex).idempotencyKey = a.idempotencyKey as Hex;
        break;
      case "IntentApproved": {
        const t = intent(a.intentId as Hex);
        if (!t.approvals.some((o) => key(o) === key(a.owner as string))) t.approvals.push(a.owner as Address);
        break;
      }
      case "IntentExecuted":
        close(intent(a.intentId as Hex), "executed");
        break;
      case "IntentVetoed":
        actors.set(key(a.by as string), a.by as Address);
        close(intent(a.intentId as Hex), "vetoed");
        break;
      case "IntentRejected":
        close(intent(a.intentId as Hex), "rejected");
        break;
      case "IntentExpired":
        close(intent(a.intentId as Hex), expiryKind(a.status));
        break;
      case "IntentRefused":
        if (a.closed) close(intent(a.intentId as Hex), "refused");
        break;
      case "X402AuthorizationRecorded":
        intent(a.intentId as Hex).x402 = {
          digest: a.digest as Hex,
          nonce: a.nonce as Hex,
          validAfter: BigInt(a.validAfter as bigint),
          validBefore: BigInt(a.validBefore as bigint),
        };
        break;
      case "X402AuthorizationReleased": {
        const x = intent(a.intentId as Hex).x402;
        if (x) x.released = { budgetReleased: BigInt(a.budgetReleased as bigint), log: ref(l) };
        break;
      }
      default:
        break; // Deposited, Withdrawn, OwnerActionExecuted: no configuration state
    }
  }

  const slotList = [...slots.entries()].sort((x, y) => x[0] - y[0]);
  const intentList = [...intents.values()];
  for (const t of intentList) if (t.contractStatus === 0) delete t.pending;
  return {
    wallet: opts.wallet,
    blockNumber: opts.blockNumber ?? sorted.at(-1)?.blockNumber ?? 0n,
    lastLog,
    logsApplied: sorted.length,
    owners: slotList.map(([, o]) => o),
    ownerSlots: slotList.map(([slot, owner]) => ({ owner, slot })),
    threshold,
    guardians: [...guardians.values()].filter((g) => g.enabled).map((g) => g.address),
    guardiansSeen: [
      ...new Map([...[...guardians.entries()].map(([k, g]) => [k, g.address] as const), ...actors.entries()]).values(),
    ],
    paused,
    sessionKeys: [...keys.values()],
    keysSeen: [...keysSeen.values()],
    recipients: [...trust.values()].filter((r) => r.trust !== 0),
    recipientsSeen: [...trust.values()].map((r) => r.recipient),
    tokens: [...tokens.values()],
    tokensSeen: [...tokensSeen.values()],
    categories: [...categories.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([id, name]) => ({ id, name, label: categoryLabel(name) })),
    tierRules,
    budgets,
    prohibitions,
    unmatchedTier,
    autoPromote,
    maxOpenIntents,
    maxBlockedAttempts,
    frozenAgents: [...frozen.values()],
    policyVersion,
    intents: intentList,
    waiting: intentList.filter((t) => t.contractStatus !== 0),
  };
}

/**
 * The wallet's state as of the end of block `blockNumber` (default: the store's checkpoint), from the store's
 * logs alone. Asking beyond the checkpoint is an error: later logs are not stored yet.
 */
export async function loadState(
  store: Store,
  wallet: Address,
  opts: { blockNumber?: bigint } = {},
): Promise<WalletState> {
  const checkpoint = await store.getCheckpoint(wallet);
  const blockNumber = opts.blockNumber ?? checkpoint?.blockNumber;
  if (blockNumber === undefined) {
    throw new IndexerStoreError(`the store has no checkpoint for ${wallet}`, {
      fix: "Sync the wallet (syncOnce) before reading its state, or give blockNumber.",
    });
  }
  if (!checkpoint || blockNumber > checkpoint.blockNumber) {
    throw new IndexerStoreError(
      `the store is synced up to block ${checkpoint?.blockNumber ?? "none"}, not ${blockNumber}`,
      { fix: "Sync further first, or ask for a block at or below the checkpoint." },
    );
  }
  const logs = await store.logs(wallet, {
    toBlock: blockNumber,
    events: [...CONFIG_EVENTS, ...INTENT_EVENTS, ...X402_EVENTS],
  });
  return buildState(logs, { wallet, blockNumber });
}

const TRUST = (n: number) => TRUST_NAMES[n] ?? `trust ${n}`;
const TIER = (n: number) => TIERS[n] ?? `tier ${n}`;
const usdOf = (v: bigint) => {
  const s = v.toString().padStart(7, "0");
  return `${s.slice(0, -6)}.${s.slice(-6).replace(/0{1,4}$/, "")}`;
};

function summarize(event: ConfigEventName, a: Record<string, unknown>): string {
  switch (event) {
    case "OwnerActionExecuted":
      return `owner action #${a.nonce} signed by ${(a.signers as Address[]).join(", ")}`;
    case "OwnerAdded":
      return `owner ${a.owner} added (slot ${a.index})`;
    case "OwnerRemoved":
      return `owner ${a.owner} removed (slot ${a.index}); open approvals voided`;
    case "ThresholdChanged":
      return `threshold set to ${a.threshold}`;
    case "GuardianSet":
      return `guardian ${a.guardian} ${a.enabled ? "enabled" : "disabled"}`;
    case "Paused":
      return `paused by ${a.by}`;
    case "Unpaused":
      return "unpaused";
    case "PolicyVersionChanged":
      return `policy version ${a.policyVersion}`;
    case "CategoryDefined":
      return `category ${a.category} defined as "${categoryLabel(a.name as Hex)}"`;
    case "CategoryRemoved":
      return `category ${a.category} removed`;
    case "TierRulesSet": {
      const r = a.rules as TierRulesConfig;
      return `tier ${TIER(Number(a.tier))} rules set: categories 0x${BigInt(r.categories).toString(16)}, max ${usdOf(
        BigInt(r.maxValue),
      )}, ${r.maxCount} per ${r.period}s, window ${r.window}s, grace ${r.grace}s, min trust ${TRUST(Number(r.minTrust))}`;
    }
    case "BudgetSet":
      return BigInt(a.max as bigint) === 0n
        ? `tier ${TIER(Number(a.tier))} budget removed`
        : `tier ${TIER(Number(a.tier))} budget ${usdOf(BigInt(a.max as bigint))} per ${a.period}s`;
    case "ProhibitionsSet":
      return `prohibited categories 0x${BigInt(a.categories as bigint).toString(16)}, trust mask ${a.trustMask}`;
    case "UnmatchedTierSet":
      return `unmatched intents go to ${TIER(Number(a.tier))}`;
    case "AutoPromoteSet":
      return `auto-promotion ${a.enabled ? "on" : "off"}`;
    case "MaxOpenIntentsSet":
      return `at most ${a.maxOpenIntents} open intents per agent`;
    case "MaxBlockedAttemptsSet":
      return Number(a.maxBlockedAttempts) === 0
        ? "no cap on blocked attempts"
        : `at most ${a.maxBlockedAttempts} blocked attempts per agent per 24 hours`;
    case "AgentFrozen":
      return `agent ${a.agentId} frozen by ${a.by}: ${a.keysRevoked} keys revoked, ${a.intentsVoided} queued intents voided`;
    case "AgentUnfrozen":
      return `agent ${a.agentId} unfrozen`;
    case "TokenConfigured": {
      const c = a.config as TokenConfigState;
      return `token ${a.token} accepted (${PRICE_KINDS[Number(c.kind)] ?? c.kind} price, ${c.decimals} decimals)`;
    }
    case "TokenRemoved":
      return `token ${a.token} removed`;
    case "RecipientTrustSet":
      return `recipient ${a.recipient} trust ${TRUST(Number(a.trust))}${a.automatic ? " (auto-promoted)" : ""}`;
    case "SessionKeyGranted":
      return `session key ${a.key} granted to agent ${a.agentId} until ${a.validUntil}`;
    case "SessionKeyRevoked":
      return `session key ${a.key} of agent ${a.agentId} revoked by ${a.by}`;
  }
}

const CONFIG_SET = new Set<string>(CONFIG_EVENTS);

/** Lists the configuration events of `logs` in chain order (see `configHistory`). */
export function buildConfigHistory(logs: readonly StoredLog[]): ConfigChange[] {
  const sorted = [...logs].filter((l) => CONFIG_SET.has(l.event)).sort(inOrder);
  const out: ConfigChange[] = [];
  let version = 0;
  let action: { txHash: string; nonce: bigint; signers: Address[]; actionHash: Hex } | undefined;
  for (const l of sorted) {
    const { eventName, args } = decodeStoredLog(l);
    const event = eventName as ConfigEventName;
    if (event === "OwnerActionExecuted") {
      action = {
        txHash: key(l.txHash),
        nonce: args.nonce as bigint,
        signers: [...(args.signers as Address[])],
        actionHash: args.actionHash as Hex,
      };
    }
    const policy = "policyVersion" in args;
    if (event === "PolicyVersionChanged") version = Number(args.policyVersion);
    else if (policy && !(event === "RecipientTrustSet" && args.automatic)) {
      version = Math.max(version, Number(args.policyVersion));
    }
    const inAction = action && action.txHash === key(l.txHash);
    out.push({
      ...ref(l),
      event,
      policyVersion: policy ? Number(args.policyVersion) : version,
      policy: policy && event !== "PolicyVersionChanged",
      ...(event === "RecipientTrustSet" ? { automatic: args.automatic as boolean } : {}),
      ...(inAction
        ? { ownerAction: { nonce: action!.nonce, signers: action!.signers, actionHash: action!.actionHash } }
        : {}),
      args,
      summary: summarize(event, args),
    });
  }
  return out;
}

/**
 * Every configuration event of the wallet in chain order, from the store: owners, threshold, guardians, pause,
 * policy changes (labelled by policy version), session keys and owner actions, each with its transaction,
 * block, log index and time, and the owner action (nonce, signers) that made it. `fromBlock` / `toBlock` bound
 * the list; versions are computed from the wallet's whole history either way.
 */
export async function configHistory(
  store: Store,
  wallet: Address,
  opts: { fromBlock?: bigint; toBlock?: bigint; events?: readonly ConfigEventName[] } = {},
): Promise<ConfigChange[]> {
  const logs = await store.logs(wallet, { toBlock: opts.toBlock, events: CONFIG_EVENTS });
  const wanted = opts.events ? new Set<string>(opts.events) : undefined;
  return buildConfigHistory(logs).filter(
    (c) => (opts.fromBlock === undefined || c.blockNumber >= opts.fromBlock) && (!wanted || wanted.has(c.event)),
  );
}
