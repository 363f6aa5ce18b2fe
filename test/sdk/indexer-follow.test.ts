/**
 * Follow mode and the read-only query API against the test `hardhat node`: the article's scenario is backfilled,
 * then new blocks are followed with a confirmation depth (nothing closer to the head than that is stored, every
 * newly stored log reaches `onLogs` once, in chain order), the follower stops on its AbortSignal; the API serves
 * intents (with filters), one intent's trail, approvals and the checkpoint, as JSON, on 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { stringToHex, type Hex } from "viem";
import { account } from "./helpers/chain";
import { AGENT_ID, runArticleScenario, type Scenario } from "./helpers/article-scenario";
import {
  follow,
  loadTrails,
  openStore,
  startApi,
  syncOnce,
  type ApiServer,
  type FollowLogsInfo,
  type FollowResult,
  type IntentRow,
  type Store,
  type StoredLog,
} from "../../src/indexer";

let s: Scenario;
const dbs: PGlite[] = [];
async function newStore(): Promise<Store> {
  const db = new PGlite();
  dbs.push(db);
  return openStore(db);
}
const embeddings = account(10).address;

/** Polls `cond` until it holds (or fails after `ms`). */
async function until(cond: () => boolean | Promise<boolean>, ms = 20_000, what = "condition") {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const key = (l: { txHash: string; logIndex: number }) => `${l.txHash.toLowerCase()}:${l.logIndex}`;

beforeAll(async () => {
  s = await runArticleScenario();
});

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.close()));
});

describe("follow", () => {
  it("backfills, then follows the head with a confirmation depth, hands every new log to onLogs once, stops on abort", async () => {
    const { c, wallet, fromBlock } = s;
    const store = await newStore();
    const CONF = 2;
    const seen: { log: StoredLog; info: FollowLogsInfo }[] = [];
    const ctl = new AbortController();
    let runs = 0;
    const running: Promise<FollowResult> = follow({
      publicClient: c.publicClient,
      wallet,
      store,
      fromBlock,
      confirmations: CONF,
      pollIntervalMs: 30,
      signal: ctl.signal,
      onLogs: (logs, info) => {
        for (const log of logs) seen.push({ log, info });
      },
      onSync: () => runs++,
    });

    // backfill: everything up to head - CONF
    let head = await c.publicClient.getBlockNumber({ cacheTime: 0 });
    await until(async () => (await store.getCheckpoint(wallet))?.blockNumber === head - BigInt(CONF), 20_000, "backfill");
    const backfilled = await c.publicClient.getLogs({ address: wallet, fromBlock, toBlock: head - BigInt(CONF) });
    expect(seen.map((x) => key(x.log))).toEqual(
      backfilled.map((l) => key({ txHash: l.transactionHash!, logIndex: l.logIndex! })),
    );
    expect(seen.every((x) => x.info.phase === "backfill")).toBe(true);
    await until(() => runs >= 3, 10_000, "polls"); // it keeps polling
    expect((await store.getCheckpoint(wallet))!.blockNumber).toBe(head - BigInt(CONF));

    // a new intent: not stored until CONF more blocks are mined on top of it
    const r = await s
      .agentClient()
      .authorize({ amount: "0.03", category: "embeddings", recipient: embeddings, justification: "followed" });
    const rBlock = (await c.publicClient.getTransactionReceipt({ hash: r.txHash })).blockNumber;
    head = await c.publicClient.getBlockNumber({ cacheTime: 0 });
    expect(head).toBe(rBlock);
    await until(async () => (await store.getCheckpoint(wallet))?.blockNumber === head - BigInt(CONF), 10_000, "head - CONF");
    const before = runs;
    await until(() => runs >= before + 3, 10_000, "polls");
    expect(seen.some((x) => x.log.txHash === r.txHash)).toBe(false);
    expect((await store.logs(wallet, { intentId: r.intentId })).length).toBe(0);

    await c.testClient.mine({ blocks: CONF });
    await until(() => seen.some((x) => x.log.txHash === r.txHash), 10_000, "the new intent's log");
    const fresh = seen.filter((x) => x.log.txHash === r.txHash);
    expect(fresh.map((x) => x.log.event)).toEqual(["IntentSubmitted"]);
    expect(fresh[0].info.phase).toBe("follow");
    expect(fresh[0].log.blockNumber).toBe(rBlock);
    expect((await store.getCheckpoint(wallet))!.blockNumber).toBe(rBlock);

    // stop: the promise resolves; later blocks are not indexed
    ctl.abort();
    const result = await running;
    expect(result.checkpoint).toBe(rBlock);
    expect(result.events).toBe(seen.length);
    expect(result.reorgs).toBe(0);
    await s
      .agentClient()
      .authorize({ amount: "0.04", category: "embeddings", recipient: embeddings, justification: "after stop" });
    await c.testClient.mine({ blocks: CONF + 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect((await store.getCheckpoint(wallet))!.blockNumber).toBe(rBlock);

    // every log once, in chain order, and exactly the stored ones
    const stored = await store.logs(wallet);
    expect(seen.map((x) => key(x.log))).toEqual(stored.map(key));
    expect(new Set(seen.map((x) => key(x.log))).size).toBe(seen.length);
  });

  it("resumes from the stored checkpoint and tags the catch-up as backfill; an aborted signal returns at once", async () => {
    const { c, wallet, fromBlock } = s;
    const store = await newStore();
    const ctl = new AbortController();
    const infos: FollowLogsInfo[] = [];
    const head = await c.publicClient.getBlockNumber({ cacheTime: 0 });
    await syncOnce({ publicClient: c.publicClient, wallet, store, fromBlock, toBlock: head - 5n });
    const running = follow({
      publicClient: c.publicClient,
      wallet,
      store,
      fromBlock,
      pollIntervalMs: 20,
      signal: ctl.signal,
      onLogs: (_logs, info) => {
        infos.push(info);
      },
    });
    await until(async () => (await store.getCheckpoint(wallet))?.blockNumber === head, 10_000, "catch-up");
    ctl.abort();
    const res = await running;
    expect(res.checkpoint).toBe(head);
    expect(infos.every((i) => i.phase === "backfill" && i.fromBlock === head - 4n)).toBe(true);
    expect(await store.countLogs(wallet)).toBe(
      (await c.publicClient.getLogs({ address: wallet, fromBlock, toBlock: head })).length,
    );

    const stopped = await follow({ publicClient: c.publicClient, wallet, store, fromBlock, signal: AbortSignal.abort() });
    expect(stopped).toMatchObject({ runs: 0, events: 0, checkpoint: head });
  });
});

describe("query API", () => {
  let api: ApiServer;
  let store: Store;
  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`);
    return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
  };

  beforeAll(async () => {
    store = await newStore();
    await syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store, fromBlock: s.fromBlock, toBlock: s.endBlock });
    api = await startApi({ store, port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("listens on 127.0.0.1 only and refuses other hosts", async () => {
    expect(api.host).toBe("127.0.0.1");
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(startApi({ store, port: 0, host: "0.0.0.0" as never })).rejects.toThrow(/loopback/);
  });

  it("GET /health: the checkpoint", async () => {
    const r = await get("/health");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/application\/json/);
    const cp = (await store.getCheckpoint(s.wallet))!;
    expect(r.body).toMatchObject({
      ok: true,
      wallet: s.wallet.toLowerCase(),
      checkpoint: { blockNumber: cp.blockNumber.toString(), blockHash: cp.blockHash },
      logs: await store.countLogs(s.wallet),
    });
    expect(Date.parse(r.body.checkpoint.updatedAt)).toBeGreaterThan(0);
  });

  it("GET /intents with filters: agent, tier, status, from, to", async () => {
    const all = await get("/intents");
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(5);
    const ids = (b: any) => b.intents.map((i: any) => i.intentId.toLowerCase()).sort();
    const sorted = (...xs: Hex[]) => xs.map((x) => x.toLowerCase()).sort();
    expect(ids(all.body)).toEqual(sorted(...Object.values(s.ids)));
    const hire = all.body.intents.find((i: any) => i.intentId === s.ids.hire);
    expect(hire).toMatchObject({
      tier: "collaborative",
      status: "executed",
      decided: true,
      amount: "89000000",
      justification: "hire the analysis agent for the Q3 report",
      approvals: 2,
      decision: { kind: "executed" },
    });
    // the decision is one object, its block a decimal string; the flat decision fields are not repeated
    expect(typeof hire.decision.blockNumber).toBe("string");
    expect(Object.keys(hire).filter((k) => k.startsWith("decision"))).toEqual(["decision"]);

    expect(ids((await get("/intents?tier=supervised")).body)).toEqual(sorted(s.ids.gpu, s.ids.gpu2));
    expect(ids((await get("/intents?status=vetoed")).body)).toEqual(sorted(s.ids.gpu2));
    expect(ids((await get("/intents?status=executed&tier=autonomous")).body)).toEqual(sorted(s.ids.emb));
    expect((await get(`/intents?agent=${AGENT_ID}`)).body.total).toBe(5);
    expect((await get(`/intents?agent=${stringToHex("someone-else", { size: 32 })}`)).body.total).toBe(0);

    const hireBlock = BigInt(hire.blockNumber);
    expect(ids((await get(`/intents?from=${hireBlock}`)).body)).toEqual(sorted(s.ids.hire, s.ids.bet));
    expect(ids((await get(`/intents?from=${hireBlock}&to=${hireBlock}`)).body)).toEqual(sorted(s.ids.hire));
    expect(ids((await get(`/intents?to=${hireBlock - 1n}`)).body)).toEqual(sorted(s.ids.emb, s.ids.gpu, s.ids.gpu2));
    // times: ISO 8601
    const t = new Date(hire.timestamp * 1000).toISOString();
    expect(ids((await get(`/intents?from=${encodeURIComponent(t)}`)).body)).toEqual(sorted(s.ids.hire, s.ids.bet));
    expect((await get("/intents?to=2000-01-01T00:00:00Z")).body.total).toBe(0);
    // paging
    const page = (await get("/intents?limit=2&offset=1")).body;
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 1 });
    expect(page.intents.map((i: any) => i.intentId)).toEqual(all.body.intents.slice(1, 3).map((i: any) => i.intentId));

    // keyset paging: `next` of one page is `after` of the following one, and the pages tile the list
    const keyset: string[] = [];
    let after: string | null = "";
    while (after !== null) {
      const p: any = (await get(`/intents?limit=2${after ? `&after=${after}` : ""}`)).body;
      keyset.push(...p.intents.map((i: any) => i.intentId));
      after = p.next;
    }
    expect(keyset).toEqual(all.body.intents.map((i: any) => i.intentId));

    for (const bad of ["tier=gold", "status=done", "agent=0x12", "from=yesterday", "limit=-1", "after=12"]) {
      const r = await get(`/intents?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(typeof r.body.error).toBe("string");
    }
  });

  it("the materialised intents table agrees with the trails rebuilt from the logs, and streams in pages", async () => {
    const trails = await loadTrails(store, s.wallet);
    const rows: IntentRow[] = [];
    for await (const r of store.iterateIntents(s.wallet, {}, 2)) rows.push(r);
    expect(rows.map((r) => r.intentId)).toEqual(trails.map((t) => t.intentId.toLowerCase()));
    for (const t of trails) {
      const r = rows.find((x) => x.intentId === t.intentId.toLowerCase())!;
      expect({ status: r.status, tier: r.tier, decided: r.decided, amount: r.amount, approvals: r.approvals }).toEqual({
        status: t.status,
        tier: t.tier,
        decided: t.decided,
        amount: t.submitted!.amount,
        approvals: t.approvals.filter((a) => !a.voided).length,
      });
    }
    let logs = 0;
    for await (const _ of store.iterateLogs(s.wallet, {}, 3)) logs++;
    expect(logs).toBe(await store.countLogs(s.wallet));
  });

  it("GET /intents/:id: the trail; GET /approvals?intent=", async () => {
    const r = await get(`/intents/${s.ids.hire}`);
    expect(r.status).toBe(200);
    expect(r.body.trail.steps.map((x: any) => x.kind)).toEqual(["submitted", "queued", "approved", "approved", "executed"]);
    expect(r.body.trail.submitted).toMatchObject({ tier: "collaborative", amount: "89000000" });
    expect(typeof r.body.trail.submitted.blockNumber).toBe("string");

    const gpu2 = await get(`/intents/${s.ids.gpu2}`);
    expect(gpu2.body.trail).toMatchObject({ status: "vetoed", decided: true });
    expect(gpu2.body.trail.decision.by.toLowerCase()).toBe(s.owners[1].address.toLowerCase());

    expect((await get(`/intents/0x${"ab".repeat(32)}`)).status).toBe(404);
    expect((await get("/intents/nope")).status).toBe(400);

    const a = await get(`/approvals?intent=${s.ids.hire}`);
    expect(a.status).toBe(200);
    expect(a.body.approvals.map((x: any) => x.owner.toLowerCase()).sort()).toEqual(
      [s.owners[1].address, s.owners[2].address].map((x) => x.toLowerCase()).sort(),
    );
    expect(a.body.approvals.every((x: any) => x.intentId === s.ids.hire && x.voided === false)).toBe(true);
    expect((await get(`/approvals?intent=${s.ids.emb}`)).body.approvals).toEqual([]);
    expect((await get("/approvals")).body.approvals).toHaveLength(2);
    expect((await get(`/approvals?intent=0x${"cd".repeat(32)}`)).status).toBe(404);
  });

  it("computes totals per checkpoint: a page, its total and /health move with a commit, and back after a rewind", async () => {
    const rows = await store.intents(s.wallet, {}, 10);
    const hireBlock = rows.find((r) => r.intentId === s.ids.hire.toLowerCase())!.blockNumber;
    const partial = await newStore();
    await syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store: partial, fromBlock: s.fromBlock, toBlock: hireBlock - 1n });
    const logsBefore = await partial.countLogs(s.wallet);
    // `pushed` is told of commits (as `audit serve` does); `checking` reads the checkpoint on each request
    const pushed = await startApi({ store: partial, port: 0, refreshedByWriter: true });
    const checking = await startApi({ store: partial, port: 0 });
    const json = async (a: ApiServer, path: string) => (await (await fetch(`${a.url}${path}`)).json()) as any;
    const view = async (a: ApiServer) => {
      const [page, health] = await Promise.all([json(a, "/intents"), json(a, "/health")]);
      return { total: page.total, listed: page.intents.length, block: health.checkpoint?.blockNumber, logs: health.logs };
    };
    try {
      const before = { total: 3, listed: 3, block: (hireBlock - 1n).toString(), logs: logsBefore };
      expect(await view(pushed)).toEqual(before);
      // a wallet the store never synced: no checkpoint, nothing counted
      expect(await json(pushed, `/health?wallet=${embeddings}`)).toMatchObject({ checkpoint: null, logs: 0 });

      await syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store: partial, fromBlock: s.fromBlock, toBlock: s.endBlock });
      const after = { total: 5, listed: 5, block: s.endBlock.toString(), logs: await store.countLogs(s.wallet) };
      expect(await view(checking)).toEqual(after);
      // until told, the pushed API serves the previous checkpoint whole: its rows, total and log count
      expect(await view(pushed)).toEqual(before);
      await pushed.refresh();
      expect(await view(pushed)).toEqual(after);

      await partial.rewind(s.wallet, await partial.getBlock(hireBlock - 1n));
      await pushed.refresh();
      expect(await view(pushed)).toEqual(before);
      expect(await view(checking)).toEqual(before);
    } finally {
      await Promise.all([pushed.close(), checking.close()]);
    }
  });

  it("/health answers from memory while a commit holds the database (refreshedByWriter)", async () => {
    const pushed = await startApi({ store, port: 0, refreshedByWriter: true });
    const checking = await startApi({ store, port: 0 });
    try {
      const health = (a: ApiServer, ms: number) => fetch(`${a.url}/health`, { signal: AbortSignal.timeout(ms) }).then((r) => r.json() as any);
      const during = await store.db.transaction!(async (tx) => {
        await tx.query("SELECT 1 FROM checkpoint FOR UPDATE");
        // an API that reads the checkpoint per request waits for the commit; the pushed one answers
        await expect(health(checking, 300)).rejects.toThrow();
        return health(pushed, 5000);
      });
      expect(during).toMatchObject({ ok: true, checkpoint: { blockNumber: s.endBlock.toString() }, logs: await store.countLogs(s.wallet) });
    } finally {
      await Promise.all([pushed.close(), checking.close()]);
    }
  });

  it("a page keeps any justification (separators, line breaks, empty) and the NULL fields of an incomplete intent", async () => {
    const w = "0x00000000000000000000000000000000000000aa"; // rows of another wallet, written directly
    const odd = "pay\u001f0x12\u001e\nnext line\t\\ \u00e9\u{1F600}";
    const row = (id: number, justification: string | null, complete: boolean) =>
      `('${w}', '0x${id.toString(16).padStart(64, "0")}', '0x${"0".repeat(64)}', ${id}, ${complete ? "'supervised'" : "NULL"}, NULL,
        false, ${complete}, ${complete ? `'${w}'` : "NULL"}, NULL, ${complete ? "123456789012345678901234567890" : "NULL"}, NULL, NULL,
        ${complete ? 2 : "NULL"}, $${id}, NULL, NULL, 10, ${id}, '0x${"1".repeat(64)}', 1700000000, 0, NULL, NULL, NULL, NULL, 10)`;
    await store.db.query(`INSERT INTO intents VALUES ${row(1, odd, true)}, ${row(2, "", true)}, ${row(3, null, false)}`, [odd, "", null]);
    const page = await store.intents(w, {}, 10);
    expect(page.map((r) => r.justification)).toEqual([odd, "", null]);
    expect(page[0]).toMatchObject({ tier: "supervised", status: null, decided: false, complete: true, amount: 123456789012345678901234567890n, category: 2, logIndex: 1, timestamp: 1700000000 });
    expect(page[2]).toMatchObject({ tier: null, key: null, amount: null, category: null, reason: null, decisionKind: null, decisionBlock: null });
  });

  it("is read-only: other methods get 405, unknown paths 404", async () => {
    const post = await fetch(`${api.url}/intents`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${api.url}/intents`, { method: "DELETE" })).status).toBe(405);
    expect((await get("/nothing")).status).toBe(404);
    expect(await store.countLogs(s.wallet)).toBe(
      (await s.c.publicClient.getLogs({ address: s.wallet, fromBlock: s.fromBlock, toBlock: s.endBlock })).length,
    );
  });
});
