/** Retrying JSON-RPC reads for the sync: bounded exponential backoff, faults typed once (`rpcFault`). */
import { BlockNotFoundError, hexToNumber, numberToHex, type Hex, type PublicClient } from "viem";
import { getHttpRpcClient } from "viem/utils";
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
  /** false once the node refused a JSON-RPC batch: headers are then read one request each for the rest of the run */
  batchHeaders?: boolean;
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

/** Blocks per JSON-RPC batch of header reads (many public endpoints cap a batch at 100 calls or fewer). */
const HEADER_BATCH = 50;

type RpcBlock = { number: Hex; hash: Hex | null; parentHash: Hex; timestamp: Hex; logsBloom: Hex | null };

/** A JSON-RPC client for the HTTP endpoint behind a client whose transport is plain HTTP (else undefined: no batches). */
function httpRpcClient(client: PublicClient): ReturnType<typeof getHttpRpcClient> | undefined {
  const t = client.transport as { type?: string; url?: string; fetchOptions?: RequestInit; timeout?: number };
  return t.type === "http" && typeof t.url === "string"
    ? getHttpRpcClient(t.url, { fetchOptions: t.fetchOptions, timeout: t.timeout })
    : undefined;
}

/**
 * One JSON-RPC batch of `eth_getBlockByNumber` calls. Returns undefined when the node does not answer the batch as
 * a batch (no array, a missing or failed entry: batches unsupported or capped); transport faults throw.
 */
async function batchBlocks(
  endpoint: NonNullable<ReturnType<typeof httpRpcClient>>,
  numbers: readonly bigint[],
): Promise<(ChainBlock | undefined)[] | undefined> {
  const answer = (await endpoint.request({
    body: numbers.map((n, i) => ({ id: i, method: "eth_getBlockByNumber", params: [numberToHex(n), false] })),
  })) as unknown;
  if (!Array.isArray(answer) || answer.length !== numbers.length) return undefined;
  const byId = new Map((answer as { id: number; result?: RpcBlock | null; error?: unknown }[]).map((r) => [Number(r.id), r]));
  const out: (ChainBlock | undefined)[] = [];
  for (let i = 0; i < numbers.length; i++) {
    const r = byId.get(i);
    if (!r || r.error !== undefined || r.result === undefined) return undefined;
    const b = r.result;
    out.push(
      b === null || b.hash === null || BigInt(b.number) !== numbers[i]
        ? undefined
        : { number: numbers[i], hash: b.hash, parentHash: b.parentHash, timestamp: hexToNumber(b.timestamp), logsBloom: b.logsBloom },
    );
  }
  return out;
}

/**
 * The headers of many blocks (undefined where the chain has none): JSON-RPC batches of up to 50 calls when the
 * client's transport is HTTP, so a range with logs in many blocks costs a few round trips, not one per block. A
 * node that does not take batches is asked one block per request (`concurrency` at a time) for the rest of the run.
 */
export async function chainBlocks(ctx: Ctx, numbers: readonly bigint[]): Promise<(ChainBlock | undefined)[]> {
  const oneByOne = (ns: readonly bigint[]) => mapLimit(ns, ctx.opts.concurrency ?? 8, (n) => chainBlock(ctx, n));
  const endpoint = numbers.length > 1 && ctx.batchHeaders !== false ? httpRpcClient(ctx.opts.publicClient) : undefined;
  if (endpoint) {
    const out: (ChainBlock | undefined)[] = [];
    for (let i = 0; i < numbers.length; i += HEADER_BATCH) {
      const chunk = numbers.slice(i, i + HEADER_BATCH);
      const got = await rpc(ctx, "getBlock", () => batchBlocks(endpoint, chunk));
      if (!got) {
        ctx.batchHeaders = false;
        return [...out, ...(await oneByOne(numbers.slice(i)))];
      }
      out.push(...got);
    }
    return out;
  }
  return oneByOne(numbers);
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
