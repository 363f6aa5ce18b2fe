/** Retrying JSON-RPC reads for the sync: bounded exponential backoff, faults typed once (`rpcFault`). */
import { BlockNotFoundError, type Hex, type PublicClient } from "viem";
import { TierGuardError } from "../../errors";
import { DbConnectionError, IndexerRpcError, RangeTooLargeError, RetryableError, dbFault, rpcFault } from "../errors";

export interface SyncFault {
  /** what failed: "getLogs", "getBlock", "getBlockNumber" */
  operation: string;
  error: TierGuardError;
  /** 1-based attempt that failed */
  attempt: number;
  /** whether the operation is retried (after `delayMs`) */
  willRetry: boolean;
  delayMs: number;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

/** What the retrying reads need: the client, the abort signal, the fault callback and the backoff settings. */
export interface RpcOptions {
  publicClient: PublicClient;
  signal?: AbortSignal;
  onError?: (f: SyncFault) => void;
  concurrency?: number;
}

export interface Ctx<O extends RpcOptions = RpcOptions> {
  opts: O;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** Runs a read with bounded exponential backoff. `rangeRead`: a size complaint is thrown as `RangeTooLargeError`. */
export async function rpc<T>(ctx: Ctx, operation: string, fn: () => Promise<T>, rangeRead = false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof BlockNotFoundError || e instanceof TierGuardError) throw e;
      const fault = rpcFault(e, rangeRead);
      if (fault instanceof RangeTooLargeError && rangeRead) throw fault;
      const willRetry = fault instanceof RetryableError && attempt <= ctx.retries && !ctx.opts.signal?.aborted;
      const delayMs = Math.min(ctx.maxBackoffMs, ctx.backoffMs * 2 ** (attempt - 1));
      ctx.opts.onError?.({ operation, error: fault, attempt, willRetry, delayMs: willRetry ? delayMs : 0 });
      if (!willRetry) throw new IndexerRpcError(operation, attempt, e);
      await sleep(delayMs, ctx.opts.signal);
    }
  }
}

export interface ChainBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: number;
  logsBloom: Hex | null;
}

export async function chainBlock(ctx: Ctx, n: bigint): Promise<ChainBlock | undefined> {
  try {
    const b = await rpc(ctx, "getBlock", () => ctx.opts.publicClient.getBlock({ blockNumber: n }));
    if (!b || b.hash === null) return undefined;
    return { number: n, hash: b.hash, parentHash: b.parentHash, timestamp: Number(b.timestamp), logsBloom: b.logsBloom };
  } catch (e) {
    if (e instanceof BlockNotFoundError) return undefined;
    throw e;
  }
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const eqHash = (a?: string | null, b?: string | null) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * Runs a store operation, retrying it with backoff while the database connection is lost (a PostgreSQL restart:
 * a few seconds). `fn` gets the attempt number, so a retried write can first check whether the lost attempt
 * committed after all. SQL errors are not retried.
 */
export async function withDb<T>(ctx: Ctx, operation: string, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const fault = dbFault(e);
      if (!(fault instanceof DbConnectionError)) throw e;
      const willRetry = attempt <= ctx.retries + 5 && !ctx.opts.signal?.aborted;
      const delayMs = Math.min(ctx.maxBackoffMs, ctx.backoffMs * 2 ** (attempt - 1));
      ctx.opts.onError?.({ operation, error: fault, attempt, willRetry, delayMs: willRetry ? delayMs : 0 });
      if (!willRetry) throw fault;
      await sleep(delayMs, ctx.opts.signal);
    }
  }
}
