/**
 * The indexer against a real `hardhat node`: the article's scenario run through the SDK clients, synced into an
 * in-memory PGlite store, and the audit trail of each intent rebuilt from the stored logs alone. Also: no
 * duplicates on re-sync, resume after an interrupted sync, adaptive ranges and retried RPC faults, decode
 * failures that stop the sync, and a reorg produced with snapshot/revert.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import {
  HttpRequestError,
  encodeEventTopics,
  ResponseBodyTooLargeError,
  keccak256,
  stringToHex,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { rpcFault, type RangeTooLargeError } from "../../src/indexer/errors";
import { RangeSizer } from "../../src/indexer/sync/range";
import { account, clients, deployToken, deployWallet, type Clients } from "./helpers/chain";
import { AGENT_ID, CATEGORIES, CATEGORY_IDS, RULES, Tier, Trust, call, mask, usd } from "./helpers/article";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { mockErc20Abi } from "../../src/abi/MockERC20";
import { createAgentClient, createOwnerClient, type AgentClient, type OwnerClient } from "../../src/client";
import { selectLogsSql } from "../../src/indexer/store/logs-sql";
import {
  MIGRATIONS,
  migrate,
  toJson,
  IndexerDecodeError,
  isRangeError,
  loadTrail,
  loadTrails,
  openStore,
  syncOnce,
  type IntentTrail,
  type Store,
  type SyncFault,
  type SyncOptions,
} from "../../src/indexer";

let c: Clients;
let wallet: Address;
let usdc: Address;
let fromBlock: bigint;
let scenarioEnd: bigint;
const owners = [account(0), account(1), account(2)];
const agentKey = account(3);
const [embeddings, compute, analysisAgent, casino] = [10, 13, 14, 15].map((i) => account(i).address);

const ownerClient = (i: number): OwnerClient =>
  createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(account(i)), wallet });
const agentClient = (): AgentClient =>
  createAgentClient({
    publicClient: c.publicClient,
    walletClient: c.walletFor(agentKey),
    wallet,
    token: usdc,
    pollingInterval: 50,
  });

const ids: Record<"emb" | "gpu" | "gpu2" | "hire" | "bet", Hex> = {} as never;
const dbs: PGlite[] = [];
async function newStore(): Promise<Store> {
  const db = new PGlite();
  dbs.push(db);
  return openStore(db);
}
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const opts = (store: Store, extra: Partial<SyncOptions> = {}): SyncOptions => ({
  publicClient: c.publicClient,
  wallet,
  store,
  fromBlock,
  toBlock: scenarioEnd,
  confirmations: 0,
  ...extra,
});
/** A client whose `getLogs` / `getBlock` go through the given wrappers. */
function faulty(wrap: { getLogs?: (args: never, real: () => Promise<unknown>) => Promise<unknown> }): PublicClient {
  return new Proxy(c.publicClient, {
    get(target, prop, receiver) {
      if (prop === "getLogs" && wrap.getLogs) {
        return (args: never) => wrap.getLogs!(args, () => target.getLogs(args));
      }
      return Reflect.get(target, prop, receiver);
    },
  }) as PublicClient;
}
const dumpLogs = async (store: Store) =>
  (
    await store.db.query(
      "SELECT address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp FROM logs ORDER BY block_number, log_index",
    )
  ).rows;

let reference: Store;

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
  await ownerClient(0).applyCalls(calls, owners.slice(0, 2).map((o) => c.walletFor(o)));

  // the article's scenario
  const agent = agentClient();
  ids.emb = (
    await agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "embed docs" })
  ).intentId;
  ids.gpu = (
    await agent.authorize({ amount: "47.00", category: "compute", recipient: compute, justification: "GPU hours" })
  ).intentId;
  ids.gpu2 = (
    await agent.authorize({ amount: "12.00", category: "compute", recipient: compute, justification: "more GPU" })
  ).intentId;
  await ownerClient(1).veto(ids.gpu2);
  await c.testClient.increaseTime({ seconds: 31 });
  await c.testClient.mine({ blocks: 1 });
  await agent.execute(ids.gpu);
  ids.hire = (
    await agent.authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire the analysis agent for the Q3 report",
    })
  ).intentId;
  const sigs = [await ownerClient(2).signApproval(ids.hire), await ownerClient(1).signApproval(ids.hire)];
  expect(await ownerClient(0).submitApprovals(ids.hire, sigs)).toMatchObject({ executed: true });
  ids.bet = (
    await agent.authorize({ amount: "10.00", category: "gambling", recipient: casino, justification: "feeling lucky" })
  ).intentId;
  scenarioEnd = await c.publicClient.getBlockNumber();

  reference = await newStore();
  await syncOnce(opts(reference));
});

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.close()));
});

describe("audit trails from the article's scenario", () => {
  let trails: Map<string, IntentTrail>;
  beforeAll(async () => {
    trails = new Map((await loadTrails(reference, wallet)).map((t) => [t.intentId.toLowerCase(), t]));
  });
  const trail = (id: Hex) => trails.get(id.toLowerCase())!;
  const kinds = (t: IntentTrail) => t.steps.map((s) => s.kind);

  it("finds the five intents with their classification", () => {
    expect(trails.size).toBe(5);
    for (const t of trails.values()) {
      expect(t.complete).toBe(true);
      expect(t.agentId).toBe(AGENT_ID);
      expect(same(t.submitted!.key, agentKey.address)).toBe(true);
      expect(same(t.submitted!.token, usdc)).toBe(true);
      expect(t.submitted!.policyVersion).toBe(1);
    }
    const emb = trail(ids.emb);
    expect(emb.submitted).toMatchObject({
      tier: "autonomous",
      reason: "Matched",
      misses: [],
      value: usd("0.02"),
      amount: 20_000n,
      category: CATEGORY_IDS.embeddings,
      justification: "embed docs",
    });
    expect(same(emb.submitted!.recipient, embeddings)).toBe(true);
    expect(trail(ids.gpu).submitted).toMatchObject({
      tier: "supervised",
      misses: [{ tier: "autonomous", reason: "CategoryNotAllowed" }],
      value: usd("47.00"),
    });
    expect(trail(ids.hire).submitted).toMatchObject({
      tier: "collaborative",
      reason: "Matched",
      justification: "hire the analysis agent for the Q3 report",
    });
    expect(trail(ids.bet).submitted).toMatchObject({ tier: "prohibited", reason: "CategoryProhibited", misses: [] });
  });

  it("rebuilds each lifecycle: executed, vetoed, approved by two owners, blocked", async () => {
    const emb = trail(ids.emb);
    expect(emb).toMatchObject({ status: "executed", decided: true });
    expect(kinds(emb)).toEqual(["submitted", "executed"]);
    expect(emb.pending).toBeUndefined();

    const gpu = trail(ids.gpu);
    expect(gpu).toMatchObject({ status: "executed", decided: true });
    expect(kinds(gpu)).toEqual(["submitted", "queued", "executed"]);
    const executed = gpu.decision as Extract<IntentTrail["steps"][number], { kind: "executed" }>;
    expect(same(executed.by!, agentKey.address)).toBe(true);
    expect(executed.timestamp - gpu.submitted!.timestamp).toBeGreaterThanOrEqual(30);
    expect(gpu.pending).toMatchObject({ amount: 47_000_000n, tier: 1, submittedAt: gpu.submitted!.timestamp });
    expect(gpu.pending!.notBefore - gpu.pending!.submittedAt).toBe(30);

    const gpu2 = trail(ids.gpu2);
    expect(gpu2).toMatchObject({ status: "vetoed", decided: true });
    expect(kinds(gpu2)).toEqual(["submitted", "queued", "vetoed"]);
    expect(same((gpu2.decision as { by: Address }).by, owners[1].address)).toBe(true);

    const hire = trail(ids.hire);
    expect(hire).toMatchObject({ status: "executed", decided: true });
    expect(kinds(hire)).toEqual(["submitted", "queued", "approved", "approved", "executed"]);
    expect(hire.approvals.map((a) => a.owner.toLowerCase()).sort()).toEqual(
      [owners[1].address, owners[2].address].map((a) => a.toLowerCase()).sort(),
    );
    expect(hire.approvals.every((a) => !a.voided && a.txHash === hire.decision!.txHash)).toBe(true);
    expect(same((hire.decision as { by: Address }).by, owners[0].address)).toBe(true);

    const bet = trail(ids.bet);
    expect(bet).toMatchObject({ status: "blocked", decided: true });
    expect(kinds(bet)).toEqual(["submitted", "blocked"]);

    // every step points at a real log of the chain, in chain order
    for (const t of trails.values()) {
      for (let i = 1; i < t.steps.length; i++) {
        const [p, s] = [t.steps[i - 1], t.steps[i]];
        expect(s.blockNumber > p.blockNumber || (s.blockNumber === p.blockNumber && s.logIndex >= p.logIndex)).toBe(
          true,
        );
      }
    }
    const receipt = await c.publicClient.getTransactionReceipt({ hash: hire.decision!.txHash });
    expect(receipt.blockNumber).toBe(hire.decision!.blockNumber);
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(hire.decision!.timestamp).toBe(Number(block.timestamp));
    // one intent's trail alone
    expect(await loadTrail(reference, wallet, ids.hire)).toEqual(hire);
  });

  it("stores every wallet log of the range once; a second sync adds nothing", async () => {
    const chainLogs = await c.publicClient.getLogs({ address: wallet, fromBlock, toBlock: scenarioEnd });
    expect(await reference.countLogs(wallet)).toBe(chainLogs.length);
    const again = await syncOnce(opts(reference));
    expect(again).toMatchObject({ events: 0, ranges: 0, reorgs: 0, checkpoint: scenarioEnd });
    const { rows } = await reference.db.query<{ n: number; d: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT (tx_hash, log_index))::int AS d FROM logs",
    );
    expect(rows[0]).toEqual({ n: chainLogs.length, d: chainLogs.length });
    const migrations = await reference.db.query("SELECT version FROM schema_migrations ORDER BY version");
    expect(migrations.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    await openStore(reference.db); // reopening applies nothing twice
    expect((await reference.db.query("SELECT version FROM schema_migrations")).rows).toHaveLength(MIGRATIONS.length);
  });

  it("stores each submission once, in its intent's row; an older store's submissions move there unchanged", async () => {
    const submitted = (await c.publicClient.getLogs({ address: wallet, fromBlock, toBlock: scenarioEnd })).filter(
      (l) => l.topics[0] === encodeEventTopics({ abi: tierGuardWalletAbi, eventName: "IntentSubmitted" })[0],
    ).length;
    const count = async (store: Store) =>
      (
        await store.db.query<{ other: number; rows: number }>(
          `SELECT (SELECT count(*)::int FROM other_logs WHERE event = 'IntentSubmitted') AS other,
                  (SELECT count(*)::int FROM intents WHERE topics IS NOT NULL) AS rows`,
        )
      ).rows[0];
    expect(submitted).toBeGreaterThan(0);
    expect(await count(reference)).toEqual({ other: 0, rows: submitted });
    // the submission's arguments are decoded again from its topics and data, as they were stored before
    const [s0] = await reference.logs(wallet, { events: ["IntentSubmitted"], intentId: ids.hire });
    expect(s0.args).toMatchObject({ intentId: ids.hire, justification: expect.any(String) });

    const dumpIntents = async (store: Store) => (await store.db.query("SELECT * FROM intents ORDER BY intent_id")).rows;
    const logs = await reference.logs(wallet);
    const { rows: blocks } = await reference.db.query("SELECT * FROM blocks");
    const { rows: checkpoint } = await reference.db.query("SELECT address, block_number, block_hash FROM checkpoint");
    const summary =
      "address, intent_id, agent_id, nonce, tier, status, decided, complete, key, token, amount, value, recipient, category, justification, reason, policy_version, block_number, log_index, tx_hash, timestamp, approvals, decision_kind, decision_tx, decision_block, decision_timestamp, updated_block";
    const { rows: intentRows } = await reference.db.query(`SELECT ${summary} FROM intents`);
    // a store as version 2 (no intents table: it is rebuilt) and version 5 (with it) wrote it, every log in `logs`
    for (const version of [2, 5]) {
      const db = new PGlite();
      dbs.push(db);
      await migrate(db, MIGRATIONS.filter((m) => m.version <= version));
      await db.query(
        `INSERT INTO logs SELECT * FROM json_populate_recordset(NULL::logs, $1::json)`,
        [
          toJson(
            logs.map((l) => ({
              address: l.address.toLowerCase(), block_number: l.blockNumber, block_hash: l.blockHash, tx_hash: l.txHash,
              tx_index: l.txIndex, log_index: l.logIndex, event: l.event, intent_id: l.intentId, args: l.args,
              topics: l.topics, data: l.data, timestamp: l.timestamp,
            })),
          ),
        ],
      );
      await db.query("INSERT INTO blocks SELECT * FROM json_populate_recordset(NULL::blocks, $1::json)", [toJson(blocks)]);
      await db.query(
        "INSERT INTO checkpoint (address, block_number, block_hash) SELECT address, block_number, block_hash FROM json_populate_recordset(NULL::checkpoint, $1::json)",
        [toJson(checkpoint)],
      );
      if (version >= 3) {
        await db.query(`INSERT INTO intents (${summary}) SELECT ${summary} FROM json_populate_recordset(NULL::intents, $1::json)`, [
          toJson(intentRows),
        ]);
      }
      const moved = await openStore(db);
      expect(await count(moved), `from version ${version}`).toEqual({ other: 0, rows: submitted });
      expect(await dumpLogs(moved), `from version ${version}`).toEqual(await dumpLogs(reference));
      expect(await dumpIntents(moved), `from version ${version}`).toEqual(await dumpIntents(reference));
      expect(await loadTrails(moved, wallet)).toEqual(await loadTrails(reference, wallet));
    }
    // `logs` takes DELETE and INSERT like the table it replaced: a submission deleted and written back is the same log
    const last = dbs[dbs.length - 1];
    const { rows: gone } = await last.query(
      "DELETE FROM logs WHERE event = 'IntentSubmitted' AND intent_id = $1 RETURNING *",
      [ids.hire.toLowerCase()],
    );
    expect(gone).toHaveLength(1);
    const store = await openStore(last);
    expect(await store.logs(wallet, { intentId: ids.hire, events: ["IntentSubmitted"] })).toEqual([]);
    await last.query("INSERT INTO logs SELECT * FROM json_populate_recordset(NULL::logs, $1::json)", [toJson(gone)]);
    expect(await dumpLogs(store)).toEqual(await dumpLogs(reference));
    expect(await loadTrails(store, wallet)).toEqual(await loadTrails(reference, wallet));
  });
});

describe("paging through the logs", () => {
  it("reads a page of logs in index order from both tables, without sorting the rest of the history", async () => {
    const store = await newStore();
    const w = "0x00000000000000000000000000000000000000aa";
    // 20,000 submissions and a configuration log every 100 blocks, written straight into the two tables
    await store.db.query(
      `INSERT INTO intents (address, intent_id, agent_id, nonce, block_number, log_index, tx_hash, timestamp, approvals,
                            updated_block, decided, complete, tx_index, block_hash, topics, data)
       SELECT $1, '0x' || lpad(to_hex(g), 64, '0'), '0x' || repeat('0', 64), g, g / 4, g % 4, '0x' || lpad(to_hex(g), 64, '0'),
              g, 0, g / 4, true, true, 0, '0x' || repeat('b', 64), '["0x00"]'::jsonb, '0x'
         FROM generate_series(1, 20000) g`,
      [w],
    );
    await store.db.query(
      `INSERT INTO other_logs (address, block_number, block_hash, tx_hash, tx_index, log_index, event, intent_id, args, topics, data, timestamp)
       SELECT $1, g * 100, '0x' || repeat('b', 64), '0x' || lpad(to_hex(g), 63, '0') || 'f', 0, 9, 'Paused', NULL, '{}', '[]', '0x', g
         FROM generate_series(1, 50) g`,
      [w],
    );
    await store.analyze!();
    const { rows } = await store.db.query<{ "QUERY PLAN": string }>(
      `EXPLAIN ${selectLogsSql("address = $1 AND (block_number, log_index) > ($2::bigint, $3::integer)", 2000)}`,
      [w, "100", 0],
    );
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toContain("Index Scan using intents_order on intents");
    expect(plan).not.toMatch(/Seq Scan on intents/);
    // a pass in pages returns every log once, in chain order
    const seen: string[] = [];
    for await (const l of store.iterateLogs(w as Address, {}, 2000)) seen.push(`${l.blockNumber}:${l.logIndex}`);
    expect(seen).toHaveLength(20_050);
    expect(new Set(seen).size).toBe(20_050);
    const order = (x: string) => x.split(":").map(Number);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [order(seen[i - 1]), order(seen[i])];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
    }
  });
});

describe("resume, adaptive ranges, faults", () => {
  it("resumes an interrupted sync and ends with exactly the records of an uninterrupted one", async () => {
    const store = await newStore();
    const seen: bigint[] = [];
    await expect(
      syncOnce(
        opts(store, {
          initialRange: 3n,
          maxRange: 3n,
          onProgress: (p) => {
            seen.push(p.rangeTo);
            throw new Error("killed");
          },
        }),
      ),
    ).rejects.toThrow("killed");
    expect(seen).toEqual([fromBlock + 2n]);
    expect((await store.getCheckpoint(wallet))!.blockNumber).toBe(fromBlock + 2n);
    expect(await store.countLogs(wallet)).toBeLessThan(await reference.countLogs(wallet));

    const progress: { done: bigint; total: bigint; eta?: number; eps: number }[] = [];
    const res = await syncOnce(
      opts(store, {
        initialRange: 3n,
        maxRange: 3n,
        onProgress: (p) => {
          progress.push({ done: p.blocksDone, total: p.blocksTotal, eta: p.etaSeconds, eps: p.eventsPerSecond });
        },
      }),
    );
    expect(res.checkpoint).toBe(scenarioEnd);
    expect(await dumpLogs(store)).toEqual(await dumpLogs(reference));
    expect(await store.getCheckpoint(wallet)).toEqual(await reference.getCheckpoint(wallet));
    const total = scenarioEnd - (fromBlock + 2n);
    expect(progress.at(-1)).toMatchObject({ done: total, total, eta: 0 });
    expect(progress.every((p, i) => i === 0 || p.done > progress[i - 1].done)).toBe(true);
    expect(progress.at(-1)!.eps).toBeGreaterThan(0);
  });

  it("halves ranges the node refuses, grows after successes, retries faults with backoff", async () => {
    const store = await newStore();
    let calls = 0;
    const spans: bigint[] = [];
    const client = faulty({
      getLogs: async (args, real) => {
        calls++;
        if (calls === 1) throw new HttpRequestError({ url: "http://node", status: 503, details: "unavailable" });
        const { fromBlock: f, toBlock: t } = args as { fromBlock: bigint; toBlock: bigint };
        if (t - f + 1n > 3n) throw new Error("query exceeds max block range 3");
        spans.push(t - f + 1n);
        return real();
      },
    });
    const faults: SyncFault[] = [];
    const res = await syncOnce(
      opts(store, { publicClient: client, initialRange: 1n, maxRange: 16n, backoffMs: 5, onError: (f) => faults.push(f) }),
    );
    expect(res.checkpoint).toBe(scenarioEnd);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ operation: "getLogs", attempt: 1, willRetry: true, delayMs: 5 });
    expect(spans.every((s) => s <= 3n)).toBe(true);
    expect(spans.some((s) => s >= 2n)).toBe(true); // it grew from 1
    expect(await dumpLogs(store)).toEqual(await dumpLogs(reference));
  });

  it("learns the node's result limit from an answer over the HTTP size cap, and the next run remembers it", async () => {
    const store = await newStore();
    const { rows } = await reference.db.query<{ n: number }>("SELECT max(n)::int AS n FROM (SELECT count(*) AS n FROM logs GROUP BY block_number) x");
    // a node (or a client cap) that serves at most `limit` logs per answer: bigger answers are too large to read
    const limit = rows[0].n + 2;
    let refusals = 0;
    const client = faulty({
      getLogs: async (args, real) => {
        const logs = (await real()) as unknown[];
        if (logs.length > limit) {
          refusals++;
          throw new HttpRequestError({ url: "http://node", cause: new ResponseBodyTooLargeError({ maxSize: limit * 1000, size: logs.length * 1000 }) });
        }
        return logs;
      },
    });
    const mid = fromBlock + (scenarioEnd - fromBlock) / 2n;
    await syncOnce(opts(store, { publicClient: client, toBlock: mid, initialRange: 64n }));
    expect(refusals).toBeGreaterThan(0);
    const hints = await store.getSyncHints(wallet);
    expect(hints?.maxLogs).toBeGreaterThan(0);
    expect(hints!.maxLogs!).toBeLessThanOrEqual(limit);
    // a later run starts from what the store remembers: no oversized request again
    refusals = 0;
    const res = await syncOnce(opts(store, { publicClient: client }));
    expect(res.checkpoint).toBe(scenarioEnd);
    expect(refusals).toBe(0);
    expect(await dumpLogs(store)).toEqual(await dumpLogs(reference));
  });

  it("takes the span a node names as its limit, and never asks for more", async () => {
    const store = await newStore();
    const spans: bigint[] = [];
    const client = faulty({
      getLogs: async (args, real) => {
        const { fromBlock: f, toBlock: t } = args as { fromBlock: bigint; toBlock: bigint };
        if (t - f + 1n > 10n) throw new Error("eth_getLogs is limited to 10 blocks range");
        spans.push(t - f + 1n);
        return real();
      },
    });
    await syncOnce(opts(store, { publicClient: client, initialRange: 1000n }));
    expect(await store.getSyncHints(wallet)).toMatchObject({ maxSpan: 10n });
    expect(Math.max(...spans.map(Number))).toBeLessThanOrEqual(10);
    expect(await dumpLogs(store)).toEqual(await dumpLogs(reference));
  });

  it("tells range errors from rate limits", () => {
    expect(isRangeError(new Error("query returned more than 10000 results"))).toBe(true);
    expect(isRangeError(new Error("eth_getLogs block range too large, max 500"))).toBe(true);
    expect(isRangeError({ code: -32005, message: "query timeout exceeded" })).toBe(true);
    expect(isRangeError(new Error("request timed out"))).toBe(true);
    expect(isRangeError(new Error("daily request rate limit exceeded"))).toBe(false);
    expect(isRangeError(new HttpRequestError({ url: "http://node", status: 429, details: "Too Many Requests" }))).toBe(
      false,
    );
    expect(isRangeError(new Error("execution reverted"))).toBe(false);
    // what the refusal teaches: a logs-per-answer limit, or a block span
    expect(rpcFault(new Error("query returned more than 10000 results"), true)).toMatchObject({ maxLogs: 10000, limit: "logs" });
    expect(rpcFault(new Error("eth_getLogs block range too large, max 500"), true)).toMatchObject({ suggestedSpan: 500n, limit: "span" });
    expect(rpcFault(new Error("Log response size exceeded. Try with this block range [0x10, 0x4f]"), true)).toMatchObject({ suggestedSpan: 64n });
    expect(rpcFault(new ResponseBodyTooLargeError({ maxSize: 100, size: 400 }), true)).toMatchObject({ sizeRatio: 0.25, limit: "logs" });
  });

  it("cuts the range to a quarter when the client stopped reading an answer at its size cap (size unknown)", () => {
    const cap = 10_485_760;
    const refusal = (size: number) =>
      rpcFault(new HttpRequestError({ url: "http://node", cause: new ResponseBodyTooLargeError({ maxSize: cap, size }) }), true) as RangeTooLargeError;
    // the client read up to its cap and one more chunk: the answer may be many times the cap
    const stopped = new RangeSizer({ initial: 100n, min: 1n, max: 10_000n });
    expect(stopped.refused(100n, refusal(cap + 65_536))).toBe(true);
    expect(stopped.size).toBe(25n);
    // an answer whose size the node announced: the span scales by it (with headroom)
    const announced = new RangeSizer({ initial: 100n, min: 1n, max: 10_000n });
    expect(announced.refused(100n, refusal(cap * 2))).toBe(true);
    expect(announced.size).toBe(37n);
  });

  it("gives up after bounded retries with an IndexerRpcError", async () => {
    const store = await newStore();
    const faults: SyncFault[] = [];
    const client = faulty({
      getLogs: async () => {
        throw new HttpRequestError({ url: "http://node", status: 502 });
      },
    });
    await expect(
      syncOnce(opts(store, { publicClient: client, retries: 2, backoffMs: 1, onError: (f) => faults.push(f) })),
    ).rejects.toMatchObject({ name: "IndexerRpcError", attempts: 3 });
    expect(faults.map((f) => [f.attempt, f.willRetry, f.delayMs])).toEqual([
      [1, true, 1],
      [2, true, 2],
      [3, false, 0],
    ]);
    expect(await store.getCheckpoint(wallet)).toBeUndefined();
  });

  it("stops on a log it cannot decode and writes nothing of that range", async () => {
    const store = await newStore();
    const bogus = keccak256(toHex("Bogus(uint256)"));
    const client = faulty({
      getLogs: async (_args, real) => {
        const logs = (await real()) as { topics: Hex[] }[];
        return logs.map((l, i) => (i === 2 ? { ...l, topics: [bogus, ...l.topics.slice(1)] } : l));
      },
    });
    const err = await syncOnce(opts(store, { publicClient: client })).catch((e) => e);
    expect(err).toBeInstanceOf(IndexerDecodeError);
    expect(await store.getCheckpoint(wallet)).toBeUndefined();
    expect(await store.countLogs(wallet)).toBe(0);
  });
});

describe("reorgs", () => {
  it("drops everything of an abandoned branch and re-reads the new one", async () => {
    const store = reference;
    const follow = (extra: Partial<SyncOptions> = {}) => syncOnce(opts(store, { toBlock: undefined, ...extra }));
    await follow();
    const snap = await c.testClient.snapshot();
    const a = await agentClient().authorize({
      amount: "0.03",
      category: "embeddings",
      recipient: embeddings,
      justification: "branch A",
    });
    await c.testClient.mine({ blocks: 1 });
    await follow();
    const onA = await loadTrail(store, wallet, a.intentId);
    expect(onA!.submitted).toMatchObject({ justification: "branch A", amount: 30_000n });
    const aBlock = onA!.submitted!.blockNumber;
    const aHash = (await store.getBlock(aBlock))!.hash;

    await c.testClient.revert({ id: snap });
    const b = await agentClient().authorize({
      amount: "0.04",
      category: "embeddings",
      recipient: embeddings,
      justification: "branch B",
    });
    await c.testClient.mine({ blocks: 2 });
    expect(b.intentId).toBe(a.intentId); // same agent nonce on the new branch

    const reorgs: unknown[] = [];
    const res = await follow({ onReorg: (r) => reorgs.push(r) });
    expect(res.reorgs).toBe(1);
    expect(reorgs).toEqual([{ checkpoint: aBlock + 1n, ancestor: aBlock - 1n, logsDeleted: 1 }]);
    const onB = await loadTrail(store, wallet, b.intentId);
    expect(onB!.submitted).toMatchObject({ justification: "branch B", amount: 40_000n });
    expect(onB!.steps.map((s) => s.txHash)).toEqual([b.txHash, b.txHash]);
    const aRows = await store.db.query("SELECT 1 FROM logs WHERE tx_hash = $1 OR block_hash = $2", [
      onA!.submitted!.txHash.toLowerCase(),
      aHash,
    ]);
    expect(aRows.rows).toHaveLength(0);
    // every stored block is on the chain now
    const blocks = await store.blocksDescending(await c.publicClient.getBlockNumber(), 1000);
    for (const blk of blocks) {
      const onChain = await c.publicClient.getBlock({ blockNumber: blk.number });
      expect(blk.hash).toBe(onChain.hash);
    }
    expect(await store.countLogs(wallet)).toBe(
      (await c.publicClient.getLogs({ address: wallet, fromBlock, toBlock: "latest" })).length,
    );
    // the chain shrinking below the checkpoint is a reorg too
    const snap2 = await c.testClient.snapshot();
    await agentClient().authorize({ amount: "0.05", category: "embeddings", recipient: embeddings, justification: "C" });
    await follow();
    await c.testClient.revert({ id: snap2 });
    const shrink = await follow();
    expect(shrink.reorgs).toBe(1);
    expect(await store.countLogs(wallet)).toBe(
      (await c.publicClient.getLogs({ address: wallet, fromBlock, toBlock: "latest" })).length,
    );
  });
});
