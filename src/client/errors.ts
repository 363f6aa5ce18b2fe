/**
 * Errors of the client SDK: contract reverts decoded into `ContractError` (with what happened and what to do,
 * from docs/errors.md), RPC failures as `RpcError` (with `retryable`), bad input caught before sending as
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

/**
 * Every TierGuard custom error (and the library errors the wallet can raise): what it means and how to fix it,
 * condensed from docs/errors.md.
 */
export const ERROR_DOCS = {
  // --- callers and signatures
  TierGuardNotOwner: {
    what: (a) =>
      `${a.account} is not an owner of the wallet (only owners may approve, reject or revoke keys; for removeOwner: the address to remove is not an owner)`,
    fix: "Send the transaction from an owner account (check isOwner/owners()). Guardians cannot approve or reject. For removeOwner, check the address: it may already be removed.",
  },
  TierGuardNotOwnerOrGuardian: {
    what: (a) => `${a.account} is neither an owner nor a guardian, so it cannot veto or pause`,
    fix: "Call from an owner or guardian account (check isOwner/isGuardian). Owners can enable a guardian with an owner action calling setGuardian(guardian, true).",
  },
  TierGuardOnlySelf: {
    what: (a) => `a configuration function was called directly by ${a.caller}; only the wallet itself may call it`,
    fix: "ABI-encode the call and put it in the calls of an ownerAction signed by at least M owners (owner client: applyCalls / ownerAction).",
  },
  TierGuardNotSessionKey: {
    what: (a) => `${a.key} has no session key grant (never granted, or revoked)`,
    fix: "Send spend from the key the owners granted to this agent (check sessionKey(key)). If the agent has no valid key, ask the owners to grant one with an owner action calling grantSessionKey(key, agentId, validUntil).",
  },
  TierGuardSessionKeyExpired: {
    what: (a) => `session key ${a.key} expired at ${when(a.validUntil)} (block time ${when(a.nowTs)})`,
    fix: "Ask the owners for a new key, or to extend this one: an owner action calling grantSessionKey(key, agentId, validUntil) with a validUntil in the future. Track validUntil and renew in time.",
  },
  TierGuardSignatureExpired: {
    what: (a) => `the owner action's signed deadline ${when(a.deadline)} has passed (block time ${when(a.nowTs)})`,
    fix: "Choose a later deadline and have the owners sign again (the deadline is part of the signed digest). Leave time to collect the signatures and mine the transaction.",
  },
  TierGuardInvalidSignature: {
    what: (a) => `the signature attributed to ${a.signer} does not verify over the digest the wallet computed`,
    fix: "Have the owner sign the EIP-712 typed data again over the exact calls, current ownerNonce() and deadline (or the intent's token, amount, recipient and deadline for an approval), for this wallet and chain; not as a personal_sign message, and with the right signer field.",
  },
  TierGuardSignersNotSorted: {
    what: (a) =>
      `signatures are not in strictly increasing signer order (${a.signer} after ${a.previous}), or a signer appears twice`,
    fix: "Sort the signatures by signer address ascending (as numbers) and remove duplicates; the SDK's sortSignatures does this.",
  },
  TierGuardSignerNotOwner: {
    what: (a) => `${a.signer} signed but is not an owner of the wallet`,
    fix: "Remove that signature and collect one from a current owner instead (see owners()).",
  },
  TierGuardNotEnoughApprovals: {
    what: (a) => `only ${a.approvals} distinct owner approval(s) counted; the threshold is ${a.threshold}`,
    fix: "Collect signatures or on-chain approvals from more distinct owners, at least M (settings().threshold). Approvals made before an owner removal no longer count.",
  },
  TierGuardEmptyAction: {
    what: () => "the owner action has no calls",
    fix: "Include at least one ABI-encoded call to a wallet configuration function.",
  },
  TierGuardActionCallFailed: {
    what: (a) => `call #${a.index} of the owner action reverted, so the whole action was undone`,
    fix: "Fix that call using the inner error (see `inner`), then have the owners sign the corrected batch (any change to the calls changes the digest).",
  },
  // --- owners and configuration
  TierGuardInvalidThreshold: {
    what: (a) => `threshold ${a.threshold} is invalid for ${a.ownerCount} owner(s)`,
    fix: "Keep 1 <= M <= number of owners after each call: call setThreshold(M - 1) before removeOwner, or addOwner before raising M.",
  },
  TierGuardInvalidOwner: {
    what: (a) => `${a.owner} cannot be an owner or guardian (zero address or the wallet itself)`,
    fix: "Use the real address of an EOA or an ERC-1271 contract wallet.",
  },
  TierGuardOwnerExists: {
    what: (a) => `${a.owner} is already an owner`,
    fix: "Drop the addOwner call (or the duplicate in the deployment list).",
  },
  TierGuardTooManyOwners: {
    what: (a) => `the wallet already has the maximum of ${a.max} owners`,
    fix: "Remove an owner first (removeOwner before addOwner in the same action, keeping the threshold reachable).",
  },
  TierGuardInvalidKey: {
    what: (a) => `${a.key} cannot be a session key (zero address or the wallet itself)`,
    fix: "Grant a real address whose private key the agent holds; use a fresh key per agent.",
  },
  TierGuardKeyBelongsToOtherAgent: {
    what: (a) => `key ${a.key} is already granted to another agent identity (${a.agentId})`,
    fix: "Generate a new key for the new agent, or revokeSessionKey(key) then grantSessionKey(key, newAgentId, validUntil) in one owner action.",
  },
  TierGuardInvalidAgent: {
    what: () => "the agent id is zero or its last 5 bytes are not zero",
    fix: "Use a non-zero id whose last 5 bytes are zero: a name of at most 27 characters as a left-aligned bytes32 (stringToHex(name, { size: 32 })), or a hash with its last 5 bytes cleared.",
  },
  TierGuardInvalidCategory: {
    what: (a) => `category ${a.category} is out of range (0..63) or its name is empty`,
    fix: "Use an id from 0 to 63 and a non-empty bytes32 name.",
  },
  TierGuardCategoryInUse: {
    what: (a) => `category ${a.category} is still used by a tier or the prohibitions`,
    fix: "In the same owner action, call setTierRules / setProhibitions without it before undefineCategory.",
  },
  TierGuardCategoryConflict: {
    what: (a) =>
      `categories (mask 0x${BigInt(a.categories as bigint).toString(16)}) would be both allowed by a tier and prohibited`,
    fix: "Change the policy in the right order in one owner action: setTierRules without the category before setProhibitions (or the reverse to allow it).",
  },
  TierGuardInvalidTier: {
    what: (a) => `tier ${a.tier} is not accepted here (only Autonomous, Supervised, Collaborative)`,
    fix: "Pass 0, 1 or 2. Prohibitions are set with setProhibitions, the unmatched tier with setUnmatchedTier.",
  },
  TierGuardInvalidTierRules: {
    what: (a) => `invalid ${TIER[Number(a.tier)] ?? a.tier} tier setting: field '${a.field}'`,
    fix: "Correct that field (see docs/errors.md#tierguardinvalidtierrules); define categories before using them, set categories to 0 to disable a tier.",
  },
  TierGuardInvalidToken: {
    what: (a) => `token ${a.token} cannot be configured: '${a.field}' is invalid`,
    fix: "Correct that parameter: a fixed price has 18 decimals (1.00 per token = 1e18) and maxStaleness 0; a feed needs code, readable decimals and maxStaleness > 0.",
  },
  TierGuardInvalidTrust: {
    what: (a) => `trust value or mask ${a.trust} is out of range`,
    fix: "Build trust masks from bits 0-2 only (Unknown, Known, Verified); trust values go up to Blocked (3).",
  },
  TierGuardInvalidUnmatchedTier: {
    what: (a) => `unmatched intents cannot go to tier ${a.tier}`,
    fix: "Send unmatched intents to Collaborative (2, owner review) or Prohibited (3).",
  },
  TierGuardAgentFrozen: {
    what: (a) => `agent ${a.agentId} is frozen: no session key can be granted to it`,
    fix: "Close its queued intents, then put unfreezeAgent(agentId) before grantSessionKey in one owner action.",
  },
  TierGuardAgentNotFrozen: {
    what: (a) => `agent ${a.agentId} is not frozen`,
    fix: "Nothing to undo: remove the unfreezeAgent call (check the agent id).",
  },
  TierGuardAgentHasOpenIntents: {
    what: (a) => `agent ${a.agentId} still has ${a.openIntents} open queued intents`,
    fix: "Close them first (freezeAgent again with them, or reject / veto / expire them), then unfreeze.",
  },
  // --- intents
  TierGuardTooManyBlockedAttempts: {
    what: (a) =>
      `agent ${a.agentId} has made ${a.maxBlockedAttempts} blocked (prohibited) attempts in its 24-hour window: no more are recorded`,
    fix: "Stop submitting prohibited payments (check the policy with preview first); the cap resets 24 hours after the window began.",
  },
  TierGuardPaused: {
    what: () => "the wallet is paused",
    fix: "Wait until the owners resume it with an owner action calling unpause() (M-of-N). For pause: it is already paused, nothing to do.",
  },
  TierGuardNotPaused: {
    what: () => "unpause was called but the wallet is not paused",
    fix: "Nothing needs resuming: remove the unpause call from the batch.",
  },
  TierGuardZeroAmount: {
    what: () => "the amount is zero",
    fix: 'Pass a non-zero amount (in the token\'s smallest unit on-chain; the SDK takes decimal strings such as "1.00").',
  },
  TierGuardInvalidRecipient: {
    what: (a) => `recipient ${a.recipient} is the zero address or the wallet itself`,
    fix: "Pass the real payee's address.",
  },
  TierGuardUnknownCategory: {
    what: (a) => `category ${a.category} is not defined in the wallet's policy`,
    fix: "Use a defined category (settings().categories, categoryName(id)), or ask the owners to defineCategory it and include it in a tier.",
  },
  TierGuardTokenNotAccepted: {
    what: (a) => `token ${a.token} is not accepted by the wallet`,
    fix: "Pay in an accepted token (tokens()), or ask the owners to accept it with configureToken.",
  },
  TierGuardStalePrice: {
    what: (a) => `the price feed of ${a.token} is stale (last update ${when(a.updatedAt)}, max age ${a.maxStaleness}s)`,
    fix: "Wait for the feed to update and submit again, or ask the owners to reconfigure the token (larger maxStaleness or a fixed price).",
  },
  TierGuardInvalidPrice: {
    what: (a) => `the price feed of ${a.token} returned an invalid price (${a.answer})`,
    fix: "The feed is broken or paused: check it, wait, or ask the owners to point the token at a working feed or fixed price.",
  },
  TierGuardValueTooLarge: {
    what: (a) => `the payment's value (${a.value} reference units) does not fit in 64 bits`,
    fix: "Check that the amount is in the token's units (not scaled twice) and that the token's price is configured correctly (tokenConfig, quote).",
  },
  TierGuardJustificationTooLong: {
    what: (a) => `the justification is ${a.length} bytes; the maximum is ${a.max}`,
    fix: "Shorten the text (the limit is in UTF-8 bytes, not characters).",
  },
  TierGuardInsufficientBalance: {
    what: (a) => `the wallet holds ${a.balance} of ${a.token} but the payment needs ${a.amount}`,
    fix: "Fund the wallet, then try again, or pay less.",
  },
  TierGuardNativeTransferFailed: {
    what: (a) => `recipient ${a.recipient} did not accept ${a.amount} wei`,
    fix: "Pay an address that accepts ETH, or pay in an ERC-20 token.",
  },
  TierGuardUnknownIntent: {
    what: (a) =>
      `no waiting intent matches id ${a.intentId} and the PendingIntent fields passed (never queued, already decided, or a field is wrong)`,
    fix: "Check intentStatus(intentId): if None, the intent is decided or was never queued (its events say what happened); otherwise pass the PendingIntent exactly as rebuilt from IntentSubmitted (the SDK rebuilds it for you).",
  },
  TierGuardWrongStatus: {
    what: (a) =>
      `intent ${a.intentId} waits in status ${STATUS[Number(a.status)] ?? a.status}, which this call does not accept`,
    fix: "Use the call that fits the tier: a supervised intent (Queued) is vetoed in its window then executed; a collaborative one (AwaitingApproval) is approved or rejected.",
  },
  TierGuardVetoWindowOver: {
    what: (a) => `too late to veto intent ${a.intentId}: its veto window ended at ${when(a.notBefore)}`,
    fix: "It can no longer be vetoed. To stop it anyway, pause the wallet (then expire it after its deadline) or block the recipient with an owner action.",
  },
  TierGuardVetoWindowOpen: {
    what: (a) => `too early to execute intent ${a.intentId}: its veto window is open until ${when(a.notBefore)}`,
    fix: "Wait until notBefore, then call execute again.",
  },
  TierGuardDeadlinePassed: {
    what: (a) => `intent ${a.intentId} passed its deadline ${when(a.deadline)}`,
    fix: "It can no longer be paid, approved or rejected: call expire to close it and release its budget; the agent submits a new intent if still needed.",
  },
  TierGuardDeadlineNotReached: {
    what: (a) => `too early to expire intent ${a.intentId}: its deadline is ${when(a.deadline)}`,
    fix: "Wait until the deadline, or close it sooner with veto (supervised, in its window) or reject (collaborative).",
  },
  TierGuardAlreadyApproved: {
    what: (a) => `${a.owner} has already approved intent ${a.intentId} on-chain`,
    fix: "Nothing to do: the approval counts. Collect approvals from other owners; if M approved but the payment was refused for a retryable reason, call execute once resolved.",
  },
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
