/**
 * Backfill and follow a TierGuard wallet's logs into a `Store`:
 *
 * - `eth_getLogs` over block ranges sized from the node's limits (`RangeSizer`): a refusal (span too large, too
 *   many results, a response over the client's size cap, a timeout) teaches a block-span or logs-per-answer
 *   limit, the next span follows the log density, and what was learned is kept in the store for the next run;
 * - every log is decoded against `tierGuardWalletAbi`; a log that does not decode stops the sync with an
 *   `IndexerDecodeError` (never skipped: an audit trail with holes is worse than none);
 * - each range's logs, blocks and checkpoint are written in one transaction, so an interrupted process resumes
 *   from the last complete range;
 * - reorgs: before extending, the stored checkpoint hash is compared with the chain's (and each new range must
 *   connect to it through its first block's parent hash). On a mismatch the sync walks the stored blocks back to
 *   the highest one the chain still has, deletes everything above it and re-reads from there;
 * - RPC faults are retried with bounded exponential backoff and reported through `onError`;
 * - progress (blocks done/total, events/s, ETA) is reported through `onProgress` after each committed range.
 *   A callback that throws stops the sync after that range (which stays committed).
 */
import { decodeEventLog, type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { IndexerDecodeError, IndexerRpcError, RangeTooLargeError, RetryableError } from "../errors";
import { decodeSubmitted, lazyArgs, rememberSubmitted } from "../store/decode";
import { UntrustedEmptyAnswer, confirmEmpty } from "./completeness";
import { RangeSizer } from "./range";
import { chainBlock, chainBlocks, eqHash, rpc, sleep, withDb, type ChainBlock, type Ctx as RpcCtx, type SyncFault } from "./rpc";

export type { SyncFault } from "./rpc";
import type { Checkpoint, Store, StoredBlock, StoredLog } from "../store/types";

export interface SyncProgress {
  /** the range just committed (inclusive) */
  rangeFrom: bigint;
  rangeTo: bigint;
  /** logs in that range */
  rangeLogs: number;
  /** size of the next range */
  nextRangeSize: bigint;
  checkpoint: bigint;
  /** blocks synced in this run / blocks this run had to sync */
  blocksDone: bigint;
  blocksTotal: bigint;
  /** logs stored in this run */
  events: number;
  eventsPerSecond: number;
  blocksPerSecond: number;
  /** estimated seconds left (undefined until a rate is known) */
  etaSeconds: number | undefined;
  elapsedMs: number;
}

export interface ReorgInfo {
  /** the stored checkpoint that no longer is on the chain */
  checkpoint: bigint;
  /** highest stored block still on the chain (undefined: none, everything was dropped) */
  ancestor: bigint | undefined;
  logsDeleted: number;
}

export interface SyncOptions {
  publicClient: PublicClient;
  wallet: Address;
  store: Store;
  /** first block to index when the store has no checkpoint for this wallet (e.g. the deployment block) */
  fromBlock: bigint;
  /** last block to index (default: the head minus `confirmations`); capped at that */
  toBlock?: bigint;
  /** blocks below the head to stay behind (default 0) */
  confirmations?: number;
  /** first range size (default: the size the store remembers from the last run, else 2000 blocks) */
  initialRange?: bigint;
  /** default 1 */
  minRange?: bigint;
  /** default 10000 */
  maxRange?: bigint;
  /** a range that took less than this is followed by a bigger one (default 1500 ms) */
  fastRangeMs?: number;
  /** retries of a failing RPC call after the first attempt (default 5) */
  retries?: number;
  /** first backoff delay, doubled per retry (default 250 ms) */
  backoffMs?: number;
  /** backoff cap (default 10 s) */
  maxBackoffMs?: number;
  /** parallel block header reads when the node takes no JSON-RPC batches (default 8) */
  concurrency?: number;
  onProgress?: (p: SyncProgress) => void | Promise<void>;
  onError?: (f: SyncFault) => void;
  onReorg?: (r: ReorgInfo) => void;
  /** stops between ranges when aborted */
  signal?: AbortSignal;
}

type Ctx = RpcCtx<SyncOptions>;

export interface SyncResult {
  /** checkpoint after the run (undefined if nothing was ever synced) */
  checkpoint: bigint | undefined;
  target: bigint;
  ranges: number;
  events: number;
  reorgs: number;
  /** the range size the run ended with (a follow-up run may start from it) */
  rangeSize: bigint;
}

/** The chain changed while a range was read: read it again. */
class RangeUnstable extends Error {}
/** The range does not connect to the stored checkpoint: a reorg below it. */
class CheckpointOrphaned extends Error {}

/** Reads and decodes one range. Throws RangeTooLargeError, RangeUnstable, CheckpointOrphaned or a decode/RPC error. */
async function readRange(
  ctx: Ctx,
  from: bigint,
  to: bigint,
  checkpoint: Checkpoint | undefined,
): Promise<{ blocks: StoredBlock[]; logs: StoredLog[]; end: ChainBlock; empty: boolean }> {
  const { publicClient, wallet } = ctx.opts;
  // the range's two ends, read together: both are read again (or checked) after the logs
  const [endBefore, first] = await Promise.all([chainBlock(ctx, to), from === to ? undefined : chainBlock(ctx, from)]).then(
    ([e, f]) => [e, from === to ? e : f] as const,
  );
  if (!endBefore) throw new RangeUnstable(`block ${to} not found`);
  if (!first) throw new RangeUnstable(`block ${from} not found`);
  if (checkpoint && checkpoint.blockNumber === from - 1n && !eqHash(first.parentHash, checkpoint.blockHash)) {
    throw new CheckpointOrphaned(`block ${from} does not extend the checkpoint`);
  }
  const raw = await rpc(
    ctx,
    "getLogs",
    () => publicClient.getLogs({ address: wallet, fromBlock: from, toBlock: to }),
    true,
  );
  const logs = raw.filter((l) => !l.removed);
  if (logs.length === 0) {
    // Not taken on trust: the range's log blooms (and, where a bloom names the wallet, the receipts) must agree.
    try {
      await confirmEmpty(ctx, wallet, from, to, new Map([[to, endBefore], [from, first]]));
    } catch (e) {
      if (e instanceof UntrustedEmptyAnswer) {
        ctx.opts.onError?.({
          operation: "getLogs",
          error: new RetryableError(e.message, {
            fix: "The node dropped logs; the range is read again. If this persists, use another RPC endpoint.",
          }),
          attempt: 1,
          willRetry: true,
          delayMs: 0,
        });
        throw new RangeUnstable(e.message);
      }
      throw e;
    }
  }
  const decode = (l: (typeof logs)[number]) => {
    try {
      const d = decodeEventLog({ abi: tierGuardWalletAbi, data: l.data, topics: l.topics, strict: true });
      return { eventName: d.eventName as string, args: (d.args ?? {}) as Record<string, unknown> };
    } catch (e) {
      throw new IndexerDecodeError(l, e);
    }
  };
  // A submission in its canonical encoding is read by position (what the store keeps of it); its `args` are decoded
  // by the ABI decoder only if something asks for them. Every other log is decoded here, and stops the sync if it
  // does not decode.
  const decoded = logs.map((l) => {
    const submitted = decodeSubmitted(l.topics, l.data);
    if (submitted) return { log: l, eventName: "IntentSubmitted", intentId: submitted.intentId, args: undefined, submitted };
    const { eventName, args } = decode(l);
    return { log: l, eventName, intentId: typeof args.intentId === "string" ? (args.intentId as Hex) : null, args, submitted };
  });
  // Headers only of the blocks that hold logs (their time), in JSON-RPC batches: one per block, never one per log.
  // The end block is read again with them: a range whose end changed while it was read is read again.
  const numbers = [...new Set(logs.map((l) => l.blockNumber!))].filter((n) => n !== to && n !== from);
  const [headers, endAfter] = await Promise.all([
    chainBlocks(ctx, numbers),
    chainBlock(ctx, to),
  ]);
  const byNumber = new Map<bigint, ChainBlock>([
    [to, endBefore],
    [from, first],
  ]);
  headers.forEach((h, i) => {
    if (!h) throw new RangeUnstable(`block ${numbers[i]} not found`);
    byNumber.set(h.number, h);
  });
  const out: StoredLog[] = decoded.map(({ log, eventName, intentId, args, submitted }) => {
    if (log.blockNumber === null || log.blockHash === null || log.transactionHash === null || log.logIndex === null) {
      throw new RangeUnstable("pending log in a mined range");
    }
    const block = byNumber.get(log.blockNumber)!;
    if (!eqHash(block.hash, log.blockHash)) throw new RangeUnstable(`block ${log.blockNumber} changed`);
    const stored: StoredLog = {
      address: wallet,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      txHash: log.transactionHash,
      txIndex: log.transactionIndex ?? 0,
      logIndex: log.logIndex,
      event: eventName,
      intentId,
      args: args ?? {},
      topics: [...log.topics] as Hex[],
      data: log.data,
      timestamp: block.timestamp,
    };
    if (submitted) rememberSubmitted(stored, submitted); // the intents table reads these fields, not the log again
    if (!args) lazyArgs(stored, () => decode(log).args);
    return stored;
  });
  if (!endAfter || !eqHash(endAfter.hash, endBefore.hash)) throw new RangeUnstable(`block ${to} changed`);
  const keep = new Set<bigint>([to, ...out.map((l) => l.blockNumber)]);
  const blocks = [...byNumber.values()].filter((b) => keep.has(b.number));
  return { blocks, logs: out, end: endBefore, empty: out.length === 0 };
}

/** Walks stored blocks back from the checkpoint to the highest one the chain still has; rewinds the store there. */
async function handleReorg(ctx: Ctx, checkpoint: Checkpoint): Promise<ReorgInfo> {
  const { store, wallet } = ctx.opts;
  let below = checkpoint.blockNumber;
  let ancestor: StoredBlock | undefined;
  search: for (;;) {
    const page = await withDb(ctx, "blocksDescending", () => store.blocksDescending(below, 64));
    if (page.length === 0) break;
    for (const b of page) {
      const c = await chainBlock(ctx, b.number);
      if (c && eqHash(c.hash, b.hash)) {
        ancestor = b;
        break search;
      }
    }
    below = page[page.length - 1].number - 1n;
  }
  const { logsDeleted } = await withDb(ctx, "rewind", () => store.rewind(wallet, ancestor));
  const info: ReorgInfo = { checkpoint: checkpoint.blockNumber, ancestor: ancestor?.number, logsDeleted };
  ctx.opts.onReorg?.(info);
  return info;
}

/** Syncs the wallet's logs up to the target block once (backfill or catch-up), then returns. */
export async function syncOnce(opts: SyncOptions): Promise<SyncResult> {
  const ctx: Ctx = {
    opts,
    retries: opts.retries ?? 5,
    backoffMs: opts.backoffMs ?? 250,
    maxBackoffMs: opts.maxBackoffMs ?? 10_000,
  };
  const { store, wallet } = opts;
  const minRange = opts.minRange ?? 1n;
  const fastMs = opts.fastRangeMs ?? 1500;
  const hints = await withDb(ctx, "getSyncHints", () => store.getSyncHints(wallet));
  const sizer = new RangeSizer({
    initial: opts.initialRange ?? hints?.rangeSize ?? 2000n,
    min: minRange,
    max: opts.maxRange ?? 10_000n,
    hints,
  });
  const saveHints = () => withDb(ctx, "saveSyncHints", () => store.saveSyncHints(wallet, sizer.hints()));

  const targetNow = async () => {
    const head = await rpc(ctx, "getBlockNumber", () => opts.publicClient.getBlockNumber({ cacheTime: 0 }));
    const safe = head - BigInt(opts.confirmations ?? 0);
    return opts.toBlock !== undefined && opts.toBlock < safe ? opts.toBlock : safe;
  };

  let target = await targetNow();
  let reorgs = 0;
  let ranges = 0;
  let events = 0;

  // Before extending: is the stored checkpoint still on the chain?
  let checkpoint = await withDb(ctx, "getCheckpoint", () => store.getCheckpoint(wallet));
  if (checkpoint) {
    const c = await chainBlock(ctx, checkpoint.blockNumber);
    if (!c || !eqHash(c.hash, checkpoint.blockHash)) {
      await handleReorg(ctx, checkpoint);
      reorgs++;
      checkpoint = await withDb(ctx, "getCheckpoint", () => store.getCheckpoint(wallet));
    }
  }

  const startedAt = Date.now();
  const runStart = checkpoint ? checkpoint.blockNumber + 1n : opts.fromBlock;
  let unstable = 0;
  /** The next range, read while the current one is being written (discarded unless it is exactly the next). */
  let prefetch: { start: bigint; end: bigint; result: Promise<Awaited<ReturnType<typeof readRange>>> } | undefined;

  while (!opts.signal?.aborted) {
    const start = checkpoint ? checkpoint.blockNumber + 1n : opts.fromBlock;
    if (start > target) break;
    const span = sizer.size;
    const end = start + span - 1n < target ? start + span - 1n : target;
    const t0 = Date.now();
    let range: Awaited<ReturnType<typeof readRange>>;
    const ahead = prefetch && prefetch.start === start && prefetch.end === end ? prefetch.result : undefined;
    prefetch = undefined;
    try {
      range = await (ahead ?? readRange(ctx, start, end, checkpoint));
    } catch (e) {
      if (e instanceof RangeTooLargeError) {
        if (sizer.refused(end - start + 1n, e)) {
          await saveHints();
          continue;
        }
        // already at the smallest range: a plain fault
        unstable++;
        const willRetry = unstable <= ctx.retries;
        const delayMs = Math.min(ctx.maxBackoffMs, ctx.backoffMs * 2 ** (unstable - 1));
        opts.onError?.({ operation: "getLogs", error: e, attempt: unstable, willRetry, delayMs });
        if (!willRetry) throw new IndexerRpcError("getLogs", unstable, e.cause);
        await sleep(delayMs, opts.signal);
        continue;
      }
      if (e instanceof RangeUnstable || e instanceof CheckpointOrphaned) {
        unstable++;
        if (unstable > ctx.retries + 5) {
          throw new IndexerRpcError("readRange", unstable, e);
        }
        if (e instanceof CheckpointOrphaned && checkpoint) {
          await handleReorg(ctx, checkpoint);
          reorgs++;
          checkpoint = await withDb(ctx, "getCheckpoint", () => store.getCheckpoint(wallet));
        } else {
          await sleep(Math.min(ctx.maxBackoffMs, ctx.backoffMs), opts.signal);
        }
        target = await targetNow();
        continue;
      }
      throw e;
    }
    unstable = 0;
    // An empty answer says nothing about what the node can serve: only a non-empty range moves the size.
    sizer.succeeded(end - start + 1n, range.logs.length, Date.now() - t0 < fastMs, end - start + 1n === span);
    const next: Checkpoint = { blockNumber: range.end.number, blockHash: range.end.hash };
    // Read the next range while this one is written: it is checked against `next` (its first block must extend
    // it), and nothing of it is stored before this commit succeeds, so a crash or a reorg loses nothing.
    const nextStart = end + 1n;
    if (nextStart <= target) {
      const nextEnd = nextStart + sizer.size - 1n < target ? nextStart + sizer.size - 1n : target;
      const result = readRange(ctx, nextStart, nextEnd, next);
      result.catch(() => undefined); // handled when (and if) it is awaited
      prefetch = { start: nextStart, end: nextEnd, result };
    }
    const expected = checkpoint;
    await withDb(ctx, "commitRange", async (attempt) => {
      if (attempt > 1) {
        // the connection dropped during an earlier attempt: it may have committed before it did
        const now = await store.getCheckpoint(wallet);
        if (now && now.blockNumber === next.blockNumber && eqHash(now.blockHash, next.blockHash)) return;
      }
      await store.commitRange({ wallet, expected, blocks: range.blocks, logs: range.logs, checkpoint: next });
    });
    checkpoint = next;
    ranges++;
    events += range.logs.length;
    if (sizer.takeChanged()) await saveHints();
    if (opts.onProgress) {
      const elapsedMs = Math.max(1, Date.now() - startedAt);
      const blocksTotal = target - runStart + 1n;
      const blocksDone = end - runStart + 1n;
      const blocksPerSecond = (Number(blocksDone) * 1000) / elapsedMs;
      const left = Number(blocksTotal - blocksDone);
      await opts.onProgress({
        rangeFrom: start,
        rangeTo: end,
        rangeLogs: range.logs.length,
        nextRangeSize: sizer.size,
        checkpoint: end,
        blocksDone,
        blocksTotal,
        events,
        eventsPerSecond: (events * 1000) / elapsedMs,
        blocksPerSecond,
        etaSeconds: blocksPerSecond > 0 ? left / blocksPerSecond : undefined,
        elapsedMs,
      });
    }
  }
  // A large load leaves the planner's statistics stale (pages would sort whole tables): refresh them.
  if (events >= 1000 && typeof store.analyze === "function") await withDb(ctx, "analyze", () => store.analyze());
  if (ranges > 0) await saveHints();
  return { checkpoint: checkpoint?.blockNumber, target, ranges, events, reorgs, rangeSize: sizer.size };
}
