/**
 * A PostgreSQL restart in the middle of a sync: every connection is cut and the server refuses new ones for a
 * while (a TCP proxy in front of the server plays the restart). The sync retries and ends with exactly the logs
 * of an undisturbed run; the process never sees an unhandled client 'error' event.
 *
 * Needs TIERGUARD_TEST_PG_URL (see indexer-postgres.test.ts); skipped with the same warning without it.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { runArticleScenario, type Scenario } from "./helpers/article-scenario";
import { DbConnectionError } from "../../src/indexer/errors";
import { openStore, syncOnce, type OwnedStore, type Store, type SyncFault } from "../../src/indexer";

const PG_URL = process.env.TIERGUARD_TEST_PG_URL;

/** A TCP proxy to the server that can drop every connection and refuse new ones for `downMs`. */
async function restartableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    restart(downMs: number) {
      down = true;
      for (const s of sockets) s.destroy();
      setTimeout(() => (down = false), downMs);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!PG_URL)("a PostgreSQL restart mid-sync", () => {
  let s: Scenario;
  let direct: Store;
  const pglite = new PGlite();
  const schema = `tg_restart_${process.pid}_${Date.now().toString(36)}`;
  let store: OwnedStore | undefined;

  beforeAll(async () => {
    s = await runArticleScenario({ extra: 6 });
    direct = await openStore(pglite);
    await syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store: direct, fromBlock: s.fromBlock, toBlock: s.endBlock });
  }, 240_000);

  afterAll(async () => {
    await store?.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await store?.close();
    await pglite.close();
  });

  it("is retried: the sync ends with exactly the logs of an undisturbed run", async () => {
    const target = new URL(PG_URL!);
    const proxy = await restartableProxy(target);
    try {
      const url = new URL(PG_URL!);
      url.hostname = "127.0.0.1";
      url.port = String(proxy.port);
      store = await openStore({ url: url.toString(), schema, connectTimeoutMs: 2000 });
      const faults: SyncFault[] = [];
      let ranges = 0;
      const res = await syncOnce({
        publicClient: s.c.publicClient,
        wallet: s.wallet,
        store,
        fromBlock: s.fromBlock,
        toBlock: s.endBlock,
        initialRange: 2n,
        maxRange: 2n,
        backoffMs: 100,
        maxBackoffMs: 1000,
        onError: (f) => faults.push(f),
        onProgress: () => {
          if (++ranges === 3) proxy.restart(1500);
        },
      });
      expect(res.checkpoint).toBe(s.endBlock);
      expect(faults.some((f) => f.error instanceof DbConnectionError && f.willRetry)).toBe(true);
      const dump = (x: Store) =>
        x.db.query("SELECT tx_hash, log_index, event, block_number::text AS b FROM logs ORDER BY block_number, log_index");
      expect((await dump(store)).rows).toEqual((await dump(direct)).rows);
      expect(await store.countIntents(s.wallet)).toBe(await direct.countIntents(s.wallet));
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
