/**
 * The agent's client: submits payment intents with the agent's session key (`authorize`), waits for the
 * owners' decision on queued ones and executes supervised intents after their veto window.
 */
import {
  erc20Abi,
  hexToString,
  isAddress,
  isHex,
  getAddress,
  toHex,
  stringToHex,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { InvalidInputError, WaitTimeoutError, withRetry, type RetryOptions } from "./errors";
import {
  auditIdFor,
  createIntentResolver,
  decisionFrom,
  decodeMisses,
  lifecycleLogs,
  pendingIntentFrom,
  REASON_NAMES,
  settleResultFrom,
  submissionFromReceipt,
  SUBMIT_STATUS,
  TIER_NAMES,
  type Decision,
  type Miss,
  type PendingIntent,
  type ReasonName,
  type SettleResult,
  type SubmitStatus,
  type TierName,
} from "./intents";
import { accountOf, sendWalletTx, type AnyWalletClient } from "./tx";
import { ContractError } from "./errors";
import { relayIntent } from "./relayer-client";
import { idempotencyKeyOf, signedSpendTypedData, type SignedIntent, type SignedSpend } from "./signed-intents";
import type { Submission } from "./intents";

export interface AgentClientConfig {
  publicClient: PublicClient;
  /** the agent's session key account */
  walletClient: AnyWalletClient;
  /** the TierGuard wallet's address */
  wallet: Address;
  /** the agent identity (bytes32, or a name of at most 27 characters); read from the key's grant if omitted */
  agentId?: Hex | string;
  /** default token for `authorize` (address(0) = ETH) */
  token?: Address;
  /** category names to ids; if omitted, names are read from the wallet's defined categories */
  categories?: Record<string, number>;
  /** first block to search for the wallet's events (default 0) */
  fromBlock?: bigint;
  /** polling interval for `waitForDecision`, ms (default: the public client's, at least 50) */
  pollingInterval?: number;
  retry?: RetryOptions;
  /**
   * URL of a TierGuard relayer (`tierguard relayer`, `createRelayer`): `authorize` then signs the intent with the
   * session key (EIP-712) and the relayer submits it with its own gas account, so the key needs no ETH.
   */
  relayer?: string;
  /** how long a signed intent stays valid, seconds (default 600) */
  signedIntentTtl?: number;
}

export interface AuthorizeParams {
  /** decimal string in the token's units (e.g. "89.00"), or a bigint in the token's smallest unit */
  amount: string | bigint;
  /** category id, or its name */
  category: number | string;
  recipient: Address | string;
  justification: string;
  /** default: the client's configured token */
  token?: Address;
  /**
   * Names this payment request so that a retry never pays twice: a 32-byte hex key is used as is, any other
   * string is hashed (keccak256). The wallet records (agent, key) -> intent; `authorize` with a key that already
   * names an intent returns that intent (`replayed: true`), also after a timeout, a crash or a restart.
   */
  idempotencyKey?: string;
  /** when `idempotencyKey` is omitted, the key is derived from it: keccak256("tierguard:request:" + requestId) */
  requestId?: string;
}

export interface AuthorizeResult {
  intentId: Hex;
  tier: TierName;
  status: SubmitStatus;
  /** `aud-<yyyy-mm-dd>-<nonce>` (block date, UTC; the agent's intent nonce) */
  auditId: string;
  txHash: Hex;
  /** value in reference units (6 decimals) */
  value: bigint;
  reason: ReasonName;
  /** tiers tried before the result and why each failed */
  misses: Miss[];
  policyVersion: number;
  /** the amount sent, in the token's smallest unit */
  amount: bigint;
  token: Address;
  blockNumber: bigint;
  submittedAt: Date;
  /** the queued intent's fields (supervised, collaborative) */
  pending?: PendingIntent;
  /** the on-chain idempotency key, when the payment has one */
  idempotencyKey?: Hex;
  /** true when an earlier submission with the same key was found: nothing new was submitted or paid */
  replayed: boolean;
  /** true when a relayer submitted the signed intent */
  relayed: boolean;
}

/** What `preview` says the wallet would decide now, with the resolved intent fields. */
export interface PreviewResult {
  tier: TierName;
  reason: ReasonName;
  misses: Miss[];
  /** value in reference units (6 decimals) */
  value: bigint;
  token: Address;
  /** in the token's smallest unit */
  amount: bigint;
  recipient: Address;
  category: number;
}

export const MAX_JUSTIFICATION_BYTES = 512;

/** An intent's fields as the wallet takes them. */
interface Prepared {
  token: Address;
  amount: bigint;
  recipient: Address;
  category: number;
}

const randomKey = (): Hex => toHex(crypto.getRandomValues(new Uint8Array(32)));

/** Parses a decimal string into the token's smallest unit; `field` names the parameter in errors. */
export function parseAmount(amount: string, decimals: number, field = "amount"): bigint {
  const s = amount.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m)
    throw new InvalidInputError(
      field,
      `"${amount}" is not a decimal number`,
      'Pass a plain decimal string such as "89.00".',
    );
  const frac = m[2] ?? "";
  if (frac.length > decimals && /[1-9]/.test(frac.slice(decimals)))
    throw new InvalidInputError(
      field,
      `"${amount}" has ${frac.replace(/0+$/, "").length} decimals but the token has only ${decimals}`,
      `Round the amount to at most ${decimals} decimal places.`,
    );
  const value =
    BigInt(m[1]) * 10n ** BigInt(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || "0");
  if (value === 0n) throw new InvalidInputError(field, "the amount is zero", "Pass a positive amount.");
  return value;
}

/** An agent id from bytes32 hex or a short name; its last 5 bytes must be zero. */
export function toAgentId(id: Hex | string, field = "agentId"): Hex {
  let hex: Hex;
  if (isHex(id) && id.length === 66) hex = id;
  else {
    if (new TextEncoder().encode(id).length > 27)
      throw new InvalidInputError(
        field,
        `"${id}" is longer than 27 bytes`,
        "Use a shorter name or a hash with its last 5 bytes cleared.",
      );
    if (id.length === 0) throw new InvalidInputError(field, "the agent id is empty");
    hex = stringToHex(id, { size: 32 });
  }
  if (BigInt(hex) === 0n || (BigInt(hex) & ((1n << 40n) - 1n)) !== 0n)
    throw new InvalidInputError(field, `${hex} is zero or its last 5 bytes are not zero`);
  return hex;
}

/**
 * A client for an agent holding a session key: `authorize` submits a payment intent (`spend`) and reports the
 * tier the wallet gave it; `waitForDecision` follows a queued intent; `execute` pays a supervised one after its
 * veto window.
 *
 * @example
 * ```ts
 * const agent = createAgentClient({ publicClient, walletClient: sessionKeyClient, wallet, token: usdc });
 * const r = await agent.authorize({ amount: "89.00", category: "agent_hire", recipient, justification });
 * r.tier;   // "collaborative"
 * r.status; // "awaiting_approval"
 * await agent.waitForDecision(r.intentId, { timeoutMs: 60_000 }); // "executed" once owners approve
 * ```
 */
export function createAgentClient(config: AgentClientConfig) {
  const { publicClient, walletClient, wallet, retry } = config;
  const fromBlock = config.fromBlock ?? 0n;
  const resolver = createIntentResolver(publicClient, wallet, { fromBlock, retry });
  const decimalsCache = new Map<string, Promise<number>>();
  let categoriesCache: Promise<Record<string, number>> | undefined;
  let agentIdCache: Hex | undefined = config.agentId ? toAgentId(config.agentId) : undefined;

  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    withRetry(
      () =>
        publicClient.readContract({
          address: wallet,
          abi: tierGuardWalletAbi,
          functionName,
          args,
        } as never) as Promise<T>,
      retry,
    );

  async function decimalsOf(token: Address): Promise<number> {
    const key = token.toLowerCase();
    let p = decimalsCache.get(key);
    if (!p) {
      p = (async () => {
        const cfg = await read<{ kind: number; decimals: number }>("tokenConfig", [token]);
        if (cfg.kind !== 0) return cfg.decimals;
        if (token === zeroAddress) return 18;
        // Not accepted: the wallet will say so (or record a prohibited intent); the token's own decimals still
        // tell how to read the amount.
        return withRetry(
          () => publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
          retry,
        );
      })();
      p.catch(() => decimalsCache.delete(key));
      decimalsCache.set(key, p);
    }
    return p;
  }

  async function categories(): Promise<Record<string, number>> {
    if (config.categories) return config.categories;
    if (!categoriesCache) {
      categoriesCache = (async () => {
        const settings = await read<{ categories: bigint }>("settings");
        const ids: number[] = [];
        for (let i = 0; i < 64; i++) if ((settings.categories >> BigInt(i)) & 1n) ids.push(i);
        const names = await Promise.all(ids.map((i) => read<Hex>("categoryName", [i])));
        const map: Record<string, number> = {};
        ids.forEach((id, k) => (map[hexToString(names[k], { size: 32 }).replace(/\0+$/, "")] = id));
        return map;
      })();
      categoriesCache.catch(() => (categoriesCache = undefined));
    }
    return categoriesCache;
  }

  async function categoryId(category: number | string): Promise<number> {
    if (typeof category === "number") {
      if (!Number.isInteger(category) || category < 0 || category > 255)
        throw new InvalidInputError("category", `${category} is not a category id (0..63)`);
      return category;
    }
    const map = await categories();
    const id = map[category];
    if (id === undefined)
      throw new InvalidInputError(
        "category",
        `unknown category "${category}"`,
        `Use one of: ${Object.keys(map).join(", ") || "(no categories defined)"}.`,
      );
    return id;
  }

  /** The agent identity of this client's key (from config, or the key's grant). */
  async function agentId(): Promise<Hex> {
    if (agentIdCache) return agentIdCache;
    const grant = await read<{ agentId: Hex }>("sessionKey", [accountOf(walletClient, "agent").address]);
    agentIdCache = grant.agentId;
    return grant.agentId;
  }

  /** Checks an intent's fields and resolves its token, amount (smallest unit), recipient and category id. */
  async function prepare(p: AuthorizeParams): Promise<Prepared> {
    const token = p.token ?? config.token;
    if (token === undefined)
      throw new InvalidInputError(
        "token",
        "no token given and no default token configured",
        "Pass `token` here or to createAgentClient.",
      );
    if (!isAddress(token, { strict: false })) throw new InvalidInputError("token", `"${token}" is not an address`);
    if (typeof p.recipient !== "string" || !isAddress(p.recipient, { strict: false }))
      throw new InvalidInputError(
        "recipient",
        `"${String(p.recipient)}" is not an address`,
        "Pass the payee's 0x-prefixed 20-byte address.",
      );
    if (typeof p.justification !== "string") throw new InvalidInputError("justification", "must be a string");
    const justificationBytes = new TextEncoder().encode(p.justification).length;
    if (justificationBytes > MAX_JUSTIFICATION_BYTES)
      throw new InvalidInputError(
        "justification",
        `${justificationBytes} bytes; at most ${MAX_JUSTIFICATION_BYTES} UTF-8 bytes are allowed`,
        "Shorten the text.",
      );
    const [amount, category] = await Promise.all([
      typeof p.amount === "bigint"
        ? Promise.resolve(p.amount)
        : typeof p.amount === "string"
          ? decimalsOf(token).then((d) => parseAmount(p.amount as string, d))
          : Promise.reject(new InvalidInputError("amount", "must be a decimal string or a bigint")),
      categoryId(p.category),
    ]);
    if (amount <= 0n) throw new InvalidInputError("amount", "the amount must be positive");
    return { token: getAddress(token), amount, recipient: getAddress(p.recipient), category };
  }

  /**
   * What the wallet would decide for this intent now (its `preview`), without sending anything: tier, reason,
   * the tiers tried before and why each missed, and the value in the reference currency.
   */
  async function preview(p: AuthorizeParams): Promise<PreviewResult> {
    const x = await prepare(p);
    const [tier, reason, misses, value] = await read<readonly [number, number, number, bigint]>("preview", [
      await agentId(),
      x.token,
      x.amount,
      x.recipient,
      x.category,
    ]);
    return { ...x, tier: TIER_NAMES[tier], reason: REASON_NAMES[reason], misses: decodeMisses(misses), value };
  }

  function resultOf(sub: Submission, extra: { idempotencyKey?: Hex; replayed: boolean; relayed: boolean }): AuthorizeResult {
    const d = sub.details;
    return {
      intentId: sub.args.intentId,
      tier: sub.tier,
      status: SUBMIT_STATUS[d.tier],
      auditId: auditIdFor(sub.args.intentId, sub.blockTimestamp),
      txHash: sub.txHash,
      value: d.value,
      reason: REASON_NAMES[d.reason],
      misses: decodeMisses(d.misses),
      policyVersion: d.policyVersion,
      amount: sub.args.amount,
      token: sub.args.token,
      blockNumber: sub.blockNumber,
      submittedAt: new Date(sub.blockTimestamp * 1000),
      pending: sub.pending,
      ...extra,
    };
  }

  /** The intent an idempotency key already names (checked to be the same payment), or undefined. */
  async function byKey(key: Hex, x: Prepared, relayed: boolean): Promise<AuthorizeResult | undefined> {
    const [intentId] = await read<readonly [Hex, number, number]>("intentByKey", [await agentId(), key]);
    if (BigInt(intentId) === 0n) return undefined;
    const sub = await resolver.get(intentId);
    if (!sub)
      throw new InvalidInputError(
        "fromBlock",
        `idempotency key ${key} names intent ${intentId}, but its IntentSubmitted event is not found from block ${fromBlock}`,
        "Lower fromBlock to the wallet's deployment block.",
      );
    const a = sub.args;
    if (getAddress(a.token) !== x.token || a.amount !== x.amount || getAddress(a.recipient) !== x.recipient || sub.details.category !== x.category)
      throw new InvalidInputError(
        "idempotencyKey",
        `${key} already names intent ${intentId}, a different payment (${a.amount} of ${a.token} to ${a.recipient}, category ${sub.details.category})`,
        "Use a new idempotency key (or request id) for a new payment.",
      );
    resolver.remember(sub);
    return resultOf(sub, { idempotencyKey: key, replayed: true, relayed });
  }

  let chainIdCache: Promise<number> | undefined;

  /**
   * Signs the intent with the session key (EIP-712 `SignedSpend`) for anyone to submit with `spendSigned`; needs
   * no gas. The idempotency key is the replay guard (from `idempotencyKey` / `requestId`, else random).
   */
  async function signIntent(p: AuthorizeParams & { deadline?: bigint }): Promise<SignedIntent> {
    const x = await prepare(p);
    return sign(x, p.justification, idempotencyKeyOf(p) ?? randomKey(), p.deadline);
  }

  async function sign(x: Prepared, justification: string, idempotencyKey: Hex, deadline?: bigint): Promise<SignedIntent> {
    const account = accountOf(walletClient, "agent");
    chainIdCache ??= publicClient.getChainId();
    const [chainId, head] = await Promise.all([
      chainIdCache,
      deadline === undefined ? publicClient.getBlock({ blockTag: "latest" }) : undefined,
    ]);
    const intent: SignedSpend = {
      ...x,
      justification,
      idempotencyKey,
      deadline: deadline ?? head!.timestamp + BigInt(config.signedIntentTtl ?? 600),
    };
    const signature = await walletClient.signTypedData({ account, ...signedSpendTypedData({ chainId, wallet, intent }) });
    return { wallet, chainId, key: account.address, intent, signature };
  }

  /**
   * Submits a payment intent; the wallet classifies it and pays, queues or blocks it. With an idempotency key
   * (or request id) it first looks the key up on-chain and returns the intent it names; otherwise it submits with
   * `spendIdempotent`, which returns the first intent's result even when two submissions with the key are mined.
   * With a `relayer` configured, the session key signs the intent and the relayer submits it.
   */
  async function authorize(p: AuthorizeParams): Promise<AuthorizeResult> {
    const x = await prepare(p);
    const relayer = config.relayer;
    const key = idempotencyKeyOf(p) ?? (relayer ? randomKey() : undefined);
    if (key) {
      const found = await byKey(key, x, false);
      if (found) return found;
    }
    let hash: Hex;
    let receipt: TransactionReceipt | undefined;
    if (relayer) {
      const signed = await sign(x, p.justification, key!);
      try {
        hash = (await relayIntent(relayer, signed)).txHash;
      } catch (e) {
        // submitted meanwhile (an earlier try whose answer was lost): the wallet's record says which intent
        if (e instanceof ContractError && e.errorName === "TierGuardIdempotencyKeyUsed") {
          const found = await byKey(key!, x, true);
          if (found) return found;
        }
        throw e;
      }
    } else {
      const args = [x.token, x.amount, x.recipient, x.category, p.justification];
      const fn = key ? "spendIdempotent" : "spend";
      ({ hash, receipt } = await sendWalletTx({ publicClient, walletClient, wallet, retry }, fn, key ? [...args, key] : args));
    }
    receipt ??= await withRetry(() => publicClient.waitForTransactionReceipt({ hash }), retry);
    const sub = await submissionFromReceipt(publicClient, wallet, receipt, retry);
    if (!sub) {
      // spendIdempotent found the key recorded by an earlier transaction mined first: nothing was paid twice
      const found = key ? await byKey(key, x, !!relayer) : undefined;
      if (found) return found;
      throw new InvalidInputError("wallet", `transaction ${hash} emitted no IntentSubmitted event from ${wallet}`);
    }
    resolver.remember(sub);
    return resultOf(sub, { idempotencyKey: key, replayed: false, relayed: !!relayer });
  }

  async function submission(intentId: Hex) {
    const sub = await resolver.get(intentId);
    if (!sub) throw new InvalidInputError("intentId", `no intent ${intentId} was submitted to wallet ${wallet}`);
    return sub;
  }

  /** Polls the intent's events until it is decided. Autonomous intents are 'executed', prohibited 'blocked'. */
  async function waitForDecision(intentId: Hex, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<Decision> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const pollMs =
      opts.pollMs ?? config.pollingInterval ?? Math.min(1000, Math.max(50, publicClient.pollingInterval ?? 1000));
    const until = Date.now() + timeoutMs;
    const sub = await submission(intentId);
    if (sub.tier === "autonomous") return "executed";
    if (sub.tier === "prohibited") return "blocked";
    for (;;) {
      const events = await lifecycleLogs(publicClient, wallet, { intentId, fromBlock: sub.blockNumber, retry });
      const found = decisionFrom(events, intentId);
      if (found) return found.decision;
      if (Date.now() >= until)
        throw new WaitTimeoutError(`intent ${intentId} was not decided within ${timeoutMs} ms`, {
          fix: "Wait longer, or check the intent with the owner client's pending().",
        });
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, until - Date.now()))));
    }
  }

  /** Executes a supervised intent after its veto window (or a collaborative one with enough on-chain approvals). */
  async function execute(intentId: Hex): Promise<SettleResult> {
    const sub = await submission(intentId);
    const pending = sub.pending ?? pendingIntentFrom(sub.args, sub.blockTimestamp);
    const { receipt } = await sendWalletTx({ publicClient, walletClient, wallet, retry }, "execute", [
      intentId,
      pending,
    ]);
    return settleResultFrom(receipt, wallet);
  }

  return {
    wallet,
    address: accountOf(walletClient, "agent").address,
    agentId,
    categories,
    preview,
    authorize,
    signIntent,
    waitForDecision,
    execute,
    /** The intent's `IntentSubmitted`, decoded (with its `PendingIntent` when queued). */
    submission,
  };
}

export type AgentClient = ReturnType<typeof createAgentClient>;
