/**
 * Errors of the client SDK: contract reverts decoded into `ContractError` (with what happened and what to do,
 * from the errors' NatSpec), RPC failures as `RpcError` (with `retryable`), bad input caught before sending as
 * `InvalidInputError`, and `withRetry` for safe (idempotent) calls only: reads and receipt waits.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  HttpRequestError,
  TimeoutError,
  RpcRequestError,
  LimitExceededRpcError,
  ResourceUnavailableRpcError,
  InternalRpcError,
  WaitForTransactionReceiptTimeoutError,
  SocketClosedError,
  type Hex,
} from "viem";
import { TierGuardError } from "../errors";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { errorDocs } from "./error-docs";

type Args = Record<string, unknown>;

const TIER = ["Autonomous", "Supervised", "Collaborative", "Prohibited"];
const STATUS = [
  "None",
  "Queued",
  "AwaitingApproval",
  "Executed",
  "Vetoed",
  "Rejected",
  "Expired",
  "Stale",
  "Refused",
  "Blocked",
];
const when = (ts: unknown) => {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? `${n} (${new Date(n * 1000).toISOString()})` : String(ts);
};

interface ErrorDoc {
  /** What happened, from the error's parameters. */
  what: (a: Args) => string;
  /** What to do. */
  fix: string;
}

/** Fills a NatSpec `@custom:sdk-message` template: `{param}` or `{param:time|tier|status|hex}`. */
function fill(template: string, a: Args): string {
  return template.replace(/\{(\w+)(?::(\w+))?\}/g, (_, name: string, format?: string) => {
    const v = a[name];
    if (format === "time") return when(v);
    if (format === "tier") return TIER[Number(v)] ?? String(v);
    if (format === "status") return STATUS[Number(v)] ?? String(v);
    if (format === "hex") return typeof v === "bigint" || typeof v === "number" ? BigInt(v).toString(16) : String(v);
    return String(v);
  });
}

/** The wallet's own errors, explained from their NatSpec (generated into `error-docs.ts`, like docs/errors.md). */
const WALLET_ERROR_DOCS = Object.fromEntries(
  Object.entries(errorDocs).map(([name, d]) => [name, { what: (a: Args) => fill(d.message, a), fix: d.fix }]),
) as { [K in keyof typeof errorDocs]: ErrorDoc };

/**
 * Every TierGuard custom error (and the library errors the wallet can raise): what it means and how to fix it.
 * The wallet's errors come from the NatSpec in contracts/interfaces/ITierGuardBase.sol; docs/errors.md has the
 * long form.
 */
export const ERROR_DOCS = {
  ...WALLET_ERROR_DOCS,
  // --- library errors the wallet may surface
  SafeERC20FailedOperation: {
    what: (a) => `the token transfer of ${a.token} failed (the token returned false)`,
    fix: "Check the wallet's token balance and the token contract; fund the wallet and try again.",
  },
  InvalidShortString: {
    what: () => "a short string could not be decoded (EIP-712 domain name or version)",
    fix: "This comes from the wallet's EIP-712 domain and should not happen with a genuine TierGuard wallet: check the wallet address.",
  },
  StringTooLong: {
    what: (a) => `a string is too long to be stored as a short string (${String(a.str)})`,
    fix: "This comes from the wallet's EIP-712 domain and should not happen with a genuine TierGuard wallet: check the wallet address.",
  },
  ReentrancyGuardReentrantCall: {
    what: () => "a reentrant call into the wallet was refused",
    fix: "Do not call back into the wallet from a payment recipient.",
  },
} satisfies Record<string, ErrorDoc>;

export type TierGuardErrorName = keyof typeof ERROR_DOCS;

/** A contract revert, decoded. `errorName` is the custom error's name; `args` its named parameters. */
export class ContractError extends TierGuardError {
  override name = "ContractError";
  readonly errorName: string;
  readonly args: Args;
  /** Raw revert data, when known. */
  readonly data?: Hex;
  /** For `TierGuardActionCallFailed`: the failing call's own error. */
  readonly inner?: ContractError;

  constructor(
    errorName: string,
    args: Args,
    options: { data?: Hex; inner?: ContractError; cause?: unknown; functionName?: string } = {},
  ) {
    const doc = (ERROR_DOCS as Record<string, ErrorDoc>)[errorName];
    const where = options.functionName ? `${options.functionName} reverted with ${errorName}` : errorName;
    const what = doc ? doc.what(args) : "the wallet reverted with an error the SDK does not know";
    const details = options.inner ? [`inner error: ${options.inner.errorName}: ${options.inner.shortMessage}`] : [];
    const fix = options.inner?.fix ? `${doc?.fix ?? ""} Inner: ${options.inner.fix}`.trim() : doc?.fix;
    super(`${where}: ${what}`, { fix, details, cause: options.cause });
    this.errorName = errorName;
    this.args = args;
    this.data = options.data;
    this.inner = options.inner;
  }
}

/** An RPC or transport failure. `retryable` tells whether repeating a *safe* call may succeed. */
export class RpcError extends TierGuardError {
  override name = "RpcError";
  readonly retryable: boolean;
  readonly code?: number;
  constructor(shortMessage: string, options: { retryable: boolean; code?: number; cause?: unknown; fix?: string }) {
    super(shortMessage, {
      cause: options.cause,
      fix:
        options.fix ??
        (options.retryable
          ? "A transient node or network failure: retry the read later, or check the RPC endpoint."
          : "Check the RPC endpoint, the chain and the request."),
    });
    this.retryable = options.retryable;
    this.code = options.code;
  }
}

/** Input rejected before anything was sent. `field` names the offending parameter. */
export class InvalidInputError extends TierGuardError {
  override name = "InvalidInputError";
  readonly field: string;
  constructor(field: string, shortMessage: string, fix?: string) {
    super(`invalid ${field}: ${shortMessage}`, { fix });
    this.field = field;
  }
}

/** A wait (for a decision, a receipt) ran out of time. */
export class WaitTimeoutError extends TierGuardError {
  override name = "WaitTimeoutError";
}

/** Decodes raw revert data with the wallet's ABI (unknown selectors give undefined). */
export function decodeRevertData(data: Hex, functionName?: string, cause?: unknown): ContractError | undefined {
  if (!data || data === "0x" || data.length < 10) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: tierGuardWalletAbi, data });
    return contractErrorFrom(
      decoded.errorName,
      decoded.args as readonly unknown[] | undefined,
      data,
      functionName,
      cause,
    );
  } catch {
    return undefined;
  }
}

function contractErrorFrom(
  errorName: string,
  rawArgs: readonly unknown[] | undefined,
  data: Hex | undefined,
  functionName: string | undefined,
  cause: unknown,
): ContractError {
  const item = tierGuardWalletAbi.find((x) => x.type === "error" && x.name === errorName) as
    { inputs: readonly { name: string }[] } | undefined;
  const args: Args = {};
  (rawArgs ?? []).forEach((v, i) => {
    args[item?.inputs[i]?.name || String(i)] = v;
  });
  let inner: ContractError | undefined;
  if (errorName === "TierGuardActionCallFailed" && typeof args.reason === "string") {
    inner = decodeRevertData(args.reason as Hex);
  }
  return new ContractError(errorName, args, { data, inner, cause, functionName });
}

const RETRYABLE_CODES = new Set([-32005, -32002, 429]);

/**
 * Converts anything thrown by viem into a `TierGuardError`: contract reverts become `ContractError`, transport
 * and node failures `RpcError`. TierGuard errors pass through unchanged.
 */
export function decodeError(err: unknown, functionName?: string): TierGuardError {
  if (err instanceof TierGuardError) return err;
  if (err instanceof BaseError) {
    const reverted = err.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (reverted) {
      if (reverted.data?.errorName && reverted.data.errorName !== "Error" && reverted.data.errorName !== "Panic") {
        return contractErrorFrom(reverted.data.errorName, reverted.data.args, reverted.raw, functionName, err);
      }
      const fromRaw = reverted.raw ? decodeRevertData(reverted.raw, functionName, err) : undefined;
      if (fromRaw) return fromRaw;
      if (reverted.reason || reverted.data) {
        return new ContractError(
          reverted.data?.errorName ?? "Error",
          { reason: reverted.reason ?? reverted.data?.args },
          {
            data: reverted.raw,
            cause: err,
            functionName,
          },
        );
      }
    }
    // Revert data carried by an RPC error that viem did not map to a contract error (e.g. eth_sendTransaction).
    const data = findRevertData(err);
    if (data) {
      const decoded = decodeRevertData(data, functionName, err);
      if (decoded) return decoded;
    }
    const http = err.walk((e) => e instanceof HttpRequestError) as HttpRequestError | null;
    if (http) {
      const status = http.status;
      const retryable = status === undefined || status === 429 || status >= 500;
      return new RpcError(`RPC request failed${status ? ` with HTTP ${status}` : ""}: ${http.shortMessage}`, {
        retryable,
        code: status,
        cause: err,
      });
    }
    if (
      err.walk(
        (e) =>
          e instanceof TimeoutError ||
          e instanceof SocketClosedError ||
          e instanceof WaitForTransactionReceiptTimeoutError,
      )
    ) {
      return new RpcError(`RPC request timed out: ${err.shortMessage}`, { retryable: true, cause: err });
    }
    if (err.walk((e) => e instanceof LimitExceededRpcError || e instanceof ResourceUnavailableRpcError)) {
      return new RpcError(`the node is rate-limiting or busy: ${err.shortMessage}`, { retryable: true, cause: err });
    }
    const rpc = err.walk((e) => e instanceof RpcRequestError) as RpcRequestError | null;
    if (rpc) {
      return new RpcError(`the node refused the request: ${rpc.shortMessage}`, {
        retryable: RETRYABLE_CODES.has(rpc.code),
        code: rpc.code,
        cause: err,
      });
    }
    if (err.walk((e) => e instanceof InternalRpcError)) {
      return new RpcError(`the node failed: ${err.shortMessage}`, { retryable: false, cause: err });
    }
    return new RpcError(err.shortMessage, { retryable: false, cause: err });
  }
  if (err instanceof TypeError && /fetch|network|ECONNREFUSED|socket/i.test(err.message)) {
    return new RpcError(`network failure: ${err.message}`, { retryable: true, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TierGuardError(message, { cause: err });
}

function findRevertData(err: BaseError): Hex | undefined {
  let found: Hex | undefined;
  err.walk((e) => {
    const d = (e as { data?: unknown }).data;
    const candidate =
      typeof d === "string"
        ? d
        : typeof (d as { data?: unknown })?.data === "string"
          ? (d as { data: string }).data
          : undefined;
    if (candidate && /^0x[0-9a-fA-F]{8,}$/.test(candidate)) {
      found = candidate as Hex;
      return true;
    }
    return false;
  });
  return found;
}

export interface RetryOptions {
  /** extra attempts after the first (default 3) */
  retries?: number;
  /** delay before retry n (1-based), ms: a number (doubled each time) or a function (default 100) */
  backoff?: number | ((attempt: number) => number);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn`, retrying on retryable RPC failures. For safe calls only (reads, receipt waits): never wrap a call
 * that sends a transaction, which could then be sent twice. Errors come out decoded (`decodeError`).
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 3;
  const backoff = opts.backoff ?? 100;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = decodeError(e);
      if (!(err instanceof RpcError) || !err.retryable || attempt >= retries) throw err;
      await sleep(typeof backoff === "function" ? backoff(attempt + 1) : backoff * 2 ** attempt);
    }
  }
}
