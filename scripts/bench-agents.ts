/**
 * Agent-facing benchmark (`npm run bench:agents`, `-- --json` for one JSON object):
 * - cold start of the compiled CLI, `tierguard --help`, against bare `node -e 0` in the same run (median of
 *   interleaved runs; target <= 4x, goal 2x);
 * - `tierguard agent authorize` end to end (a new process, a $0.02 autonomous payment to a mined receipt) on a
 *   local automining `hardhat node`: p50;
 * - the MCP `pay` tool's round trip (the official MCP client over stdio to `tierguard mcp`, a $0.02 autonomous
 *   payment each): p50;
 * - a gasless payment's round trip through `tierguard relayer` (the SDK's agent client signs, posts to the
 *   relayer, which simulates, sends and waits for the receipt; the agent decodes it): p50, against the same
 *   client paying directly with its own gas in the same run.
 * The wallet is set up with the CLI (deploy --local-mocks, policy apply examples/policy.yaml, keys grant).
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createPublicClient, createWalletClient, http, toHex, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createAgentClient } from "../src/client/agent";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startNode } from "../src/cli/commands/demo";

const exec = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin/tierguard.js");
const MNEMONIC = "test test test test test test test test test test test junk";
const key = (i: number) => toHex(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey!);
const EMBEDDINGS_VENDOR = "0xBcd4042DE499D14e55001CcbB24a551F3b954096";
const AGENT = mnemonicToAccount(MNEMONIC, { addressIndex: 3 }).address;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const t = performance.now();
  await exec(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env });
  return performance.now() - t;
}

async function main() {
  const json = process.argv.includes("--json");
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const pays = Number(process.env.BENCH_PAYS ?? 30);
  if (!existsSync(path.join(ROOT, "dist/cli/main.mjs"))) execFileSync("npm", ["run", "--silent", "build:js"], { cwd: ROOT, stdio: "inherit" });

  // 1. cold start, interleaved so that machine load hits both alike
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await timed(process.execPath, ["-e", "0"]));
    help.push(await timed(process.execPath, [BIN, "--help"]));
  }

  const node = await startNode();
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-bench-"));
  try {
    const env = { ...process.env, TIERGUARD_RPC_URL: node.url, TIERGUARD_OWNER_KEYS: [0, 1, 2].map(key).join(","), TIERGUARD_AGENT_KEY: key(3) };
    const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args], { cwd: dir, env });
    await cli("deploy", "--local-mocks", "--threshold", "2", "--save", "tierguard.json");
    await cli("policy", "apply", path.join(ROOT, "examples/policy.yaml"));
    await cli("keys", "grant", AGENT, "--agent", "procurement-agent-prod");

    // 2. agent authorize, a new process each time
    const payArgs = ["--amount", "0.02", "--category", "embeddings", "--recipient", EMBEDDINGS_VENDOR, "--justification", "bench"];
    const authorize: number[] = [];
    for (let i = 0; i < runs; i++) authorize.push(await timed(process.execPath, [BIN, "agent", "authorize", ...payArgs], { cwd: dir, env }));

    // 3. MCP pay round trips over stdio
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp"], cwd: dir, env: env as Record<string, string>, stderr: "ignore" });
    const client = new Client({ name: "tierguard-bench", version: "1.0.0" });
    await client.connect(transport);
    const mcpPay: number[] = [];
    for (let i = 0; i < pays; i++) {
      const t = performance.now();
      const r = (await client.callTool({
        name: "pay",
        arguments: { amount: "0.02", category: "embeddings", recipient: EMBEDDINGS_VENDOR, justification: "bench", idempotencyKey: `bench-${i}` },
      })) as { isError?: boolean; content: { text: string }[] };
      mcpPay.push(performance.now() - t);
      if (r.isError || !r.content[0].text.startsWith("executed")) throw new Error(`pay ${i} did not execute: ${r.content[0].text}`);
    }
    await client.close();

    // 4. gasless payments through `tierguard relayer`, and the same client paying with its own gas
    const relayer = spawn(process.execPath, [BIN, "relayer", "--port", "0", "--rate-limit", "100000/60"], {
      cwd: dir,
      env: { ...env, TIERGUARD_RELAYER_KEY: key(5) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const relayerUrl = await new Promise<string>((resolve, reject) => {
      let err = "";
      relayer.stderr!.on("data", (b: Buffer) => {
        err += b.toString();
        const m = /on (http:\/\/\S+) /.exec(err);
        if (m) resolve(m[1]);
      });
      relayer.once("exit", (code) => reject(new Error(`tierguard relayer exited (${code}): ${err}`)));
    });
    const cfg = JSON.parse(readFileSync(path.join(dir, "tierguard.json"), "utf8")) as { wallet: Address; token?: string; vars: Record<string, string> };
    const transport2 = http(node.url);
    const agentClient = (relayerUrl?: string) =>
      createAgentClient({
        publicClient: createPublicClient({ chain: hardhat, transport: transport2, pollingInterval: 50 }),
        walletClient: createWalletClient({ chain: hardhat, transport: transport2, account: mnemonicToAccount(MNEMONIC, { addressIndex: 3 }) }),
        wallet: cfg.wallet,
        token: (cfg.vars.USDC ?? cfg.token) as Address,
        relayer: relayerUrl,
      });
    const viaRelayer = agentClient(relayerUrl);
    const direct = agentClient();
    const relayed: number[] = [];
    const ownGas: number[] = [];
    const pay = { amount: "0.02", category: "embeddings", recipient: EMBEDDINGS_VENDOR, justification: "bench" };
    await direct.authorize(pay); // warm both clients' caches (decimals, categories, agent id)
    await viaRelayer.authorize(pay);
    for (let i = 0; i < pays; i++) {
      let t = performance.now();
      const r = await viaRelayer.authorize(pay);
      relayed.push(performance.now() - t);
      if (!r.relayed || r.status !== "executed") throw new Error(`relayed payment ${i} did not execute`);
      t = performance.now();
      await direct.authorize(pay);
      ownGas.push(performance.now() - t);
    }
    relayer.kill("SIGTERM");

    const result = {
      nodeColdStartMs: round(median(bare)),
      helpColdStartMs: round(median(help)),
      helpVsNodeRatio: round(median(help) / median(bare), 2),
      agentAuthorizeMsP50: round(median(authorize)),
      mcpPayRoundTripMsP50: round(median(mcpPay)),
      relayerRoundTripMsP50: round(median(relayed)),
      ownGasAuthorizeMsP50: round(median(ownGas)),
    };
    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    console.log(`Agent benchmark (node ${process.version}; ${runs} cold starts and CLI payments, ${pays} MCP payments)\n`);
    console.table([
      { metric: "node -e 0 (baseline)", value: `${result.nodeColdStartMs} ms`, detail: `median of ${runs}, interleaved with the next row` },
      { metric: "tierguard --help", value: `${result.helpColdStartMs} ms`, detail: `${result.helpVsNodeRatio}x bare node (target <= 4x, goal 2x)` },
      { metric: "tierguard agent authorize p50", value: `${result.agentAuthorizeMsP50} ms`, detail: "new process, $0.02 autonomous payment to a mined receipt" },
      { metric: "MCP pay round trip p50", value: `${result.mcpPayRoundTripMsP50} ms`, detail: "MCP client -> tierguard mcp (stdio) -> executed" },
      { metric: "relayer round trip p50", value: `${result.relayerRoundTripMsP50} ms`, detail: "SDK authorize: sign -> tierguard relayer (HTTP, simulate, send) -> executed" },
      { metric: "authorize with own gas p50", value: `${result.ownGasAuthorizeMsP50} ms`, detail: "baseline: the same client sending spend itself" },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await node.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
