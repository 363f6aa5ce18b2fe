/**
 * The owners' console in a real headless Chromium, with an injected EIP-1193 provider per browser context backed
 * by the node's test keys: the article's day governed from two owners' browsers.
 *
 * Set TIERGUARD_SCREENSHOTS=docs to (re)write docs/console-queue.png and docs/console-intent.png.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import type { Hex } from "viem";
import { openStore, type OwnedStore } from "../../src/indexer";
import { startConsole, type ConsoleServer } from "../../src/console";
import { account } from "./helpers/chain";
import { ownerCalls } from "../../src/client/owner";
import { prepareOwnerAction } from "../../src/owners/collect";
import { digestOf, writeActionFile } from "../../src/owners/file";
import { launchChromium, withProvider } from "./helpers/browser";
import { setupArticleWallet, type ArticleWallet } from "./helpers/article-scenario";

let s: ArticleWallet;
let store: OwnedStore;
let server: ConsoleServer;
let browser: Browser | undefined;
const screenshots = process.env.TIERGUARD_SCREENSHOTS;

beforeAll(async () => {
  browser = await launchChromium("console-browser.test.ts");
  s = await setupArticleWallet();
  store = await openStore();
  server = await startConsole({
    store,
    publicClient: s.c.publicClient,
    wallet: s.wallet,
    fromBlock: s.fromBlock,
    pollIntervalMs: 200,
    labels: { [s.recipients.analysisAgent]: "analysis-agent.example", [s.recipients.compute]: "gpu-cloud.example" },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
});

/** Waits until the console's view has the intent in the given state. */
async function until(intentId: Hex, status: string) {
  await expect.poll(async () => (await server.view.trail(intentId))?.status, { timeout: 20_000, interval: 100 }).toBe(status);
}

/** The agent submits an intent; resolves once the console shows it waiting. */
async function submit(amount: string, category: string, to: keyof ArticleWallet["recipients"], justification: string) {
  const r = await s.agentClient().authorize({ amount, category, recipient: s.recipients[to], justification });
  await until(r.intentId, r.tier === "supervised" ? "queued" : "awaiting_approval");
  return r;
}

async function openAs(i: number, urlPath = "/"): Promise<Page> {
  const context = await withProvider(browser!, s.c, account(i));
  const page = await context.newPage();
  await page.goto(server.url + urlPath);
  await page.click("#connect");
  await page.waitForSelector(".who");
  return page;
}

/** Waits until the element's text contains `text` (the page refreshes itself every 2 s). */
async function contains(locator: Locator, text: string, timeout = 10_000) {
  await expect.poll(async () => (await locator.first().textContent({ timeout })) ?? "", { timeout, interval: 100 }).toContain(text);
}

const button = (page: Page, action: string, id: Hex) => page.locator(`button.act-${action}[data-intent="${id}"]`);

describe("console in Chromium", () => {
  it("two owners in two browsers each approve the 89.00 hire; the second completes M and it executes", async (ctx) => {
    if (!browser) return ctx.skip();
    const hire = await submit("89.00", "agent_hire", "analysisAgent", "EURC liquidity analysis for MiCA compliance report");
    expect(hire.tier).toBe("collaborative");

    const alice = await openAs(0);
    await contains(alice.locator(`tr[data-intent="${hire.intentId}"]`), "analysis-agent.example");
    await contains(alice.locator(`tr[data-intent="${hire.intentId}"]`), "0 of 2");
    await button(alice, "approve", hire.intentId).click();
    await contains(alice.locator("#message"), "1 of 2", 15_000);
    expect((await server.view.trail(hire.intentId))?.status).toBe("awaiting_approval");

    const bob = await openAs(1);
    await contains(bob.locator(`tr[data-intent="${hire.intentId}"]`), "1 of 2", 10_000);
    if (screenshots) await bob.screenshot({ path: path.join(screenshots, "console-queue.png"), fullPage: true });
    await button(bob, "approve", hire.intentId).click();
    await contains(bob.locator("#message"), "Transaction sent", 15_000);
    await until(hire.intentId, "executed");
    const trail = await server.view.trail(hire.intentId);
    expect(trail?.approvals.map((a) => a.owner).sort()).toEqual([account(0).address, account(1).address].sort());

    await bob.goto(`${server.url}/intents/${hire.intentId}`);
    await contains(bob.locator("ol.steps"), `executed by ${account(1).address}`);
    if (screenshots) await bob.screenshot({ path: path.join(screenshots, "console-intent.png"), fullPage: true });
    await alice.context().close();
    await bob.context().close();
  });

  it("an owner vetoes the 47.00 compute burst inside its veto window", async (ctx) => {
    if (!browser) return ctx.skip();
    const burst = await submit("47.00", "compute", "compute", "GPU burst for the nightly embedding rebuild");
    expect(burst.tier).toBe("supervised");
    const carol = await openAs(2);
    const row = carol.locator(`tr[data-intent="${burst.intentId}"]`);
    await contains(row.locator(".countdown"), "veto window ends in");
    await button(carol, "veto", burst.intentId).click();
    await until(burst.intentId, "vetoed");
    const trail = await server.view.trail(burst.intentId);
    expect(trail?.decision).toMatchObject({ kind: "vetoed", by: account(2).address });
    await carol.context().close();
  });

  it("a non-owner sees the queue and no action", async (ctx) => {
    if (!browser) return ctx.skip();
    const hire = await submit("120.00", "agent_hire", "analysisAgent", "second opinion on the compliance report");
    const eve = await openAs(7);
    await contains(eve.locator(".who"), "not an owner");
    await eve.locator(`tr[data-intent="${hire.intentId}"]`).waitFor({ state: "visible" });
    expect(await eve.locator("button.act").count()).toBeGreaterThan(0);
    expect(await eve.locator("button.act:visible").count()).toBe(0);
    // the same page shows the owner their buttons
    const alice = await openAs(0);
    await button(alice, "approve", hire.intentId).waitFor({ state: "visible" });
    await alice.locator("button.act-pause").waitFor({ state: "visible" });
    await eve.context().close();
    await alice.context().close();
  });
});

describe("console in Chromium: pause, and an owner action signed in two browsers", () => {
  it("an owner pauses from the queue; two owners each sign the prepared unpause and the second one's signature runs it", async (ctx) => {
    if (!browser) return ctx.skip();
    const alice = await openAs(0);
    await alice.locator("button.act-pause").click();
    await expect.poll(() => server.view.state().paused, { timeout: 20_000, interval: 100 }).toBe(true);

    const unpause = await prepareOwnerAction({ publicClient: s.c.publicClient, wallet: s.wallet, calls: [ownerCalls.unpause()], title: "unpause" });
    const digest = digestOf(unpause).toLowerCase();
    await alice.goto(`${server.url}/owner-actions`);
    await alice.locator("#action-file").fill(writeActionFile(unpause));
    await alice.locator("#action-load").click();
    const card = (page: Page) => page.locator(`article[data-digest="${digest}"]`);
    await contains(card(alice).locator(".changes"), "paused: yes -> no");
    await alice.locator(`button.act-sign-action[data-digest="${digest}"]`).click();
    await contains(alice.locator("#message"), "1 of 2", 15_000);

    const bob = await openAs(1, "/owner-actions");
    await contains(card(bob).locator(".standing"), "1 of 2 owners signed");
    if (screenshots) await bob.screenshot({ path: path.join(screenshots, "console-owner-action.png"), fullPage: true });
    await bob.locator(`button.act-sign-action[data-digest="${digest}"]`).click();
    await contains(bob.locator("#message"), "Transaction sent", 15_000);
    await expect.poll(() => server.view.state().paused, { timeout: 20_000, interval: 100 }).toBe(false);
    await contains(card(bob).locator(".standing"), "executed in block");
    await alice.context().close();
    await bob.context().close();
  });
});

describe("console API: collected approval signatures", () => {
  it("refuses a tampered, a foreign-chain, a non-owner and a replayed signature, and stores a valid one", async () => {
    const hire = await submit("300.00", "agent_hire", "analysisAgent", "market data vendor review");
    const url = `${server.url}/api/intents/${hire.intentId}`;
    const typed = await (await fetch(`${url}/approval`)).json();
    const sign = (i: number, domain = typed.domain) =>
      account(i).signTypedData({
        domain,
        types: { Approval: typed.types.Approval },
        primaryType: "Approval",
        message: { ...typed.message, amount: BigInt(typed.message.amount), deadline: BigInt(typed.message.deadline) },
      });
    const post = (signer: string, signature: string) =>
      fetch(`${url}/signatures`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ signer, signature }) });
    const owner = account(2).address;

    const good = await sign(2);
    const tampered = `${good.slice(0, 10)}${good[10] === "0" ? "1" : "0"}${good.slice(11)}`;
    const r1 = await post(owner, tampered);
    expect(r1.status).toBe(422);
    expect((await r1.json()).error).toMatch(/is not 0x\w+'s over the Approval of intent/);

    const r2 = await post(owner, await sign(2, { ...typed.domain, chainId: 1 }));
    expect(r2.status).toBe(422);

    const r3 = await post(account(7).address, await sign(7));
    expect(r3.status).toBe(403);
    expect((await r3.json()).error).toContain("is not an owner");

    const r4 = await post(owner, good);
    expect(r4.status).toBe(201);
    expect((await r4.json()).approvals).toMatchObject({ count: 1, threshold: 2, by: [{ owner, via: "signature" }] });

    const r5 = await post(owner, good);
    expect(r5.status).toBe(409);
    expect((await r5.json()).error).toContain("already collected");

    const early = await fetch(`${url}/tx/submit`);
    expect(early.status).toBe(409);
    expect((await early.json()).error).toContain("1 of 2");
    // nothing moved: the intent still waits
    expect((await server.view.trail(hire.intentId))?.status).toBe("awaiting_approval");
  });
});
