/**
 * TierGuard as MCP tools for an agent: `quote`, `pay`, `intent_status`, `limits`, `x402_fetch`. The agent pays through its
 * session key and the wallet's tiers; there is deliberately no tool to approve, veto, reject, pause or change the
 * policy: an agent cannot govern itself. Tool descriptions carry the wallet's live tier rules, so a model knows
 * before it pays which tier a payment will fall into.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Address, Hex, PublicClient } from "viem";
import { createAgentClient, type AgentClient, type AgentClientConfig, type AuthorizeParams } from "../client/agent";
import { decisionFrom, lifecycleLogs, REASON_NAMES } from "../client/intents";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { readClassifierState } from "../classify/state";
import { TierGuardError } from "../errors";
import { formatDecimal } from "../policy/units";
import { tierLimits, type TierLimits } from "./limits";
import { iso, outcomeOfPayment, type PaymentOutcome } from "./outcome";
import { registerX402FetchTool } from "./x402";

export const MCP_SERVER_NAME = "tierguard";

export interface TierGuardMcpOptions extends AgentClientConfig {
  /** server version reported to clients */
  version?: string;
}

/** JSON with bigints as decimal strings. */
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2);
/** Two text parts: the sentence for the model, then the facts as JSON. */
const reply = (summary: string, facts: unknown) => ({
  content: [
    { type: "text" as const, text: summary },
    { type: "text" as const, text: json(facts) },
  ],
});
const failure = (e: unknown) => {
  const msg = e instanceof TierGuardError ? `${e.shortMessage}${e.fix ? `\nFix: ${e.fix}` : ""}` : e instanceof Error ? e.message.split("\n")[0] : String(e);
  return { isError: true, content: [{ type: "text" as const, text: msg }] };
};

const intentShape = {
  amount: z.string().describe('amount in the token\'s units, a decimal string such as "0.02" or "89.00"'),
  category: z.string().describe("the payment's category name, e.g. embeddings, compute, agent_hire (see `limits`)"),
  recipient: z.string().describe("the payee's 0x address"),
  token: z.string().optional().describe("token address; default: the server's configured token"),
};

/** The wallet's tiers in words, for tool descriptions. */
export function describeTiers(limits: TierLimits[]): string {
  const lines = limits.map((l) => {
    const f = l.frequency ? `, at most ${l.frequency.max} per ${l.frequency.per} for this agent` : "";
    const b = l.budget ? `, wallet budget ${l.budget.max} per ${l.budget.per}` : "";
    return `- ${l.tier}: up to ${l.maxPerPayment} per payment, categories ${l.categories.join(", ") || "(none)"}, recipients at least ${l.minRecipientTrust}${f}${b}: ${l.approval}.`;
  });
  return [
    "The wallet classifies each payment into the first tier whose conditions all hold (values in the reference currency, USD):",
    ...lines,
    "- prohibited: prohibited categories, blocked or untrusted recipients: refused, nothing paid, the attempt is recorded.",
    "Payments matching no tier go to the policy's fallback (owners' approval, or refused).",
  ].join("\n");
}

async function readLimits(publicClient: PublicClient, agent: AgentClient, wallet: Address): Promise<TierLimits[]> {
  const agentId = await agent.agentId();
  const [state, settings, categories] = await Promise.all([
    readClassifierState({ publicClient, wallet, agentId }),
    publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "settings" }),
    agent.categories(),
  ]);
  const categoryNames = Object.fromEntries(Object.entries(categories).map(([name, id]) => [id, name]));
  return tierLimits({
    state,
    agentId,
    now: Number(state.timestamp ?? BigInt(Math.floor(Date.now() / 1000))),
    categoryNames,
    threshold: settings.threshold,
    ownerCount: settings.ownerCount,
  });
}

/** Creates the MCP server (not yet connected to a transport). Reads the wallet's rules once for the descriptions. */
export async function createTierGuardMcpServer(options: TierGuardMcpOptions): Promise<McpServer> {
  const { publicClient, wallet } = options;
  const agent = createAgentClient(options);
  const tiers = describeTiers(await readLimits(publicClient, agent, wallet));
  const server = new McpServer({ name: MCP_SERVER_NAME, version: options.version ?? "0.1.0" });
  const threshold = async () =>
    (await publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "settings" })).threshold;

  // Concurrent calls with one key share one submission; across calls and restarts the wallet's on-chain record
  // of the key (spendIdempotent / intentByKey) returns the first payment.
  const inflight = new Map<string, Promise<PaymentOutcome>>();

  server.registerTool(
    "quote",
    {
      title: "Quote a payment",
      description: `What the TierGuard wallet would do with a payment right now, without paying: its tier, the reason, the tiers it missed and why, and the limits left in that tier. Use it before \`pay\` when unsure.\n${tiers}`,
      inputSchema: intentShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const q = await agent.preview({ ...args, justification: "" } as AuthorizeParams);
        const limits = (await readLimits(publicClient, agent, wallet)).find((l) => l.tier === q.tier) ?? null;
        const facts = { tier: q.tier, reason: q.reason, value: formatDecimal(q.value), misses: q.misses, limits };
        return reply(`${q.tier} (${q.reason}), value ${facts.value}`, facts);
      } catch (e) {
        return failure(e);
      }
    },
  );

  server.registerTool(
    "pay",
    {
      title: "Pay through the TierGuard wallet",
      description: `Submits a payment from the TierGuard wallet with the agent's session key. The wallet decides the tier: autonomous payments are paid at once (status executed); supervised ones wait for a veto window (awaiting_veto_window, until T); collaborative ones wait for M owners (awaiting_approval, k of M until T); prohibited ones are refused (blocked, with the reason). Give an idempotencyKey unique to this payment and reuse it when retrying after a timeout or error: the wallet records it on-chain with the payment, so a retry (even after this server restarts) returns the first result instead of paying twice. You cannot approve your own payment; follow a queued one with \`intent_status\`.\n${tiers}`,
      inputSchema: {
        ...intentShape,
        justification: z.string().describe("why this payment is needed (recorded on-chain, shown to the owners, at most 512 bytes)"),
        idempotencyKey: z.string().min(1).max(128).describe("unique per payment, recorded on-chain; the same key on a retry returns the first result"),
      },
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ idempotencyKey, ...intent }) => {
      let outcome = inflight.get(idempotencyKey);
      if (!outcome) {
        outcome = (async () =>
          outcomeOfPayment(await agent.authorize({ ...intent, idempotencyKey } as AuthorizeParams), await threshold()))();
        inflight.set(idempotencyKey, outcome);
        void outcome.finally(() => inflight.delete(idempotencyKey)).catch(() => undefined);
      }
      try {
        const o = await outcome;
        return reply(o.summary, o);
      } catch (e) {
        return failure(e);
      }
    },
  );

  server.registerTool(
    "intent_status",
    {
      title: "Status of a payment",
      description:
        "Where a payment stands: executed, awaiting_veto_window (until T), executable (the veto window passed; anyone may execute it), awaiting_approval (k of M until T), or decided: vetoed, rejected, expired, stale, refused, blocked.",
      inputSchema: { intentId: z.string().describe("the intentId that `pay` returned") },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ intentId }) => {
      try {
        return reply(...(await statusOf(intentId as Hex)));
      } catch (e) {
        return failure(e);
      }
    },
  );

  server.registerTool(
    "limits",
    {
      title: "Limits left per tier",
      description:
        "The wallet's tiers as they apply to this agent now: per-payment cap, categories, minimum recipient trust, payments left in the frequency window and budget left, each with when it resets.",
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      try {
        const limits = await readLimits(publicClient, agent, wallet);
        return reply(describeTiers(limits), limits);
      } catch (e) {
        return failure(e);
      }
    },
  );

  registerX402FetchTool(server, options, tiers, reply, failure);

  async function statusOf(intentId: Hex): Promise<[string, PaymentOutcome]> {
    const sub = await agent.submission(intentId);
    const d = sub.details;
    const base = { intentId, tier: sub.tier, reason: REASON_NAMES[d.reason], value: formatDecimal(d.value) };
    if (sub.tier === "autonomous") return ["executed", { ...base, status: "executed", summary: "executed at submission" }];
    if (sub.tier === "prohibited") return ["blocked", { ...base, status: "blocked", summary: "blocked at submission; nothing was paid" }];
    const decided = decisionFrom(await lifecycleLogs(publicClient, wallet, { intentId, fromBlock: sub.blockNumber }), intentId);
    if (decided) return [decided.decision, { ...base, status: decided.decision, summary: decided.decision }];
    const p = sub.pending!;
    const now = Number((await publicClient.getBlock({ blockTag: "latest" })).timestamp);
    if (now >= p.deadline) {
      const s = sub.tier === "supervised" ? "stale" : "expired";
      return [s, { ...base, status: s, until: iso(p.deadline), summary: `${s}: its deadline ${iso(p.deadline)} passed; it will not be paid` }];
    }
    if (sub.tier === "supervised") {
      if (now < p.notBefore) {
        const summary = `awaiting veto window until ${iso(p.notBefore)}`;
        return [summary, { ...base, status: "awaiting_veto_window", until: iso(p.notBefore), summary }];
      }
      const summary = `executable: the veto window passed; anyone may execute it until ${iso(p.deadline)}`;
      return [summary, { ...base, status: "executable", until: iso(p.deadline), summary }];
    }
    const [approvals, need] = await Promise.all([
      publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "approvals", args: [intentId] }),
      threshold(),
    ]);
    const summary = `awaiting approval ${approvals.length} of ${need} until ${iso(p.deadline)}`;
    return [summary, { ...base, status: "awaiting_approval", until: iso(p.deadline), approvals: { have: approvals.length, need }, summary }];
  }

  return server;
}
