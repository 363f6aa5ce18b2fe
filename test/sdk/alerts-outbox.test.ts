/**
 * The alert outbox against the article's scenario on the `hardhat node`, synced into PGlite: alerts produced once
 * per log and never again after a restart; a receiver that is down gets its alerts, once, when it is back; a reorg
 * retracts the dropped branch's alert and alerts the new branch; withdrawals, pauses, policy changes and budget
 * thresholds alert too.
 */
import { PGlite } from "@electric-sql/pglite";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, getAddress, type Address } from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { ownerCalls } from "../../src/client";
import { openStore, syncOnce, type Store } from "../../src/indexer";
import { backoffMs, openAlertOutbox, type AlertChannel } from "../../src/indexer/alerts/outbox";
import type { Alert } from "../../src/indexer/alerts/detect";
import { webhookChannel } from "../../src/indexer/alerts/channels";
import { account } from "./helpers/chain";
import { runArticleScenario, type Scenario } from "./helpers/article-scenario";
import { Tier } from "./helpers/article";

let s: Scenario;
let db: PGlite;
let shared: Store;

const sync = (store: Store) => syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store, fromBlock: s.fromBlock, confirmations: 0 });
/** The store synced up to the head, with no outbox yet (each test starts one from scratch). */
async function syncedStore(): Promise<Store> {
  await sync(shared);
  await db.exec("DROP TABLE IF EXISTS alert_deliveries, alert_channels, alerts, alert_producer_history, alert_producer; DELETE FROM schema_migrations WHERE version > 100");
  return shared;
}

/** A channel that records what it receives. */
function recorder(name = "test"): AlertChannel & { got: Alert[] } {
  const got: Alert[] = [];
  return { name, got, send: async (alerts) => (got.push(...alerts), { ok: true }) };
}

beforeAll(async () => {
  s = await runArticleScenario();
  db = new PGlite();
  shared = await openStore(db);
});
afterAll(async () => {
  await db?.close();
});

describe("alert outbox", () => {
  it("produces each alert once: a restart (a new outbox on the same store) sends nothing again", async () => {
    const store = await syncedStore();
    const ch = recorder();
    const first = await openAlertOutbox(store, s.wallet);
    await first.registerChannels([ch.name]);
    const p = await first.produce();
    expect(p.produced.map((a) => a.kind)).toEqual(["policy_changed", "vetoed", "blocked"]);
    expect(await first.deliver([ch])).toEqual([{ channel: "test", delivered: 3, failed: 0 }]);

    const restarted = await openAlertOutbox(store, s.wallet);
    await restarted.registerChannels([ch.name]);
    expect((await restarted.produce()).produced).toEqual([]);
    expect(await restarted.deliver([ch])).toEqual([{ channel: "test", delivered: 0, failed: 0 }]);
    expect(ch.got.map((a) => a.kind)).toEqual(["policy_changed", "vetoed", "blocked"]);
    const blocked = ch.got[2];
    expect(blocked).toMatchObject({ severity: "critical", category: "gambling", value: "10.000000", reason: "CategoryProhibited", agent: "procurement-agent-prod" });
    expect(ch.got[1]).toMatchObject({ kind: "vetoed", by: s.owners[1].address, value: "12.000000", category: "compute" });
  });

  it("starting from now alerts only on what comes after", async () => {
    const store = await syncedStore();
    const outbox = await openAlertOutbox(store, s.wallet);
    await outbox.start("now");
    expect((await outbox.produce()).produced).toEqual([]);
    expect(await outbox.cursor()).toMatchObject({ blockNumber: String((await store.getCheckpoint(s.wallet))!.blockNumber) });
  });

  it("a webhook down for the first attempt receives the alerts exactly once when it is back, after the backoff", async () => {
    const store = await syncedStore();
    const bodies: { alerts: Alert[] }[] = [];
    let requests = 0;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        requests++;
        if (requests === 1) {
          res.writeHead(503).end();
          return;
        }
        bodies.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const hook = webhookChannel({ url, wallet: s.wallet });
      const outbox = await openAlertOutbox(store, s.wallet);
      await outbox.registerChannels([hook.name]);
      await outbox.produce();
      const t0 = 1_000_000;
      const down = await outbox.deliver([hook], { now: t0 });
      expect(down).toEqual([{ channel: hook.name, delivered: 0, failed: 3, error: "HTTP 503", retryAt: t0 + backoffMs(1) }]);
      expect(await outbox.deliveryCounts(hook.name)).toEqual({ pending: 3, delivered: 0, cancelled: 0 });
      // not due yet: nothing is sent
      expect((await outbox.deliver([hook], { now: t0 + backoffMs(1) - 1 }))[0]).toMatchObject({ delivered: 0, failed: 0 });
      expect(requests).toBe(1);
      const back = await outbox.deliver([hook], { now: t0 + backoffMs(1) });
      expect(back[0]).toMatchObject({ delivered: 3, failed: 0 });
      expect(await outbox.deliver([hook], { now: t0 + 10 * backoffMs(1) })).toEqual([{ channel: hook.name, delivered: 0, failed: 0 }]);
      expect(bodies).toHaveLength(1);
      expect(bodies[0].alerts.map((a) => a.kind)).toEqual(["policy_changed", "vetoed", "blocked"]);
      expect(new Set(bodies[0].alerts.map((a) => a.id)).size).toBe(3);
      expect(await outbox.deliveryCounts(hook.name)).toEqual({ pending: 0, delivered: 3, cancelled: 0 });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("a reorg retracts the dropped branch's alert and alerts the new branch's", async () => {
    const store = await syncedStore();
    const ch = recorder();
    const outbox = await openAlertOutbox(store, s.wallet);
    await outbox.registerChannels([ch.name]);
    await outbox.produce();
    await outbox.deliver([ch]);

    const snap = await s.c.testClient.snapshot();
    const casino = account(15).address;
    const agent = s.agentClient();
    await agent.authorize({ amount: "3.00", category: "gambling", recipient: casino, justification: "branch A" });
    await sync(store);
    const a = await outbox.produce();
    expect(a.produced.map((x) => [x.kind, x.value])).toEqual([["blocked", "3.000000"]]);
    await outbox.deliver([ch]);

    // branch B replaces branch A: a different blocked attempt in its place, one block longer
    await s.c.testClient.revert({ id: snap });
    await agent.authorize({ amount: "4.00", category: "gambling", recipient: casino, justification: "branch B" });
    await s.c.testClient.mine({ blocks: 1 });
    expect((await sync(store)).reorgs).toBe(1);
    const b = await outbox.produce();
    expect(b.reorg).toBe(true);
    expect(b.retracted.map((x) => [x.kind, x.retracts])).toEqual([["retracted", a.produced[0].id]]);
    expect(b.produced.map((x) => [x.kind, x.value])).toEqual([["blocked", "4.000000"]]);
    await outbox.deliver([ch]);
    expect(ch.got.slice(-3).map((x) => `${x.kind} ${x.value ?? ""}`)).toEqual(["blocked 3.000000", "retracted 3.000000", "blocked 4.000000"]);
    // nothing left and nothing repeated
    expect((await outbox.produce()).produced).toEqual([]);
  });

  it("alerts on withdrawals, pauses, policy changes and a tier's budget at 80% and 100%", async () => {
    const store = await syncedStore();
    const ch = recorder();
    const outbox = await openAlertOutbox(store, s.wallet);
    await outbox.start("now");
    await outbox.registerChannels([ch.name]);
    await outbox.produce();

    const signers = s.owners.slice(0, 2).map((o) => s.c.walletFor(o));
    const budget = encodeFunctionData({ abi: tierGuardWalletAbi, functionName: "setBudget", args: [Tier.Autonomous, 1_000_000n, 86_400] });
    await s.ownerClient(0).applyCalls([budget, ownerCalls.withdraw(s.usdc, account(9).address as Address, 250_000n * 10n ** 6n)], signers);
    const agent = s.agentClient();
    const embeddings = account(10).address;
    for (const amount of ["0.50", "0.30", "0.20"]) {
      await agent.authorize({ amount, category: "embeddings", recipient: embeddings, justification: "budgeted" });
    }
    await s.ownerClient(2).pause();
    await s.ownerClient(0).applyCalls(s.ownerClient(0).unpauseCalls(), signers);
    await sync(store);
    await outbox.produce();
    await outbox.deliver([ch]);
    expect(ch.got.map((a) => `${a.kind}${a.reason ? ` ${a.reason}` : ""}`)).toEqual([
      "policy_changed",
      "withdrawal",
      "budget_threshold 80%",
      "budget_threshold 100%",
      "paused",
      "unpaused",
    ]);
    expect(ch.got[0].details.changes).toEqual(["tier autonomous budget 1.000000 per 86400s"]);
    expect(ch.got[0].by).toBe([s.owners[0].address, s.owners[1].address].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)).join(","));
    expect(ch.got[1]).toMatchObject({ recipient: account(9).address, details: { token: getAddress(s.usdc), amount: "250000000000" } });
    expect(ch.got[3].details).toMatchObject({ percent: 100, max: "1.000000", spent: "1.000000" });
    expect(ch.got[4]).toMatchObject({ severity: "critical", by: s.owners[2].address });
  });
});
