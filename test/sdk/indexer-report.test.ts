/**
 * Audit reports and alerts against a real `hardhat node`: the article's scenario (autonomous payments, a
 * supervised payment executed and one vetoed, the 89.00 collaborative hire approved by two owner signatures, a
 * blocked gambling attempt) run through the SDK clients, synced into an in-memory PGlite store, then:
 *
 * - the report's records, checked in every format (JSON, CSV, Markdown, HTML);
 * - the HTML rendered by headless Chromium (Debian's `chromium`): bar sizes measured by the browser's layout,
 *   and a screenshot whose pixels show the charts' colours. Without Chromium the test fails when `CI` is set,
 *   and is skipped with a warning otherwise;
 * - alerts detected for the blocked attempt and the veto, to a stdout channel and to a webhook on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { encodeFunctionData, getAddress, stringToHex, type Address, type Hex } from "viem";
import { account, clients, deployToken, deployWallet, type Clients } from "./helpers/chain";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { mockErc20Abi } from "../../src/abi/MockERC20";
import { createAgentClient, createOwnerClient, type OwnerClient } from "../../src/client";
import { loadTrails, openStore, syncOnce, type IntentTrail, type Store, type StoredLog } from "../../src/indexer";
import { buildReport } from "../../src/indexer/report/build";
import { loadReport } from "../../src/indexer/report/load";
import { streamReport } from "../../src/indexer/report/write";
import { fileRecords } from "../../src/indexer/report/records";
import { PolicyHistory } from "../../src/indexer/report/history";
import type { AuditReport, BlockedRecord } from "../../src/indexer/report/model";
import { csvField, mdCell, parseCsv, renderReportCsv, renderReportJson, renderReportMarkdown } from "../../src/indexer/report/render-text";
import { renderReportHtml } from "../../src/indexer/report/render-html";
import { escapeHtml } from "../../src/indexer/report/charts";
import { CONFIG_EVENTS } from "../../src/indexer/model/state";
import { detectAlerts, initialDetectorState, type Alert } from "../../src/indexer/alerts/detect";
import { stdoutChannel, webhookChannel } from "../../src/indexer/alerts/channels";
import { CATEGORIES, CATEGORY_IDS, mask, usd, Tier, Trust, HOUR, RULES } from "./helpers/article";

const AGENT_NAME = "procurement-agent-prod";
const AGENT_ID = stringToHex(AGENT_NAME, { size: 32 });
/** untrusted agent text with CSV, Markdown and HTML syntax in it */
const BET_JUSTIFICATION = 'feeling lucky, "all in" <b>now</b> | =1+1';
const HIRE_JUSTIFICATION = "hire the analysis agent for the Q3 report";
const call = (functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);

let c: Clients;
let wallet: Address;
let usdc: Address;
let fromBlock: bigint;
let store: Store;
let db: PGlite;
let trails: IntentTrail[];
let report: AuditReport;
let periodFrom: number;
let periodTo: number;
let configLogs: StoredLog[];
const owners = [account(0), account(1), account(2)];
const agentKey = account(3);
const [embeddings, compute, analysisAgent, casino] = [10, 13, 14, 15].map((i) => account(i).address);
const ownerClient = (i: number): OwnerClient =>
  createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(account(i)), wallet });

type Ids = "emb" | "emb2" | "search" | "gpu" | "gpu2" | "hire" | "bet";
const ids = {} as Record<Ids, Hex>;
const txs = {} as Record<Ids | "gpuExec" | "gpu2Veto", Hex>;
const lc = (s: string | null | undefined) => (s ?? "").toLowerCase();
const same = (a: string | null | undefined, b: string | null | undefined) => lc(a) === lc(b);
const blockTime = async (hash: Hex) => {
  const r = await c.publicClient.getTransactionReceipt({ hash });
  return Number((await c.publicClient.getBlock({ blockNumber: r.blockNumber })).timestamp);
};
const trailOf = (id: Hex) => trails.find((t) => same(t.intentId, id))!;

beforeAll(async () => {
  c = clients();
  fromBlock = (await c.publicClient.getBlockNumber()) + 1n;
  wallet = await deployWallet(
    c,
    owners.map((o) => o.address),
    2,
  );
  usdc = await deployToken(c, "Mock USD Coin", "USDC", 6);
  const mintHash = await c.walletFor(account(0)).writeContract({
    address: usdc,
    abi: mockErc20Abi,
    functionName: "mint",
    args: [wallet, 1_000_000n * 10n ** 6n],
  } as never);
  await c.publicClient.waitForTransactionReceipt({ hash: mintHash });
  const calls: Hex[] = [
    ...CATEGORIES.map((name, id) => call("defineCategory", [id, stringToHex(name, { size: 32 })])),
    call("setTierRules", [Tier.Autonomous, RULES.autonomous]),
    call("setTierRules", [Tier.Supervised, RULES.supervised]),
    call("setTierRules", [Tier.Collaborative, RULES.collaborative]),
    call("setProhibitions", [mask("gambling", "unverified_agents", "sanctioned_jurisdictions"), 1 << Trust.Unknown]),
    call("setUnmatchedTier", [Tier.Collaborative]),
    call("configureToken", [usdc, 1, 10n ** 18n, 0]),
    call("setRecipientTrust", [embeddings, Trust.Verified]),
    call("setRecipientTrust", [compute, Trust.Known]),
    call("setRecipientTrust", [analysisAgent, Trust.Known]),
    call("grantSessionKey", [agentKey.address, AGENT_ID, 2 ** 40 - 1]),
  ];
  await ownerClient(0).applyCalls(
    calls,
    owners.slice(0, 2).map((o) => c.walletFor(o)),
  );

  // the article's scenario
  const agent = createAgentClient({
    publicClient: c.publicClient,
    walletClient: c.walletFor(agentKey),
    wallet,
    token: usdc,
    pollingInterval: 50,
  });
  const pay = async (k: Ids, p: Parameters<typeof agent.authorize>[0]) => {
    const r = await agent.authorize(p);
    ids[k] = r.intentId;
    txs[k] = r.txHash;
  };
  await pay("emb", { amount: "0.02", category: "embeddings", recipient: embeddings, justification: "embed docs" });
  await pay("search", { amount: "0.50", category: "search", recipient: embeddings, justification: "search query" });
  await pay("emb2", { amount: "0.02", category: "embeddings", recipient: embeddings, justification: "embed more" });
  await pay("gpu", { amount: "47.00", category: "compute", recipient: compute, justification: "GPU hours" });
  await pay("gpu2", { amount: "12.00", category: "compute", recipient: compute, justification: "more GPU" });
  txs.gpu2Veto = (await ownerClient(1).veto(ids.gpu2)).txHash;
  await c.testClient.increaseTime({ seconds: 31 });
  await c.testClient.mine({ blocks: 1 });
  txs.gpuExec = (await agent.execute(ids.gpu)).txHash;
  await pay("hire", {
    amount: "89.00",
    category: "agent_hire",
    recipient: analysisAgent,
    justification: HIRE_JUSTIFICATION,
  });
  const sigs = [await ownerClient(2).signApproval(ids.hire), await ownerClient(1).signApproval(ids.hire)];
  expect(await ownerClient(0).submitApprovals(ids.hire, sigs)).toMatchObject({ executed: true });
  await pay("bet", { amount: "10.00", category: "gambling", recipient: casino, justification: BET_JUSTIFICATION });
  const scenarioEnd = await c.publicClient.getBlockNumber();

  db = new PGlite();
  store = await openStore(db);
  await syncOnce({ publicClient: c.publicClient, wallet, store, fromBlock, toBlock: scenarioEnd, confirmations: 0 });
  trails = await loadTrails(store, wallet);
  periodFrom = Number((await c.publicClient.getBlock({ blockNumber: fromBlock })).timestamp);
  periodTo = Number((await c.publicClient.getBlock({ blockNumber: scenarioEnd })).timestamp) + 1;
  configLogs = await store.logs(wallet, { events: [...CONFIG_EVENTS, "Deposited", "Withdrawn"] });
  report = buildReport({
    trails,
    from: periodFrom,
    to: new Date(periodTo * 1000),
    configLogs,
    wallet,
    title: "Procurement agent: audit report",
    generatedAt: null,
  });
});

afterAll(async () => {
  await db?.close();
});

describe("the report object", () => {
  it("reads the category names in force at a block from the stored configuration logs", () => {
    const history = PolicyHistory.fromLogs(configLogs, wallet);
    const names = history.at(trails[0].submitted!.blockNumber).categories;
    expect([...names.entries()].sort(([a], [b]) => a - b)).toEqual(CATEGORIES.map((n, i) => [i, n]));
    expect(history.at(fromBlock).categories.size).toBe(0);
  });

  it("totals per tier, with the article's audit depths", () => {
    expect(report.meta.period).toMatchObject({ from: periodFrom, to: periodTo });
    const byTier = Object.fromEntries(report.totals.map((t) => [t.tier, t]));
    expect(byTier.autonomous).toMatchObject({
      auditDepth: "batch_daily",
      submitted: 3,
      submittedValue: "0.540000",
      executed: 3,
      executedValue: "0.540000",
      blocked: 0,
      pending: 0,
    });
    expect(byTier.supervised).toMatchObject({
      auditDepth: "per_transaction",
      submitted: 2,
      submittedValue: "59.000000",
      executed: 1,
      executedValue: "47.000000",
      vetoed: 1,
      stale: 0,
      pending: 0,
    });
    expect(byTier.collaborative).toMatchObject({
      auditDepth: "per_transaction_enhanced",
      submitted: 1,
      executed: 1,
      executedValue: "89.000000",
      rejected: 0,
      expired: 0,
    });
    expect(byTier.prohibited).toMatchObject({
      auditDepth: "attempt_logged",
      submitted: 1,
      submittedValue: "10.000000",
      executed: 0,
      executedValue: "0.000000",
      blocked: 1,
    });
    expect(report.incomplete).toEqual([]);
  });

  it("autonomous payments: per UTC day, per category and per agent", () => {
    // the scenario may straddle midnight UTC: sum over the days
    const days = report.autonomousDaily;
    expect(days.reduce((n, d) => n + d.count, 0)).toBe(3);
    const sum = (
      pick: (d: (typeof days)[number]) => { label: string; count: number; total: string }[],
      label: string,
    ) =>
      days
        .flatMap(pick)
        .filter((b) => b.label === label)
        .reduce((a, b) => ({ count: a.count + b.count, total: a.total + usd(b.total) }), { count: 0, total: 0n });
    expect(sum((d) => d.byCategory, "embeddings")).toEqual({ count: 2, total: usd("0.04") });
    expect(sum((d) => d.byCategory, "search")).toEqual({ count: 1, total: usd("0.50") });
    expect(sum((d) => d.byAgent, AGENT_NAME)).toEqual({ count: 3, total: usd("0.54") });
    for (const d of days) {
      expect(d.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(d.byAgent[0].agentId).toBe(AGENT_ID);
    }
  });

  it("supervised: one record per intent with its veto window, outcome, who and the transactions", async () => {
    expect(report.supervised.map((r) => r.intentId)).toEqual([ids.gpu, ids.gpu2]);
    const [gpu, gpu2] = report.supervised;
    const gpuAt = await blockTime(txs.gpu);
    expect(gpu).toMatchObject({
      agent: AGENT_NAME,
      category: "compute",
      value: "47.000000",
      amount: 47_000_000n,
      justification: "GPU hours",
      reason: "Matched",
      misses: ["autonomous:CategoryNotAllowed"],
      submittedAt: gpuAt,
      vetoWindowEnd: gpuAt + 30,
      deadline: gpuAt + 30 + HOUR,
      outcome: "executed",
      submitTx: txs.gpu,
      decisionTx: txs.gpuExec,
      txHashes: [txs.gpu, txs.gpuExec],
      submittedInPeriod: true,
    });
    expect(same(gpu.by, agentKey.address)).toBe(true);
    expect(same(gpu.recipient, compute)).toBe(true);
    expect(gpu.decidedAt!).toBeGreaterThanOrEqual(gpu.vetoWindowEnd);
    expect(gpu.auditId).toMatch(/^aud-\d{4}-\d{2}-\d{2}-3$/);

    expect(gpu2).toMatchObject({ outcome: "vetoed", value: "12.000000", txHashes: [txs.gpu2, txs.gpu2Veto] });
    expect(same(gpu2.by, owners[1].address)).toBe(true);
    expect(gpu2.decidedAt!).toBeLessThan(gpu2.vetoWindowEnd);
  });

  it("collaborative: the enhanced record with justification, each approver and when", async () => {
    expect(report.collaborative).toHaveLength(1);
    const hire = report.collaborative[0];
    const at = await blockTime(txs.hire);
    expect(hire).toMatchObject({
      intentId: ids.hire,
      agent: AGENT_NAME,
      category: "agent_hire",
      value: "89.000000",
      justification: HIRE_JUSTIFICATION,
      reason: "Matched",
      submittedAt: at,
      deadline: at + 4 * HOUR,
      outcome: "executed",
      approvalCount: 2,
      refusals: [],
    });
    expect(same(hire.by, owners[0].address)).toBe(true);
    expect(hire.approvals.map((a) => lc(a.owner)).sort()).toEqual(
      [owners[1].address, owners[2].address].map(lc).sort(),
    );
    for (const a of hire.approvals) {
      expect(a).toMatchObject({ txHash: hire.decisionTx, at: hire.decidedAt, voided: false });
      expect(a.atUtc).toBe(new Date(a.at * 1000).toISOString().replace(".000Z", "Z"));
    }
    expect(hire.txHashes).toEqual([txs.hire, hire.decisionTx]);
    expect(hire.chain.map((s) => s.kind)).toEqual(["submitted", "queued", "approved", "approved", "executed"]);
    expect(hire.chain[1].detail).toBe("awaiting_approval");
  });

  it("blocked: every prohibited attempt", async () => {
    expect(report.blocked).toHaveLength(1);
    const bet = report.blocked[0];
    expect(bet).toMatchObject({
      intentId: ids.bet,
      agent: AGENT_NAME,
      category: "gambling",
      categoryId: CATEGORY_IDS.gambling,
      value: "10.000000",
      amount: 10_000_000n,
      reason: "CategoryProhibited",
      justification: BET_JUSTIFICATION,
      txHash: txs.bet,
      attemptedAt: await blockTime(txs.bet),
    });
    expect(same(bet.recipient, casino)).toBe(true);
  });

  it("approvals, vetoes and executions per account; spend per category and per day", () => {
    const actor = (a: Address) => report.actors.find((x) => same(x.address, a));
    expect(actor(owners[1].address)).toMatchObject({ approvals: 1, vetoes: 1, rejections: 0, executions: 0 });
    expect(actor(owners[2].address)).toMatchObject({ approvals: 1, vetoes: 0 });
    expect(actor(owners[0].address)).toMatchObject({ approvals: 0, executions: 1 });
    expect(actor(agentKey.address)).toMatchObject({ executions: 1 });
    expect(report.spendByCategory.map((s) => [s.category, s.count, s.total])).toEqual([
      ["agent_hire", 1, "89.000000"],
      ["compute", 1, "47.000000"],
      ["search", 1, "0.500000"],
      ["embeddings", 2, "0.040000"],
    ]);
    const total = report.spendByDay.reduce((a, d) => a + usd(d.total), 0n);
    expect(total).toBe(usd("136.54"));
  });

  it("streamed from the store in keyset pages, it is the report built from every trail in memory", async () => {
    for (const pageSize of [2, 1000]) {
      const streamed = await loadReport({ store, wallet, from: periodFrom, to: new Date(periodTo * 1000), title: report.meta.title, generatedAt: null, pageSize });
      expect(streamed).toEqual(report);
    }
    // the period's default start is the first record, whether streamed or not
    const loaded = await loadReport({ store, wallet, to: periodTo, generatedAt: null, pageSize: 3 });
    expect(loaded.meta.contentHash).toBe(buildReport({ trails, to: periodTo, configLogs, wallet, generatedAt: null }).meta.contentHash);
  });

  it("written as streams (streamReport), its files are the renderers' output byte for byte", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-stream-"));
    try {
      const formats = ["html", "json", "csv", "md"];
      // pages of 2 intents: the supervised, collaborative and blocked records go through their files in several writes
      const streamed = await streamReport({ store, wallet, from: periodFrom, to: new Date(periodTo * 1000), title: report.meta.title, generatedAt: null, pageSize: 2, dir, formats });
      const expected: Record<string, string> = {
        "report.html": renderReportHtml(report),
        "report.json": renderReportJson(report),
        "report.md": renderReportMarkdown(report),
        ...renderReportCsv(report),
      };
      expect(streamed.files.map((f) => path.basename(f)).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, text] of Object.entries(expected)) expect(readFileSync(path.join(dir, name), "utf8"), name).toBe(text);
      expect(streamed.meta.contentHash).toBe(report.meta.contentHash);
      expect(streamed.records).toEqual({ supervised: report.supervised.length, collaborative: report.collaborative.length, blocked: report.blocked.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads streamed records back as written, whatever characters straddle its 64 KiB reads", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-records-"));
    try {
      const sink = fileRecords<BlockedRecord>(path.join(dir, "blocked.jsonl"));
      const written = Array.from({ length: 3000 }, (_, i) => ({
        ...report.blocked[0],
        intentId: `0x${i.toString(16).padStart(64, "0")}` as Hex,
        blockNumber: 10n + BigInt(Math.floor(i / 7)),
        // mostly 2-, 3- and 4-byte characters: many of the 64 KiB chunk boundaries fall inside one
        justification: `${"é€😀".repeat(150 + (i % 13))} #${i}`,
      }));
      for (const r of written) sink.push(r);
      const list = sink.finish();
      expect(list.length).toBe(3000);
      expect([...list]).toEqual(written);
      expect([...list]).toEqual(written); // read again
      // records come in chain order (a block's own records in any order): an earlier block after a later one is a bug
      const late = fileRecords<BlockedRecord>(path.join(dir, "late.jsonl"));
      late.push(written[200]);
      late.push(written[199]);
      expect(() => late.push(written[0])).toThrow(/out of chain order/);
      late.finish();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds from 150,000 trails without spreading them into one call (no stack overflow)", () => {
    const one = trails.find((t) => t.submitted?.tier === "autonomous")!;
    const many = Array.from({ length: 150_000 }, () => one);
    const r = buildReport({ trails: many, to: periodTo, generatedAt: null });
    expect(r.totals.find((t) => t.tier === "autonomous")!.submitted).toBe(150_000);
  });

  it("reports outcomes as of the end of the period, and nothing outside it", async () => {
    const hire = report.collaborative[0];
    const early = buildReport({ trails, from: periodFrom, to: hire.decidedAt! });
    expect(early.collaborative[0]).toMatchObject({
      outcome: "pending",
      approvals: [],
      approvalCount: 0,
      decisionTx: null,
    });
    expect(early.blocked).toEqual([]);
    expect(early.totals.find((t) => t.tier === "collaborative")).toMatchObject({
      submitted: 1,
      executed: 0,
      pending: 1,
    });
    expect(early.supervised.map((r) => r.outcome)).toEqual(["executed", "vetoed"]);
    // unknown category names show as #id
    expect(early.supervised[0].category).toBe(`#${CATEGORY_IDS.compute}`);

    const later = buildReport({ trails, from: periodTo, to: periodTo + 86_400 });
    expect([later.supervised, later.collaborative, later.blocked, later.autonomousDaily]).toEqual([[], [], [], []]);
    expect(() => buildReport({ trails, from: 10, to: 5 })).toThrow(RangeError);
  });
});

describe("renderers", () => {
  it("JSON: stable, bigints as strings", () => {
    const json = renderReportJson(report);
    expect(json).toBe(
      renderReportJson(
        buildReport({ trails, from: periodFrom, to: periodTo, configLogs, wallet, title: report.meta.title, generatedAt: null }),
      ),
    );
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toEqual([
      "meta",
      "totals",
      "governance",
      "autonomousDaily",
      "supervised",
      "collaborative",
      "blocked",
      "actors",
      "spendByCategory",
      "spendByDay",
      "incomplete",
    ]);
    expect(parsed.supervised[0]).toMatchObject({
      amount: "47000000",
      value: "47.000000",
      outcome: "executed",
      submitTx: txs.gpu,
    });
    expect(typeof parsed.supervised[0].submitBlock).toBe("string");
    expect(parsed.collaborative[0].chain[0].blockNumber).toBe(report.collaborative[0].chain[0].blockNumber.toString());
    expect(parsed.blocked[0]).toMatchObject({
      justification: BET_JUSTIFICATION,
      amount: "10000000",
      reason: "CategoryProhibited",
    });
    expect(parsed.meta.auditDepth).toEqual({
      autonomous: "batch_daily",
      supervised: "per_transaction",
      collaborative: "per_transaction_enhanced",
      prohibited: "attempt_logged",
    });
  });

  it("CSV: one file per section, RFC 4180 quoting", () => {
    const files = renderReportCsv(report);
    expect(Object.keys(files).sort()).toEqual(
      [
        "meta.csv",
        "totals.csv",
        "governance.csv",
        "funds.csv",
        "keys.csv",
        "pauses.csv",
        "autonomous_daily.csv",
        "supervised.csv",
        "collaborative.csv",
        "blocked.csv",
        "actors.csv",
      ].sort(),
    );
    const table = (name: string) => {
      const [header, ...rows] = parseCsv(files[name]);
      for (const r of rows) expect(r).toHaveLength(header.length);
      return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    };
    expect(files["totals.csv"].endsWith("\r\n")).toBe(true);
    expect(table("totals.csv").find((r) => r.tier === "collaborative")).toMatchObject({
      audit_depth: "per_transaction_enhanced",
      executed: "1",
      executed_value: "89.000000",
    });
    const sup = table("supervised.csv");
    expect(sup.map((r) => [r.intent_id, r.outcome, r.value])).toEqual([
      [ids.gpu, "executed", "47.000000"],
      [ids.gpu2, "vetoed", "12.000000"],
    ]);
    expect(sup[1]).toMatchObject({
      tx_hashes: `${txs.gpu2} ${txs.gpu2Veto}`,
      veto_window_end: report.supervised[1].vetoWindowEndUtc,
    });
    expect(same(sup[1].by, owners[1].address)).toBe(true);
    const [hire] = table("collaborative.csv");
    expect(hire).toMatchObject({
      intent_id: ids.hire,
      justification: HIRE_JUSTIFICATION,
      approval_count: "2",
      outcome: "executed",
      value: "89.000000",
    });
    expect(
      hire.approvers
        .split("; ")
        .map((s) => lc(s.split("@")[0]))
        .sort(),
    ).toEqual([owners[1].address, owners[2].address].map(lc).sort());
    const [bet] = table("blocked.csv");
    expect(bet).toMatchObject({
      category: "gambling",
      value: "10.000000",
      reason: "CategoryProhibited",
      tx_hash: txs.bet,
    });
    expect(bet.justification).toBe(BET_JUSTIFICATION); // quoted on the way out, identical on the way back
    expect(files["blocked.csv"]).toContain(`"feeling lucky, ""all in"" <b>now</b> | =1+1"`);
    const daily = table("autonomous_daily.csv");
    expect(daily.filter((r) => r.dimension === "category" && r.label === "search").map((r) => r.total)).toEqual([
      "0.500000",
    ]);
    expect(daily.filter((r) => r.dimension === "agent").every((r) => r.label === AGENT_NAME)).toBe(true);

    // quoting and spreadsheet formulas
    expect(csvField('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("-1.5")).toBe("-1.5");
    expect(csvField(" padded")).toBe('" padded"');
    expect(csvField(12n)).toBe("12");
    expect(csvField(null)).toBe("");
    expect(parseCsv('x,"a,""b""\r\nc"\r\n')).toEqual([["x", 'a,"b"\r\nc']]);
  });

  it("Markdown: a table per section with the records", () => {
    const md = renderReportMarkdown(report);
    for (const h of [
      "## Totals per tier",
      "## Autonomous payments, daily batch (batch\\_daily)",
      "## Supervised payments (per\\_transaction)",
      "## Collaborative payments (per\\_transaction\\_enhanced)",
      "## Blocked attempts (attempt\\_logged, never paid)",
    ]) {
      expect(md).toContain(h);
    }
    const rows = md.split("\n").filter((l) => l.startsWith("| "));
    const row = (needle: string) => {
      const found = rows.filter((l) => l.includes(needle));
      expect(found, needle).toHaveLength(1);
      return found[0].slice(2, -2).split(/(?<!\\) \| /);
    };
    const [gpu, gpu2, hire, bet] = [
      report.supervised[0],
      report.supervised[1],
      report.collaborative[0],
      report.blocked[0],
    ];
    expect(row(`| ${gpu.auditId} |`)).toEqual([
      gpu.auditId,
      `\`${gpu.intentId}\``,
      AGENT_NAME,
      "compute",
      `\`${gpu.recipient}\``,
      getAddress(usdc),
      "47",
      "47.000000",
      "Matched",
      "autonomous:CategoryNotAllowed",
      "1",
      "50.000000",
      "GPU hours",
      gpu.submittedAtUtc,
      gpu.vetoWindowEndUtc,
      "",
      gpu.deadlineUtc,
      "executed",
      `\`${gpu.by}\``,
      gpu.decidedAtUtc,
      `\`${txs.gpu}\`<br>\`${txs.gpuExec}\``,
    ]);
    expect(row(`| ${gpu2.auditId} |`)).toContain("vetoed");
    const h = row(`| ${hire.auditId} | \`${hire.intentId}\` | ${AGENT_NAME}`);
    expect([h[0], ...h.slice(2, 5), h[7], h[12]]).toEqual([
      hire.auditId,
      AGENT_NAME,
      "agent\\_hire",
      `\`${hire.recipient}\``,
      "89.000000",
      HIRE_JUSTIFICATION,
    ]);
    expect(h[14]).toBe("2");
    expect(h[15].split("<br>")).toHaveLength(2);
    expect(h[17]).toBe("executed");
    const b = row(`| ${bet.auditId} |`);
    expect([b[3], b[7], b[8], b[12]]).toEqual(["gambling", "10.000000", "CategoryProhibited", mdCell(BET_JUSTIFICATION)]);
    expect(mdCell(BET_JUSTIFICATION)).toBe('feeling lucky, "all in" &lt;b&gt;now&lt;/b&gt; \\| =1+1');
    expect(md).not.toContain("<b>now</b>");
    expect(row("| collaborative | per\\_transaction\\_enhanced |").slice(2, 6)).toEqual([
      "1",
      "89.000000",
      "1",
      "89.000000",
    ]);
    // the enhanced lifecycle of the collaborative intent
    expect(md).toContain(`### ${hire.auditId}: lifecycle`);
    expect(rows.filter((l) => l.startsWith("| approved |"))).toHaveLength(2);
  });

  it("HTML: one self-contained file with the tables and SVG charts", () => {
    const html = renderReportHtml(report);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    // nothing to fetch, nothing to run
    const noNs = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
    expect(noNs).not.toMatch(/<script|\bsrc=|\bhref=|url\(|@import|https?:\/\//i);
    expect(html).toContain("Content-Security-Policy");
    for (const id of ["chart-tier", "chart-category", "chart-day", "chart-approvals", "chart-blocked"]) {
      expect(html).toMatch(new RegExp(`<svg [^>]*id="${id}"`));
    }
    expect(html.match(/<svg /g)).toHaveLength(5);
    const bars = [
      ...html.matchAll(
        /<rect class="bar" data-series="([^"]*)" data-label="([^"]*)" data-value="([^"]*)"[^>]* width="([\d.]+)" height="([\d.]+)"/g,
      ),
    ];
    const bar = (series: string, label: string) => bars.find((m) => m[1] === series && m[2] === label);
    expect(bar("executed", "collaborative")![3]).toBe("89.000000");
    expect(Number(bar("executed", "collaborative")![4])).toBeGreaterThan(Number(bar("executed", "supervised")![4]));
    // blocked attempts are never paid: not in the spend chart, counted in their own
    expect(bars.filter((m) => m[2] === "prohibited")).toEqual([]);
    expect(Number(bar("executed", "agent_hire")![4])).toBeGreaterThan(0);
    expect(Number(bar("attempts", "gambling")![4])).toBeGreaterThan(0);
    expect(bars.filter((m) => m[1] === "vetoes" && Number(m[4]) > 0)).toHaveLength(1);
    expect(bars.filter((m) => m[1] === "approvals" && Number(m[4]) > 0)).toHaveLength(2);
    expect(bars.filter((m) => m[1] === "collaborative" && Number(m[5]) > 0).length).toBeGreaterThanOrEqual(1);
    // the records
    for (const r of [...report.supervised, ...report.collaborative]) {
      expect(html).toContain(r.auditId);
      for (const tx of r.txHashes) expect(html).toContain(tx);
    }
    expect(html).toContain(HIRE_JUSTIFICATION);
    for (const a of report.collaborative[0].approvals) expect(html).toContain(`${a.owner}@${a.atUtc}`);
    expect(html).toContain(txs.bet);
    expect(html).toContain(escapeHtml(BET_JUSTIFICATION));
    expect(html).not.toContain("<b>now</b>");
    expect(html).toContain('<span class="outcome vetoed">vetoed</span>');
  });
});

// --- headless Chromium ----------------------------------------------------------------------------------------

const CHROMIUM = (() => {
  // CHROMIUM_BIN, when set, is the only candidate
  const candidates = process.env.CHROMIUM_BIN
    ? [process.env.CHROMIUM_BIN]
    : ["chromium", "chromium-browser", "google-chrome"];
  for (const bin of candidates) {
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 20_000 });
    if (r.status === 0) return bin;
  }
  return undefined;
})();
const CI = !!process.env.CI;
if (!CHROMIUM && !CI) {
  console.warn(
    "indexer-report.test.ts: Chromium not found: the HTML rendering test is SKIPPED. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_BIN. With CI set, this test fails instead.",
  );
}

function runChromium(dir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM!,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        `--user-data-dir=${path.join(dir, `profile-${Math.random().toString(36).slice(2)}`)}`,
        ...args,
      ],
      { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr })),
    );
  });
}

/** Decodes an 8-bit, non-interlaced RGB/RGBA PNG into RGBA pixels. */
function decodePng(buf: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect(buf.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("ascii", off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      colorType = data[9];
      expect(data[12]).toBe(0); // not interlaced
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  expect(bpp, `PNG colour type ${colorType}`).toBeGreaterThan(0);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const cc = i >= bpp ? prev[i - bpp] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - cc;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - cc)];
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : cc;
      }
      cur[i] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out.set(
        [cur[x * bpp], cur[x * bpp + 1], cur[x * bpp + 2], bpp === 4 ? cur[x * bpp + 3] : 255],
        (y * width + x) * 4,
      );
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

describe("the HTML in headless Chromium", () => {
  const canRun = !!CHROMIUM || CI;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(process.env.TIERGUARD_REPORT_DIR ?? os.tmpdir(), "tierguard-report-"));
    if (process.env.TIERGUARD_REPORT_DIR) {
      writeFileSync(path.join(dir, "report.json"), renderReportJson(report));
      writeFileSync(path.join(dir, "report.md"), renderReportMarkdown(report));
      for (const [name, text] of Object.entries(renderReportCsv(report))) writeFileSync(path.join(dir, name), text);
    }
  });
  afterAll(() => {
    // TIERGUARD_REPORT_DIR=<dir>: keep the rendered files there for a look
    if (dir && !process.env.TIERGUARD_REPORT_DIR) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!canRun)("lays out every chart with non-zero bars, and the screenshot shows them", async () => {
    if (!CHROMIUM) {
      throw new Error(
        "Chromium is not installed but CI is set: install Debian's `chromium` package (apt-get install -y chromium) or set CHROMIUM_BIN",
      );
    }
    const html = renderReportHtml(report);
    const file = path.join(dir, "report.html");
    writeFileSync(file, html);

    // 1. the browser's own layout: a measuring copy (the report itself has no script and its CSP forbids one)
    const probe = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "").replace(
      "</body>",
      `<script>
for (const svg of document.querySelectorAll("svg.chart")) {
  const b = svg.getBoundingClientRect();
  svg.setAttribute("data-rendered", Math.round(b.width) + "x" + Math.round(b.height));
}
for (const r of document.querySelectorAll("svg.chart rect.bar")) {
  const b = r.getBoundingClientRect();
  r.setAttribute("data-rendered", b.width.toFixed(1) + "x" + b.height.toFixed(1));
}
document.body.setAttribute("data-probe", "done");
</script></body>`,
    );
    const probeFile = path.join(dir, "probe.html");
    writeFileSync(probeFile, probe);
    const { stdout: dom } = await runChromium(dir, ["--dump-dom", `file://${probeFile}`]);
    expect(dom).toContain('data-probe="done"');
    const svgs = [...dom.matchAll(/<svg [^>]*id="(chart-[a-z]+)"[^>]*data-rendered="(\d+)x(\d+)"/g)];
    expect(svgs.map((m) => m[1]).sort()).toEqual([
      "chart-approvals",
      "chart-blocked",
      "chart-category",
      "chart-day",
      "chart-tier",
    ]);
    for (const m of svgs) expect(Number(m[2]) * Number(m[3]), m[1]).toBeGreaterThan(0);
    const rendered = [
      ...dom.matchAll(
        /<rect class="bar" data-series="([^"]*)" data-label="([^"]*)"[^>]*data-rendered="([\d.]+)x([\d.]+)"/g,
      ),
    ].map((m) => ({ series: m[1], label: m[2], w: Number(m[3]), h: Number(m[4]) }));
    const area = (series: string, label?: string) =>
      rendered
        .filter((r) => r.series === series && (label === undefined || r.label === label))
        .reduce((a, r) => a + r.w * r.h, 0);
    expect(area("executed", "collaborative")).toBeGreaterThan(area("executed", "supervised"));
    expect(area("executed", "supervised")).toBeGreaterThan(0);
    expect(area("executed", "agent_hire")).toBeGreaterThan(0);
    expect(area("autonomous") + area("supervised") + area("collaborative")).toBeGreaterThan(0);
    expect(area("approvals")).toBeGreaterThan(0);
    expect(area("vetoes")).toBeGreaterThan(0);
    expect(area("attempts", "gambling")).toBeGreaterThan(0);
    expect(dom).toContain(report.collaborative[0].auditId);

    // 2. the report itself, as a picture: the bars' colours are on screen
    const png = path.join(dir, "report.png");
    await runChromium(dir, ["--window-size=1400,1600", `--screenshot=${png}`, `file://${file}`]);
    expect(statSync(png).size).toBeGreaterThan(20_000);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([1400, 1600]);
    const count = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      let n = 0;
      for (let i = 0; i < img.rgba.length; i += 4) {
        if (Math.abs(img.rgba[i] - r) <= 3 && Math.abs(img.rgba[i + 1] - g) <= 3 && Math.abs(img.rgba[i + 2] - b) <= 3)
          n++;
      }
      return n;
    };
    expect(count("#00838f"), "category chart bars").toBeGreaterThan(100);
    expect(count("#c62828"), "blocked bars").toBeGreaterThan(100);
    expect(count("#6a1b9a"), "collaborative / approvals bars").toBeGreaterThan(100);
    expect(count("#1565c0"), "executed bars").toBeGreaterThan(100);
    expect(count("#ef6c00"), "veto bars").toBeGreaterThan(50);
  });
});

// --- alerts ---------------------------------------------------------------------------------------------------

describe("alerts", () => {
  const detect = async () => detectAlerts(await store.logs(wallet), initialDetectorState()).alerts;

  it("a blocked attempt and a veto, detected from the stored logs with the names of their block", async () => {
    const alerts = (await detect()).filter((a) => a.kind !== "policy_changed");
    expect(alerts.map((a) => [a.kind, a.intentId])).toEqual([
      ["vetoed", ids.gpu2],
      ["blocked", ids.bet],
    ]);
    const [veto, blocked] = alerts;
    expect(veto).toMatchObject({ severity: "warning", category: "compute", value: "12.000000", txHash: txs.gpu2Veto, agent: AGENT_NAME });
    expect(same(veto.by, owners[1].address)).toBe(true);
    expect(blocked).toMatchObject({
      severity: "critical",
      category: "gambling",
      value: "10.000000",
      reason: "CategoryProhibited",
      txHash: txs.bet,
      justification: BET_JUSTIFICATION,
    });
    expect(same(blocked.recipient, casino)).toBe(true);
  });

  it("stdout: one line per alert", async () => {
    const alerts = (await detect()).filter((a) => a.kind !== "policy_changed");
    let out = "";
    expect(await stdoutChannel({ write: (l) => (out += l) }).send(alerts)).toEqual({ ok: true });
    const lines = out.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ ALERT WARNING vetoed agent=procurement-agent-prod category=compute value=12\.000000 /);
    expect(lines[0]).toContain(`by=${owners[1].address}`);
    expect(lines[1]).toMatch(/ ALERT CRITICAL blocked .*category=gambling value=10\.000000 .*reason=CategoryProhibited /);
    expect(lines[1]).toContain(`tx=${txs.bet}`);
    // an injected line break cannot fake a second alert line
    let forged = "";
    await stdoutChannel({ write: (l) => (forged += l) }).send([{ ...alerts[1], agent: "x\n2099-01-01 ALERT fake" } as Alert]);
    expect(forged.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("webhook: POSTs JSON to a local server; errors, timeouts and refusals are reported, not thrown", async () => {
    const alerts = (await detect()).filter((a) => a.kind !== "policy_changed").map((a, i) => ({ ...a, id: String(i + 1) }));
    const received: { method?: string; url?: string; type?: string; key?: string; body: string }[] = [];
    let mode: "ok" | "fail" | "hang" = "ok";
    const hanging: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({ method: req.method, url: req.url, type: req.headers["content-type"], key: req.headers["idempotency-key"] as string, body });
        if (mode === "hang") return void hanging.push(res);
        res.writeHead(mode === "ok" ? 204 : 500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tierguard?token=secret`;
    try {
      const hook = webhookChannel({ url, timeoutMs: 2000, wallet, headers: { "x-test": "1" } });
      expect(hook.name).toBe(`webhook http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tierguard`);
      expect(await hook.send(alerts)).toEqual({ ok: true, status: 204 });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ method: "POST", url: "/hooks/tierguard?token=secret", type: "application/json", key: "tierguard-1-2" });
      const payload = JSON.parse(received[0].body);
      expect(payload).toMatchObject({ source: "tierguard", wallet, count: 2 });
      expect(payload.alerts.map((a: Alert) => a.kind)).toEqual(["vetoed", "blocked"]);
      expect(payload.alerts[1]).toMatchObject({ intentId: ids.bet, txHash: txs.bet, blockNumber: report.blocked[0].blockNumber.toString() });

      mode = "fail";
      expect(await hook.send(alerts)).toEqual({ ok: false, status: 500, error: "HTTP 500" });

      mode = "hang";
      const t0 = Date.now();
      expect(await webhookChannel({ url, timeoutMs: 300 }).send(alerts)).toEqual({ ok: false, error: "timed out after 300 ms" });
      expect(Date.now() - t0).toBeLessThan(5000);

      // nothing listens there any more
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const refused = await webhookChannel({ url: `http://127.0.0.1:${deadPort}/`, timeoutMs: 2000 }).send(alerts);
      expect(refused.ok).toBe(false);
      expect(refused.error).toMatch(/ECONNREFUSED|fetch failed/);

      // nothing to send: no request
      const before = received.length;
      expect(await hook.send([])).toEqual({ ok: true });
      expect(received.length).toBe(before);
    } finally {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
