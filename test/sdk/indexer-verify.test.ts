/**
 * `verify` reconciles the store with everything the chain attests, and names each missing or contradicting
 * record: deleted submissions (intent sequences vs. the agents' nonces), an executed intent stored as vetoed and a
 * hidden owner withdrawal (token balance = deposits - payments - withdrawals), a hidden ETH deposit (ETH balance).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { parseEther, type Hex } from "viem";
import { account } from "./helpers/chain";
import { runArticleScenario, type Scenario } from "./helpers/article-scenario";
import { ownerCalls } from "../../src/client";
import { openStore, syncOnce, verify, type Store } from "../../src/indexer";

let s: Scenario;
let end: bigint;
const dbs: PGlite[] = [];
const WITHDRAWN = 250_000n * 10n ** 6n;

let base: PGlite | undefined;
/** A store synced up to `end`: synced once, then a copy per test (each test tampers with its own). */
async function synced(): Promise<Store> {
  if (!base) {
    base = new PGlite();
    dbs.push(base);
    await syncOnce({ publicClient: s.c.publicClient, wallet: s.wallet, store: await openStore(base), fromBlock: s.fromBlock, toBlock: end });
  }
  const db = (await base.clone()) as PGlite;
  dbs.push(db);
  return openStore(db);
}
const run = (store: Store) => verify({ publicClient: s.c.publicClient, wallet: s.wallet, store, blockNumber: end });
const usdcDifference = (r: { differences: { what: string; expected: unknown; actual: unknown; message: string }[] }) =>
  r.differences.find((x) => x.what.toLowerCase() === `balance(${s.usdc})`.toLowerCase());
const whats = (r: { differences: { what: string }[] }) => r.differences.map((d) => d.what);

beforeAll(async () => {
  s = await runArticleScenario({ extra: 3 });
  const funder = s.c.walletFor(account(5));
  await s.c.publicClient.waitForTransactionReceipt({
    hash: await funder.sendTransaction({ to: s.wallet, value: parseEther("3"), chain: funder.chain, account: funder.account! }),
  });
  await s.ownerClient(0).applyCalls(
    [ownerCalls.withdraw(s.usdc, s.owners[0].address, WITHDRAWN)],
    s.owners.slice(0, 2).map((o) => s.c.walletFor(o)),
  );
  end = await s.c.publicClient.getBlockNumber();
}, 240_000);

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.close()));
});

describe("verify reconciles the store with the chain", () => {
  it("passes on a complete store and says what it checked, with counts", async () => {
    const r = await run(await synced());
    expect(r.differences).toEqual([]);
    const count = Object.fromEntries(r.checks.map((c) => [c.name, c.count]));
    expect(count["intent sequences"]).toBe(8); // the article's five intents and three more
    expect(count["owner actions"]).toBe(2); // the configuration and the withdrawal
    expect(count.balances).toBe(2); // ETH and USDC
    expect(count["sampled blocks"]).toBeGreaterThan(0);
    expect(count["configuration views"]).toBeGreaterThan(64);
  });

  it("names each deleted submission by its intent id", async () => {
    const store = await synced();
    const gone = [s.ids.gpu, s.extraIds[1]].map((x) => x.toLowerCase() as Hex);
    await store.db.query("DELETE FROM logs WHERE event = 'IntentSubmitted' AND intent_id = ANY($1::text[])", [gone]);
    await store.db.query("DELETE FROM intents WHERE intent_id = ANY($1::text[])", [gone]);
    const r = await run(store);
    expect(r.ok).toBe(false);
    for (const id of gone) {
      const d = r.differences.find((x) => x.what === `intent(${id})`);
      expect(d?.message).toMatch(/submitted on-chain, missing from the store/);
    }
  });

  it("finds an intents table out of step with the stored submissions", async () => {
    const store = await synced();
    // the submission log deleted, its intent's summary row left
    const { rows } = await store.db.query("DELETE FROM logs WHERE event = 'IntentSubmitted' AND intent_id = $1 RETURNING 1", [
      s.extraIds[0].toLowerCase(),
    ]);
    expect(rows).toHaveLength(1);
    const r = await run(store);
    const d = r.differences.find((x) => x.what === "intents");
    expect(d?.expected).toBe((d?.actual as number) - 1);
    expect(d?.message).toMatch(/IntentSubmitted logs \(the table is out of date/);
  });

  it("finds a stored log that differs from the chain's in a sampled block", async () => {
    const store = await synced();
    const { rows: blocks } = await store.db.query<{ n: unknown }>("SELECT count(*) AS n FROM blocks");
    expect(Number(blocks[0].n)).toBeLessThanOrEqual(64); // every stored block is sampled
    const { rows } = await store.db.query<{ tx_hash: string; log_index: number }>(
      `UPDATE logs SET data = '0x' WHERE (tx_hash, log_index) IN (SELECT tx_hash, log_index FROM logs WHERE event = 'IntentSubmitted' LIMIT 1)
       RETURNING tx_hash, log_index`,
    );
    expect(rows).toHaveLength(1);
    const r = await run(store);
    const what = `log(${rows[0].tx_hash}:${rows[0].log_index})`.toLowerCase();
    expect(r.differences.filter((d) => d.what.toLowerCase() === what).map((d) => d.message)).toEqual([
      expect.stringMatching(/: on the chain, missing or different in the store$/),
      expect.stringMatching(/\(IntentSubmitted\) in block \d+: in the store, not on the chain$/),
    ]);
  });

  it("finds an IntentExecuted stored as IntentVetoed (the payment is missing from the balance)", async () => {
    const store = await synced();
    const { rows } = await store.db.query(
      "UPDATE logs SET event = 'IntentVetoed' WHERE event = 'IntentExecuted' AND intent_id = $1 RETURNING 1",
      [s.ids.gpu.toLowerCase()],
    );
    expect(rows).toHaveLength(1);
    const r = await run(store);
    const d = usdcDifference(r);
    expect(d).toBeDefined();
    expect((d!.expected as bigint) - (d!.actual as bigint)).toBe(47n * 10n ** 6n);
  });

  it("finds a hidden 250,000 USDC owner withdrawal", async () => {
    const store = await synced();
    await store.db.query("DELETE FROM logs WHERE event = 'Withdrawn'");
    const r = await run(store);
    const d = usdcDifference(r);
    expect((d!.expected as bigint) - (d!.actual as bigint)).toBe(WITHDRAWN);
    expect(d!.message).toMatch(/withdrawals 0 .*a payment or withdrawal is missing/);
  });

  it("finds a hidden 3 ETH deposit", async () => {
    const store = await synced();
    await store.db.query("DELETE FROM logs WHERE event = 'Deposited'");
    const r = await run(store);
    expect(whats(r)).toContain("balance(ETH)");
    const d = r.differences.find((x) => x.what === "balance(ETH)")!;
    expect((d.actual as bigint) - (d.expected as bigint)).toBe(parseEther("3"));
  });
});
