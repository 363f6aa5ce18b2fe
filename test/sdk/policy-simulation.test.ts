/**
 * `policy plan --store`: the article's five intents are recorded (autonomous 0.02 embeddings, supervised 47.00 and
 * 12.00 compute, collaborative 89.00 agent hire, prohibited 10.00 gambling), indexed into an audit store, and
 * replayed under policies with known answers. The file the owners sign carries the replay; owner inspect shows it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openStore, syncOnce } from "../../src/indexer";
import { runArticleScenario, type Scenario } from "./helpers/article-scenario";
import { cli, json, ROOT } from "./helpers/cli";

const EXAMPLE = readFileSync(path.join(ROOT, "examples/policy.yaml"), "utf8")
  // the scenario's wallet accepts USDC only
  .replace(/  EURC:\n    address: \$\{EURC\}\n    price: \{ feed: \$\{EURC_USD_FEED\}, maxStaleness: 1h \}\n/, "");

describe("policy plan --store: the new policy replayed over the recorded history", () => {
  let s: Scenario;
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-simulate-"));
  const run = (args: string[]) =>
    cli([...args, "--rpc", s.c.url, "--wallet", s.wallet, "--var", `USDC=${s.usdc}`, "--store", "db", "--json"], {
      cwd: dir,
    });

  beforeAll(async () => {
    s = await runArticleScenario();
    const store = await openStore({ dataDir: path.join(dir, "db") });
    await syncOnce({
      publicClient: s.c.publicClient,
      wallet: s.wallet,
      store,
      fromBlock: s.fromBlock,
      confirmations: 0,
    });
    await store.close();
    writeFileSync(path.join(dir, "current.yaml"), EXAMPLE);
    // v2: autonomous up to 0.01 (the 0.02 embedding no longer fits), supervised up to 40.00 (the 47.00 GPU does not)
    writeFileSync(
      path.join(dir, "v2.yaml"),
      EXAMPLE.replace('maxAmount: "1.00"', 'maxAmount: "0.01"').replace('maxAmount: "50.00"', 'maxAmount: "40.00"'),
    );
  }, 120_000);

  it("replaying the policy the wallet ran under reproduces every recorded tier", async () => {
    const r = await run(["policy", "plan", "current.yaml"]);
    expect(r.code).toBe(0);
    const sim = json(r).result.simulation;
    expect(sim.intents).toBe(5);
    expect(sim.before).toEqual({ autonomous: 1, supervised: 2, collaborative: 1, prohibited: 1 });
    expect(sim.after).toEqual({ autonomous: 1, supervised: 2, collaborative: 1, prohibited: 1, refused: 0 });
    expect(sim.changed).toEqual([]);
  });

  it("names the intents that change tier under lower caps, with counts before and after", async () => {
    const r = await run(["policy", "plan", "v2.yaml"]);
    expect(r.code).toBe(0);
    const sim = json(r).result.simulation;
    expect(sim.after).toEqual({ autonomous: 0, supervised: 1, collaborative: 3, prohibited: 1, refused: 0 });
    expect(
      sim.changed.map((c: { intentId: string; recorded: string; simulated: string; reason: string }) => [
        c.intentId,
        c.recorded,
        c.simulated,
        c.reason,
      ]),
    ).toEqual([
      [s.ids.emb, "autonomous", "collaborative", "NoTierMatched"],
      [s.ids.gpu, "supervised", "collaborative", "NoTierMatched"],
    ]);
  });

  it("the prepared file carries the replay and owner inspect shows it", async () => {
    const prepared = await run(["policy", "apply", "v2.yaml", "--prepare", "v2.json"]);
    expect(prepared.code).toBe(0);
    const file = JSON.parse(readFileSync(path.join(dir, "v2.json"), "utf8"));
    expect(file.simulation).toMatchObject({ days: 30, intents: 5, after: { collaborative: 3 } });
    const inspected = await cli(["owner", "inspect", "v2.json", "--rpc", s.c.url], { cwd: dir });
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain("simulation over 5 recorded intents");
    expect(inspected.stdout).toContain(`${s.ids.gpu}`);
    expect(inspected.stdout).toMatch(/supervised -> collaborative \(NoTierMatched\)/);
    expect(inspected.stdout).toContain("not signed");
  });
});
