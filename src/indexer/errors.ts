/**
 * The indexer's errors, and its one decision on faults: every RPC or database failure is turned, where it is
 * caught, into either a `RetryableError` (the same call may succeed later: a dropped connection, a busy node, a
 * timeout, a range the node found too large) or a `NonRetryableError` (retrying cannot help: a bad request, a
 * SQL error, a wrong schema). Callers branch on the type, never on the message.
 */
import type { Hex } from "viem";
import { TierGuardError, type TierGuardErrorOptions } from "../errors";
import { RpcError, decodeError } from "../client/errors";

/** A fault the same call may overcome later (after a backoff). */
export class RetryableError extends TierGuardError {
  override name = "RetryableError";
}

/** The node refused an `eth_getLogs` range because of its size or its result count: read a smaller range. */
export class RangeTooLargeError extends RetryableError {
  override name = "RangeTooLargeError";
  /** the largest block span the node named in its answer, if it named one */
  readonly suggestedSpan?: bigint;
  /** the most logs per answer the node named ("more than 10000 results"), if it named a count */
  readonly maxLogs?: number;
  /** for a response over the client's size cap: cap / size (the share of the range's logs that fits) */
  readonly sizeRatio?: number;
  /** what the node limits, when its answer says: the block span, or the logs (results, bytes) per answer */
  readonly limit?: "span" | "logs";
  constructor(
    shortMessage: string,
    options: TierGuardErrorOptions & { suggestedSpan?: bigint; maxLogs?: number; sizeRatio?: number; limit?: "span" | "logs" } = {},
  ) {
    super(shortMessage, options);
    this.suggestedSpan = options.suggestedSpan;
    this.maxLogs = options.maxLogs;
    this.sizeRatio = options.sizeRatio;
    this.limit = options.limit;
  }
}

/** The database connection failed or was closed (server restart, network): reconnect and retry. */
export class DbConnectionError extends RetryableError {
  override name = "DbConnectionError";
}

/** A fault that retrying cannot fix. */
export class NonRetryableError extends TierGuardError {
  override name = "NonRetryableError";
}

/** A store failure (SQL error, inconsistent state, concurrent writer). */
export class IndexerStoreError extends TierGuardError {
  override name = "IndexerStoreError";
}

/** A log the wallet's ABI cannot decode. The range is not written. */
export class IndexerDecodeError extends TierGuardError {
  override name = "IndexerDecodeError";
  readonly txHash?: Hex;
  readonly logIndex?: number;
  readonly blockNumber?: bigint;
  constructor(
    log: { transactionHash?: Hex | null; logIndex?: number | null; blockNumber?: bigint | null },
    cause: unknown,
  ) {
    super(
      `cannot decode the wallet log at block ${log.blockNumber}, tx ${log.transactionHash}, log index ${log.logIndex}`,
      {
        cause,
        fix: "The wallet emitted an event its ABI does not know: check that the address is a TierGuard wallet and regenerate the ABI (npm run abi) if the contract changed. The sync stopped before this range.",
      },
    );
    this.txHash = log.transactionHash ?? undefined;
    this.logIndex = log.logIndex ?? undefined;
    this.blockNumber = log.blockNumber ?? undefined;
  }
}

/** An RPC fault that retries did not overcome. */
export class IndexerRpcError extends TierGuardError {
  override name = "IndexerRpcError";
  readonly operation: string;
  readonly attempts: number;
  constructor(operation: string, attempts: number, cause: unknown) {
    const inner = decodeError(cause);
    super(`${operation} failed after ${attempts} attempt(s): ${inner.shortMessage}`, {
      cause,
      fix: "Check the RPC endpoint. The sync stopped after the last committed range; run it again to resume.",
    });
    this.operation = operation;
    this.attempts = attempts;
  }
}

/** Every message, detail and code along an error's `cause` chain. */
function chain(e: unknown): { text: string; codes: Set<unknown>; status?: number; sizeRatio?: number } {
  const parts: string[] = [];
  const codes = new Set<unknown>();
  let status: number | undefined;
  let sizeRatio: number | undefined;
  let cur: unknown = e;
  for (let i = 0; cur && i < 8; i++) {
    const x = cur as Record<string, unknown>;
    for (const v of [x.message, x.details, x.shortMessage]) if (typeof v === "string") parts.push(v);
    if (x.code !== undefined) codes.add(x.code);
    if (typeof x.status === "number" && status === undefined) status = x.status;
    // viem's ResponseBodyTooLargeError: the answer was over the HTTP client's size cap (10 MB by default)
    if (typeof x.maxSize === "number" && typeof x.size === "number" && x.size > x.maxSize && x.size > 0) {
      sizeRatio = x.maxSize / x.size;
    }
    cur = x.cause;
  }
  return { text: parts.join("\n"), codes, status, sizeRatio };
}

// What nodes say when a range is too large, in their own words (geth, erigon, Alchemy, Infura, QuickNode, ...).
const RANGE_LIMIT =
  /block range|range (is )?too (large|big|wide)|too many (results|blocks|logs)|more than \d+ (results|logs|blocks)|exceed|limit(ed)? (is|to|exceeded)|response (size|is too)|query returned|timed? ?out|timeout/i;
const RATE_LIMIT = /rate.?limit|too many requests|\b429\b|request rate|capacity|throttl/i;
const NETWORK = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket|network|fetch failed|HTTP (429|5\d\d)/i;
/** e.g. "query returned more than 10000 results", "log response size exceeded ... cap of 10000 logs" */
const LOG_LIMIT = /(?:more than|max(?:imum)?|limit(?:ed)?(?: is| to)?|exceed(?:s|ed)?|up to|cap of)\D{0,20}?(\d{2,9})\s*(?:results|logs|log entries|entries)/i;
/** e.g. "query returned more than 10000 results. Try with this block range [0x1, 0x2f]" */
const SUGGESTED_RANGE = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i;
/** e.g. "block range is too wide (maximum 500)" / "limited to 2000 blocks" / "range should not exceed 1000" */
const SUGGESTED_SPAN = /(?:maximum|max|limited to|limit(?: is)?|not exceed|up to)\D{0,20}(\d{2,9})/i;

const LOGS_LIMITED = /results|\blogs\b|log entries|response (size|is too|too large)|too large response/i;
const SPAN_LIMITED = /block range|range (is )?too|too many blocks|\bblocks?\b/i;

/** What a refusal says about the node's limits: a block span (a suggested range or a maximum), or a log count. */
function rangeLimits(text: string): { suggestedSpan?: bigint; maxLogs?: number; limit?: "span" | "logs" } {
  const range = SUGGESTED_RANGE.exec(text);
  const logs = LOG_LIMIT.exec(text);
  const maxLogs = logs ? Number(logs[1]) : undefined;
  const limit = LOGS_LIMITED.test(text) ? "logs" : SPAN_LIMITED.test(text) ? "span" : undefined;
  if (range) {
    const span = BigInt(range[2]) - BigInt(range[1]) + 1n;
    if (span > 0n) return { suggestedSpan: span, maxLogs, limit };
  }
  if (maxLogs !== undefined) return { maxLogs, limit: "logs" };
  const span = limit === "span" ? SUGGESTED_SPAN.exec(text) : null;
  return span ? { suggestedSpan: BigInt(span[1]), limit } : { limit };
}

/**
 * The one decision for an RPC failure. `rangeRead`: the call was an `eth_getLogs` over a block range, so a size
 * complaint (or a timeout) means "read less" (`RangeTooLargeError`) rather than "try again".
 */
export function rpcFault(e: unknown, rangeRead = false): RetryableError | NonRetryableError {
  if (e instanceof RetryableError || e instanceof NonRetryableError) return e;
  const { text, codes, status, sizeRatio } = chain(e);
  const decoded = decodeError(e);
  const opts = { cause: e, fix: decoded.fix };
  if (status === 429 || RATE_LIMIT.test(text)) return new RetryableError(decoded.shortMessage, opts);
  if (rangeRead && (codes.has(-32005) || sizeRatio !== undefined || RANGE_LIMIT.test(text))) {
    const limits = rangeLimits(text);
    return new RangeTooLargeError(decoded.shortMessage, {
      ...opts,
      ...limits,
      sizeRatio,
      limit: sizeRatio !== undefined ? "logs" : limits.limit,
    });
  }
  if ((decoded instanceof RpcError && decoded.retryable) || NETWORK.test(text) || RANGE_LIMIT.test(text)) {
    return new RetryableError(decoded.shortMessage, opts);
  }
  return new NonRetryableError(decoded.shortMessage, opts);
}

/** True when an RPC failure of an `eth_getLogs` range says the range is too large. */
export const isRangeError = (e: unknown): boolean => rpcFault(e, true) instanceof RangeTooLargeError;

// PostgreSQL SQLSTATE classes 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now),
// 53300 (too many connections), 40001/40P01 (serialization failure, deadlock: the transaction may be re-run).
const DB_RETRYABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01"]);
const DB_NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN"]);
const DB_CONNECTION_TEXT = /Connection terminated|connection (is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i;

/** The one decision for a database failure: a lost connection is retryable, a SQL error is not. */
export function dbFault(e: unknown): RetryableError | NonRetryableError {
  if (e instanceof RetryableError || e instanceof NonRetryableError) return e;
  const { text, codes } = chain(e);
  const message = e instanceof Error ? e.message : String(e);
  const sqlState = [...codes].find((c): c is string => typeof c === "string" && /^[0-9A-Z]{5}$/.test(c));
  const lost =
    [...codes].some((c) => typeof c === "string" && (DB_NETWORK_CODES.has(c) || DB_RETRYABLE_CODES.has(c))) ||
    (sqlState !== undefined && sqlState.startsWith("08")) ||
    DB_CONNECTION_TEXT.test(text);
  if (lost) {
    return new DbConnectionError(`database connection lost: ${message}`, {
      cause: e,
      fix: "The indexer retries with backoff; check that the database server is running.",
    });
  }
  return new NonRetryableError(`database error: ${message}`, { cause: e });
}
