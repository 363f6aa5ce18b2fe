/**
 * `tierguard mcp` driven by the official MCP client over stdio, as Claude Desktop or Cursor would start it,
 * against the article's policy on the test node: it quotes and pays through the tiers, reports queued payments,
 * returns the first result on a retry with the same idempotency key, and offers no tool to govern the wallet.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { erc20Abi, toHex, type Hex } from "viem";
import { clients, type Clients } from "./helpers/chain";
import { ROOT } from "./helpers/build";
import { agentKey, deployPolicyWallet, owners, VENDORS, type PolicyWallet } from "./helpers/policy-wallet";
import { createOwnerClient } from "../../src/client/owner";

let c: Clients;
let w: PolicyWallet;
let client: Client;

interface ToolReply {
  isError: boolean;
  summary: string;
  facts: Record<string, unknown>;
}

async function call(name: string, args: Record<string, unknown> = {}): Promise<ToolReply> {
  const r = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[] };
  // the sentence for the model, then (on success) the facts as JSON
  const [summary, facts] = r.content.map((p) => p.text);
  return { isError: r.isError === true, summary: summary ?? "", facts: facts ? (JSON.parse(facts) as Record<string, unknown>) : {} };
}
const balance = (who: string) =>
  c.publicClient.readContract({ address: w.usdc, abi: erc20Abi, functionName: "balanceOf", args: [who as Hex] });

/** Starts `tierguard mcp` as an MCP client (Claude Desktop, Cursor) would, and connects to it. */
async function connect() {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(ROOT, "bin/tierguard.js"), "mcp", "--token", w.usdc],
    env: {
      PATH: process.env.PATH ?? "",
      TIERGUARD_RPC_URL: c.url,
      TIERGUARD_WALLET: w.wallet,
      TIERGUARD_AGENT_KEY: toHex(agentKey.getHdKey().privateKey!),
    },
    stderr: "pipe",
  });
  client = new Client({ name: "tierguard-test", version: "1.0.0" });
  await client.connect(transport);
}

beforeAll(async () => {
  c = clients();
  w = await deployPolicyWallet(c);
  await connect();
});

afterAll(async () => {
  await client?.close();
});

describe("tierguard mcp", () => {
  it("offers quote, pay, intent_status and limits, and nothing that approves, vetoes, pauses or changes policy", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["intent_status", "limits", "pay", "quote", "x402_fetch"]);
    const pay = tools.find((t) => t.name === "pay")!;
    // the description carries this wallet's rules, so a model knows which tier a payment falls into
    expect(pay.description).toContain("autonomous: up to 1.00 per payment, categories api_calls, embeddings, search");
    expect(pay.description).toContain("collaborative");
    expect(pay.inputSchema.required).toEqual(expect.arrayContaining(["amount", "category", "recipient", "justification", "idempotencyKey"]));
    await expect(client.callTool({ name: "approve", arguments: { intentId: "0x00" } })).resolves.toMatchObject({ isError: true });
  });

  it("quote: the tier, reason and limits a payment would get now, paying nothing", async () => {
    const before = await balance(VENDORS.analysisAgent);
    const small = await call("quote", { amount: "0.02", category: "embeddings", recipient: VENDORS.embeddings });
    expect(small.facts).toMatchObject({ tier: "autonomous", reason: "Matched", value: "0.02" });
    expect((small.facts.limits as { frequency: { left: number } }).frequency.left).toBe(1000);
    const hire = await call("quote", { amount: "89.00", category: "agent_hire", recipient: VENDORS.analysisAgent });
    expect(hire.facts).toMatchObject({ tier: "collaborative", value: "89.00" });
    expect(hire.facts.misses).toEqual(expect.arrayContaining([{ tier: "autonomous", reason: "CategoryNotAllowed" }]));
    expect(await balance(VENDORS.analysisAgent)).toBe(before);
  });

  it("pay: autonomous is executed at once; a retry with the same key returns the first payment, not a second", async () => {
    const before = await balance(VENDORS.embeddings);
    const args = { amount: "0.02", category: "embeddings", recipient: VENDORS.embeddings, justification: "embedding batch", idempotencyKey: "emb-1" };
    const first = await call("pay", args);
    expect(first.summary).toMatch(/^executed: paid 0\.02/);
    const retry = await call("pay", args);
    expect(retry.facts.txHash).toBe(first.facts.txHash);
    expect(await balance(VENDORS.embeddings)).toBe(before + 20_000n);
    const reused = await call("pay", { ...args, amount: "0.03" });
    expect(reused.isError).toBe(true);
    expect(reused.summary).toMatch(/invalid idempotencyKey: .* already names intent .*a different payment/);
  });

  it("pay: the key is recorded on-chain, so a retry after the MCP server restarts returns the first payment", async () => {
    const before = await balance(VENDORS.embeddings);
    const args = { amount: "0.02", category: "embeddings", recipient: VENDORS.embeddings, justification: "embedding batch", idempotencyKey: "emb-1" };
    await client.close();
    await connect();
    const retry = await call("pay", args);
    expect(retry.facts).toMatchObject({ status: "executed", replayed: true });
    expect(await balance(VENDORS.embeddings)).toBe(before);
  });

  it("pay: supervised waits for its veto window until T; intent_status follows it", async () => {
    const r = await call("pay", { amount: "47.00", category: "compute", recipient: VENDORS.compute, justification: "GPU burst", idempotencyKey: "gpu-1" });
    expect(r.facts.status).toBe("awaiting_veto_window");
    expect(r.summary).toMatch(/^awaiting veto window until \d{4}-\d\d-\d\dT/);
    const s = await call("intent_status", { intentId: r.facts.intentId });
    expect(s.facts).toMatchObject({ status: "awaiting_veto_window", until: r.facts.until });
    await c.testClient.increaseTime({ seconds: 31 });
    await c.testClient.mine({ blocks: 1 });
    expect((await call("intent_status", { intentId: r.facts.intentId })).facts.status).toBe("executable");
  });

  it("pay: collaborative waits for k of M owners; the count moves only when an owner approves", async () => {
    const r = await call("pay", { amount: "89.00", category: "agent_hire", recipient: VENDORS.analysisAgent, justification: "EURC liquidity analysis", idempotencyKey: "hire-1" });
    expect(r.summary).toMatch(/^awaiting approval 0 of 2 until /);
    const alice = createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(owners[0]), wallet: w.wallet, fromBlock: w.fromBlock });
    await alice.approve(r.facts.intentId as Hex);
    const s = await call("intent_status", { intentId: r.facts.intentId });
    expect(s.summary).toMatch(/^awaiting approval 1 of 2 until /);
    expect(s.facts.approvals).toEqual({ have: 1, need: 2 });
  });

  it("pay: prohibited is blocked with the reason, and nothing moves", async () => {
    const before = await balance(VENDORS.casino);
    const r = await call("pay", { amount: "25.00", category: "gambling", recipient: VENDORS.casino, justification: "hedging", idempotencyKey: "bet-1" });
    expect(r.facts).toMatchObject({ status: "blocked", reason: "CategoryProhibited" });
    expect(r.summary).toMatch(/^blocked: CategoryProhibited/);
    expect(await balance(VENDORS.casino)).toBe(before);
  });

  it("limits: budgets and frequency left per tier, counting this agent's payments", async () => {
    const r = await call("limits");
    const byTier = Object.fromEntries((r.facts as unknown as { tier: string; frequency: { used: number; left: number } }[]).map((l) => [l.tier, l]));
    expect(byTier.autonomous.frequency).toMatchObject({ used: 1, left: 999 });
    expect(byTier.supervised.frequency).toMatchObject({ used: 1, left: 19 });
  });

  it("bad input is a tool error naming the field and the fix, not a crash", async () => {
    const r = await call("pay", { amount: "1.00", category: "embedding", recipient: VENDORS.embeddings, justification: "x", idempotencyKey: "bad-1" });
    expect(r.isError).toBe(true);
    expect(r.summary).toContain('invalid category: unknown category "embedding"');
    // the server still answers
    expect((await call("quote", { amount: "0.02", category: "embeddings", recipient: VENDORS.embeddings })).facts.tier).toBe("autonomous");
  });
});
