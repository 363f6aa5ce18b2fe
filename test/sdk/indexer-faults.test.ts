/**
 * Fault tolerance of the indexer, end to end:
 *
 * (a) through a flaky JSON-RPC proxy (HTTP 500 / 429, delays, eth_getLogs refused over a few blocks; seeded and
 *     bounded), a sync of the article's scenario plus 30 intents stores exactly the logs a direct sync stores:
 *     none lost, none duplicated;
 * (b) an indexer process killed with SIGKILL mid-backfill (on-disk PGlite) and restarted ends with exactly the
 *     records (logs, blocks, checkpoint) of an uninterrupted run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { createPublicClient, http } from "viem";
import { hardhat } from "viem/chains";
import { runArticleScenario, type Scenario } from "./helpers/article-scenario";
import { startFlakyProxy } from "./helpers/flaky-proxy";
import { openStore, syncOnce, type Store, type SyncFault } from "../../src/indexer";

let s: Scenario;
let direct: Store;
const dbs: PGlite[] = [];
async function newStore(): Promise<Store> {
  const db = new PGlite();
  dbs.push(db);
  return openStore(db);
}
const dumpLogs = async (store: Store) =>
  (
    await store.db.query(
      "SELECT address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp FROM logs ORDER BY block_number, log_index",
    )
  ).rows;
const dumpBlocks = async (store: Store) =>
  (await store.db.query("SELECT number, hash, parent_hash, timestamp FROM blocks ORDER BY number")).rows;

beforeAll(async () => {
  s = await runArticleScenario({ extra: 30 });
  direct = await newStore();
  await syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store: direct, fromBlock: s.fromBlock, toBlock: s.endBlock });
  // the scenario's 35 intents, each with its logs
  expect(await direct.countLogs(s.wallet)).toBe(
    (await s.c.publicClient.getLogs({ address: s.wallet, fromBlock: s.fromBlock, toBlock: s.endBlock })).length,
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.close()));
});

/**
 * Syncs the scenario through a flaky proxy (no retries in the transport: the indexer's own retries must carry
 * the sync) at a fixed range size, then checks the store holds exactly what a direct sync stores.
 */
async function syncThroughProxy(faults: Parameters<typeof startFlakyProxy>[0], range: bigint) {
  const proxy = await startFlakyProxy(faults);
  try {
    const publicClient = createPublicClient({ chain: hardhat, transport: http(proxy.url, { retryCount: 0 }) });
    const store = await newStore();
    const seen: SyncFault[] = [];
    const res = await syncOnce({
      publicClient,
      wallet: s.wallet,
      store,
      fromBlock: s.fromBlock,
      toBlock: s.endBlock,
      initialRange: range,
      maxRange: range,
      backoffMs: 1,
      maxBackoffMs: 10,
      onError: (f) => seen.push(f),
    });
    expect(res.checkpoint).toBe(s.endBlock);
    expect(await dumpLogs(store)).toEqual(await dumpLogs(direct));
    expect(await store.getCheckpoint(s.wallet)).toEqual(await direct.getCheckpoint(s.wallet));
    return { store, faults: seen, stats: proxy.stats };
  } finally {
    await proxy.close();
  }
}

describe("through a flaky RPC proxy", () => {
  for (const seed of [1, 42]) {
    it(`stores exactly the logs of a direct sync (seed ${seed})`, async () => {
      const target = inject("rpcUrl");
      const { store, faults, stats } = await syncThroughProxy(
        { target, seed, p500: 0.15, p429: 0.1, maxDelayMs: 15, maxLogRange: 6, maxFaultsPerRequest: 2 },
        64n,
      );
      const { rows } = await store.db.query<{ n: number; d: number }>(
        "SELECT count(*)::int AS n, count(DISTINCT (tx_hash, log_index))::int AS d FROM logs",
      );
      expect(rows[0].n).toBe(rows[0].d);
      // every kind of fault happened, and every one was retried
      expect(stats.http500).toBeGreaterThan(0);
      expect(stats.http429).toBeGreaterThan(0);
      expect(stats.rangeRefused).toBeGreaterThan(0);
      expect(stats.delayed).toBeGreaterThan(0);
      expect(faults.length).toBeGreaterThan(0);
      expect(faults.every((f) => f.willRetry)).toBe(true);
    });
  }
});

describe("block headers", () => {
  it("are read in JSON-RPC batches, and one per request from a node that refuses batches, with the same records", async () => {
    const target = inject("rpcUrl");
    const quiet = { target, seed: 3, p500: 0, p429: 0, maxDelayMs: 0 };
    // one range over the whole scenario: its log blocks' headers are read together
    const batched = await syncThroughProxy(quiet, 10_000n);
    const single = await syncThroughProxy({ ...quiet, refuseBatches: true }, 10_000n);
    const logBlocks = (await dumpBlocks(direct)).length;
    expect(logBlocks).toBeGreaterThan(10);
    expect(batched.stats.batches).toBeGreaterThan(0);
    expect(batched.stats.blockRequests).toBeLessThan(10);
    // refused once, then every header alone
    expect(single.stats.batches).toBe(1);
    expect(single.stats.blockRequests).toBeGreaterThanOrEqual(logBlocks - 2);
    expect(await dumpBlocks(batched.store)).toEqual(await dumpBlocks(direct));
    expect(await dumpBlocks(single.store)).toEqual(await dumpBlocks(direct));
  });
});

describe("a node that answers eth_getLogs with [] it should not", () => {
  it("loses no log: an empty answer is checked against the blocks' log blooms and read again", async () => {
    const target = inject("rpcUrl");
    // 10% of answers emptied, as the review's node did; and 40%: which requests are emptied depends on their block
    // numbers, so on what else ran on the node first, and over the scenario's ~24 ranges 10% alone may empty none
    let emptied = 0;
    const detected: SyncFault[] = [];
    for (const pEmptyLogs of [0.1, 0.4]) {
      const { store, faults, stats } = await syncThroughProxy(
        { target, seed: 7, p500: 0, p429: 0, maxDelayMs: 0, pEmptyLogs, maxFaultsPerRequest: 3 },
        2n,
      );
      // each run stores exactly what a direct sync stores (checked in syncThroughProxy), the intents too
      expect(await store.countIntents(s.wallet)).toBe(await direct.countIntents(s.wallet));
      emptied += stats.emptyLogs;
      detected.push(...faults.filter((f) => /answered no log/.test(f.error.message)));
    }
    expect(emptied).toBeGreaterThan(0);
    expect(detected.length).toBeGreaterThan(0);
  });
});

describe("committing a range", () => {
  it("re-syncing adds nothing, and a range whose expected checkpoint is stale is refused with nothing written", async () => {
    const store = await newStore();
    const sync = () =>
      syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store, fromBlock: s.fromBlock, toBlock: s.endBlock });
    await sync();
    expect(await dumpLogs(store)).toEqual(await dumpLogs(direct));
    expect(await dumpBlocks(store)).toEqual(await dumpBlocks(direct));
    expect(await sync()).toMatchObject({ events: 0, ranges: 0 });
    const cp = (await store.getCheckpoint(s.wallet))!;
    await expect(
      store.commitRange({ wallet: s.wallet, expected: undefined, blocks: [], logs: [], checkpoint: { ...cp, blockNumber: cp.blockNumber + 1n } }),
    ).rejects.toMatchObject({ name: "IndexerStoreError" });
    expect(await store.getCheckpoint(s.wallet)).toEqual(cp);
  });
});

describe("killed mid-backfill and restarted", () => {
  const ROOT = path.resolve(__dirname, "../..");
  const ENTRY = path.join(__dirname, "helpers", "sync-child.ts");
  let tmp: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "tierguard-indexer-"));
  });
  afterAll(async () => {
    for (const ch of children) if (ch.exitCode === null && ch.signalCode === null) ch.kill("SIGKILL");
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Runs the child indexer (`node --import tsx`: one process, so that SIGKILL reaches the indexer itself). */
  function run(dataDir: string, maxRange: number, pauseMs: number) {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        ENTRY,
        inject("rpcUrl"),
        s.wallet,
        String(s.fromBlock),
        String(s.endBlock),
        dataDir,
        String(maxRange),
        String(pauseMs),
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    const lines: string[] = [];
    let stderr = "";
    let buf = "";
    const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.pred(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    const line = (pred: (l: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        const hit = lines.find(pred);
        if (hit) return resolve(hit);
        waiters.push({ pred, resolve });
        exited.then(({ code, signal }) =>
          reject(new Error(`child exited (${code ?? signal}) before the expected line\n${lines.join("\n")}\n${stderr}`)),
        );
      });
    return { child, lines, exited, line, stderr: () => stderr };
  }

  it("ends with exactly the records of an uninterrupted run", async () => {
    const MAX_RANGE = 4;
    const dataDir = path.join(tmp, "pgdata");

    // first run: killed right after its first committed range
    const first = run(dataDir, MAX_RANGE, 200);
    const progress = await first.line((l) => l.startsWith("progress "));
    first.child.kill("SIGKILL");
    expect(await first.exited).toMatchObject({ signal: "SIGKILL" });
    const killedAt = BigInt(progress.split(" ")[1]);
    expect(killedAt).toBeLessThan(s.endBlock);

    // restart: resumes from the stored checkpoint (at least the first range, and not the end)
    const second = run(dataDir, MAX_RANGE, 0);
    const open = await second.line((l) => l.startsWith("open "));
    const resumedFrom = BigInt(open.split(" ")[1]);
    expect(resumedFrom).toBeGreaterThanOrEqual(killedAt);
    expect(resumedFrom).toBeLessThan(s.endBlock);
    const done = await second.line((l) => l.startsWith("done "));
    expect(done).toBe(`done ${s.endBlock}`);
    expect((await second.exited).code).toBe(0);
    // the second run started after the first committed range: it did not re-read from the beginning
    const firstRange = second.lines.find((l) => l.startsWith("progress "))!;
    expect(BigInt(firstRange.split(" ")[1])).toBeGreaterThan(resumedFrom);

    // uninterrupted run with the same range size, in memory
    const reference = await newStore();
    await syncOnce({
      publicClient: s.c.publicClient,
      wallet: s.wallet,
      store: reference,
      fromBlock: s.fromBlock,
      toBlock: s.endBlock,
      initialRange: BigInt(MAX_RANGE),
      maxRange: BigInt(MAX_RANGE),
    });

    const db = new PGlite(dataDir);
    dbs.push(db);
    const restarted = await openStore(db);
    expect(await dumpLogs(restarted)).toEqual(await dumpLogs(reference));
    expect(await dumpLogs(restarted)).toEqual(await dumpLogs(direct));
    expect(await dumpBlocks(restarted)).toEqual(await dumpBlocks(reference));
    expect(await restarted.getCheckpoint(s.wallet)).toEqual(await reference.getCheckpoint(s.wallet));
  }, 240_000);
});
