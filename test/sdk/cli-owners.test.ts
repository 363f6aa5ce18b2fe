/**
 * M-of-N from separate machines: every owner runs the CLI as its own process holding only its own encrypted
 * keystore; a fourth process (any funded key) submits. Owners A, B, C (2-of-3) change the policy, add a Safe
 * 1.4.1 (2-of-2 of EOAs S1, S2) as a fourth owner, grant a key; then the Safe (through Safe's message format,
 * each of its owners signing separately) and one EOA unpause, withdraw and approve an intent. Tampered,
 * replayed, wrong-chain and non-owner signatures are refused before anything is sent.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { encryptKeystoreJson } from "ethers";
import { erc20Abi, toHex, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { account, clients, HARDHAT_MNEMONIC } from "./helpers/chain";
import { cli, json, noStack, ROOT } from "./helpers/cli";
import { deploySafe, deploySafeSingletons } from "./helpers/safe";
import { digestOf, readActionFile, writeActionFile } from "../../src/owners/file";
import { signActionFile } from "../../src/owners/collect";
import { ownerCalls } from "../../src/client/owner";
import { mnemonicToAccount } from "viem/accounts";

const EXAMPLE_TEXT = readFileSync(path.join(ROOT, "examples/policy.yaml"), "utf8");
const EXAMPLE = "policy.yaml";
const hhKey = (i: number) => toHex(mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).getHdKey().privateKey!);
const VENDOR = "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097";

describe("owners on separate machines (one process and one keystore each)", () => {
  const c = clients(inject("rpcUrl"));
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-owners-"));
  const SUBMITTER = { TIERGUARD_AGENT_KEY: hhKey(5) };
  const keys = { B: generatePrivateKey(), C: generatePrivateKey(), S1: generatePrivateKey(), S2: generatePrivateKey(), X: generatePrivateKey() };
  const addr = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, privateKeyToAccount(v).address])) as Record<keyof typeof keys, Address>;
  let A: Address;
  let safe: Address;
  let wallet: Address;
  let usdc: Address;
  const as = (who: string) => ({ TIERGUARD_KEYSTORE: path.join(dir, `${who}.json`), TIERGUARD_PASSWORD_FILE: path.join(dir, "pw") });
  const run = (args: string[], env: Record<string, string> = {}) => cli([...args, "--config", "tierguard.json"], { cwd: dir, env });

  beforeAll(async () => {
    writeFileSync(path.join(dir, "pw"), "correct horse battery staple\n", { mode: 0o600 });
    // A makes a new key with the CLI (scrypt at the standard cost); the others' keystores are made here, at a
    // low scrypt cost to keep the test fast (the file format records the cost; decryption honours it).
    const [created] = await Promise.all([
      cli(["keystore", "new", "--out", "A.json", "--password-file", "pw", "--json"], { cwd: dir }),
      ...Object.entries(keys).map(async ([who, k]) => {
        const ks = await encryptKeystoreJson({ address: privateKeyToAccount(k).address, privateKey: k }, "correct horse battery staple", {
          scrypt: { N: 1024 },
        });
        writeFileSync(path.join(dir, `${who}.json`), ks, { mode: 0o600 });
      }),
    ]);
    expect(created.code).toBe(0);
    A = json(created).result.address;
    // The article's policy, with this wallet's owners.
    writeFileSync(path.join(dir, EXAMPLE), EXAMPLE_TEXT.replace(/^owners:\n(  - 0x[0-9a-fA-F]{40}\n)+/m, `owners: [${A}, ${addr.B}, ${addr.C}]\n`));
    expect(readFileSync(path.join(dir, "A.json"), "utf8")).toContain('"scrypt"');

    // B pauses by itself later, and a direct transaction needs gas; signing needs none.
    await c.testClient.setBalance({ address: addr.B, value: 10n ** 18n });
    const singletons = await deploySafeSingletons(c);
    safe = await deploySafe(c, singletons, [addr.S1, addr.S2], 2);

    const deployed = await cli(
      ["deploy", "--rpc", c.url, "--owners", `${A},${addr.B},${addr.C}`, "--threshold", "2", "--local-mocks", "--save", "tierguard.json", "--json"],
      { cwd: dir, env: { TIERGUARD_OWNER_KEYS: hhKey(5) } },
    );
    expect(deployed.code).toBe(0);
    wallet = json(deployed).result.wallet;
    usdc = json(deployed).result.mocks.USDC;
  });

  /** Prepares with `args --prepare <file>`, has each signer sign its own copy in its own process, submits all. */
  async function collect(args: string[], file: string, signers: { who: string; safe?: boolean }[]) {
    const prepared = await run([...args, "--prepare", file]);
    expect(prepared.stderr).toBe("");
    expect(prepared.code).toBe(0);
    const signed = await Promise.all(
      signers.map((s) => run(["owner", "sign", file, "--out", `${s.who}-${file}`, ...(s.safe ? ["--safe", safe] : [])], as(s.who))),
    );
    for (const r of signed) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const submitted = await run(["owner", "submit", ...signers.map((s) => `${s.who}-${file}`), "--json"], SUBMITTER);
    expect(submitted.stderr).toBe("");
    expect(submitted.code).toBe(0);
    return { prepared, signed, submitted: json(submitted).result };
  }

  it("a 2-of-3 policy change signed by three owners in three processes, submitted by a fourth", async () => {
    const noKeys = await run(["policy", "apply", EXAMPLE], { TIERGUARD_OWNER_KEYS: hhKey(5) });
    expect(noKeys.code).toBe(1);
    expect(noKeys.stderr).toMatch(/not an owner/);

    const { prepared, signed, submitted } = await collect(["policy", "apply", EXAMPLE], "policy.json", [{ who: "A" }, { who: "B" }, { who: "C" }]);
    expect(prepared.stdout).toMatch(/prepared policy.json \(nothing sent\)/);
    expect(prepared.stdout).toMatch(/nonce: +0 \(the wallet is at 0\)/);
    expect(prepared.stdout).toMatch(/deadline: +\S+ \(in .+\)/);
    expect(prepared.stdout).toMatch(/notes from the preparer \(not signed\):\n  policy plan:\n    ~ /);
    expect(signed[0].stdout).toMatch(/signed: +1 of the 2 owners needed/);
    expect(submitted.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(submitted.accepted).toHaveLength(3);
    const plan = await run(["policy", "plan", EXAMPLE]);
    expect(plan.stdout).toMatch(/^nothing to change/);
  });

  it("refuses a stale (replayed) file: its nonce was used", async () => {
    const r = await run(["owner", "submit", "A-policy.json", "B-policy.json"], SUBMITTER);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: A-policy.json \+ B-policy.json is stale: it was prepared for owner nonce 0, and the wallet is at nonce 1\n/);
    expect(r.stderr).toMatch(/Fix: prepare the action again/);
    noStack(r);
  });

  it("adds a Safe as an owner and grants a session key, each signed by two owners", async () => {
    const added = await collect(["owner", "add-owner", safe], "add-safe.json", [{ who: "A" }, { who: "C" }]);
    expect(added.submitted.summary).toEqual([`add owner ${safe}`]);
    const granted = await collect(["keys", "grant", account(6).address, "--agent", "procurement-agent-prod"], "grant.json", [{ who: "B" }, { who: "C" }]);
    expect(granted.submitted.summary[0]).toMatch(new RegExp(`^grant session key ${account(6).address} to agent "procurement-agent-prod" until `));
  });

  it("pause by one owner; unpause by an EOA owner and the Safe (its two owners signing separately)", async () => {
    const paused = await run(["owner", "pause"], as("B"));
    expect(paused.stderr).toBe("");
    expect(paused.code).toBe(0);
    const { signed, submitted } = await collect(["owner", "unpause"], "unpause.json", [{ who: "A" }, { who: "S1", safe: true }, { who: "S2", safe: true }]);
    expect(signed[1].stdout).toMatch(new RegExp(`-- ${safe} \\(Safe, signed by its owner ${addr.S1}\\): Safe ${safe} has 1 of its 2 owner signatures`));
    expect(submitted.accepted.map((a: string) => a.toLowerCase()).sort()).toEqual([A, safe].map((a) => a.toLowerCase()).sort());
    const shown = await run(["policy", "show", "--json"]);
    expect(json(shown).result.paused).toBe(false);
  });

  it("a withdrawal signed by the Safe and an EOA owner", async () => {
    const before = await c.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [VENDOR] });
    const dry = await run(["owner", "withdraw", "--token", usdc, "--to", VENDOR, "--amount", "12.50", "--dry-run"], as("B"));
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/1 owner key given; this needs 2 owner signatures .*\nFix: collect the owners' signatures instead: add --prepare <file>/);
    const { submitted } = await collect(["owner", "withdraw", "--token", usdc, "--to", VENDOR, "--amount", "12.50"], "withdraw.json", [
      { who: "S1", safe: true },
      { who: "S2", safe: true },
      { who: "B" },
    ]);
    expect(submitted.summary).toEqual([`withdraw 12500000 (smallest units) of token ${usdc} to ${VENDOR}`]);
    const after = await c.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [VENDOR] });
    expect(after - before).toBe(12_500_000n);
  });

  it("approves a collaborative intent: the Safe's owners and one EOA owner sign separately; a fourth process submits", async () => {
    const auth = await run(
      ["agent", "authorize", "--amount", "89.00", "--category", "agent_hire", "--recipient", VENDOR, "--justification", "Hire analysis-agent-beta"],
      { TIERGUARD_AGENT_KEY: hhKey(6) },
    );
    expect(auth.code).toBe(0);
    const intentId = /intent: +(0x[0-9a-f]{64})/.exec(auth.stdout)![1];
    const signed = await Promise.all([
      run(["owner", "sign", intentId, "--out", "appr-c.json"], as("C")),
      run(["owner", "sign", intentId, "--out", "appr-s1.json", "--safe", safe], as("S1")),
      run(["owner", "sign", intentId, "--out", "appr-s2.json", "--safe", safe], as("S2")),
    ]);
    for (const r of signed) expect(r.code).toBe(0);
    const r = await run(["owner", "submit", "appr-c.json", "appr-s1.json", "appr-s2.json", "--json"], SUBMITTER);
    expect(r.stderr).toBe("");
    expect(json(r).result).toMatchObject({ kind: "approval", executed: true, ready: true });
    const shown = await run(["intent", "show", intentId, "--json"]);
    expect(json(shown).result).toMatchObject({ decision: "executed" });
  });

  it("freeze an agent by one owner; unfreeze it by two", async () => {
    const dry = await run(["owner", "freeze-agent", "procurement-agent-prod", "--dry-run"], as("B"));
    expect(dry.stdout).toMatch(/^dry run: would freeze agent procurement-agent-prod/);
    const frozen = await run(["owner", "freeze-agent", "procurement-agent-prod"], as("B"));
    expect(frozen.stderr).toBe("");
    expect(frozen.stdout).toMatch(/^froze agent procurement-agent-prod \(by 0x[0-9a-fA-F]{40}\): keys revoked/);
    const { submitted } = await collect(["owner", "unfreeze-agent", "procurement-agent-prod"], "unfreeze.json", [{ who: "A" }, { who: "C" }]);
    expect(submitted.summary).toEqual(['unfreeze agent "procurement-agent-prod"']);
  });

  it("refuses tampered, wrong-chain and non-owner signatures before sending anything", async () => {
    const prep = await run(["owner", "set-threshold", "3", "--prepare", "t.json"]);
    expect(prep.code).toBe(0);
    const signedA = await run(["owner", "sign", "t.json", "--out", "t-a.json"], as("A"));
    expect(signedA.code).toBe(0);
    const original = readActionFile(readFileSync(path.join(dir, "t-a.json"), "utf8"), "t-a.json");

    // Tampered: the call changed (threshold 3 -> 1) and the digest recomputed; A's signature no longer fits.
    const tampered = { ...original, calls: [ownerCalls.setThreshold(1)] };
    writeFileSync(path.join(dir, "tampered.json"), writeActionFile(tampered));
    // Edited without recomputing the digest.
    const edited = JSON.parse(readFileSync(path.join(dir, "t-a.json"), "utf8"));
    edited.typedData.message.calls = [ownerCalls.setThreshold(1)];
    writeFileSync(path.join(dir, "edited.json"), JSON.stringify(edited));
    // Wrong chain: the same action for chain 1.
    writeFileSync(path.join(dir, "chain1.json"), writeActionFile({ ...original, chainId: 1, signatures: [] }));
    // A non-owner's valid signature.
    const x = privateKeyToAccount(keys.X);
    writeFileSync(path.join(dir, "x.json"), writeActionFile(await signActionFile({ ...original, signatures: [] }, x)));

    const [t1, t2, e1, w1, n1, n2, n3] = await Promise.all([
      run(["owner", "submit", "tampered.json", "t-a.json"], SUBMITTER),
      run(["owner", "sign", "tampered.json"], as("B")),
      run(["owner", "inspect", "edited.json"]),
      run(["owner", "sign", "chain1.json"], as("B")),
      run(["owner", "sign", "t.json", "--out", "t-x.json"], as("X")),
      run(["owner", "submit", "x.json", "t-a.json"], SUBMITTER),
      run(["owner", "inspect", "x.json", "t-a.json"]),
    ]);
    for (const r of [t1, t2, e1, w1, n1, n2]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .+\n(  - .+\n)*Fix: .+\n$/);
      noStack(r);
    }
    expect(t1.stderr).toMatch(/^error: t-a.json is for a different action than tampered.json\n  - tampered.json: set the owner threshold to 1\n  - t-a.json: set the owner threshold to 3\n/);
    expect(t2.stderr).toMatch(new RegExp(`^error: tampered.json: signature 1 claims to be by ${A} but was not made by it over this action`));
    expect(e1.stderr).toMatch(/^error: edited.json: the digest does not match the typed data \(the action was changed after it was prepared\)/);
    expect(w1.stderr).toMatch(/^error: chain1.json is for chain 1; the RPC endpoint is chain 31337/);
    expect(n1.stderr).toMatch(new RegExp(`^error: the key for ${x.address} is not an owner of wallet ${wallet}; refusing to sign`));
    expect(n2.stderr).toMatch(/^error: not enough owner signatures: 1 of the 2 the wallet needs\n  - \S+ is not an owner of the wallet/);
    expect(n3.code).toBe(0);
    expect(n3.stdout).toMatch(new RegExp(`-- ${x.address}: ${x.address} is not an owner of the wallet`));
    expect(digestOf(original)).toBe(json(await run(["owner", "inspect", "t-a.json", "--json"])).result.digest);
  });

  it("warns when a raw key file is readable by others, and never takes a password from argv", async () => {
    writeFileSync(path.join(dir, "loose.key"), `${hhKey(5)}\n`);
    chmodSync(path.join(dir, "loose.key"), 0o644);
    const r = await run(["owner", "submit", "t-a.json", "--dry-run", "--key-file", "loose.key"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/warning: key file \S+loose.key is readable by other users \(mode 644\); run: chmod 600 /);
    const usage = await run(["owner", "sign", "t.json", "--password", "hunter2"], as("A"));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--password/);
  });
});
