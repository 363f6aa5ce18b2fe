/**
 * `fetch` that pays x402 APIs from a TierGuard wallet, through its tiers, built on the official `@x402/fetch`
 * and `@x402/evm` exact scheme: any x402 server and facilitator works. An autonomous payment goes through at once;
 * a supervised or collaborative one returns "pending" (intent id, and when to retry) and, retried once the intent
 * executed (after the veto window, or the owners' approvals), pays with the same authorization; a prohibited one is
 * refused with the reason.
 */
import { getAddress, type Address, type Hex, type PublicClient } from "viem";
import { wrapFetchWithPayment, x402Client, decodePaymentResponseHeader } from "@x402/fetch";
import type { PaymentRequirements, SchemeNetworkClient } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { createAgentClient, type AgentClient } from "../client/agent";
import { TierGuardError } from "../errors";
import { InvalidInputError, withRetry, type RetryOptions } from "../client/errors";
import { readIntentStatus, TIER_NAMES, type TierName } from "../client/intents";
import type { AnyWalletClient, TxContext } from "../client/tx";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { readX402Record, type X402Submission } from "./authorization";
import { tierGuardX402Signer, X402PaymentPendingError, X402PaymentRefusedError } from "./signer";

/** A queued x402 payment kept for its retry: the authorization the wallet recorded and its intent. */
export interface PendingX402Payment {
  intentId: Hex;
  tier: TierName;
  digest: Hex;
  x402Version: number;
  /** the exact scheme's payload: the authorization (from = the wallet) and the signature (the intent id) */
  payload: { authorization: Record<string, string>; signature: Hex };
  /** supervised: when the veto window ends (executable from then on); collaborative: the approval deadline */
  until: Date;
}

/** Where pending payments are kept between a request and its retry (default: in memory). */
export interface X402PendingStore {
  get(key: string): PendingX402Payment | undefined | Promise<PendingX402Payment | undefined>;
  set(key: string, value: PendingX402Payment): unknown;
  delete(key: string): unknown;
}

export interface X402FetchConfig {
  publicClient: PublicClient;
  /** the agent's session key */
  walletClient: AnyWalletClient;
  /** the TierGuard wallet (the payer) */
  wallet: Address;
  /** category names to ids (default: read from the wallet) */
  categories?: Record<string, number>;
  /** pending payments between a request and its retry; default in memory (use a persistent one across restarts) */
  store?: X402PendingStore;
  /**
   * How long a queued payment's authorization stays valid, in seconds. Default: the tier's veto window + grace
   * (supervised) or approval timeout (collaborative), plus 5 minutes, or the API's maxTimeoutSeconds if longer.
   */
  queuedValiditySeconds?: number;
  /** the underlying fetch (default globalThis.fetch) */
  fetch?: typeof globalThis.fetch;
  retry?: RetryOptions;
}

export interface X402PaymentInfo {
  category: number | string;
  /** why the agent pays, at most 512 bytes; recorded on-chain */
  justification: string;
}

type Outcome = Extract<X402FetchResult, { status: "pending" | "refused" }>;

export type X402FetchResult =
  /** the API answered without asking for payment, or was paid (then `payment` says how) */
  | {
      status: "ok";
      response: Response;
      payment?: {
        intentId: Hex;
        tier: TierName;
        /** the facilitator's settlement transaction (the token transfer) */
        transaction: Hex;
        payer: Address;
        /** the wallet transaction that authorized it (undefined when a queued payment was retried) */
        authorizationTx?: Hex;
      };
    }
  | { status: "pending"; intentId: Hex; tier: TierName; until: Date }
  | { status: "refused"; reason: string; intentId?: Hex }
  /** paid but the API still refused (e.g. its facilitator could not settle): the response says why */
  | { status: "failed"; response: Response; intentId?: Hex; error?: string };

/** Builds the paying fetch. */
export function createX402Fetch(config: X402FetchConfig) {
  const { publicClient, walletClient, wallet, retry } = config;
  const ctx: TxContext = { publicClient, walletClient, wallet, retry };
  const agent: AgentClient = createAgentClient({ publicClient, walletClient, wallet, categories: config.categories, retry });
  const memory = new Map<string, PendingX402Payment>();
  const store: X402PendingStore = config.store ?? memory;
  const baseFetch = config.fetch ?? globalThis.fetch;

  const chainNow = async () => Number((await withRetry(() => publicClient.getBlock(), retry)).timestamp);

  async function queuedValidity(tier: TierName, req: PaymentRequirements): Promise<number> {
    if (config.queuedValiditySeconds !== undefined) return config.queuedValiditySeconds;
    const rules = await withRetry(
      () =>
        publicClient.readContract({
          address: wallet,
          abi: tierGuardWalletAbi,
          functionName: "tierRules",
          args: [TIER_NAMES.indexOf(tier)],
        }),
      retry,
    );
    const decision = tier === "supervised" ? rules.window + rules.grace : rules.window;
    return Math.max(req.maxTimeoutSeconds, decision + 300);
  }

  /**
   * A stored payment that can be retried now (executing a supervised intent whose veto window is over), or the
   * outcome to report instead.
   */
  async function resume(key: string, p: PendingX402Payment): Promise<PendingX402Payment | Outcome> {
    let rec = await readX402Record(publicClient, wallet, p.digest, retry);
    if (rec.status === "pending") {
      const status = await readIntentStatus(publicClient, wallet, p.intentId, retry);
      if (status === "None") {
        await store.delete(key);
        return { status: "refused", intentId: p.intentId, reason: `intent ${p.intentId} was closed without executing (vetoed, rejected, expired or refused)` };
      }
      if (p.tier === "supervised" && (await chainNow()) >= p.until.getTime() / 1000) {
        await agent.execute(p.intentId);
        rec = await readX402Record(publicClient, wallet, p.digest, retry);
      }
    }
    if (rec.status === "authorized" && (await chainNow()) < rec.validBefore) return p;
    if (rec.status === "pending") return { status: "pending", intentId: p.intentId, tier: p.tier, until: p.until };
    await store.delete(key);
    return { status: "refused", intentId: p.intentId, reason: `the authorization of intent ${p.intentId} expired unsettled` };
  }

  return async function x402Fetch(input: RequestInfo | URL, init: RequestInit | undefined, pay: X402PaymentInfo): Promise<X402FetchResult> {
    if (!pay || typeof pay.justification !== "string")
      throw new InvalidInputError("justification", "x402Fetch needs { category, justification } for the payment it may make");
    const category = typeof pay.category === "number" ? pay.category : (await agent.categories())[pay.category];
    if (category === undefined)
      throw new InvalidInputError("category", `unknown category "${String(pay.category)}"`, `Use one of: ${Object.keys(await agent.categories()).join(", ")}.`);

    let submission: X402Submission | undefined;
    let reused: PendingX402Payment | undefined;
    let storeKey: string | undefined;
    /** what to report instead of a response, when the payment did not go through now */
    let outcome: Outcome | undefined;
    const scheme: SchemeNetworkClient = {
      scheme: "exact",
      async createPaymentPayload(x402Version, req, context) {
        const key = `${req.network}|${getAddress(req.asset)}|${getAddress(req.payTo)}|${req.amount}`;
        storeKey = key;
        const stored = await store.get(key);
        if (stored) {
          const r = await resume(key, stored);
          if ("status" in r) {
            outcome = r;
            throw new TierGuardError(`x402 payment ${r.intentId} is ${r.status}`);
          }
          reused = r;
          return { x402Version: r.x402Version, payload: r.payload };
        }
        const preview = await agent.preview({ token: req.asset as Address, amount: BigInt(req.amount), recipient: req.payTo, category, justification: pay.justification });
        const queued = preview.tier === "supervised" || preview.tier === "collaborative";
        // The exact scheme sets validBefore from this machine's clock; the token checks it against the chain's.
        const skew = Math.max(0, (await chainNow()) - Math.floor(Date.now() / 1000));
        const validity = (queued ? await queuedValidity(preview.tier, req) : req.maxTimeoutSeconds) + skew;
        const signer = tierGuardX402Signer({ ctx, category, justification: pay.justification, onSubmitted: (s) => (submission = s) });
        try {
          return await new ExactEvmScheme(signer).createPaymentPayload(x402Version, { ...req, maxTimeoutSeconds: validity }, context);
        } catch (e) {
          if (e instanceof X402PaymentRefusedError) {
            outcome = { status: "refused", reason: submission?.reason ?? e.reason, intentId: submission?.intentId };
          } else if (e instanceof X402PaymentPendingError && submission?.digest && submission.pending) {
            const s = submission;
            const a = s.authorization;
            const until = new Date(Number(s.tier === "supervised" ? s.pending!.notBefore : s.pending!.deadline) * 1000);
            outcome = { status: "pending", intentId: s.intentId, tier: s.tier, until };
            await store.set(key, {
              intentId: s.intentId,
              tier: s.tier,
              digest: s.digest!,
              x402Version,
              payload: {
                authorization: {
                  from: getAddress(wallet),
                  to: a.to,
                  value: a.value.toString(),
                  validAfter: a.validAfter.toString(),
                  validBefore: a.validBefore.toString(),
                  nonce: a.nonce,
                },
                signature: s.signature,
              },
              until,
            });
          }
          throw e;
        }
      },
    };
    const chainId = await publicClient.getChainId();
    const client = new x402Client().register(`eip155:${chainId}`, scheme).setSpendControls(false);
    const paying = wrapFetchWithPayment(baseFetch, client);

    let response: Response;
    try {
      response = await paying(input, init);
    } catch (e) {
      if (outcome) return outcome;
      throw e;
    }
    const intentId = reused?.intentId ?? submission?.intentId;
    if (!submission && !reused) return { status: "ok", response };
    const header = response.headers.get("PAYMENT-RESPONSE") ?? response.headers.get("X-PAYMENT-RESPONSE");
    if (!response.ok || !header) return { status: "failed", response, intentId, error: header ?? undefined };
    if (storeKey) await store.delete(storeKey);
    const settled = decodePaymentResponseHeader(header);
    return {
      status: "ok",
      response,
      payment: {
        intentId: intentId!,
        tier: reused?.tier ?? submission!.tier,
        transaction: settled.transaction as Hex,
        payer: getAddress(settled.payer ?? wallet),
        authorizationTx: reused ? undefined : submission?.txHash,
      },
    };
  };
}

export type X402Fetch = ReturnType<typeof createX402Fetch>;
