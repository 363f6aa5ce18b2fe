/**
 * Idempotent and gasless payments through the SDK on the test node: `authorize({ idempotencyKey })` never pays
 * twice (also when the agent process dies between sending and confirming and both transactions are mined), and
 * a session key without ETH pays through the relayer, which refuses what the wallet would refuse and
 * rate-limits each agent.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, keccak256, stringToBytes, toHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { clients, type Clients } from "./helpers/chain";
import { ROOT } from "./helpers/build";
import { AGENT_NAME, agentKey, deployPolicyWallet, owners, VENDORS, type PolicyWallet } from "./helpers/policy-wallet";
import { createAgentClient } from "../../src/client/agent";
import { createOwnerClient, ownerCalls } from "../../src/client/owner";
import { ContractError, InvalidInputError } from "../../src/client/errors";
import { signedIntentToJson } from "../../src/client/signed-intents";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { createRelayer } from "../../src/relayer";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createTierGuardMcpServer } from "../../src/mcp/server";

let c: Clients;
let w: PolicyWallet;
let relayerUrl: string;
let closeRelayer: () => Promise<void>;
const gasless = privateKeyToAccount(generatePrivateKey());
const relayerAccount = privateKeyToAccount(generatePrivateKey());

const balance = (who: Address) =>
  c.publicClient.readContract({ address: w.usdc, abi: erc20Abi, functionName: "balanceOf", args: [who] });
const agentWith = (opts: { key?: typeof agentKey | typeof gasless; relayer?: string } = {}) =>
  createAgentClient({
    publicClient: c.publicClient,
    walletClient: c.walletFor(opts.key ?? agentKey),
    wallet: w.wallet,
    token: w.usdc,
    fromBlock: w.fromBlock,
    relayer: opts.relayer,
  });
const embeddings = (idempotencyKey?: string) => ({
  amount: "0.50",
  category: "embeddings",
  recipient: VENDORS.embeddings,
  justification: "embeddings batch",
  idempotencyKey,
});

beforeAll(async () => {
  c = clients();
  w = await deployPolicyWallet(c);
  // A second session key of the same agent, with no ETH at all; and the relayer's own gas account.
  const owner = createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(owners[0]), wallet: w.wallet, fromBlock: w.fromBlock });
  const now = Number((await c.publicClient.getBlock()).timestamp);
  await owner.applyCalls([ownerCalls.grantSessionKey(gasless.address, AGENT_NAME, now + 30 * 86_400)], [c.walletFor(owners[0]), c.walletFor(owners[1])]);
  await c.testClient.setBalance({ address: relayerAccount.address, value: 10n ** 18n });
  const relayer = createRelayer({ publicClient: c.publicClient, walletClient: c.walletFor(relayerAccount), wallets: [w.wallet] });
  ({ url: relayerUrl, close: closeRelayer } = await relayer.serve({ port: 0 }));
});

afterAll(async () => {
  await closeRelayer?.();
  await c?.testClient.setAutomine(true);
});

describe("authorize with an idempotency key", () => {
  it("a retry with the same key returns the first intent (replayed) and pays once", async () => {
    const agent = agentWith();
    const before = await balance(VENDORS.embeddings);
    const first = await agent.authorize(embeddings("invoice-17"));
    expect(first).toMatchObject({ tier: "autonomous", status: "executed", replayed: false, idempotencyKey: keccak256(stringToBytes("invoice-17")) });
    // a fresh client (a restarted agent) with the same key
    const retry = await agentWith().authorize({ ...embeddings("invoice-17"), justification: "retry after timeout" });
    expect(retry).toMatchObject({ intentId: first.intentId, txHash: first.txHash, tier: "autonomous", replayed: true });
    expect(await balance(VENDORS.embeddings)).toBe(before + 500_000n);
  });

  it("derives the key from a request id as documented, and refuses the key for a different payment", async () => {
    const agent = agentWith();
    const r = await agent.authorize({ ...embeddings(), requestId: "req-42" });
    const key = keccak256(stringToBytes("tierguard:request:req-42"));
    const [intentId] = await c.publicClient.readContract({ address: w.wallet, abi: tierGuardWalletAbi, functionName: "intentByKey", args: [await agent.agentId(), key] });
    expect(intentId).toBe(r.intentId);
    const other = agent.authorize({ ...embeddings(), amount: "0.60", requestId: "req-42" });
    await expect(other).rejects.toBeInstanceOf(InvalidInputError);
    await expect(other).rejects.toThrow(/invalid idempotencyKey: .* already names intent .*a different payment/);
  });

  it("an agent killed between sending and confirming, retried with the same key: both transactions are mined, one payment", async () => {
    const before = await balance(VENDORS.embeddings);
    await c.testClient.setAutomine(false);
    try {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "helpers", "agent-child.ts"), c.url, w.wallet, w.usdc, VENDORS.embeddings, "crash-1"], {
        cwd: ROOT,
        env: { ...process.env, TIERGUARD_AGENT_KEY: toHex(agentKey.getHdKey().privateKey!) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const pending = async () => ((await c.publicClient.getBlock({ blockTag: "pending" })).transactions as Hex[]).length;
      while ((await pending()) === 0) await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGKILL"); // sent, never confirmed
      const retry = agentWith().authorize(embeddings("crash-1"));
      while ((await pending()) < 2) await new Promise((r) => setTimeout(r, 50));
      await c.testClient.mine({ blocks: 1 });
      const r = await retry;
      expect(r.replayed).toBe(true);
      const block = await c.publicClient.getBlock({ blockTag: "latest" });
      expect(block.transactions).toHaveLength(2);
      for (const hash of block.transactions) expect((await c.publicClient.getTransactionReceipt({ hash })).status).toBe("success");
    } finally {
      await c.testClient.setAutomine(true);
    }
    expect(await balance(VENDORS.embeddings)).toBe(before + 500_000n);
  });
});

describe("gasless agents through the relayer", () => {
  it("a session key holding no ETH pays: it signs, the relayer submits, the tiers apply as for spend", async () => {
    expect(await c.publicClient.getBalance({ address: gasless.address })).toBe(0n);
    const agent = agentWith({ key: gasless, relayer: relayerUrl });
    const before = await balance(VENDORS.embeddings);
    const r = await agent.authorize(embeddings("gasless-1"));
    expect(r).toMatchObject({ tier: "autonomous", status: "executed", relayed: true, replayed: false });
    expect(await balance(VENDORS.embeddings)).toBe(before + 500_000n);
    const queued = await agent.authorize({ amount: "47.00", category: "compute", recipient: VENDORS.compute, justification: "GPU burst" });
    expect(queued).toMatchObject({ tier: "supervised", status: "awaiting_veto_window", relayed: true });
    // the same key again: the first intent, not a second payment
    expect(await agent.authorize(embeddings("gasless-1"))).toMatchObject({ intentId: r.intentId, replayed: true });
    expect(await c.publicClient.getBalance({ address: gasless.address })).toBe(0n);
  });

  it("the MCP pay tool pays through the relayer too (tierguard mcp --relayer)", async () => {
    const server = await createTierGuardMcpServer({ publicClient: c.publicClient, walletClient: c.walletFor(gasless), wallet: w.wallet, token: w.usdc, fromBlock: w.fromBlock, relayer: relayerUrl });
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: "tierguard-test", version: "1.0.0" });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    const r = (await client.callTool({ name: "pay", arguments: { ...embeddings("mcp-gasless-1"), amount: "0.02" } })) as { content: { text: string }[] };
    expect(r.content[0].text).toMatch(/^executed: paid 0\.02/);
    expect(await c.publicClient.getBalance({ address: gasless.address })).toBe(0n);
    await client.close();
  });

  it("refuses what the wallet would refuse with the wallet's error, and sends nothing", async () => {
    const agent = agentWith({ key: gasless });
    const nonce = await c.publicClient.getTransactionCount({ address: relayerAccount.address });
    const expired = await agent.signIntent({ ...embeddings("late-1"), deadline: 1n });
    const res = await fetch(`${relayerUrl}/v1/intents`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(signedIntentToJson(expired)) });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: "TierGuardSignedIntentExpired" });
    const forged = { ...(await agent.signIntent(embeddings("forged-1"))), key: agentKey.address };
    const relayer = createRelayer({ publicClient: c.publicClient, walletClient: c.walletFor(relayerAccount), wallets: [w.wallet] });
    expect(await relayer.relay(signedIntentToJson(forged))).toMatchObject({ status: 422, body: { error: "TierGuardInvalidIntentSignature" } });
    expect(await relayer.relay({ ...signedIntentToJson(forged), wallet: VENDORS.casino })).toMatchObject({ status: 403, body: { error: "WalletNotRelayed" } });
    expect((await relayer.relay({ wallet: w.wallet })).status).toBe(400);
    // through the agent client: the wallet's error as a ContractError, as if the key had sent it itself
    const stranger = privateKeyToAccount(generatePrivateKey());
    const refused = agentWith({ key: stranger, relayer: relayerUrl }).authorize(embeddings("stranger-1"));
    await expect(refused).rejects.toBeInstanceOf(ContractError);
    await expect(refused).rejects.toMatchObject({ errorName: "TierGuardNotSessionKey" });
    expect(await c.publicClient.getTransactionCount({ address: relayerAccount.address })).toBe(nonce);
  });

  it("rate-limits each agent: over the limit it answers 429 with Retry-After before simulating", async () => {
    const relayer = createRelayer({ publicClient: c.publicClient, walletClient: c.walletFor(relayerAccount), wallets: [w.wallet], rateLimit: { max: 2, windowMs: 60_000 } });
    const agent = agentWith({ key: gasless });
    const answers = [];
    for (const k of ["rl-1", "rl-2", "rl-3"]) answers.push(await relayer.relay(signedIntentToJson(await agent.signIntent({ ...embeddings(k), deadline: 1n }))));
    expect(answers.map((a) => a.status)).toEqual([422, 422, 429]);
    expect(answers[2].headers?.["retry-after"]).toMatch(/^\d+$/);
  });
});
