/**
 * What the query API serves per wallet as of one checkpoint: the checkpoint itself (with its block time), the
 * policy history that labels intents, the number of stored intents and logs, and the totals of filtered lists.
 *
 * The store changes only when a sync commits, so all of this is computed when the server starts and again when
 * the checkpoint moves, not per request: a list page then costs one keyset query however large the store. When the
 * checkpoint moved forward on the same chain (the block the previous view stood on is still stored with the same
 * hash), the counts are carried forward by counting only the blocks in between, and the policy history is kept
 * unless a configuration log arrived; after a rewind, everything is recounted. The writer refreshes the views after
 * each commit (`refresh()`); otherwise the first request that finds the checkpoint moved does that small update.
 *
 * Lists are read up to the view's checkpoint, so a page, its total and /health describe the same block even
 * while a commit lands.
 */
import type { Address, Hex } from "viem";
import { CONFIG_EVENTS } from "../model/state";
import { PolicyHistory } from "../report/history";
import type { IntentQuery, Store } from "../store/types";

export interface ViewCheckpoint {
  blockNumber: bigint;
  blockHash: Hex;
  /** the indexed block's time (unix seconds), null if the store does not hold its header */
  timestamp: number | null;
  /** when the checkpoint was written (ISO 8601) */
  updatedAt: string;
}

export interface CheckpointView {
  wallet: Address;
  /** null: nothing synced for this wallet yet */
  checkpoint: ViewCheckpoint | null;
  history: PolicyHistory;
  /** stored intents up to the checkpoint */
  intents: number;
  /** stored logs up to the checkpoint */
  logs: number;
  /** totals of filtered lists, keyed by the filter, computed on first use */
  counts: Map<string, number>;
}

interface CheckpointRow {
  address: string;
  block_number: unknown;
  block_hash: string;
  updated_at: unknown;
}

/** filtered totals kept per view */
const MAX_COUNTS = 1000;
const key = (w: string) => w.toLowerCase();
const sameCheckpoint = (v: CheckpointView, r: CheckpointRow | undefined) =>
  r ? v.checkpoint !== null && v.checkpoint.blockNumber === BigInt(String(r.block_number)) && key(v.checkpoint.blockHash) === key(r.block_hash) : v.checkpoint === null;

/** The views of every wallet the API has been asked about, refreshed together. */
export class CheckpointViews {
  private readonly views = new Map<string, CheckpointView>();
  private rows: CheckpointRow[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Store) {}

  /** Wallets with a checkpoint, as of the last refresh (lowercase, sorted). */
  wallets(): string[] {
    return this.rows.map((r) => r.address);
  }

  /** The view of a wallet as of the last refresh; built now if the API had not served that wallet before. */
  async view(wallet: Address): Promise<CheckpointView> {
    return this.views.get(key(wallet)) ?? this.serialised(() => this.update(wallet));
  }

  /**
   * Re-reads the checkpoints and rebuilds the view of every wallet whose checkpoint moved (and of `wallets`, the
   * first time). One refresh runs at a time; a call made during one runs after it.
   */
  refresh(wallets: readonly Address[] = []): Promise<void> {
    return this.serialised(async () => {
      const { rows } = await this.store.db.query<CheckpointRow>(
        "SELECT address, block_number, block_hash, updated_at FROM checkpoint ORDER BY address",
      );
      this.rows = rows.map((r) => ({ ...r, address: key(r.address) }));
      const wanted = new Set([...this.views.keys(), ...wallets.map(key)]);
      for (const w of wanted) {
        const v = this.views.get(w);
        if (!v || !sameCheckpoint(v, this.rows.find((r) => r.address === w))) await this.update(w as Address);
      }
    });
  }

  /**
   * A list query bounded by the view's checkpoint: rows a commit added after the view was built are not shown
   * until the view moves to that commit's checkpoint.
   */
  static bounded(v: CheckpointView, q: IntentQuery): IntentQuery {
    if (!v.checkpoint) return q;
    const cp = v.checkpoint.blockNumber;
    return { ...q, toBlock: q.toBlock !== undefined && q.toBlock < cp ? q.toBlock : cp };
  }

  /** The total of a filtered list as of the view's checkpoint: counted once per view and filter. */
  async count(v: CheckpointView, filter: string, count: () => Promise<number>): Promise<number> {
    let n = v.counts.get(filter);
    if (n === undefined) {
      n = await count();
      if (v.counts.size >= MAX_COUNTS) v.counts.clear(); // many distinct filters (e.g. time windows): keep memory bounded
      v.counts.set(filter, n);
    }
    return n;
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async update(wallet: Address): Promise<CheckpointView> {
    const { store } = this;
    const row = this.rows.find((r) => r.address === key(wallet));
    const prev = this.views.get(key(wallet));
    const blockNumber = row ? BigInt(String(row.block_number)) : undefined;
    const block = blockNumber === undefined ? undefined : await store.getBlock(blockNumber);
    const checkpoint: ViewCheckpoint | null = row
      ? {
          blockNumber: blockNumber!,
          blockHash: row.block_hash as Hex,
          timestamp: block?.timestamp ?? null,
          updatedAt: new Date(row.updated_at as string | Date).toISOString(),
        }
      : null;
    const toBlock = checkpoint?.blockNumber;
    const configLogs = (fromBlock?: bigint) => store.logs(wallet, { events: [...CONFIG_EVENTS], fromBlock, toBlock });

    let view: CheckpointView | undefined;
    const from = prev?.checkpoint && checkpoint && checkpoint.blockNumber >= prev.checkpoint.blockNumber ? prev.checkpoint : undefined;
    if (prev && from && key((await store.getBlock(from.blockNumber))?.hash ?? "") === key(from.blockHash)) {
      // the same chain, moved forward: count what the blocks in between added
      const fromBlock = from.blockNumber + 1n;
      const [intents, logs, config] = await Promise.all([
        store.countIntents(wallet, { fromBlock, toBlock }),
        store.countLogs(wallet, { fromBlock, toBlock }),
        configLogs(fromBlock),
      ]);
      view = {
        wallet,
        checkpoint,
        history: config.length === 0 ? prev.history : PolicyHistory.fromLogs(await configLogs(), wallet),
        intents: prev.intents + intents,
        logs: prev.logs + logs,
        counts: new Map(),
      };
    } else {
      const [intents, logs, config] = await Promise.all([
        store.countIntents(wallet, { toBlock }),
        store.countLogs(wallet, { toBlock }),
        configLogs(),
      ]);
      view = { wallet, checkpoint, history: PolicyHistory.fromLogs(config, wallet), intents, logs, counts: new Map() };
    }
    // kept only for wallets with a checkpoint: asking about arbitrary addresses must not grow the map
    if (checkpoint) this.views.set(key(wallet), view);
    else this.views.delete(key(wallet));
    return view;
  }
}
