/**
 * Audit benchmark: a realistic chain of N intents, then sync, verify, report and serve against it.
 *
 *   npm run bench:audit                       # table, 100,000 intents
 *   npm run bench:audit -- --intents 20000    # a smaller chain
 *   npm run bench:audit -- --json             # one JSON object per backend
 *   TIERGUARD_TEST_PG_URL=postgres://... npm run bench:audit   # PostgreSQL as well as PGlite
 *
 * The chain (a `hardhat node` it starts on 127.0.0.1): a 1-of-1 wallet, USDC, three agents (contract session keys
 * submitting 250 intents per transaction), mostly autonomous payments, 1 in 200 supervised (40% vetoed, 40%
 * executed after the window, 20% stale), 1 in 1000 collaborative (half approved, a quarter rejected, a quarter
 * expired), 1 in 100 blocked, owner actions, an ETH deposit and a 250,000 USDC withdrawal.
 *
 * Measured on the same node in the same run:
 * - syncSeconds: `syncOnce` into a fresh store (PGlite on disk, like the CLI), which learns its eth_getLogs range
 *   size from the node's refusals (here: responses over viem's 10 MB HTTP response cap) and keeps it in the store;
 * - ceilingSeconds: bare eth_getLogs over exactly the ranges that sync committed + decodeEventLog + one header read
 *   per block with logs (in JSON-RPC batches of 50, as the sync reads them);
 * - verifySeconds: `verify()`;
 * - reportSeconds / reportPeakRssMb: the report (JSON, CSV, Markdown, HTML) in a child process, at N and at N/4
 *   intents (a store synced up to the block where the first quarter ended: reportPeakRssMbQuarter);
 * - serveIntentsPageP50Ms / P99Ms: `GET /intents?limit=100` at random keyset positions, 1,000 requests one after
 *   another on a kept-alive connection (fetch's default, as a real client keeps it), from the moment `startApi`
 *   resolves: no warm-up request, the first (cold) pages are among the samples; serveFirstPageMs is the first one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  encodeFunctionData,
  http,
  parseEther,
  parseEventLogs,
  stringToHex,
  type Hex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../src/abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../src/abi/MockERC20";
import { createOwnerClient, ownerCalls } from "../src/client";
import { openStore, startApi, syncOnce, verify, type OwnedStore } from "../src/indexer";
import { startNode } from "./lib/node";

const MNEMONIC = "test test test test test test test test test test test junk";
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const INTENTS = Number(arg("--intents") ?? 100_000);
const json = process.argv.includes("--json");
const PG_URL = process.env.TIERGUARD_TEST_PG_URL;
const PER_TX = 250;
/** `/intents` pages measured (p99 of 1,000 is the 10th slowest, steadier than of 200) */
const SERVE_REQUESTS = 1000;
/** blocks per eth_getLogs of the ceiling's warm-up pass (one batch transaction of 250 intents per block) */
const WARM_RANGE = 20n;
/**
 * The sync's first range: the chain is dense (~250 logs per block), so the default 2,000 blocks would make the
 * node build one answer of the whole history before the sync learns the limit from the refusal.
 */
const FIRST_RANGE = 100n;
const log = (...a: unknown[]) => {
  if (!json) console.error(...a);
};
const batcherArtifact = JSON.parse(
  readFileSync(path.join(__dirname, "..", "artifacts", "contracts", "mocks", "IntentBatcher.sol", "IntentBatcher.json"), "utf8"),
) as { abi: readonly unknown[]; bytecode: Hex };

const DAY = 24 * 3600;
const cat = (i: number) => 1n << BigInt(i);

async function main() {
  const node = await startNode();
  process.once("SIGINT", () => void node.stop());
  const tmp = mkdtempSync(path.join(os.tmpdir(), "tierguard-bench-audit-"));
  try {
    const transport = http(node.url, { retryCount: 0, timeout: 300_000 });
    const pc = createPublicClient({ chain: hardhat, transport, pollingInterval: 10 });
    const owner = mnemonicToAccount(MNEMONIC, { addressIndex: 0 });
    const ow = createWalletClient({ chain: hardhat, transport, account: owner });
    const vendor = mnemonicToAccount(MNEMONIC, { addressIndex: 10 }).address;
    const casino = mnemonicToAccount(MNEMONIC, { addressIndex: 11 }).address;
    const wait = async (hash: Hex) => {
      const r = await pc.waitForTransactionReceipt({ hash, timeout: 600_000 });
      if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
      return r;
    };
    const deploy = async (abi: readonly unknown[], bytecode: Hex, args: readonly unknown[]) =>
      (await wait(await ow.deployContract({ abi, bytecode, args } as never))).contractAddress!;

    // --- the chain ---------------------------------------------------------------------------------------------
    const t0 = Date.now();
    const wallet = await deploy(tierGuardWalletAbi, tierGuardWalletBytecode, [[owner.address], 1]);
    const fromBlock = await pc.getBlockNumber();
    const usdc = await deploy(mockErc20Abi, mockErc20Bytecode, ["Mock USD Coin", "USDC", 6]);
    const batchers: Hex[] = [];
    for (let i = 0; i < 3; i++) batchers.push(await deploy(batcherArtifact.abi, batcherArtifact.bytecode, []));
    const oc = createOwnerClient({ publicClient: pc, walletClient: ow, wallet });
    const call = (functionName: string, args: readonly unknown[]) =>
      ({ functionName, args }) as { functionName: string; args: readonly unknown[] };
    const enc = (c: { functionName: string; args: readonly unknown[] }) =>
      encodeFunctionData({ abi: tierGuardWalletAbi, functionName: c.functionName, args: c.args } as never) as Hex;
    const rules = (categories: bigint, maxValue: bigint, window: number, grace: number, minTrust: number) => ({
      categories,
      maxValue,
      maxCount: 1_000_000,
      period: 3600,
      window,
      grace,
      minTrust,
    });
    await oc.applyCalls(
      [
        ...["embeddings", "compute", "agent_hire", "gambling"].map((n, i) => call("defineCategory", [i + 1, stringToHex(n, { size: 32 })])),
        call("setTierRules", [0, rules(cat(1), 1_000_000n, 0, 0, 2)]),
        call("setTierRules", [1, rules(cat(2), 50_000_000n, 7 * DAY, DAY, 1)]),
        call("setTierRules", [2, rules(cat(3), 5_000_000_000n, 2 * DAY, 0, 0)]),
        call("setProhibitions", [cat(4), 0]),
        call("setMaxBlockedAttempts", [0]), // no cap: the benchmark's agents make thousands of blocked attempts
        call("setMaxOpenIntents", [65_535]),
        call("configureToken", [usdc, 1, 10n ** 18n, 0]),
        call("setRecipientTrust", [vendor, 2]),
        ...batchers.map((b, i) => call("grantSessionKey", [b, stringToHex(`bench-agent-${i}`, { size: 32 }), 2 ** 40 - 1])),
      ].map(enc),
      [ow],
    );
    await wait(await ow.writeContract({ address: usdc, abi: mockErc20Abi, functionName: "mint", args: [wallet, 10n ** 15n] }));
    await wait(await ow.sendTransaction({ to: wallet, value: parseEther("5") }));

    const supervised: Hex[] = [];
    const collaborative: Hex[] = [];
    let quarterBlock = 0n;
    let submitted = 0;
    let accountNonce = await pc.getTransactionCount({ address: owner.address, blockTag: "pending" });
    const pending: Hex[] = [];
    const collect = async (hash: Hex) => {
      const r = await wait(hash);
      for (const e of parseEventLogs({ abi: tierGuardWalletAbi, logs: r.logs, eventName: "IntentSubmitted" })) {
        const tier = Number((e.args.details >> 144n) & 0xffn);
        if (tier === 1) supervised.push(e.args.intentId);
        if (tier === 2) collaborative.push(e.args.intentId);
      }
    };
    for (let b = 0; submitted < INTENTS; b++) {
      const n = Math.min(PER_TX, INTENTS - submitted);
      const spends = Array.from({ length: n }, (_, i) => {
        const k = submitted + i;
        const category = k % 1000 === 500 ? 3 : k % 200 === 7 ? 2 : k % 100 === 3 ? 4 : 1;
        const amount = category === 3 ? 900_000_000n : category === 2 ? 20_000_000n : 10_000n;
        return { token: usdc, amount, recipient: category === 4 ? casino : vendor, category };
      });
      pending.push(
        await ow.writeContract({
          address: batchers[b % batchers.length],
          abi: batcherArtifact.abi as never,
          functionName: "spendMany",
          args: [wallet, spends, `bench batch ${b}`],
          gas: 29_000_000n,
          nonce: accountNonce++,
        } as never),
      );
      submitted += n;
      if (pending.length >= 8) for (const h of pending.splice(0)) await collect(h);
      if (quarterBlock === 0n && submitted >= INTENTS / 4) {
        for (const h of pending.splice(0)) await collect(h);
        quarterBlock = await pc.getBlockNumber();
      }
      if (b % 40 === 0) log(`  ${submitted}/${INTENTS} intents submitted`);
    }
    for (const h of pending.splice(0)) await collect(h);
    log(`  intents submitted in ${((Date.now() - t0) / 1000).toFixed(0)} s; settling ${supervised.length} supervised and ${collaborative.length} collaborative`);

    // supervised: 40% vetoed now, 40% executed after the window, the rest stale after the grace period
    const s40 = Math.floor(supervised.length * 0.4);
    const c50 = Math.floor(collaborative.length / 2);
    const c75 = Math.floor(collaborative.length * 0.75);
    for (const id of supervised.slice(0, s40)) await oc.veto(id);
    for (const id of collaborative.slice(0, c50)) await oc.approve(id);
    for (const id of collaborative.slice(c50, c75)) await oc.reject(id);
    await pc.request({ method: "evm_increaseTime" as never, params: [7 * DAY + 60] as never });
    await pc.request({ method: "evm_mine" as never, params: [] as never });
    for (const id of supervised.slice(s40, 2 * s40)) await oc.execute(id);
    await pc.request({ method: "evm_increaseTime" as never, params: [DAY + 60] as never });
    await pc.request({ method: "evm_mine" as never, params: [] as never });
    for (const id of supervised.slice(2 * s40)) await oc.expire(id);
    for (const id of collaborative.slice(c75)) await oc.expire(id);
    await oc.applyCalls([ownerCalls.setRecipientTrust(casino, 3), ownerCalls.withdraw(usdc, owner.address, 250_000n * 10n ** 6n)], [ow]);
    const toBlock = await pc.getBlockNumber();
    log(`chain: ${INTENTS} intents in blocks ${fromBlock}..${toBlock} (${((Date.now() - t0) / 1000).toFixed(0)} s to produce)`);

    // --- ceiling -----------------------------------------------------------------------------------------------
    type Span = readonly [bigint, bigint];
    const fixedSpans = (size: bigint): Span[] => {
      const out: Span[] = [];
      for (let f = fromBlock; f <= toBlock; f += size) out.push([f, f + size - 1n < toBlock ? f + size - 1n : toBlock]);
      return out;
    };
    // The ceiling and verify use a client that retries (as a user's would) a request whose kept-alive connection the
    // node closed while idle; the sync's client has no transport retries (the sync retries by itself).
    const bare = createPublicClient({ chain: hardhat, transport: http(node.url, { retryCount: 2, timeout: 300_000 }) });
    // the ceiling's header reads go as the sync's do: JSON-RPC batches of up to 50
    const batched = createPublicClient({ chain: hardhat, transport: http(node.url, { retryCount: 2, timeout: 300_000, batch: { batchSize: 50 } }) });
    const ceiling = async (spans: readonly Span[]) => {
      const start = performance.now();
      let events = 0;
      for (const [f, t] of spans) {
        const logs = await bare.getLogs({ address: wallet, fromBlock: f, toBlock: t });
        for (const l of logs) decodeEventLog({ abi: tierGuardWalletAbi, data: l.data, topics: l.topics, strict: true });
        const blocks = [...new Set(logs.map((l) => l.blockNumber!))];
        for (let i = 0; i < blocks.length; i += 50) await Promise.all(blocks.slice(i, i + 50).map((n) => batched.getBlock({ blockNumber: n })));
        events += logs.length;
      }
      return { seconds: (performance.now() - start) / 1000, events };
    };
    await ceiling(fixedSpans(WARM_RANGE)); // warm-up: the node's caches
    /** measured once, over the ranges of the first full sync */
    let ceil: { seconds: number; events: number } | undefined;

    const runBackend = async (kind: "pglite" | "postgres") => {
      const schema = `bench_audit_${process.pid}`;
      const open = (suffix: string): Promise<OwnedStore> =>
        kind === "pglite"
          ? openStore({ dataDir: path.join(tmp, `${kind}-${suffix}`) })
          : openStore({ url: PG_URL!, schema: `${schema}_${suffix}` });
      const where = (suffix: string) => (kind === "pglite" ? path.join(tmp, `${kind}-${suffix}`) : PG_URL!);
      let commitMs = 0;
      let analyzeMs = 0;
      const syncInto = async (store: OwnedStore, to: bigint) => {
        const commit = store.commitRange.bind(store);
        const analyze = store.analyze.bind(store);
        commitMs = 0;
        analyzeMs = 0;
        store.commitRange = async (r) => {
          const c = performance.now();
          await commit(r);
          commitMs += performance.now() - c;
        };
        store.analyze = async () => {
          const c = performance.now();
          await analyze();
          analyzeMs += performance.now() - c;
        };
        const spans: Span[] = [];
        const t = performance.now();
        const r = await syncOnce({
          publicClient: pc,
          wallet,
          store,
          fromBlock,
          toBlock: to,
          initialRange: FIRST_RANGE,
          onProgress: (p) => void spans.push([p.rangeFrom, p.rangeTo]),
        });
        return { seconds: (performance.now() - t) / 1000, events: r.events, spans, learned: await store.getSyncHints(wallet) };
      };
      // a quarter-size store for the report's memory at N/4
      const quarter = await open("quarter");
      await syncInto(quarter, quarterBlock);
      await quarter.close();

      const store = await open("full");
      const sync = await syncInto(store, toBlock);
      log(`  ${kind}: synced ${sync.events} events in ${sync.spans.length} ranges; learned ${JSON.stringify(sync.learned, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
      ceil ??= await ceiling(sync.spans);
      if (ceil.events !== sync.events) throw new Error(`ceiling read ${ceil.events} events, sync ${sync.events}`);
      const tv = performance.now();
      const v = await verify({ publicClient: bare, wallet, store });
      const verifySeconds = (performance.now() - tv) / 1000;
      log(`  ${kind}: sync ${sync.seconds.toFixed(2)} s (commit ${(commitMs / 1000).toFixed(2)} s), ceiling ${ceil.seconds.toFixed(2)} s, verify ${verifySeconds.toFixed(2)} s`);
      if (!v.ok) throw new Error(`verify found differences:\n${v.differences.map((d) => d.message).join("\n")}`);
      const intents = await store.countIntents(wallet);

      // serve: random keyset positions
      const api = await startApi({ store, wallet, port: 0, host: "127.0.0.1" });
      const { rows: positions } = await store.db.query<{ b: string; i: number }>(
        `SELECT block_number::text AS b, log_index AS i FROM intents ORDER BY md5(intent_id) LIMIT ${SERVE_REQUESTS}`,
      );
      const times: number[] = [];
      for (const p of positions) {
        const t = performance.now();
        const res = await fetch(`${api.url}/intents?limit=100&after=${p.b}-${p.i}`);
        await res.json();
        times.push(performance.now() - t);
      }
      await api.close();
      await store.close();
      const firstPage = times[0];
      times.sort((a, b) => a - b);
      const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];

      const report = (suffix: string) =>
        JSON.parse(
          execFileSync(
            process.execPath,
            ["--import", "tsx", path.join(__dirname, "lib", "bench-report.ts"), where(suffix), wallet, `${schema}_${suffix}`],
            { encoding: "utf8", maxBuffer: 1 << 20 },
          ),
        ) as { ms: number; peakRssMb: number };
      const full = report("full");
      const q = report("quarter");
      if (kind === "postgres") {
        const s = await openStore({ url: PG_URL! });
        for (const x of ["full", "quarter"]) await s.db.query(`DROP SCHEMA IF EXISTS "${schema}_${x}" CASCADE`);
        await s.close();
      }
      return {
        backend: kind,
        intents,
        events: sync.events,
        syncSeconds: +sync.seconds.toFixed(2),
        syncCommitSeconds: +(commitMs / 1000).toFixed(2),
        syncAnalyzeSeconds: +(analyzeMs / 1000).toFixed(2),
        ceilingSeconds: +ceil.seconds.toFixed(2),
        syncVsCeiling: +(ceil.seconds / sync.seconds).toFixed(2),
        syncRanges: sync.spans.length,
        verifySeconds: +verifySeconds.toFixed(2),
        reportSeconds: +(full.ms / 1000).toFixed(2),
        reportPeakRssMb: Math.round(full.peakRssMb),
        reportPeakRssMbQuarter: Math.round(q.peakRssMb),
        serveIntentsPageP50Ms: +pct(0.5).toFixed(1),
        serveIntentsPageP99Ms: +pct(0.99).toFixed(1),
        serveFirstPageMs: +firstPage.toFixed(1),
      };
    };

    const results = [await runBackend("pglite")];
    if (PG_URL) results.push(await runBackend("postgres"));
    if (json) {
      process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results)}\n`);
    } else {
      console.table(results);
      for (const r of results) {
        const bars = [
          [`sync >= 70% of the ceiling`, r.syncVsCeiling >= 0.7],
          [`verify <= 1.5x sync`, r.verifySeconds <= 1.5 * r.syncSeconds],
          [`report RSS at N <= 1.5x at N/4`, r.reportPeakRssMb <= 1.5 * r.reportPeakRssMbQuarter],
          [`serve p99 <= 50 ms`, r.serveIntentsPageP99Ms <= 50],
          [`sync + verify + report < 60 s`, r.syncSeconds + r.verifySeconds + r.reportSeconds < 60],
        ] as const;
        console.log(`${r.backend}: ${bars.map(([n, ok]) => `${ok ? "PASS" : "FAIL"} ${n}`).join("; ")}`);
      }
    }
  } finally {
    await node.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
