/**
 * `npm run bench:console` (`-- --json` for one JSON object): the owners' console on a wallet with 100,000
 * recorded intents, 200 of them waiting.
 *
 * Starts a `hardhat node` on 127.0.0.1, deploys and configures a 2-of-3 wallet (owners, categories, a token,
 * recipients, an agent key: real configuration events, synced into PGlite), then records 100,000 intents in the
 * store as the wallet's `IntentSubmitted` / `IntentExecuted` / `IntentVetoed` logs (ABI-encoded exactly as the
 * contract emits them, spread over 100,000 mined blocks: sending 100,000 real payments would take the local
 * node most of an hour): autonomous payments, blocked attempts, supervised and collaborative intents decided
 * long ago, and 200 still waiting (100 supervised in their veto window, 100 collaborative awaiting approvals).
 *
 * Measured: the console's start (indexed queries on the store's materialised intents table, no pass over the
 * history), the queue page (server time over HTTP, and the full load in headless Chromium when Debian's
 * `chromium` is installed), and the API's latency (p50 / p99 over sequential requests on a kept-alive connection). Baselines in the same
 * run: one pass over every stored log of the wallet (what the console's start-up cost before it read the intents
 * table), and the indexer's read-only API (`audit serve`) listing the waiting intents.
 * Targets: queue page < 1 s; API p99 < 50 ms.
 */
import { spawnSync } from "node:child_process";
import nodeHttp from "node:http";
import os from "node:os";
import {
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  getAbiItem,
  http,
  keccak256,
  numberToHex,
  pad,
  stringToHex,
  toEventSelector,
  type Address,
  type Hex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../src/abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../src/abi/MockERC20";
import { createOwnerClient } from "../src/client";
import { openStore, startApi, syncOnce, type StoredLog } from "../src/indexer";
import { startConsole } from "../src/console";
import { startNode } from "./lib/node";
import { printReport } from "./lib/report";
import { recordIntents, recordedIntentId } from "./lib/recorded-intents";

const TOTAL = Number(process.env.BENCH_CONSOLE_INTENTS ?? 100_000);
const WAITING = 200;
const json = process.argv.includes("--json");
const log = (...a: unknown[]) => {
  if (!json) console.error(...a);
};

const MNEMONIC = "test test test test test test test test test test test junk";
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const call = (functionName: string, args: readonly unknown[]) => encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);
const AGENT = stringToHex("procurement-agent-prod", { size: 32 });
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET over a kept-alive connection (as a browser does): resolves with the status once the body is read. */
const get = (url: string) =>
  new Promise<number>((resolve, reject) => {
    nodeHttp
      .get(url, { agent }, (res) => {
        res.on("data", () => undefined);
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      })
      .on("error", reject);
  });

/** Latency percentiles over `n` sequential requests, and the process's CPU time per request (client and server). */
async function timeRequests(url: string, n: number): Promise<{ p50: number; p99: number; cpuMs: number }> {
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const status = await get(url);
    if (status !== 200) throw new Error(`${url}: HTTP ${status}`);
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { p50: percentile(times, 50), p99: percentile(times, 99), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

function chromiumPath(): string | undefined {
  for (const bin of [process.env.CHROMIUM_BIN, "/usr/bin/chromium", "chromium"].filter(Boolean) as string[]) {
    if (spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 20_000 }).status === 0) return bin;
  }
  return undefined;
}

async function main() {
  const node = await startNode();
  try {
    const transport = http(node.url);
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 50 });
    const walletFor = (i: number) => createWalletClient({ chain: hardhat, transport, account: account(i) });
    const deploy = async (abi: readonly unknown[], bytecode: Hex, args: readonly unknown[]) => {
      const hash = await walletFor(0).deployContract({ abi, bytecode, args } as never);
      return (await publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    };
    log("deploying and configuring the wallet ...");
    const owners = [0, 1, 2].map((i) => account(i).address);
    const wallet = await deploy(tierGuardWalletAbi, tierGuardWalletBytecode, [owners, 2]);
    const usdc = await deploy(mockErc20Abi, mockErc20Bytecode, ["Mock USD Coin", "USDC", 6]);
    const vendors = [10, 11, 12].map((i) => account(i).address);
    await createOwnerClient({ publicClient, walletClient: walletFor(0), wallet }).applyCalls(
      [
        ...["embeddings", "compute", "agent_hire", "gambling"].map((n, id) => call("defineCategory", [id, stringToHex(n, { size: 32 })])),
        call("configureToken", [usdc, 1, 10n ** 18n, 0]),
        ...vendors.map((v, i) => call("setRecipientTrust", [v, 1 + (i % 2)])),
        call("grantSessionKey", [account(3).address, AGENT, 2 ** 40 - 1]),
      ],
      [walletFor(0), walletFor(1)],
    );
    const store = await openStore();
    await syncOnce({ publicClient, wallet, store, fromBlock: 0n });

    // Mine the blocks the recorded intents live in, then write them as one stored range ending at the head.
    const first = (await publicClient.getBlockNumber()) + 1n;
    await publicClient.request({ method: "hardhat_mine" as never, params: [numberToHex(TOTAL)] as never });
    const head = await publicClient.getBlock({ blockTag: "latest" });
    const now = Number(head.timestamp);
    log(`recording ${TOTAL.toLocaleString("en-US")} intents (${WAITING} waiting) in the store ...`);
    const t0 = performance.now();
    const logs = recordIntents({
      wallet,
      agentId: AGENT,
      agentKey: account(3).address,
      token: usdc,
      recipients: vendors,
      owners,
      firstBlock: first,
      total: TOTAL,
      waiting: WAITING,
      now,
    });
    const encodeMs = performance.now() - t0;
    const cp = await store.getCheckpoint(wallet);
    const chunk = 20_000;
    let expected = cp;
    for (let i = 0; i < logs.length; i += chunk) {
      const part = logs.slice(i, i + chunk);
      const last = i + chunk >= logs.length;
      const checkpoint = last ? { blockNumber: head.number, blockHash: head.hash } : { blockNumber: part[part.length - 1].blockNumber, blockHash: part[part.length - 1].blockHash };
      await store.commitRange({
        wallet,
        expected,
        blocks: [{ number: checkpoint.blockNumber, hash: checkpoint.blockHash, parentHash: head.parentHash, timestamp: now }],
        logs: part,
        checkpoint,
      });
      expected = checkpoint;
    }
    await store.analyze(); // as the sync does after a large run
    const recordMs = performance.now() - t0;
    const intentLogs = logs.length;
    logs.length = 0; // a console process does not hold the history: neither does the measured one
    log(`  ${intentLogs.toLocaleString("en-US")} logs in ${(recordMs / 1000).toFixed(1)} s (encoding ${(encodeMs / 1000).toFixed(1)} s)`);

    log("starting the console ...");
    const s0 = performance.now();
    const server = await startConsole({ store, publicClient, wallet, pollIntervalMs: 1000 });
    const startMs = performance.now() - s0;
    const queued = server.view.waiting().length;
    if (queued !== WAITING) throw new Error(`the console shows ${queued} waiting intents, expected ${WAITING}`);
    const waitingId = server.view.waiting()[0].intentId;
    const decidedId = recordedIntentId(AGENT, 6);

    log("measuring ...");
    await timeRequests(`${server.url}/`, 5); // warm up
    const page = await timeRequests(`${server.url}/`, 50);
    const apiQueue = await timeRequests(`${server.url}/api/queue`, 300);
    const apiStatus = await timeRequests(`${server.url}/api/status`, 300);
    const apiIntent = await timeRequests(`${server.url}/api/intents/${waitingId}`, 300);
    const apiDecided = await timeRequests(`${server.url}/api/intents/${decidedId}`, 300);
    const apiWallet = await timeRequests(`${server.url}/api/wallet`, 300);

    let browserMs = -1;
    const chromium = chromiumPath();
    if (chromium) {
      const { chromium: pw } = await import("playwright-core");
      const browser = await pw.launch({
        executablePath: chromium,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      });
      const p = await browser.newPage();
      await p.goto(`${server.url}/`); // warm up
      const loads: number[] = [];
      for (let i = 0; i < 5; i++) {
        await p.goto(`${server.url}/`, { waitUntil: "load" });
        // the browser's own measure: from the start of the navigation to the end of the load event
        loads.push(await p.evaluate(() => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).loadEventEnd));
      }
      const rows = await p.locator("tr[data-intent]").count();
      if (rows !== WAITING) throw new Error(`the page shows ${rows} rows, expected ${WAITING}`);
      browserMs = percentile(loads, 50);
      await browser.close();
    } else log("  chromium not found: the browser load time is not measured (apt-get install -y chromium)");

    log("baselines: the indexer's read-only API listing waiting intents; one pass over every stored log ...");
    await server.close();
    const api = await startApi({ store, wallet });
    const baseline = await timeRequests(`${api.url}/intents?status=awaiting_approval&limit=1000`, 20);
    await api.close();
    const p0 = performance.now();
    let passed = 0;
    for await (const _l of store.iterateLogs(wallet)) passed++;
    const passMs = performance.now() - p0;
    await store.close();

    const r = (x: number) => Math.round(x * 100) / 100;
    printReport(
      `console bench: ${TOTAL.toLocaleString("en-US")} recorded intents, ${WAITING} waiting (${intentLogs.toLocaleString("en-US")} intent logs)`,
      {
        intents: TOTAL,
        waiting: WAITING,
        consoleStartMs: r(startMs),
        queuePageServerMsP50: r(page.p50),
        queuePageServerMsP99: r(page.p99),
        queuePageBrowserLoadMsP50: r(browserMs),
        apiQueueMsP50: r(apiQueue.p50),
        apiQueueMsP99: r(apiQueue.p99),
        apiQueueCpuMsPerRequest: r(apiQueue.cpuMs),
        queuePageCpuMsPerRequest: r(page.cpuMs),
        apiStatusMsP99: r(apiStatus.p99),
        apiIntentWaitingMsP99: r(apiIntent.p99),
        apiIntentDecidedMsP99: r(apiDecided.p99),
        apiWalletMsP99: r(apiWallet.p99),
        baselineIndexerApiWaitingMsP50: r(baseline.p50),
        baselineFullLogPassMs: r(passMs),
        storedLogs: passed,
        loadAverage1m: r(os.loadavg()[0]),
        cpus: os.cpus().length,
      },
      [
        ["queue page, full load in Chromium (ms)", browserMs >= 0 ? browserMs : page.p99, 1000],
        ["API p99, worst route (ms)", Math.max(apiQueue.p99, apiStatus.p99, apiIntent.p99, apiDecided.p99, apiWallet.p99), 50],
      ],
    );
  } finally {
    agent.destroy();
    await node.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
