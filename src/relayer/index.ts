/**
 * A small relayer for gasless agents: it takes intents that session keys signed (EIP-712 `SignedSpend`) and
 * submits them with `spendSigned` from the organisation's own gas account. It relays only for the wallets it is
 * configured with, rate-limits each agent, and simulates every intent first: anything the wallet would refuse
 * (a bad signature, an expired or replayed intent, a paused wallet, an invalid payment: the checks `preview`
 * makes and more) is answered with the wallet's error and never sent, so refused intents cost it no gas.
 *
 * @example
 * ```ts
 * const relayer = createRelayer({ publicClient, walletClient: gasAccountClient, wallets: [wallet] });
 * const { url } = await relayer.serve({ port: 8547 }); // http://127.0.0.1:8547, POST /v1/intents
 * const agent = createAgentClient({ publicClient, walletClient: sessionKeyClient, wallet, token, relayer: url });
 * ```
 */
import type { AddressInfo } from "node:net";
import {
  encodeErrorResult,
  getAddress,
  isAddress,
  isHex,
  parseEventLogs,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { z } from "zod";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { ContractError, decodeError } from "../client/errors";
import { accountOf, type AnyWalletClient } from "../client/tx";
import type { RelayResponse } from "../client/relayer-client";

export interface RelayerConfig {
  publicClient: PublicClient;
  /** the relayer's gas account (it pays for every relayed intent) */
  walletClient: AnyWalletClient;
  /** the TierGuard wallets it relays for; intents for any other address are refused */
  wallets: readonly Address[];
  /** per agent: at most `max` intents per `windowMs` milliseconds (default 30 per 60,000) */
  rateLimit?: { max: number; windowMs: number };
}

/** An HTTP answer: status, JSON body and headers. */
export interface RelayAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const address = z.string().refine((s) => isAddress(s, { strict: false }), { message: "must be a 0x address" });
const uint = z.string().regex(/^\d{1,78}$/, { message: "must be a decimal integer string" });
const hex32 = z.string().refine((s) => isHex(s) && s.length === 66, { message: "must be 32 bytes of 0x hex" });
const requestSchema = z.object({
  wallet: address,
  chainId: z.number().int().positive(),
  key: address,
  signature: z.string().refine((s) => isHex(s), { message: "must be 0x hex" }),
  intent: z.object({
    token: address,
    amount: uint,
    recipient: address,
    category: z.number().int().min(0).max(255),
    justification: z.string().max(2048),
    idempotencyKey: hex32,
    deadline: uint,
  }),
});

const fail = (status: number, error: string, message: string, fix?: string, extra: Record<string, unknown> = {}): RelayAnswer => ({
  status,
  body: { error, message, fix, ...extra },
});

/** The raw revert data of a wallet error, re-encoded from its decoded arguments. */
function revertDataOf(e: ContractError): Hex | undefined {
  if (e.data) return e.data;
  const item = tierGuardWalletAbi.find((x) => x.type === "error" && x.name === e.errorName) as
    | { inputs: readonly { name: string }[] }
    | undefined;
  if (!item) return undefined;
  try {
    return encodeErrorResult({
      abi: tierGuardWalletAbi,
      errorName: e.errorName,
      args: item.inputs.map((i, k) => e.args[i.name || String(k)]),
    } as never);
  } catch {
    return undefined;
  }
}

export function createRelayer(config: RelayerConfig) {
  const { publicClient, walletClient } = config;
  const account = accountOf(walletClient, "relayer");
  const allowed = new Set(config.wallets.map((w) => getAddress(w)));
  const limit = config.rateLimit ?? { max: 30, windowMs: 60_000 };
  const windows = new Map<string, { start: number; count: number }>();
  const inflight = new Map<string, Promise<RelayAnswer>>();
  let chainId: Promise<number> | undefined;

  /** Fixed windows per agent; returns the seconds to wait when the agent is over its limit. */
  function overLimit(agent: string): number | undefined {
    const now = Date.now();
    let w = windows.get(agent);
    if (!w || now >= w.start + limit.windowMs) windows.set(agent, (w = { start: now, count: 0 }));
    if (w.count >= limit.max) return Math.max(1, Math.ceil((w.start + limit.windowMs - now) / 1000));
    w.count += 1;
    return undefined;
  }

  /** Validates, rate-limits, simulates and submits one signed intent (the body of `POST /v1/intents`). */
  async function relay(body: unknown): Promise<RelayAnswer> {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
      return fail(400, "InvalidRequest", details.join("; "), "Send the JSON that the SDK's signIntent() produces.");
    }
    const req = parsed.data;
    const wallet = getAddress(req.wallet);
    if (!allowed.has(wallet))
      return fail(403, "WalletNotRelayed", `this relayer does not relay for wallet ${wallet}`, "Start the relayer with this wallet (--wallet).");
    chainId ??= publicClient.getChainId();
    if (req.chainId !== (await chainId))
      return fail(400, "WrongChain", `the intent is signed for chain ${req.chainId}, the relayer is on chain ${await chainId}`);
    const key = getAddress(req.key);
    const grant = await publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "sessionKey", args: [key] });
    const agent = BigInt(grant.agentId) === 0n ? key : grant.agentId;
    const wait = overLimit(`${wallet}:${agent}`);
    if (wait !== undefined)
      return {
        ...fail(429, "RateLimited", `agent ${agent} sent more than ${limit.max} intents in ${limit.windowMs / 1000} s`, `Retry in ${wait} s.`),
        headers: { "retry-after": String(wait) },
      };
    const i = req.intent;
    const intent = {
      token: getAddress(i.token),
      amount: BigInt(i.amount),
      recipient: getAddress(i.recipient),
      category: i.category,
      justification: i.justification,
      idempotencyKey: i.idempotencyKey as Hex,
      deadline: BigInt(i.deadline),
    };
    // Two deliveries of the same intent at once: one simulation and one transaction, both answered.
    const once = `${wallet}:${agent}:${intent.idempotencyKey}`.toLowerCase();
    let answer = inflight.get(once);
    if (!answer) {
      answer = submit(wallet, intent, key, req.signature as Hex).finally(() => inflight.delete(once));
      inflight.set(once, answer);
    }
    return answer;
  }

  async function submit(
    wallet: Address,
    intent: { token: Address; amount: bigint; recipient: Address; category: number; justification: string; idempotencyKey: Hex; deadline: bigint },
    key: Address,
    signature: Hex,
  ): Promise<RelayAnswer> {
    let request;
    try {
      ({ request } = await publicClient.simulateContract({
        address: wallet,
        abi: tierGuardWalletAbi,
        functionName: "spendSigned",
        args: [intent, key, signature],
        account,
      }));
    } catch (e) {
      const err = decodeError(e, "spendSigned");
      if (err instanceof ContractError)
        return fail(422, err.errorName, err.shortMessage, err.fix, { data: revertDataOf(err) });
      return fail(503, err.name, err.shortMessage, "The relayer cannot reach its node; retry later.");
    }
    let hash: Hex;
    try {
      hash = await walletClient.writeContract({ ...request, account, chain: walletClient.chain ?? publicClient.chain } as never);
    } catch (e) {
      const err = decodeError(e, "spendSigned");
      return fail(503, err.name, `the relayer could not send the transaction: ${err.shortMessage}`, "The relayer's gas account may be out of funds.");
    }
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const [submitted] = parseEventLogs({ abi: tierGuardWalletAbi, eventName: "IntentSubmitted", logs: receipt.logs });
    if (receipt.status !== "success" || !submitted)
      return fail(502, "Reverted", `transaction ${hash} reverted on-chain (the state changed after the simulation)`, "Try again: the agent's key may have been revoked or the wallet paused meanwhile.", { txHash: hash });
    const tier = Number((submitted.args.details >> 144n) & 0xffn);
    const response: RelayResponse = { txHash: hash, intentId: submitted.args.intentId, tier, status: [3, 1, 2, 9][tier] ?? 0 };
    return { status: 200, body: { ...response } };
  }

  /** Serves `POST /v1/intents` and `GET /v1/health` on `host` (default 127.0.0.1) and `port` (default 8547; 0: any). */
  async function serve(opts: { port?: number; host?: string } = {}) {
    const [{ Hono }, { serve: listen }] = await Promise.all([import("hono"), import("@hono/node-server")]);
    const app = new Hono();
    app.get("/v1/health", (c) => c.json({ ok: true, relayer: account.address, wallets: [...allowed] }));
    app.post("/v1/intents", async (c) => {
      const body = await c.req.json().catch(() => undefined);
      const a = await relay(body);
      for (const [k, v] of Object.entries(a.headers ?? {})) c.header(k, v);
      return c.json(a.body, a.status as 200);
    });
    const host = opts.host ?? "127.0.0.1";
    const server = await new Promise<ReturnType<typeof listen>>((resolve, reject) => {
      const s = listen({ fetch: app.fetch, port: opts.port ?? 8547, hostname: host }, () => resolve(s));
      s.once("error", reject);
    });
    const addr = server.address() as AddressInfo;
    const url = `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
    return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  return { address: account.address, relay, serve };
}

export type Relayer = ReturnType<typeof createRelayer>;
