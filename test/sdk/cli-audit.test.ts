/**
 * `tierguard demo` and `tierguard audit ...`, spawned as a user runs them against the test `hardhat node`: the
 * demo plays the article's story and writes the four report formats; audit verify / report / sync / serve on the
 * demo's wallet. The demo moves the chain's clock by 4 h: a snapshot taken before is reverted afterwards.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseArgs } from "../../src/cli/parse";
import { UsageError } from "../../src/cli/errors";
import { clients, snapshot } from "./helpers/chain";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin/tierguard.js");
const exec = promisify(execFile);

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TIERGUARD_")));

async function cli(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd, env: cleanEnv(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code?: number; stdout: string; stderr: string };
    return { code: typeof x.code === "number" ? x.code : -1, stdout: x.stdout, stderr: x.stderr };
  }
}
/** The URL a server command prints on its first stdout line. */
function printedUrl(child: ChildProcessWithoutNullStreams, what: string, ms: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`${what} exited with ${code}`)));
    setTimeout(() => reject(new Error(`${what} did not print its URL`)), ms);
  });
}

const json = (r: { stdout: string }) => JSON.parse(r.stdout) as { ok: boolean; result: Record<string, any> };

describe("audit and demo arguments", () => {
  it("parses the audit commands' options", () => {
    expect(parseArgs(["audit", "report", "--from", "2026-06-01", "--format", "json, csv", "--out", "r"])).toMatchObject({
      name: "audit report",
      args: { from: Date.parse("2026-06-01") / 1000, format: ["json", "csv"], out: "r", noSync: false },
    });
    expect(parseArgs(["audit", "sync", "--confirmations", "3", "--db", "postgres://u@h/db"])).toMatchObject({ args: { confirmations: 3, db: "postgres://u@h/db" } });
    expect(parseArgs(["audit", "verify", "--block", "12"])).toMatchObject({ args: { block: 12n } });
    expect(parseArgs(["demo"])).toMatchObject({ name: "demo", args: { out: "tierguard-demo" } });
    expect(() => parseArgs(["audit", "report", "--format", "pdf"])).toThrow(UsageError);
    expect(() => parseArgs(["audit", "serve", "--port", "x"])).toThrow(UsageError);
    expect(parseArgs(["audit", "report", "--policy", "examples/policy.yaml", "--var", "USDC=0x1"])).toMatchObject({
      args: { policy: "examples/policy.yaml", var: { USDC: "0x1" } },
    });
    expect(parseArgs(["audit", "follow"])).toMatchObject({ args: { from: "start" } });
    expect(parseArgs(["audit", "follow", "--from", "now"])).toMatchObject({ args: { from: "now" } });
    expect(() => parseArgs(["audit", "follow", "--from", "yesterday"])).toThrow(/must be start or now/);
  });
});

describe("tierguard demo + audit, end to end", () => {
  const rpcUrl = inject("rpcUrl");
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-audit-"));
  let revert: () => Promise<unknown>;
  let demo: Record<string, any>;

  beforeAll(async () => {
    revert = await snapshot(clients(rpcUrl));
    const r = await cli(["demo", "--rpc", rpcUrl, "--out", "demo-out", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    demo = json(r).result;
  });
  afterAll(async () => {
    await revert?.();
  });

  it("demo plays the story, verifies clean and writes the four report formats", () => {
    expect(demo.verify.ok).toBe(true);
    expect(demo.counts).toEqual({ autonomousExecuted: 2, supervisedExecuted: 1, vetoed: 1, collaborativeExecuted: 1, expired: 1, blocked: 1 });
    const out = path.join(dir, "demo-out");
    for (const f of ["report.html", "report.json", "report.md", "totals.csv", "supervised.csv", "collaborative.csv", "blocked.csv"]) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const html = readFileSync(path.join(out, "report.html"), "utf8");
    // every record of the story, with its outcome
    for (const text of [
      "monthly market data subscription",
      "GPU burst for quarterly forecast run",
      "EURC liquidity analysis for MiCA compliance report",
      "second opinion on the liquidity analysis",
      "&#39;hedging&#39; at an online casino",
      '<span class="outcome vetoed">vetoed</span>',
      '<span class="outcome expired">expired</span>',
      '<section id="blocked">',
    ]) {
      expect(html.includes(text), text).toBe(true);
    }
    expect((html.match(/<span class="outcome executed">executed<\/span>/g) ?? []).length).toBe(2);
    expect(readFileSync(path.join(out, "report.md"), "utf8")).toMatch(/agent\\_hire.*EURC liquidity analysis/);
  });

  it("audit verify on the demo's wallet exits 0; audit report --format json has the story's counts", async () => {
    const base = ["--rpc", rpcUrl, "--wallet", demo.wallet, "--from-block", String(demo.deployBlock)];
    const v = await cli(["audit", "verify", ...base], dir);
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^checked intent sequences: \d+ \(/m);
    expect(v.stdout).toMatch(/^checked balances: \d+ \(/m);
    expect(v.stdout).toMatch(new RegExp(`\\nverified wallet ${demo.wallet} at block \\d+: \\d+ values match the chain, no differences\\n$`));

    const r = await cli(["audit", "report", ...base, "--format", "json", "--out", "rep", "--json"], dir);
    expect(r.code).toBe(0);
    expect(json(r).result.files).toEqual([path.join(dir, "rep", "report.json")]);
    const report = JSON.parse(readFileSync(path.join(dir, "rep", "report.json"), "utf8"));
    const tier = (n: string) => report.totals.find((t: { tier: string }) => t.tier === n);
    expect(tier("autonomous").executed).toBeGreaterThanOrEqual(2);
    expect(report.supervised.filter((x: any) => x.outcome === "executed")).toHaveLength(1);
    expect(report.supervised.filter((x: any) => x.outcome === "vetoed")).toHaveLength(1);
    expect(report.collaborative.filter((x: any) => x.outcome === "executed")).toHaveLength(1);
    expect(report.collaborative.filter((x: any) => x.outcome === "expired")).toHaveLength(1);
    expect(report.blocked).toHaveLength(1);
    expect(existsSync(path.join(dir, "rep", "report.html"))).toBe(false);

    // the store persisted in .tierguard/db: a second sync finds nothing new
    const s = await cli(["audit", "sync", ...base, "--json"], dir);
    expect(s.code).toBe(0);
    expect(json(s).result).toMatchObject({ events: 0, kind: "pglite", db: ".tierguard/db" });
    expect(json(s).result.stored).toBeGreaterThan(20);
  });

  /** Runs `audit follow` on the `follow-db` store until it says it caught up with the head, then SIGINT; returns stdout. */
  async function followOnce(extra: string[] = []): Promise<string> {
    const child = spawn(process.execPath, [BIN, "audit", "follow", "--rpc", rpcUrl, "--wallet", demo.wallet, "--db", "follow-db", ...extra], { cwd: dir, env: cleanEnv() });
    try {
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d.toString()));
      child.stderr.on("data", (d) => (err += d.toString()));
      // the history is indexed and its alerts delivered when it prints "caught up at block N"
      await new Promise<void>((resolve, reject) => {
        child.stderr.on("data", () => {
          if (/caught up at block \d+/.test(err)) resolve();
        });
        child.once("exit", (code) => reject(new Error(`follow exited with ${code}: ${err}`)));
      });
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      return out;
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }

  it("audit follow prints each alert once: the blocked attempt, the veto, the policy change; a restart prints none again", async () => {
    const first = await followOnce();
    const lines = first.trim().split("\n");
    const alerts = lines.filter((l) => / ALERT /.test(l));
    expect(alerts.filter((l) => / blocked /.test(l))).toHaveLength(1);
    expect(alerts.filter((l) => / vetoed /.test(l))).toHaveLength(1);
    expect(alerts.filter((l) => / policy_changed /.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toMatch(new RegExp(`^stopped at block \\d+: \\d+ events indexed, ${alerts.length} new alerts, ${alerts.length} deliveries$`));

    // restarted on the same store: nothing is sent again
    const second = await followOnce();
    expect(second).toMatch(/^stopped at block \d+: 0 events indexed, 0 new alerts, 0 deliveries\n$/);
  });

  it("audit serve follows the head, answers on 127.0.0.1, reports its lag and stops on SIGINT", async () => {
    const child = spawn(process.execPath, [BIN, "audit", "serve", "--rpc", rpcUrl, "--wallet", demo.wallet, "--db", "serve-db", "--port", "0"], { cwd: dir, env: cleanEnv() });
    try {
      const url = await printedUrl(child, "serve", 90_000); // a new PGlite directory: initdb first
      // it answers at once and catches up in the background; /health says how far behind it is
      const health = async () => (await (await fetch(`${url}/health`)).json()) as { following: boolean; lag: string | null; lagSeconds: number | null };
      await expect.poll(async () => (await health()).lag, { timeout: 60_000, interval: 250 }).toBe("0");
      expect(await health()).toMatchObject({ following: true, lagSeconds: 0 });
      const res = await fetch(`${url}/intents?status=expired`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { intents: { intentId: string; categoryName: string }[] };
      const hire = body.intents.find((i) => i.intentId.toLowerCase() === demo.intents.secondHire.toLowerCase());
      // labelled with the policy in force at its block
      expect(hire?.categoryName).toBe("agent_hire");
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("console serves the owners' pages on 127.0.0.1 and stops on SIGINT; a half-configured Telegram channel is refused", async () => {
    const bad = await exec(process.execPath, [BIN, "console", "--rpc", rpcUrl, "--wallet", demo.wallet, "--port", "0"], {
      cwd: dir,
      env: { ...cleanEnv(), TIERGUARD_TELEGRAM_BOT_TOKEN: "123456:TEST" },
      timeout: 60_000,
    }).catch((e: { code?: number; stderr: string }) => e);
    expect((bad as { code?: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain("TIERGUARD_TELEGRAM_CHAT_ID");

    const child = spawn(process.execPath, [BIN, "console", "--rpc", rpcUrl, "--wallet", demo.wallet, "--db", "console-db", "--port", "0"], { cwd: dir, env: cleanEnv() });
    try {
      const url = await printedUrl(child, "console", 60_000);
      expect((await fetch(`${url}/`)).status).toBe(200);
      // the console syncs the store in the background: the intent shows once its range is indexed
      await expect
        .poll(async () => (await fetch(`${url}/intents/${demo.intents.secondHire}`)).text(), { timeout: 60_000, interval: 500 })
        .toContain("expired unanswered");
      // the wallet's configuration comes from the view, which catches up with the store after each synced range
      const walletInfo = async () => (await (await fetch(`${url}/api/wallet`)).json()) as { threshold: number; owners: string[] };
      await expect.poll(async () => (await walletInfo()).threshold, { timeout: 30_000, interval: 250 }).toBe(2);
      const wallet = await walletInfo();
      expect(wallet.owners).toHaveLength(3);
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
