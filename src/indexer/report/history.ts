/**
 * The policy as it was: the wallet's configuration after every configuration transaction, from the stored
 * logs. A record is labelled with the snapshot in force at its log (category names, tier rules, budgets,
 * policy version), never with today's configuration, so a later rename or removal cannot relabel history.
 * The governance section's readable diffs come from consecutive snapshots (the planner's own wording).
 */
import type { Address, Hex } from "viem";
import { diffConfig } from "../../policy/plan";
import type { WalletConfig } from "../../policy/compile";
import { buildState, CONFIG_EVENTS, type WalletState } from "../model/state";
import type { StoredLog } from "../store/types";

/** The configuration in force from `blockNumber`/`logIndex` (inclusive) until the next snapshot. */
export interface PolicySnapshot {
  blockNumber: bigint;
  logIndex: number;
  txHash: Hex | null;
  timestamp: number;
  state: WalletState;
  /** category id -> name as of this snapshot */
  categories: ReadonlyMap<number, string>;
}

const position = (b: bigint, i: number) => b * 1_000_000n + BigInt(i);

/** The tier names `diffConfig` uses. */
const RULED = ["autonomous", "supervised", "collaborative"] as const;

/** A rebuilt state in the planner's shape, so that two of them diff with the planner's wording. */
export function walletConfigOf(s: WalletState): WalletConfig {
  const byTier = <T>(list: readonly T[]) => Object.fromEntries(RULED.map((t, i) => [t, list[i]])) as Record<(typeof RULED)[number], T>;
  return {
    owners: [...s.owners],
    threshold: s.threshold,
    categories: s.categories.map((c) => ({ id: c.id, name: c.label, name32: c.name })),
    tiers: byTier(s.tierRules),
    budgets: byTier(s.budgets),
    prohibitions: s.prohibitions,
    unmatchedTier: s.unmatchedTier,
    autoPromote: s.autoPromote,
    maxOpenIntents: s.maxOpenIntents,
    maxBlockedAttempts: s.maxBlockedAttempts,
    tokens: s.tokens.map((t) => ({ address: t.token, kind: t.config.kind, source: t.config.source, maxStaleness: t.config.maxStaleness })),
    recipients: s.recipients.map((r) => ({ address: r.recipient, trust: r.trust })),
  };
}

/** The readable changes between two states, as `policy plan` words them (e.g. `set tier supervised maxValue 50.00 -> 40.00`). */
export const describeChanges = (before: WalletState, after: WalletState): string[] =>
  diffConfig(walletConfigOf(before), walletConfigOf(after)).changes;

const CONFIG = new Set<string>(CONFIG_EVENTS);
/** Events that start a new snapshot: the policy, owners, threshold, guardians (keys, pauses and automatic trust
 * promotions change no label and would only multiply snapshots). */
const SNAPSHOT_EVENTS = new Set<string>(
  CONFIG_EVENTS.filter(
    (e) =>
      !["OwnerActionExecuted", "Paused", "Unpaused", "SessionKeyGranted", "SessionKeyRevoked", "AgentFrozen", "AgentUnfrozen"].includes(e),
  ),
);
const startsSnapshot = (l: StoredLog) => SNAPSHOT_EVENTS.has(l.event) && !(l.event === "RecipientTrustSet" && l.args.automatic === true);

/** Policy snapshots of a wallet, searchable by log position. */
export class PolicyHistory {
  readonly snapshots: readonly PolicySnapshot[];

  private constructor(snapshots: PolicySnapshot[]) {
    this.snapshots = snapshots;
  }

  /**
   * Builds the history from a wallet's logs (any events; configuration events are picked out). One snapshot per
   * transaction holding configuration events, plus the empty configuration before the first.
   */
  static fromLogs(logs: readonly StoredLog[], wallet: Address): PolicyHistory {
    const config = logs
      .filter((l) => CONFIG.has(l.event))
      .sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
    const snapshot = (upTo: number, first?: StoredLog): PolicySnapshot => {
      const state = buildState(config.slice(0, upTo), { wallet });
      return {
        blockNumber: first?.blockNumber ?? -1n,
        logIndex: first?.logIndex ?? 0,
        txHash: first?.txHash ?? null,
        timestamp: first?.timestamp ?? 0,
        state,
        categories: new Map(state.categories.map((c) => [c.id, c.label])),
      };
    };
    const out = [snapshot(0)];
    for (let i = 0; i < config.length; ) {
      let j = i + 1;
      while (j < config.length && config[j].txHash.toLowerCase() === config[i].txHash.toLowerCase()) j++;
      if (config.slice(i, j).some(startsSnapshot)) out.push(snapshot(j, config[i]));
      i = j;
    }
    return new PolicyHistory(out);
  }

  /** The snapshot in force at a log (configuration changes earlier in the same block apply). */
  at(blockNumber: bigint, logIndex = Number.MAX_SAFE_INTEGER): PolicySnapshot {
    const p = position(blockNumber, Math.min(logIndex, 999_999));
    let lo = 0;
    let hi = this.snapshots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const s = this.snapshots[mid];
      if (position(s.blockNumber, s.logIndex) <= p) lo = mid;
      else hi = mid - 1;
    }
    return this.snapshots[lo];
  }

  /** A category's name as of a log; `#<id>` when it was not defined then. */
  categoryName(id: number, blockNumber: bigint, logIndex?: number): string {
    return this.at(blockNumber, logIndex).categories.get(id) ?? `#${id}`;
  }
}
