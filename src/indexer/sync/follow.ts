/**
 * Follow mode: backfill a wallet's logs, then keep up with the chain head by polling.
 *
 * `follow` runs `syncOnce` once to catch up (the backfill), then every `pollIntervalMs` again, each time up to
 * `head - confirmations` (blocks closer to the head than that are not indexed yet, so shallow reorgs never reach
 * the store; deeper ones are handled by `syncOnce`'s reorg path). Every range that gets committed is read back
 * from the store and handed to `onLogs` (alerts, webhooks), so a consumer sees exactly what is stored, in chain
 * order, at most once per commit (after a reorg, the logs of the new branch are delivered again as new ones;
 * `onReorg` tells when that happens).
 *
 * It stops when `signal` aborts (between ranges or during the poll sleep) and resolves with a summary. An RPC
 * fault that `syncOnce`'s own retries did not overcome (`IndexerRpcError`) is reported through `onSyncError` and
 * the next poll tries again, up to `maxConsecutiveFailures` polls in a row; any other error (a log that does not
 * decode, a store failure, an `onLogs` that throws) stops the follower and rejects.
 */
import type { Address } from "viem";
import type { Store, StoredLog } from "../store/types";
import { IndexerRpcError } from "../errors";
import { syncOnce, type SyncOptions, type SyncResult } from "./historical";

export type FollowPhase = "backfill" | "follow";

export interface FollowLogsInfo {
  /** "backfill" for the first catch-up run, "follow" afterwards */
  phase: FollowPhase;
  /** the committed range the logs come from (inclusive) */
  fromBlock: bigint;
  toBlock: bigint;
}

export interface FollowOptions
  extends Omit<SyncOptions, "toBlock" | "confirmations" | "signal" | "fromBlock"> {
  publicClient: SyncOptions["publicClient"];
  wallet: Address;
  store: Store;
  /** first block to index when the store has no checkpoint (default 0; pass the deployment block) */
  fromBlock?: bigint;
  /** blocks to stay behind the head: ranges are indexed up to `head - confirmations` (default 0) */
  confirmations?: number;
  /** delay between polls once caught up (default 2000 ms) */
  pollIntervalMs?: number;
  /** newly stored logs, per committed range, in chain order. Awaited: a slow consumer slows the follower. */
  onLogs?: (logs: StoredLog[], info: FollowLogsInfo) => void | Promise<void>;
  /** after every `syncOnce` run (the backfill, then every poll) */
  onSync?: (result: SyncResult, phase: FollowPhase) => void;
  /** an `IndexerRpcError` a poll ended with; the follower tries again at the next poll */
  onSyncError?: (error: IndexerRpcError, consecutive: number) => void;
  /** polls in a row that may end with an `IndexerRpcError` before the follower gives up (default 10) */
  maxConsecutiveFailures?: number;
  signal?: AbortSignal;
}

export interface FollowResult {
  /** checkpoint when the follower stopped */
  checkpoint: bigint | undefined;
  /** `syncOnce` runs, including the backfill */
  runs: number;
  /** logs stored by this follower */
  events: number;
  reorgs: number;
  /** polls that ended with an `IndexerRpcError` */
  failures: number;
}

/** Sleeps `ms` or until `signal` aborts; removes its listener either way. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * A signal for one `syncOnce` run that follows `outer`. `syncOnce` may add an abort listener per retry; giving
 * each run its own signal keeps those from piling up on the long-lived outer one.
 */
function runSignal(outer: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  const ctl = new AbortController();
  if (!outer) return { signal: ctl.signal, release: () => undefined };
  if (outer.aborted) ctl.abort(outer.reason);
  const onAbort = () => ctl.abort(outer.reason);
  outer.addEventListener("abort", onAbort, { once: true });
  return { signal: ctl.signal, release: () => outer.removeEventListener("abort", onAbort) };
}

/** Backfills, then follows the head until `signal` aborts. */
export async function follow(opts: FollowOptions): Promise<FollowResult> {
  const {
    confirmations = 0,
    pollIntervalMs = 2000,
    onLogs,
    onSync,
    onSyncError,
    maxConsecutiveFailures = 10,
    signal,
    onProgress,
    fromBlock = 0n,
    ...rest
  } = opts;
  if (!Number.isInteger(confirmations) || confirmations < 0) {
    throw new RangeError(`confirmations must be a non-negative integer, got ${confirmations}`);
  }
  const out: FollowResult = { checkpoint: undefined, runs: 0, events: 0, reorgs: 0, failures: 0 };
  let rangeSize: bigint | undefined = opts.initialRange;
  let consecutive = 0;
  let phase: FollowPhase = "backfill";

  while (!signal?.aborted) {
    const run = runSignal(signal);
    const current = phase;
    let failed = false;
    try {
      const res = await syncOnce({
        ...rest,
        fromBlock,
        confirmations,
        initialRange: rangeSize,
        signal: run.signal,
        onProgress: async (p) => {
          if (onLogs) {
            const logs = await opts.store.logs(opts.wallet, { fromBlock: p.rangeFrom, toBlock: p.rangeTo });
            if (logs.length > 0) await onLogs(logs, { phase: current, fromBlock: p.rangeFrom, toBlock: p.rangeTo });
          }
          await onProgress?.(p);
        },
      });
      consecutive = 0;
      out.runs++;
      out.events += res.events;
      out.reorgs += res.reorgs;
      out.checkpoint = res.checkpoint;
      rangeSize = res.rangeSize;
      onSync?.(res, current);
      // the backfill is over once a run reached its target (not when it was aborted half way)
      if (current === "backfill" && !signal?.aborted) phase = "follow";
    } catch (e) {
      if (!(e instanceof IndexerRpcError) || signal?.aborted) {
        if (signal?.aborted && e instanceof IndexerRpcError) break;
        throw e;
      }
      failed = true;
      consecutive++;
      out.failures++;
      onSyncError?.(e, consecutive);
      if (consecutive >= maxConsecutiveFailures) throw e;
    } finally {
      run.release();
    }
    if (phase === "follow" || failed) await sleep(pollIntervalMs, signal);
  }
  if (out.checkpoint === undefined) out.checkpoint = (await opts.store.getCheckpoint(opts.wallet))?.blockNumber;
  return out;
}
