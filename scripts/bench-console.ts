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
 * Measured: the console's start (one pass over the store), the queue page (server time over HTTP, and the
 * full load in headless Chromium when Debian's `chromium` is installed), and the API's latency (p50 / p99 over
 * sequential requests). Baseline in the same run: the indexer's read-only API (`audit serve`) listing the
 * waiting intents, which rebuilds every trail from the stored logs on each request.
 * Targets: queue page < 1 s; API p99 < 50 ms.
 */
import { spawnSync } from "node:child_process";
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
const SUBMITTED_DATA = [{ type: "address" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "string" }] as const;

/** `IntentSubmitted.details` (the layout in ITierGuardWallet's NatSpec). */
function details(p: { category: number; tier: number; value: bigint; notBefore: number; deadline: number; policyVersion: number }): bigint {
  return (
    BigInt(p.category) |
    (BigInt(p.policyVersion) << 32n) |
    (BigInt(p.notBefore) << 64n) |
    (BigInt(p.deadline) << 104n) |
    (BigInt(p.tier) << 144n) |
    (p.value << 160n)
  );
}

const selector = (name: string) => toEventSelector(getAbiItem({ abi: tierGuardWalletAbi, name } as never) as never);
const SEL = { submitted: selector("IntentSubmitted"), executed: selector("IntentExecuted"), vetoed: selector("IntentVetoed") };
const word = (x: Hex) => pad(x, { size: 32 });

/** A stored log as the indexer writes it (topics and data ABI-encoded as the contract emits them). */
function logOf(base: { wallet: Address; blockNumber: bigint; txHash: Hex; timestamp: number }, logIndex: number, event: string, intentId: Hex, topics: Hex[], data: Hex, args: Record<string, unknown>): StoredLog {
  return {
    address: base.wallet,
    blockNumber: base.blockNumber,
    blockHash: keccak256(numberToHex(base.blockNumber)),
    txHash: base.txHash,
    txIndex: 0,
    logIndex,
    event,
    intentId,
    args,
    topics,
    data,
    timestamp: base.timestamp,
  };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function timeRequests(url: string, n: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
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
    const logs: StoredLog[] = [];
    const agentKey = account(3).address;
    for (let i = 0; i < TOTAL; i++) {
      const blockNumber = first + BigInt(i);
      const ts = now - (TOTAL - i) * 12;
      const intentId = pad(numberToHex(BigInt(AGENT) | BigInt(i)), { size: 32 });
      const txHash = keccak256(numberToHex(i, { size: 32 }));
      const waiting = i >= TOTAL - WAITING;
      const kind = waiting ? (i % 2 === 0 ? 1 : 2) : [0, 0, 0, 0, 0, 3, 1, 2][i % 8];
      const value = [20_000n, 47_000_000n, 89_000_000n, 10_000_000n][kind];
      const notBefore = kind === 1 ? (waiting ? now + 3600 : ts + 30) : ts;
      const deadline = kind === 1 ? notBefore + 3600 : kind === 2 ? (waiting ? now + 4 * 3600 : ts + 4 * 3600) : 0;
      const base = { wallet, blockNumber, txHash, timestamp: ts };
      const recipient = vendors[i % 3];
      const det = details({ category: [0, 1, 2, 3][kind], tier: kind, value, notBefore, deadline, policyVersion: 1 });
      const justification = `recorded intent ${i}`;
      const data = encodeAbiParameters(SUBMITTED_DATA, [agentKey, usdc, value, det, justification]);
      logs.push(
        logOf(base, 0, "IntentSubmitted", intentId, [SEL.submitted, intentId, AGENT, word(recipient)], data, {
          intentId,
          agentId: AGENT,
          recipient,
          key: agentKey,
          token: usdc,
          amount: value.toString(),
          details: det.toString(),
          justification,
        }),
      );
      if (!waiting && (kind === 1 || kind === 2)) {
        if (i % 16 === 6) {
          const d = encodeAbiParameters([{ type: "uint64" }], [0n]);
          logs.push(logOf(base, 1, "IntentVetoed", intentId, [SEL.vetoed, intentId, word(owners[0])], d, { intentId, by: owners[0], budgetReleased: "0" }));
        } else logs.push(logOf(base, 1, "IntentExecuted", intentId, [SEL.executed, intentId, word(owners[1])], "0x", { intentId, by: owners[1] }));
      }
    }
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
    const recordMs = performance.now() - t0;
    log(`  ${logs.length.toLocaleString("en-US")} logs in ${(recordMs / 1000).toFixed(1)} s (encoding ${(encodeMs / 1000).toFixed(1)} s)`);

    log("starting the console ...");
    const s0 = performance.now();
    const server = await startConsole({ store, publicClient, wallet, pollIntervalMs: 1000 });
    const startMs = performance.now() - s0;
    const queued = server.view.waiting().length;
    if (queued !== WAITING) throw new Error(`the console shows ${queued} waiting intents, expected ${WAITING}`);
    const waitingId = server.view.waiting()[0].intentId;
    const decidedId = pad(numberToHex(BigInt(AGENT) | 6n), { size: 32 });

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

    log("baseline: the indexer's read-only API listing waiting intents ...");
    const api = await startApi({ store, wallet });
    const baseline = await timeRequests(`${api.url}/intents?status=awaiting_approval&limit=1000`, 1);
    await api.close();
    await server.close();
    await store.close();

    const r = (x: number) => Math.round(x * 100) / 100;
    printReport(
      `console bench: ${TOTAL.toLocaleString("en-US")} recorded intents, ${WAITING} waiting (${logs.length.toLocaleString("en-US")} intent logs)`,
      {
        intents: TOTAL,
        waiting: WAITING,
        consoleStartMs: r(startMs),
        queuePageServerMsP50: r(page.p50),
        queuePageServerMsP99: r(page.p99),
        queuePageBrowserLoadMsP50: r(browserMs),
        apiQueueMsP50: r(apiQueue.p50),
        apiQueueMsP99: r(apiQueue.p99),
        apiStatusMsP99: r(apiStatus.p99),
        apiIntentWaitingMsP99: r(apiIntent.p99),
        apiIntentDecidedMsP99: r(apiDecided.p99),
        apiWalletMsP99: r(apiWallet.p99),
        baselineIndexerApiWaitingMs: r(baseline.p50),
        loadAverage1m: r(os.loadavg()[0]),
        cpus: os.cpus().length,
      },
      [
        ["queue page, full load in Chromium (ms)", browserMs >= 0 ? browserMs : page.p99, 1000],
        ["API p99, worst route (ms)", Math.max(apiQueue.p99, apiStatus.p99, apiIntent.p99, apiDecided.p99, apiWallet.p99), 50],
      ],
    );
  } finally {
    await node.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
