/**
 * x402 on the local chain with the official packages: an API behind `@x402/hono`, an in-process facilitator
 * (`@x402/core` + `@x402/evm`) settling `transferWithAuthorization` on an EIP-3009 token modelled on USDC v2.2,
 * and payers using `@x402/fetch`: a plain EOA (the baseline), and a TierGuard wallet through its tiers
 * (`tierguard/x402`), with the article's policy (examples/policy.yaml).
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { erc20Abi, getAddress, toHex, type Address, type Hex } from "viem";
import { wrapFetchWithPayment, x402Client, decodePaymentResponseHeader } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { mockEip3009TokenAbi } from "../../src/abi/MockEIP3009Token";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { openStore, syncOnce, verify } from "../../src/indexer";
import { createOwnerClient, encodeWalletCall } from "../../src/client/owner";
import { createX402Fetch, releaseX402Authorization, submitX402Authorization, type X402Fetch } from "../../src/x402";
import { account, clients, type Clients } from "./helpers/chain";
import { ROOT } from "./helpers/build";
import { agentKey, deployPolicyWallet, owners, VENDORS, type PolicyWallet } from "./helpers/policy-wallet";
import { deployEip3009Token, startX402Api, type X402Api } from "./helpers/x402-api";

let c: Clients;
let token: Address;
let api: X402Api;
let w: PolicyWallet;
let x402Fetch: X402Fetch;
const seller = account(15).address;
const payer = account(16);
const usdc = (s: string) => BigInt(Math.round(Number(s) * 1e6));

const balance = (who: Address) =>
  c.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
const chainNow = async () => Number((await c.publicClient.getBlock()).timestamp);
const nonce = async () =>
  (
    await c.publicClient.readContract({
      address: w.wallet,
      abi: tierGuardWalletAbi,
      functionName: "agentState",
      args: [
        (
          await c.publicClient.readContract({
            address: w.wallet,
            abi: tierGuardWalletAbi,
            functionName: "sessionKey",
            args: [agentKey.address],
          })
        ).agentId,
      ],
    })
  ).nonce;
const autonomousBudgetSpent = async () =>
  (await c.publicClient.readContract({ address: w.wallet, abi: tierGuardWalletAbi, functionName: "budget", args: [0] }))
    .spent;

beforeAll(async () => {
  c = clients();
  // The facilitator checks validity against the clock, the token against the chain: earlier test files on the
  // shared node may have moved the chain ahead of the clock, so this file's clock follows the chain.
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  vi.setSystemTime((await chainNow()) * 1000);
  token = await deployEip3009Token(c.publicClient.chain!, c.transport, account(0));
  w = await deployPolicyWallet(c, { usdc: token });
  const owner = createOwnerClient({
    publicClient: c.publicClient,
    walletClient: c.walletFor(owners[0]),
    wallet: w.wallet,
    fromBlock: w.fromBlock,
  });
  // an autonomous budget (10.00 a day), so that an expired authorization has something to give back
  await owner.applyCalls(
    [encodeWalletCall("setBudget", [0, 10_000_000n, 86_400])],
    [c.walletFor(owners[0]), c.walletFor(owners[1])],
  );
  const hash = await c
    .walletFor(account(0))
    .writeContract({
      address: token,
      abi: mockEip3009TokenAbi,
      functionName: "mint",
      args: [payer.address, 10_000_000n],
    });
  await c.publicClient.waitForTransactionReceipt({ hash });
  api = await startX402Api({
    chain: c.publicClient.chain!,
    transport: c.transport,
    facilitator: account(17),
    token,
    payTo: seller,
    prices: {
      "/weather": 20_000n,
      "/embed": { amount: usdc("0.02"), payTo: VENDORS.embeddings },
      "/compute": { amount: usdc("47"), payTo: VENDORS.compute },
      "/hire": { amount: usdc("89"), payTo: VENDORS.analysisAgent },
      "/casino": { amount: usdc("5"), payTo: VENDORS.casino },
    },
  });
  x402Fetch = createX402Fetch({ publicClient: c.publicClient, walletClient: c.walletFor(agentKey), wallet: w.wallet });
});

afterAll(async () => {
  await api?.close();
  vi.useRealTimers();
});

describe("x402 exact payments on the local chain", () => {
  it("an unpaid request gets 402", async () => {
    expect((await fetch(`${api.url}/weather`)).status).toBe(402);
  });

  it("baseline: a plain EOA pays with @x402/fetch: 402, then 200 once the facilitator settled transferWithAuthorization", async () => {
    const client = new x402Client()
      .register(api.network, new ExactEvmScheme(payer))
      .setSpendControls({ allowedAssets: true });
    const pay = wrapFetchWithPayment(fetch, client);
    const before = await balance(seller);
    const res = await pay(`${api.url}/weather`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: "/weather", paid: true });
    const settled = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settled).toMatchObject({ success: true, payer: payer.address });
    expect(await balance(seller)).toBe(before + 20_000n);
  });
});

describe("x402 through the tiers (tierguard/x402)", () => {
  it("autonomous: the wallet authorizes within the tier's limits and the API is paid at once", async () => {
    const before = await balance(VENDORS.embeddings);
    const r = await x402Fetch(`${api.url}/embed`, undefined, {
      category: "embeddings",
      justification: "embed the quarterly report",
    });
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(await r.response.json()).toEqual({ path: "/embed", paid: true });
    expect(r.payment).toMatchObject({ tier: "autonomous", payer: getAddress(w.wallet) });
    expect(await balance(VENDORS.embeddings)).toBe(before + usdc("0.02"));
  });

  it("collaborative: pending until the owners approve, then the retry settles the same authorization", async () => {
    const before = await balance(VENDORS.analysisAgent);
    const first = await x402Fetch(`${api.url}/hire`, undefined, {
      category: "agent_hire",
      justification: "hire analysis-agent-beta",
    });
    expect(first).toMatchObject({ status: "pending", tier: "collaborative" });
    if (first.status !== "pending") return;
    expect(first.until.getTime()).toBeGreaterThan(Date.now());
    // a retry before the decision submits nothing new
    const n = await nonce();
    expect(
      await x402Fetch(`${api.url}/hire`, undefined, { category: "agent_hire", justification: "retry" }),
    ).toMatchObject({ status: "pending", intentId: first.intentId });
    expect(await nonce()).toBe(n);
    expect(await balance(VENDORS.analysisAgent)).toBe(before);

    const alice = createOwnerClient({
      publicClient: c.publicClient,
      walletClient: c.walletFor(owners[0]),
      wallet: w.wallet,
      fromBlock: w.fromBlock,
    });
    const bob = createOwnerClient({
      publicClient: c.publicClient,
      walletClient: c.walletFor(owners[1]),
      wallet: w.wallet,
      fromBlock: w.fromBlock,
    });
    await alice.submitApprovals(first.intentId, [
      await alice.signApproval(first.intentId),
      await bob.signApproval(first.intentId),
    ]);

    const paid = await x402Fetch(`${api.url}/hire`, undefined, { category: "agent_hire", justification: "retry" });
    expect(paid).toMatchObject({ status: "ok", payment: { intentId: first.intentId, tier: "collaborative" } });
    expect(await balance(VENDORS.analysisAgent)).toBe(before + usdc("89"));
  });

  it("supervised: pending through the veto window; the retry after it executes the intent and pays", async () => {
    const first = await x402Fetch(`${api.url}/compute`, undefined, { category: "compute", justification: "GPU burst" });
    expect(first).toMatchObject({ status: "pending", tier: "supervised" });
    if (first.status !== "pending") return;
    await c.testClient.setNextBlockTimestamp({ timestamp: BigInt(first.until.getTime() / 1000) });
    await c.testClient.mine({ blocks: 1 });
    const before = await balance(VENDORS.compute);
    const paid = await x402Fetch(`${api.url}/compute`, undefined, { category: "compute", justification: "GPU burst" });
    expect(paid).toMatchObject({ status: "ok", payment: { intentId: first.intentId, tier: "supervised" } });
    expect(await balance(VENDORS.compute)).toBe(before + usdc("47"));
  });

  it("prohibited: refused with the reason, nothing paid", async () => {
    const before = await balance(VENDORS.casino);
    const r = await x402Fetch(`${api.url}/casino`, undefined, { category: "gambling", justification: "feeling lucky" });
    expect(r).toMatchObject({ status: "refused", reason: "CategoryProhibited" });
    expect(await balance(VENDORS.casino)).toBe(before);
  });

  it("an authorization that never settles gives its budget back after validBefore", async () => {
    const ctx = { publicClient: c.publicClient, walletClient: c.walletFor(agentKey), wallet: w.wallet };
    const spent = await autonomousBudgetSpent();
    const validBefore = BigInt((await chainNow()) + 60);
    const auth = {
      token,
      to: VENDORS.embeddings as Address,
      value: usdc("0.02"),
      validAfter: 0n,
      validBefore,
      nonce: `0x${"ab".repeat(32)}` as Hex,
    };
    const s = await submitX402Authorization(ctx, auth, 1, "never settled");
    expect(s.tier).toBe("autonomous");
    expect(await autonomousBudgetSpent()).toBe(spent + usdc("0.02"));
    await c.testClient.setNextBlockTimestamp({ timestamp: validBefore });
    await c.testClient.mine({ blocks: 1 });
    expect(await releaseX402Authorization(ctx, s.intentId, auth)).toBe(usdc("0.02"));
    expect(await autonomousBudgetSpent()).toBe(spent);
  });
  it("audit verify reconciles the token balance: settled authorizations are payments, unsettled or released ones are not", async () => {
    const db = new PGlite();
    try {
      const store = await openStore(db);
      const end = await c.publicClient.getBlockNumber();
      await syncOnce({ publicClient: c.publicClient, wallet: w.wallet, store, fromBlock: w.fromBlock, toBlock: end });
      const r = await verify({ publicClient: c.publicClient, wallet: w.wallet, store, blockNumber: end });
      expect(r.differences).toEqual([]);
      // autonomous, collaborative and supervised settled; the released one (and nothing prohibited) did not
      const x402 = r.checks.find((x) => x.name === "x402 authorizations");
      expect(x402?.count).toBe(4);
      expect(x402?.detail).toMatch(/^3 settled/);
    } finally {
      await db.close();
    }
  });
});

describe("the x402_fetch MCP tool", () => {
  it("pays an x402 API through the wallet for a model over stdio (tierguard mcp)", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(ROOT, "bin/tierguard.js"), "mcp", "--token", token],
      env: {
        PATH: process.env.PATH ?? "",
        TIERGUARD_RPC_URL: c.url,
        TIERGUARD_WALLET: w.wallet,
        TIERGUARD_AGENT_KEY: toHex(agentKey.getHdKey().privateKey!),
      },
      stderr: "pipe",
    });
    const mcp = new Client({ name: "tierguard-x402-test", version: "1.0.0" });
    await mcp.connect(transport);
    try {
      const before = await balance(VENDORS.embeddings);
      const r = (await mcp.callTool({
        name: "x402_fetch",
        arguments: { url: `${api.url}/embed`, category: "embeddings", justification: "embed a paragraph" },
      })) as { isError?: boolean; content: { text: string }[] };
      expect(r.isError).not.toBe(true);
      const facts = JSON.parse(r.content[1].text) as {
        status: string;
        httpStatus: number;
        body: string;
        payment: { tier: string };
      };
      expect(facts).toMatchObject({ status: "ok", httpStatus: 200, payment: { tier: "autonomous" } });
      expect(JSON.parse(facts.body)).toEqual({ path: "/embed", paid: true });
      expect(await balance(VENDORS.embeddings)).toBe(before + usdc("0.02"));
      const refused = (await mcp.callTool({
        name: "x402_fetch",
        arguments: { url: `${api.url}/casino`, category: "gambling", justification: "feeling lucky" },
      })) as { content: { text: string }[] };
      expect(refused.content[0].text).toContain("refused: CategoryProhibited");
    } finally {
      await mcp.close();
    }
  });
});
