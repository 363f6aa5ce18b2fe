/**
 * The report an auditor and a finance lead read, against a wallet configured from examples/policy.yaml on the
 * `hardhat node`: records labelled with the policy in force at their block (a later change of a category's name
 * does not relabel a paid 900.00 contract), the governance section (every owner action with its signers and a
 * readable diff, pauses, keys, deposits and withdrawals), blocked attempts apart from spend, currency and
 * labels, metadata with a content hash, and an HTML file that pages its tables and never scrolls sideways.
 */
import { PGlite } from "@electric-sql/pglite";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, getAddress, parseEther, stringToHex, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { mockErc20Abi } from "../../src/abi/MockERC20";
import { createAgentClient, createOwnerClient, ownerCalls } from "../../src/client";
import { loadPolicyFile, planPolicy, type Policy } from "../../src/policy";
import { openStore, syncOnce } from "../../src/indexer";
import { loadReport } from "../../src/indexer/report/load";
import { createLabels } from "../../src/indexer/report/labels";
import { parseCsv, renderReportCsv, renderReportMarkdown } from "../../src/indexer/report/render-text";
import { renderReportHtml } from "../../src/indexer/report/render-html";
import type { AuditReport } from "../../src/indexer/report/model";
import { account, clients, deployFeed, deployToken, deployWallet } from "./helpers/chain";

const EXAMPLE = path.resolve(__dirname, "../../examples/policy.yaml");
const c = clients();
const owners = [account(0), account(1), account(2)];
const agentKey = account(3);
const ANALYSIS = getAddress("0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097"); // "analysis-agent-beta" in the policy
const CASINO = account(15).address;
let wallet: Address;
let usdc: Address;
let policy: Policy;
let report: AuditReport;
let db: PGlite;
const tx: Record<string, Hex> = {};

const signers = () => owners.slice(0, 2).map((o) => c.walletFor(o));
const ownerClient = (i: number) => createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(owners[i]), wallet });
const apply = async (calls: Hex[]) => (await ownerClient(0).applyCalls(calls, signers())).txHash;

beforeAll(async () => {
  wallet = getAddress(await deployWallet(c, owners.map((o) => o.address), 2));
  usdc = getAddress(await deployToken(c, "Mock USD Coin", "USDC", 6));
  const eurc = await deployToken(c, "Mock Euro Coin", "EURC", 6);
  const feed = await deployFeed(c, 8, 108_000_000n);
  policy = await loadPolicyFile(EXAMPLE, { vars: { USDC: usdc, EURC: eurc, EURC_USD_FEED: feed } });
  await c.publicClient.waitForTransactionReceipt({
    hash: await c.walletFor(owners[0]).writeContract({ address: usdc, abi: mockErc20Abi, functionName: "mint", args: [wallet, 1_000_000n * 10n ** 6n] } as never),
  });
  tx.policy = await apply((await planPolicy({ publicClient: c.publicClient, wallet, policy })).calls);
  tx.key = await apply([ownerCalls.grantSessionKey(agentKey.address, "procurement-agent-prod", 2 ** 40 - 1)]);
  tx.deposit = await c.walletFor(owners[2]).sendTransaction({ to: wallet, value: parseEther("3") });
  await c.publicClient.waitForTransactionReceipt({ hash: tx.deposit });

  const agent = createAgentClient({ publicClient: c.publicClient, walletClient: c.walletFor(agentKey), wallet, token: usdc, pollingInterval: 50 });
  const contract = await agent.authorize({ amount: "900.00", category: "service_procurement", recipient: ANALYSIS, justification: "audit support contract" });
  const sigs = [await ownerClient(0).signApproval(contract.intentId), await ownerClient(1).signApproval(contract.intentId)];
  expect(await ownerClient(2).submitApprovals(contract.intentId, sigs)).toMatchObject({ executed: true });
  await agent.authorize({ amount: "10.00", category: "gambling", recipient: CASINO, justification: "feeling lucky" });

  // later: the name at id 7 changes (as the old planner did when a category above it was removed)
  tx.rename = await apply([
    encodeFunctionData({ abi: tierGuardWalletAbi, functionName: "defineCategory", args: [7, stringToHex("consulting", { size: 32 })] }),
  ]);
  tx.withdraw = await apply([ownerCalls.withdraw(usdc, account(9).address, 250_000n * 10n ** 6n)]);
  tx.pause = (await ownerClient(2).pause()).txHash;
  tx.unpause = await apply(ownerClient(0).unpauseCalls());
  tx.freeze = (await ownerClient(1).freezeAgent("procurement-agent-prod")).txHash;

  db = new PGlite();
  const store = await openStore(db);
  await syncOnce({ publicClient: c.publicClient, wallet, store, fromBlock: 0n, confirmations: 0 });
  const to = Number((await c.publicClient.getBlock()).timestamp) + 1;
  report = await loadReport({ store, wallet, to, chainId: 31337, labels: createLabels({ policy }), toolVersion: "0.1.0", title: "Procurement agent" });
});

afterAll(async () => {
  await db?.close();
});

const sorted = (a: Address[]) => [...a].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));

describe("records as of their block", () => {
  it("a later change of the name at a category's id does not relabel the executed 900.00 contract", () => {
    expect(report.collaborative).toHaveLength(1);
    expect(report.collaborative[0]).toMatchObject({
      category: "service_procurement",
      categoryId: 7,
      value: "900.000000",
      outcome: "executed",
      approvalCount: 2,
      recipientLabel: "analysis-agent-beta",
      tokenSymbol: "USDC",
      amountFormatted: "900",
      tierLimit: "5000.000000",
      policyVersion: 1,
    });
    expect(report.spendByCategory.map((x) => x.category)).toEqual(["service_procurement"]);
  });
});

describe("governance section", () => {
  it("lists each owner action with its signers and a readable diff, keys, pauses, deposits and withdrawals", () => {
    const g = report.governance;
    expect(g.owners.map((o) => o.address)).toEqual(owners.map((o) => getAddress(o.address)));
    expect(g.threshold).toBe(2);
    expect(g.paused).toBe(false);
    const two = sorted(signers().map((s) => s.account.address));
    const byTx = (h: Hex) => g.actions.find((a) => a.txHash.toLowerCase() === h.toLowerCase())!;
    expect(byTx(tx.policy)).toMatchObject({ action: "owner action #0", signers: two, policyVersion: 1 });
    expect(byTx(tx.policy).changes).toContain("define category 7 service_procurement");
    expect(byTx(tx.policy).changes).toContain("set tier collaborative categories [] -> [agent_hire, service_procurement, subscription], maxValue 0.00 -> 5000.00, maxCount 0 -> 5, period 0s -> 1d, timeout 0s -> 4h");
    expect(byTx(tx.rename).changes).toEqual(["rename category 7 service_procurement -> consulting"]);
    expect(byTx(tx.key).changes[0]).toMatch(/^grant session key 0x[0-9a-fA-F]{40} to agent procurement-agent-prod until /);
    expect(byTx(tx.withdraw).changes).toEqual([`withdraw 250000 USDC to ${account(9).address}`]);
    expect(byTx(tx.pause)).toMatchObject({ action: `single-owner call by ${owners[2].address}`, signers: [owners[2].address] });
    expect(g.pauses.map((p) => [p.kind, p.by])).toEqual([
      ["paused", [owners[2].address]],
      ["unpaused", two],
    ]);
    expect(g.keys).toMatchObject([
      { kind: "granted", agent: "procurement-agent-prod", key: agentKey.address, by: two },
      { kind: "revoked", agent: "procurement-agent-prod", key: agentKey.address, by: [owners[1].address] },
      { kind: "agent frozen", agent: "procurement-agent-prod", key: null, by: [owners[1].address] },
    ]);
    expect(byTx(tx.freeze)).toMatchObject({ action: `single-owner call by ${owners[1].address}` });
    expect(byTx(tx.freeze).changes).toContain("freeze agent procurement-agent-prod: 1 keys revoked, 0 queued intents voided");
    expect(g.funds.map((f) => [f.kind, f.currency, f.amountFormatted, f.counterparty])).toEqual([
      ["deposit", "ETH", "3", owners[2].address],
      ["withdrawal", "USDC", "250000", account(9).address],
    ]);
  });
});

describe("figures a finance lead can use", () => {
  it("keeps blocked attempts apart from spend, with currency, and reason and misses on every tier's rows", () => {
    const t = (n: string) => report.totals.find((x) => x.tier === n)!;
    expect(t("prohibited")).toMatchObject({ blocked: 1, blockedValue: "10.000000", executed: 0, executedValue: "0.000000" });
    expect(report.meta.currency).toBe("USD");
    const csv = renderReportCsv(report);
    expect(parseCsv(csv["supervised.csv"])[0]).toEqual(expect.arrayContaining(["reason", "misses", "policy_version", "tier_limit", "value"]));
    expect(parseCsv(csv["totals.csv"])[0]).toContain("blocked_value");
    const collab = parseCsv(csv["collaborative.csv"]);
    const row = Object.fromEntries(collab[0].map((k, i) => [k, collab[1][i]]));
    expect(row).toMatchObject({ category: "service_procurement", reason: "Matched", recipient: ANALYSIS, token: "USDC", amount: "900", value: "900.000000" });
    expect(parseCsv(csv["governance.csv"]).length).toBe(1 + report.governance.actions.length);
    expect(renderReportMarkdown(report)).toContain("## Governance: configuration changes and who signed them");
    const html = renderReportHtml(report);
    expect(html).not.toMatch(/data-series="[^"]*" data-label="prohibited"/);
    expect(html).toContain("analysis-agent-beta");
  });

  it("metadata: wallet, chain id, blocks, a period from the first record, generatedAt, version and a content hash", async () => {
    const m = report.meta;
    expect(m).toMatchObject({ wallet, chainId: 31337, toolVersion: "0.1.0", title: "Procurement agent" });
    expect(m.period.from).toBeGreaterThan(1_700_000_000);
    expect(m.generatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(m.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(BigInt(m.blockRange!.from)).toBeLessThan(BigInt(m.blockRange!.to));
  });
});

// --- the HTML in headless Chromium: no horizontal scrolling, pages ------------------------------------------

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"].find((b) => spawnSync(b, ["--version"], { timeout: 20_000 }).status === 0);

describe("HTML for size", () => {
  it("pages long tables in collapsible sections and caps the rows written", () => {
    const many = { ...report, blocked: Array.from({ length: 25 }, (_, i) => ({ ...report.blocked[0], auditId: `aud-x-${i}` })) };
    const html = renderReportHtml(many, { pageSize: 10, maxRows: 20 });
    expect(html.match(/<details class="page"/g)).toHaveLength(2);
    expect(html).toContain("rows 11–20 of 25");
    expect(html).toContain("5 more rows are in blocked.csv and report.json.");
    expect(html).not.toContain("aud-x-20");
  });

  it.skipIf(!CHROMIUM && !process.env.CI)("never scrolls sideways in a 1024-pixel window (headless Chromium)", async () => {
    if (!CHROMIUM) throw new Error("Chromium is not installed but CI is set: install Debian's `chromium` package");
    const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-html-"));
    try {
      const probe = renderReportHtml(report)
        .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "")
        .replace("</body>", `<script>document.body.setAttribute("data-width", document.documentElement.scrollWidth + "/" + window.innerWidth)</script></body>`);
      const file = path.join(dir, "probe.html");
      writeFileSync(file, probe);
      const dom = await new Promise<string>((resolve, reject) =>
        execFile(
          CHROMIUM!,
          ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1024,800", `--user-data-dir=${path.join(dir, "profile")}`, "--dump-dom", `file://${file}`],
          { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        ),
      );
      const [scroll, viewport] = /data-width="(\d+)\/(\d+)"/.exec(dom)!.slice(1).map(Number);
      expect(viewport).toBe(1024);
      expect(scroll).toBeLessThanOrEqual(viewport);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
