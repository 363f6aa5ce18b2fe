/**
 * The console's read model: what the pages need, kept in memory and brought up to date from the indexer's
 * store after every committed range (never from the chain directly, so the console shows exactly what the
 * audit trail holds).
 *
 * - the configuration (owners, guardians, pause, keys, trust, tokens, rules, policy version) replayed from the
 *   configuration events, which are few;
 * - every intent that still waits, with its trail (the logs of open intents are kept to rebuild it);
 * - a bounded list of recent activity (payments, blocked attempts, owner actions, pauses) and counters.
 *
 * Decided intents are not kept: an intent page for one reads its trail from the store (by intent id, indexed).
 * Startup reads no more than it shows, whatever the wallet's history: the configuration events, the waiting
 * intents found through the store's materialised intents table (status index) and their own logs, the counters
 * counted in SQL, and the recent activity from the last blocks. After that the view applies each newly committed
 * range. A checkpoint that moved backwards or whose block hash changed (a reorg the indexer rolled back) makes
 * the view load again.
 */
import type { Address, Hex } from "viem";
import {
  CONFIG_EVENTS,
  buildConfigHistory,
  buildState,
  buildTrails,
  type Checkpoint,
  type ConfigChange,
  type IntentTrail,
  type Store,
  type StoredLog,
  type WalletState,
} from "../indexer";
import { decodeDetails, TIER_NAMES, type TierName } from "../client/intents";

export type ActivityKind =
  | "payment"
  | "queued"
  | "blocked"
  | "vetoed"
  | "rejected"
  | "approved"
  | "expired"
  | "refused"
  | "owner_action"
  | "paused"
  | "unpaused";

export interface ActivityItem {
  kind: ActivityKind;
  intentId?: Hex;
  tier?: TierName;
  /** who acted (owner, guardian, executor), when the event names one */
  by?: Address;
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  timestamp: number;
}

/** A log the console reacts to (notifications): what happened, in chain order, once per stored log. */
export interface ViewEvent {
  log: StoredLog;
  activity?: ActivityItem;
}

export interface ViewOptions {
  store: Store;
  wallet: Address;
  /** recent activity items kept (default 200) */
  activityLimit?: number;
  /** blocks read per store query when catching up with new ranges (default 20,000) */
  chunkBlocks?: bigint;
}

export interface ViewCounters {
  intents: number;
  executed: number;
  blocked: number;
  decided: number;
}

const CONFIG = new Set<string>(CONFIG_EVENTS);
const WAITING_STATUSES = ["queued", "awaiting_approval"] as const;
const inChainOrder = (a: StoredLog, b: StoredLog) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;
const lower = (s: string) => s.toLowerCase();

function activityOf(l: StoredLog): ActivityItem | undefined {
  const at = { txHash: l.txHash, blockNumber: l.blockNumber, logIndex: l.logIndex, timestamp: l.timestamp };
  // the arguments as the indexer stored them (decoded once at sync; bigints as decimal strings)
  const a = l.args;
  const intentId = a.intentId as Hex | undefined;
  switch (l.event) {
    case "IntentSubmitted": {
      const tier = TIER_NAMES[decodeDetails(BigInt(String(a.details))).tier];
      const kind = tier === "autonomous" ? "payment" : tier === "prohibited" ? "blocked" : "queued";
      return { ...at, kind, intentId, tier };
    }
    case "IntentExecuted":
      return { ...at, kind: "payment", intentId, by: a.by as Address };
    case "IntentVetoed":
      return { ...at, kind: "vetoed", intentId, by: a.by as Address };
    case "IntentRejected":
      return { ...at, kind: "rejected", intentId, by: a.by as Address };
    case "IntentApproved":
      return { ...at, kind: "approved", intentId, by: a.owner as Address };
    case "IntentExpired":
      return { ...at, kind: "expired", intentId };
    case "IntentRefused":
      return { ...at, kind: "refused", intentId };
    case "OwnerActionExecuted":
      return { ...at, kind: "owner_action" };
    case "Paused":
      return { ...at, kind: "paused", by: a.by as Address };
    case "Unpaused":
      return { ...at, kind: "unpaused" };
    default:
      return undefined;
  }
}

export class ConsoleView {
  readonly store: Store;
  readonly wallet: Address;
  private readonly activityLimit: number;
  private readonly chunkBlocks: bigint;

  private checkpoint: Checkpoint | undefined;
  private configLogs: StoredLog[] = [];
  private ownerRemovals: StoredLog[] = [];
  /** logs of intents still open, by lowercase id */
  private openLogs = new Map<string, StoredLog[]>();
  private openTrails = new Map<string, IntentTrail>();
  private recent: ActivityItem[] = [];
  private cachedState: WalletState | undefined;
  private cachedHistory: ConfigChange[] | undefined;
  private refreshing: Promise<ViewEvent[]> | undefined;
  counters: ViewCounters = { intents: 0, executed: 0, blocked: 0, decided: 0 };
  /** bumped whenever the view changes (pages and the API cache on it) */
  version = 0;

  constructor(opts: ViewOptions) {
    this.store = opts.store;
    this.wallet = opts.wallet;
    this.activityLimit = opts.activityLimit ?? 200;
    this.chunkBlocks = opts.chunkBlocks ?? 20_000n;
  }

  /** The checkpoint the view is at (undefined before the wallet's first synced range). */
  get at(): Checkpoint | undefined {
    return this.checkpoint;
  }

  /**
   * Brings the view up to the store's checkpoint and returns the logs applied, in chain order (empty when
   * nothing changed). Concurrent calls share one run.
   */
  refresh(): Promise<ViewEvent[]> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<ViewEvent[]> {
    const cp = await this.store.getCheckpoint(this.wallet);
    if (!cp) {
      if (this.checkpoint) this.reset();
      return [];
    }
    if (this.checkpoint) {
      if (cp.blockNumber === this.checkpoint.blockNumber && lower(cp.blockHash) === lower(this.checkpoint.blockHash)) return [];
      const kept = await this.store.getBlock(this.checkpoint.blockNumber);
      if (cp.blockNumber < this.checkpoint.blockNumber || !kept || lower(kept.hash) !== lower(this.checkpoint.blockHash)) {
        this.reset();
      }
    }
    if (!this.checkpoint) {
      await this.load(cp);
      this.touch(cp);
      return [];
    }
    const events: ViewEvent[] = [];
    let from = this.checkpoint.blockNumber + 1n;
    while (from <= cp.blockNumber) {
      const to = from + this.chunkBlocks - 1n < cp.blockNumber ? from + this.chunkBlocks - 1n : cp.blockNumber;
      events.push(...this.apply(await this.store.logs(this.wallet, { fromBlock: from, toBlock: to })));
      from = to + 1n;
    }
    this.touch(cp);
    return events;
  }

  private touch(cp: Checkpoint) {
    this.checkpoint = cp;
    this.cachedState = undefined;
    this.cachedHistory = undefined;
    this.version++;
  }

  /**
   * The view as of `cp`, read with a handful of indexed queries (every query is bounded by `cp`, so a range
   * committed meanwhile is applied by the next refresh): no pass over the wallet's history.
   */
  private async load(cp: Checkpoint): Promise<void> {
    const toBlock = cp.blockNumber;
    const w = this.wallet;
    this.configLogs = await this.store.logs(w, { withoutIntent: true, events: CONFIG_EVENTS, toBlock });
    this.ownerRemovals = this.configLogs.filter((l) => l.event === "OwnerRemoved");
    const open: Hex[] = [];
    for (const status of WAITING_STATUSES) for await (const r of this.store.iterateIntents(w, { status, toBlock })) open.push(r.intentId);
    for (let i = 0; i < open.length; i += 1000) {
      for (const l of await this.store.logs(w, { intentIds: open.slice(i, i + 1000), toBlock })) {
        const id = lower(l.intentId!);
        const list = this.openLogs.get(id);
        if (list) list.push(l);
        else this.openLogs.set(id, [l]);
      }
    }
    // Trails of intents whose submission is stored and that are still open at `cp` (their logs up to `cp`).
    for (const id of [...this.openLogs.keys()]) if (this.openLogs.get(id)![0].event !== "IntentSubmitted") this.openLogs.delete(id);
    this.rebuildTrails(new Set(this.openLogs.keys()), false);
    const by = await this.store.countIntentsByStatus(w, { toBlock });
    const intents = Object.values(by).reduce((a, n) => a + n, 0);
    this.counters = { intents, executed: by.executed ?? 0, blocked: by.blocked ?? 0, decided: intents - this.openTrails.size };
    await this.loadRecent(toBlock);
  }

  /** The last `activityLimit` activity items: logs read backwards from `toBlock` in growing block spans. */
  private async loadRecent(toBlock: bigint): Promise<void> {
    let span = 256n;
    for (;;) {
      const fromBlock = toBlock - span + 1n > 0n ? toBlock - span + 1n : 0n;
      const logs = await this.store.logs(this.wallet, { fromBlock, toBlock });
      const items = logs.map(activityOf).filter((a): a is ActivityItem => a !== undefined);
      if (items.length >= this.activityLimit || fromBlock === 0n) {
        this.recent = items.slice(-this.activityLimit);
        return;
      }
      span *= 8n;
    }
  }

  private reset() {
    this.checkpoint = undefined;
    this.configLogs = [];
    this.ownerRemovals = [];
    this.openLogs.clear();
    this.openTrails.clear();
    this.recent = [];
    this.counters = { intents: 0, executed: 0, blocked: 0, decided: 0 };
  }

  private apply(logs: readonly StoredLog[]): ViewEvent[] {
    const touched = new Set<string>();
    const events: ViewEvent[] = [];
    let removal = false;
    for (const l of logs) {
      const ev: ViewEvent = { log: l, activity: activityOf(l) };
      if (ev.activity) this.pushActivity(ev.activity);
      if (CONFIG.has(l.event)) this.configLogs.push(l);
      if (l.event === "OwnerRemoved") {
        this.ownerRemovals.push(l);
        removal = true;
      }
      if (l.intentId) {
        const id = lower(l.intentId);
        if (l.event === "IntentSubmitted") {
          this.counters.intents++;
          const tier = ev.activity?.tier;
          if (tier === "autonomous") this.counters.executed++;
          if (tier === "prohibited") this.counters.blocked++;
          if (tier === "supervised" || tier === "collaborative") this.openLogs.set(id, [l]);
        } else if (this.openLogs.has(id)) {
          this.openLogs.get(id)!.push(l);
          touched.add(id);
        }
        if (l.event === "IntentExecuted") this.counters.executed++;
      }
      events.push(ev);
    }
    const ids = removal ? new Set([...this.openLogs.keys()]) : touched;
    for (const id of this.openLogs.keys()) if (!this.openTrails.has(id)) ids.add(id);
    this.rebuildTrails(ids, true);
    return events;
  }

  /** Rebuilds the trails of these open intents; decided ones leave the view (counted when `count`). */
  private rebuildTrails(ids: Set<string>, count: boolean) {
    for (const id of ids) {
      const own = this.openLogs.get(id);
      if (!own) continue;
      const merged = [...own, ...this.ownerRemovals].sort(inChainOrder);
      const trail = buildTrails(merged).find((t) => lower(t.intentId) === id)!;
      if (trail.decided) {
        this.openLogs.delete(id);
        this.openTrails.delete(id);
        if (count) this.counters.decided++;
      } else {
        this.openTrails.set(id, trail);
      }
    }
  }

  private pushActivity(a: ActivityItem) {
    this.recent.push(a);
    if (this.recent.length > this.activityLimit * 2) this.recent = this.recent.slice(-this.activityLimit);
  }

  /** Intents still waiting (queued for a veto window or awaiting approvals), oldest first. */
  waiting(): IntentTrail[] {
    return [...this.openTrails.values()];
  }

  /** One waiting intent's trail from memory, else any intent's trail from the store. */
  async trail(intentId: Hex): Promise<IntentTrail | undefined> {
    const open = this.openTrails.get(lower(intentId));
    if (open) return open;
    // The intent's own logs (indexed by intent id) and the owner removals the view already holds.
    const own = await this.store.logs(this.wallet, { intentId });
    if (own.length === 0) return undefined;
    const merged = [...own, ...this.ownerRemovals].sort(inChainOrder);
    return buildTrails(merged).find((t) => lower(t.intentId) === lower(intentId));
  }

  isWaiting(intentId: Hex): boolean {
    return this.openTrails.has(lower(intentId));
  }

  /** The configuration as of the view's checkpoint (waiting intents are in `waiting()`, not in `intents`). */
  state(): WalletState {
    if (!this.cachedState) {
      this.cachedState = buildState(this.configLogs, {
        wallet: this.wallet,
        blockNumber: this.checkpoint?.blockNumber ?? 0n,
      });
    }
    return this.cachedState;
  }

  /** Every configuration change with its policy version, newest first. */
  history(): ConfigChange[] {
    if (!this.cachedHistory) this.cachedHistory = buildConfigHistory(this.configLogs).reverse();
    return this.cachedHistory;
  }

  /** Owner actions executed, by their EIP-712 digest (lowercase): where each ran. */
  executedOwnerActions(): Map<string, { txHash: Hex; blockNumber: bigint }> {
    const out = new Map<string, { txHash: Hex; blockNumber: bigint }>();
    for (const l of this.configLogs) {
      if (l.event === "OwnerActionExecuted") out.set(lower(String(l.args.actionHash)), { txHash: l.txHash, blockNumber: l.blockNumber });
    }
    return out;
  }

  /** Recent activity, newest first. */
  activity(limit = this.activityLimit): ActivityItem[] {
    return this.recent.slice(-limit).reverse();
  }

  /** Category names by id (as defined now). */
  categoryName(id: number): string {
    return this.state().categories.find((c) => c.id === id)?.label ?? `category ${id}`;
  }
}
