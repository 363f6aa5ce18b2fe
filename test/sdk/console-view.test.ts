/**
 * The console's read model on a store with a long history: start-up reads what the pages show (the waiting
 * intents through the materialised intents table, their own logs, the configuration, the last blocks' activity),
 * not the wallet's whole history; new ranges are applied as they are committed.
 */
import { describe, expect, it } from "vitest";
import { keccak256, numberToHex, stringToHex, type Address } from "viem";
import { openStore, type Store } from "../../src/indexer";
import { ConsoleView } from "../../src/console/view";
import { recordIntents, recordedIntentId, recordedVeto } from "../../scripts/lib/recorded-intents";

const WALLET = "0x00000000000000000000000000000000000000aa" as Address;
const AGENT = stringToHex("procurement-agent-prod", { size: 32 });
const TOTAL = 1000;
const WAITING = 10;
const NOW = 2_000_000_000;
const OWNER = "0x00000000000000000000000000000000000000f1" as Address;

/** Counts the logs every `store.logs` / `iterateLogs` call returns. */
function counting(store: Store) {
  const read = { logs: 0 };
  const logs = store.logs.bind(store);
  const iterate = store.iterateLogs.bind(store);
  return {
    read,
    store: {
      ...store,
      logs: async (...a: Parameters<Store["logs"]>) => {
        const r = await logs(...a);
        read.logs += r.length;
        return r;
      },
      async *iterateLogs(...a: Parameters<Store["iterateLogs"]>) {
        for await (const l of iterate(...a)) {
          read.logs++;
          yield l;
        }
      },
    } as Store,
  };
}

const cp = (n: bigint) => ({ blockNumber: n, blockHash: keccak256(numberToHex(n)) });

describe("console view", () => {
  it("starts on 1,000 recorded intents reading the waiting ones and the recent blocks, not the history", async () => {
    const owned = await openStore();
    const history = recordIntents({
      wallet: WALLET,
      agentId: AGENT,
      agentKey: "0x00000000000000000000000000000000000000a1",
      token: "0x00000000000000000000000000000000000000c0",
      recipients: ["0x00000000000000000000000000000000000000b1", "0x00000000000000000000000000000000000000b2"],
      owners: [OWNER, "0x00000000000000000000000000000000000000f2"],
      firstBlock: 1n,
      total: TOTAL,
      waiting: WAITING,
      now: NOW,
    });
    const last = history[history.length - 1].blockNumber;
    const block = (n: bigint) => ({ number: n, hash: cp(n).blockHash, parentHash: cp(n - 1n).blockHash, timestamp: NOW });
    await owned.commitRange({ wallet: WALLET, expected: undefined, blocks: [block(last)], logs: history, checkpoint: cp(last) });

    const { store, read } = counting(owned);
    const view = new ConsoleView({ store, wallet: WALLET, activityLimit: 50 });
    await view.refresh();
    expect(view.waiting().map((t) => t.intentId)).toEqual(
      Array.from({ length: WAITING }, (_, i) => recordedIntentId(AGENT, TOTAL - WAITING + i)),
    );
    expect(view.waiting().every((t) => t.pending !== undefined)).toBe(true);
    // the generator's mix before the waiting ones: i % 8 in 0..4 autonomous (paid), 5 blocked, 6 and 7 decided
    const kinds = Array.from({ length: TOTAL - WAITING }, (_, i) => i % 8);
    expect(view.counters).toEqual({
      intents: TOTAL,
      executed: kinds.filter((k) => k <= 4).length + history.filter((l) => l.event === "IntentExecuted").length,
      blocked: kinds.filter((k) => k === 5).length,
      decided: TOTAL - WAITING,
    });
    expect(view.activity(50)).toHaveLength(50);
    expect(view.activity(1)[0]).toMatchObject({ intentId: recordedIntentId(AGENT, TOTAL - 1) });
    // The waiting intents' logs, the configuration and a few hundred recent blocks: under a third of the history.
    expect(read.logs).toBeLessThan(history.length / 3);

    // A new range: one waiting intent is vetoed; the view applies it and drops the intent.
    const target = view.waiting()[0].intentId;
    const veto = recordedVeto({ wallet: WALLET, blockNumber: last + 1n, txHash: keccak256(stringToHex("veto")), timestamp: NOW }, 0, target, OWNER);
    await owned.commitRange({ wallet: WALLET, expected: cp(last), blocks: [block(last + 1n)], logs: [veto], checkpoint: cp(last + 1n) });
    const events = await view.refresh();
    expect(events.map((e) => e.activity?.kind)).toEqual(["vetoed"]);
    expect(view.isWaiting(target)).toBe(false);
    expect(view.waiting()).toHaveLength(WAITING - 1);
    expect((await view.trail(target))?.status).toBe("vetoed");
    await owned.close();
  });
});
