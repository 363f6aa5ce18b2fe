/**
 * The `tierguard` CLI: the parser (pure, one-liners), the runner in-process (exit codes, error format, --json),
 * and end to end as a user runs it (spawned `node bin/tierguard.js` / `tsx src/cli/main.ts`) against the test
 * `hardhat node`: deploy with mocks, validate, apply, plan, grant a key, the article's $89 agent hire signed by
 * two owners, and the bad-input cases.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { parseArgs } from "../../src/cli/parse";
import { run } from "../../src/cli/runner";
import { UsageError } from "../../src/cli/errors";
import { parseConfig, parsePrivateKeys } from "../../src/cli/connection";
import { helpText } from "../../src/cli/help";
import { COMMANDS } from "../../src/cli/spec";
import { HARDHAT_MNEMONIC } from "./helpers/chain";
import { cli, json, noStack } from "./helpers/cli";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/policy.yaml");
const ADDR = "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097";
const ID = `0x${"ab".repeat(32)}`;

const key = (i: number) => toHex(mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).getHdKey().privateKey!);
const address = (i: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).address;

/*//////////////////////////////////////////////////////////////
                              PARSER
//////////////////////////////////////////////////////////////*/

const usage = (argv: string[]) => {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error("expected a usage error");
};

describe("parseArgs", () => {
  it("parses a command with positionals, repeatable options and globals anywhere", () => {
    expect(parseArgs(["--json", "policy", "plan", "p.yaml", "--var", "USDC=0x1", "--var=EURC=0x2", "--rpc", "http://x:1"])).toEqual({
      kind: "command",
      name: "policy plan",
      args: { file: "p.yaml", var: { USDC: "0x1", EURC: "0x2" }, allowRemoveCategories: false },
      globals: { json: true, verbose: false, rpc: "http://x:1" },
    });
    expect(parseArgs(["policy", "apply", "p.yaml", "--allow-remove-categories"])).toMatchObject({ args: { allowRemoveCategories: true } });
  });
  it("validates and types agent authorize's arguments", () => {
    const c = parseArgs(["agent", "authorize", "--amount", "89.00", "--category", "agent_hire", "--recipient", ADDR.toLowerCase(), "--justification", "hire"]);
    expect(c).toMatchObject({ name: "agent authorize", args: { amount: "89.00", category: "agent_hire", recipient: ADDR, justification: "hire" } });
  });
  it("normalises intent ids, durations and address lists", () => {
    expect(parseArgs(["intent", "show", ID.toUpperCase().replace("0X", "0x")])).toMatchObject({ args: { intentId: ID } });
    expect(parseArgs(["keys", "grant", ADDR, "--agent", "a", "--valid-for", "7d"])).toMatchObject({ args: { validFor: 7 * 86400 } });
    expect(parseArgs(["deploy", "--owners", `${address(0)}, ${address(1)}`, "--threshold", "2", "--local-mocks"])).toMatchObject({
      args: { owners: [address(0), address(1)], threshold: 2, localMocks: true },
    });
  });
  it("gives help for --help, -h, `help <cmd>`, a bare group and no arguments", () => {
    expect(parseArgs(["owner", "sign", "--help"])).toMatchObject({ kind: "help", topic: ["owner", "sign"] });
    expect(parseArgs(["-h"])).toMatchObject({ kind: "help", topic: [] });
    expect(parseArgs(["help", "policy", "plan"])).toMatchObject({ kind: "help", topic: ["policy", "plan"] });
    expect(parseArgs(["keys", "--help"])).toMatchObject({ kind: "help", topic: ["keys"] });
    expect(parseArgs([])).toMatchObject({ kind: "help", topic: [] });
  });
  it("rejects unknown commands and options with a suggestion", () => {
    expect(usage(["polcy", "plan"])).toMatch(/unknown command "polcy"; did you mean "policy"/);
    expect(usage(["policy", "aply", "f"])).toMatch(/did you mean "policy apply"/);
    expect(usage(["policy", "plan", "f", "--amout", "1"])).toMatch(/unknown option --amout; did you mean --amount/);
    expect(usage(["policy", "plan", "f", "--amount", "1"])).toMatch(/"policy plan" has no option --amount/);
    expect(usage(["owner"])).toMatch(/needs a subcommand: pending, approve, sign/);
  });
  it("reports missing and malformed arguments by flag name", () => {
    expect(usage(["policy", "validate"])).toMatch(/needs <file>/);
    expect(usage(["intent", "show", "0x12"])).toMatch(/<intentId> must be an intent id/);
    expect(usage(["agent", "authorize", "--amount", "-5", "--category", "c", "--recipient", ADDR, "--justification", "j"])).toMatch(/--amount must be a positive decimal/);
    expect(usage(["agent", "authorize", "--amount", "1"])).toMatch(/3 invalid arguments/);
    expect(usage(["policy", "show", "--rpc"])).toMatch(/--rpc needs a value/);
    expect(usage(["policy", "show", "--wallet", "0x12"])).toMatch(/--wallet must be an address/);
    expect(usage(["policy", "show", "--json=yes"])).toMatch(/switch and takes no value/);
    expect(usage(["keys", "grant", ADDR, "--agent", "a", "--valid-for", "1d", "--valid-until", "2030-01-01"])).toMatch(/not both/);
    expect(usage(["intent", "show", ID, "extra"])).toMatch(/unexpected argument "extra"/);
  });
  it("has help with an example for every command", () => {
    for (const name of Object.keys(COMMANDS)) expect(helpText(name.split(" "))).toMatch(/Examples?:\n  .*tierguard /);
  });
});

describe("keys and config parsing", () => {
  it("reads private keys from comma- or line-separated text and never echoes a bad one", () => {
    expect(parsePrivateKeys(`${key(0)},${key(1).slice(2)}\n# comment\n`, "x")).toEqual([key(0), key(1)]);
    const secret = "0xdeadbeef";
    expect(() => parsePrivateKeys(`${key(0)},${secret}`, "TIERGUARD_OWNER_KEYS")).toThrow(/entry 2 is not a private key/);
    try {
      parsePrivateKeys(secret, "k");
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("deadbeef");
    }
  });
  it("lists every config problem with its path and refuses keys in the config", () => {
    let message = "";
    try {
      parseConfig('{"rpc":"ftp://x","wallet":"0x1","privateKey":"0x"}', "c.json");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^c.json: 3 problems\n/);
    expect(message).toContain("  - rpc: must be an http(s):// or ws(s):// URL");
    expect(message).toContain("  - wallet: must be an address");
    expect(message).toContain("  - privateKey: private keys do not belong in the config file");
  });
});

/*//////////////////////////////////////////////////////////////
                         RUNNER IN-PROCESS
//////////////////////////////////////////////////////////////*/

async function runIn(argv: string[], env: Record<string, string> = {}, cwd = os.tmpdir()) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { env, cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("runner", () => {
  it("exits 2 on usage errors with one line and a fix, and prints help with exit 0", async () => {
    const r = await runIn(["intent", "show", "nope"]);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(/^error: invalid argument: <intentId> must be an intent id.*\nFix: run "tierguard intent show --help"/);
    expect((await runIn(["policy", "--help"])).stdout).toMatch(/Commands:\n  validate/);
  });
  it("prints machine-readable errors with --json", async () => {
    const r = await runIn(["policy", "show", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { name: "ConfigError", message: "no RPC URL configured", fix: expect.stringMatching(/--rpc/) } });
  });
  it("shows causes and the stack only with --verbose", async () => {
    const quiet = await runIn(["policy", "show", "--rpc", "http://127.0.0.1:9", "--wallet", ADDR]);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const loud = await runIn(["policy", "show", "--rpc", "http://127.0.0.1:9", "--wallet", ADDR, "--verbose"]);
    expect(loud.stderr).toMatch(/caused by[\s\S]*\n\s+at /);
  });
});

describe("launcher", () => {
  it("runs every command from a source checkout that was never built (no dist/), from any working directory", () => {
    // a checkout without dist/: the launcher, the sources and the dependencies only
    const co = mkdtempSync(path.join(os.tmpdir(), "tierguard-unbuilt-"));
    mkdirSync(path.join(co, "bin"));
    copyFileSync(path.join(ROOT, "bin/tierguard.js"), path.join(co, "bin/tierguard.js"));
    for (const d of ["src", "node_modules"]) symlinkSync(path.join(ROOT, d), path.join(co, d));
    copyFileSync(path.join(ROOT, "package.json"), path.join(co, "package.json"));
    // `audit verify` loads its command module with a dynamic import(): it must get as far as the RPC endpoint
    const r = spawnSync(process.execPath, [path.join(co, "bin/tierguard.js"), "audit", "verify", "--rpc", "http://127.0.0.1:9", "--wallet", ADDR], {
      cwd: os.tmpdir(),
      encoding: "utf8",
    });
    expect(r.stderr).toMatch(/^error: cannot reach the RPC endpoint http:\/\/127\.0\.0\.1:9/);
    expect(r.status).toBe(1);
  }, 30_000);
});

/*//////////////////////////////////////////////////////////////
                            END TO END
//////////////////////////////////////////////////////////////*/

describe("tierguard end to end", () => {
  const rpcUrl = inject("rpcUrl");
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-cli-"));
  const OWNERS = { TIERGUARD_OWNER_KEYS: [key(0), key(1), key(2)].join(",") };
  const AGENT = { TIERGUARD_AGENT_KEY: key(3) };
  let wallet: string;
  let intentId: string;

  beforeAll(async () => {
    const r = await cli(["deploy", "--rpc", rpcUrl, "--threshold", "2", "--local-mocks", "--save", "tierguard.json", "--json"], { cwd: dir, env: OWNERS });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    wallet = json(r).result.wallet;
  });

  it("deploy --local-mocks deploys the wallet and the mocks, prints their addresses and saves the config", () => {
    const cfg = JSON.parse(readFileSync(path.join(dir, "tierguard.json"), "utf8"));
    expect(cfg).toMatchObject({ rpc: rpcUrl, wallet, chainId: 31337, token: "USDC" });
    expect(Object.keys(cfg.vars)).toEqual(["USDC", "EURC", "EURC_USD_FEED"]);
  });

  it("policy validate: a good file passes; a malformed one lists each problem with its path and exits 1", async () => {
    const good = await cli(["policy", "validate", EXAMPLE], { cwd: dir });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/valid\ntiers: +autonomous, supervised, collaborative, prohibited/);

    writeFileSync(
      path.join(dir, "bad.yaml"),
      [
        "categories: [compute, agent_hire]",
        "tiers:",
        "  - name: supervised",
        "    conditions: { maxAmount: 50, categories: [compute, agent_hir], recipientTrust: knwon }",
        "    vetoWindow: 30s",
        "  - name: colaborative",
        "    conditions: { categories: [] , recipientTrust: any }",
      ].join("\n"),
    );
    const bad = await cli(["policy", "validate", "bad.yaml"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^error: bad.yaml: 4 problems\n/);
    expect(bad.stderr).toContain('  - tiers[0].conditions.maxAmount: got the number 50; write amounts as quoted decimal strings, e.g. "50.00"');
    expect(bad.stderr).toContain('  - tiers[0].conditions.categories[1]: unknown category "agent_hir"; did you mean "agent_hire"?');
    expect(bad.stderr).toMatch(/  - tiers\[0\]\.conditions\.recipientTrust: "knwon" is not a minimum trust level.*did you mean "known"\?/);
    expect(bad.stderr).toMatch(/  - tiers\[1\]\.name: "colaborative" is not a tier name.*did you mean "collaborative"\?/);
    expect(bad.stderr).toMatch(/\nFix: /);
    noStack(bad);
  });

  it("policy apply makes one owner action; then policy plan has nothing to change; keys grant", async () => {
    const applied = await cli(["policy", "apply", EXAMPLE, "--json"], { cwd: dir, env: OWNERS });
    expect(applied.code).toBe(0);
    expect(json(applied).result).toMatchObject({ empty: false, signers: [address(0), address(1)], txHash: expect.stringMatching(/^0x/) });
    expect(json(applied).result.changes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^set tier collaborative categories \[\] -> \[agent_hire, service_procurement, subscription\], maxValue 0\.00 -> 5000\.00.*timeout 0s -> 4h$/)]),
    );

    const [plan, grant] = await Promise.all([
      cli(["policy", "plan", EXAMPLE], { cwd: dir, tsx: true }),
      cli(["keys", "grant", address(3), "--agent", "procurement-agent-prod", "--valid-for", "30d"], { cwd: dir, env: OWNERS }),
    ]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe(`nothing to change: wallet ${wallet} matches ${EXAMPLE}\n`);
    expect(grant.code).toBe(0);
    expect(grant.stdout).toMatch(new RegExp(`^granted session key ${address(3)} to agent procurement-agent-prod until `));
  });

  it("agent authorize of the article's $89.00 agent hire is collaborative, awaiting approval", async () => {
    const r = await cli(
      ["agent", "authorize", "--amount", "89.00", "--category", "agent_hire", "--recipient", ADDR, "--justification", "Hire analysis-agent-beta for market research"],
      { cwd: dir, env: AGENT },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tier: +collaborative\nstatus: +awaiting_approval\nvalue: +89\.00/);
    intentId = /intent: +(0x[0-9a-f]{64})/.exec(r.stdout)![1];
  });

  it("owner sign (two owners) + owner submit-signatures executes it", async () => {
    const signed = await cli(["owner", "sign", intentId, "--out", "sigs.json"], {
      cwd: dir,
      env: { TIERGUARD_OWNER_KEYS: `${key(1)},${key(2)}` },
    });
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(/sigs.json now holds 2 signatures/);
    const submitted = await cli(["owner", "submit-signatures", intentId, "--signatures", "sigs.json", "--json"], { cwd: dir, env: AGENT });
    expect(submitted.code).toBe(0);
    expect(json(submitted).result).toMatchObject({ executed: true });
    const shown = await cli(["intent", "show", intentId, "--json"], { cwd: dir });
    expect(json(shown).result).toMatchObject({ tier: "collaborative", decision: "executed", status: "None", value: "89.00", categoryName: "agent_hire" });
  });

  it("removing a category from the middle of the list needs --allow-remove-categories and never relabels the paid hire", async () => {
    const text = readFileSync(EXAMPLE, "utf8")
      .replace(/^ {2}- search .*\n/m, "")
      .replace("categories: [api_calls, embeddings, search]", "categories: [api_calls, embeddings]");
    writeFileSync(path.join(dir, "no-search.yaml"), text);
    const refused = await cli(["policy", "plan", "no-search.yaml"], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/"search" \(id 2\) is defined on the wallet but not listed/);
    expect(refused.stderr).toMatch(/--allow-remove-categories/);
    const applied = await cli(["policy", "apply", "no-search.yaml", "--allow-remove-categories"], { cwd: dir, env: OWNERS });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/remove category 2 search \(id 2 is retired, not renumbered/);
    expect(applied.stdout).not.toMatch(/rename category/);
    const shown = await cli(["intent", "show", intentId, "--json"], { cwd: dir });
    expect(json(shown).result).toMatchObject({ category: 6, categoryName: "agent_hire", value: "89.00", decision: "executed", policyVersion: 1 });
  });

  it("bad input: missing config, unreachable RPC, unknown intent, malformed policy file name, wrong key", async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "tierguard-empty-"));
    const [noConfig, noWallet, unreachable, unknownIntent, wrongKey, missingFile, usageErr] = await Promise.all([
      cli(["policy", "show"], { cwd: empty }),
      cli(["keys", "list", "--rpc", rpcUrl], { cwd: empty }),
      cli(["policy", "show", "--rpc", "http://127.0.0.1:9", "--wallet", wallet], { cwd: empty }),
      cli(["intent", "show", ID], { cwd: dir }),
      cli(["owner", "pause"], { cwd: dir, env: { TIERGUARD_OWNER_KEYS: key(7) } }),
      cli(["policy", "plan", "nope.yaml"], { cwd: dir }),
      cli(["agent", "authorize", "--amount", "1e3"], { cwd: dir, env: AGENT }),
    ]);
    for (const r of [noConfig, noWallet, unreachable, unknownIntent, wrongKey, missingFile]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .+\n(  - .+\n)*Fix: .+\n$/);
      noStack(r);
    }
    expect(noConfig.stderr).toMatch(/^error: no RPC URL configured\nFix: pass --rpc <url>, set TIERGUARD_RPC_URL/);
    expect(noWallet.stderr).toMatch(/^error: no wallet address configured\nFix: pass --wallet <address>, set TIERGUARD_WALLET/);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the RPC endpoint http:\/\/127\.0\.0\.1:9: /);
    expect(unknownIntent.stderr).toMatch(new RegExp(`^error: no intent ${ID} was submitted to wallet ${wallet}`));
    expect(wrongKey.stderr).toMatch(new RegExp(`^error: the key for ${address(7)} is not an owner or guardian of wallet ${wallet}`));
    expect(wrongKey.stderr).not.toContain(key(7).slice(2));
    expect(missingFile.stderr).toMatch(/^error: .*nope.yaml: 1 problem\n  - cannot read the file: ENOENT/);
    expect(usageErr.code).toBe(2);
    expect(usageErr.stderr).toMatch(/^error: 4 invalid arguments\n  - --amount must be a positive decimal/);
  });

  it("a wallet address on the wrong network (no code there) is a clear error", async () => {
    const r = await cli(["keys", "list", "--wallet", "0x000000000000000000000000000000000000dEaD"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no contract at 0x000000000000000000000000000000000000dEaD on chain 31337 .*\nFix: check the wallet address/);
  });
});
