/**
 * Owner actions through the console's API, on a 2-of-3 wallet whose owners are two EOAs and a real Safe 1.4.1
 * (2-of-2, CompatibilityFallbackHandler): a file prepared by `tierguard` is loaded and checked, each signature is
 * verified on arrival (a non-owner's, one made over another action and a replay are refused), the Safe's owners
 * see the SafeMessage to sign and the Safe's signature is stored only once the Safe's isValidSignature accepts
 * it, and the action runs once M are in; a file prepared for the nonce it used is then refused as stale.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { concatHex, getAddress, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { ownerCalls } from "../../src/client/owner";
import { openStore, type OwnedStore } from "../../src/indexer";
import { startConsole, type ConsoleServer } from "../../src/console";
import { prepareOwnerAction } from "../../src/owners/collect";
import { digestOf, typedDataOf, writeActionFile, type OwnerActionFile } from "../../src/owners/file";
import { combineSafeSignatures, safeMessageHash, signAsSafeOwner } from "../../src/owners/safe";
import { account, clients, deployWallet, snapshot } from "./helpers/chain";
import { deploySafe, deploySafeSingletons } from "./helpers/safe";

const c = clients();
const [alice, bob, s1, s2, eve] = [account(1), account(2), account(8), account(9), account(7)];
const newGuardian = account(12).address;
let restore: () => Promise<unknown>;
let safe: Address;
let wallet: Address;
let store: OwnedStore;
let server: ConsoleServer;
let action: OwnerActionFile;
let rival: OwnerActionFile;
let dir: string;

beforeAll(async () => {
  restore = await snapshot(c);
  const fromBlock = await c.publicClient.getBlockNumber();
  safe = await deploySafe(c, await deploySafeSingletons(c), [s1.address, s2.address], 2);
  wallet = await deployWallet(c, [alice.address, bob.address, safe], 2);
  store = await openStore();
  dir = await mkdtemp(path.join(os.tmpdir(), "tierguard-actions-"));
  server = await startConsole({ store, publicClient: c.publicClient, wallet, fromBlock, pollIntervalMs: 200, actionsDir: dir });
  await vi.waitFor(() => expect(server.view.state().owners).toHaveLength(3), { timeout: 20_000, interval: 100 });
  const prepare = (who: Address, title: string) =>
    prepareOwnerAction({ publicClient: c.publicClient, wallet, calls: [ownerCalls.setGuardian(who, true)], title });
  action = await prepare(newGuardian, "make a guardian");
  rival = await prepare(account(13).address, "make another guardian");
  await writeFile(path.join(dir, "rival.json"), writeActionFile(rival));
  await writeFile(path.join(dir, "broken.json"), "{}");
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await restore?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const api = (p: string, init?: RequestInit) => fetch(`${server.url}/api/owner-actions${p}`, init);
const post = (p: string, body: unknown) =>
  api(p, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const errorOf = async (r: Response) => ((await r.json()) as { error: string }).error;
const sign = (who: typeof alice, f: OwnerActionFile) => who.signTypedData(typedDataOf(f) as never);

describe("console owner actions", () => {
  it("refuses to start with an actions directory that does not exist, naming it", async () => {
    const missing = path.join(dir, "no-such-dir");
    await expect(startConsole({ store, publicClient: c.publicClient, wallet, actionsDir: missing })).rejects.toThrow(
      `actions directory ${missing} does not exist or is not a directory`,
    );
  });

  it("loads a prepared file with its summary and changes; refuses a changed one, another wallet's or chain's", async () => {
    const changed = JSON.parse(writeActionFile(action));
    changed.typedData.message.deadline = String(BigInt(changed.typedData.message.deadline) + 1n);
    const r1 = await post("", changed);
    expect(r1.status).toBe(400);
    expect(await errorOf(r1)).toContain("the digest does not match the typed data");

    const other = await post("", writeActionFile({ ...action, wallet: "0x00000000000000000000000000000000000000aa" as Address }));
    expect(other.status).toBe(422);
    expect(await errorOf(other)).toContain(`this console shows wallet ${getAddress(wallet)}`);
    const chain = await post("", writeActionFile({ ...action, chainId: 1 }));
    expect(chain.status).toBe(422);
    expect(await errorOf(chain)).toContain("is for chain 1");

    const ok = await post("", writeActionFile(action));
    expect(ok.status).toBe(201);
    const v = await ok.json();
    expect(v).toMatchObject({ digest: digestOf(action).toLowerCase(), title: "make a guardian", standing: { state: "open" } });
    expect(v.summary).toEqual([`make ${newGuardian} a guardian (may pause and veto)`]);
    expect(v.changes).toEqual([`guardian ${newGuardian}: no -> yes`]);
    const page = await (await fetch(`${server.url}/owner-actions`)).text();
    expect(page).toContain(`guardian ${newGuardian}: no -&gt; yes`);
    // the actions directory: its valid file is listed next to the uploaded one, the broken one with the reason
    const listed = await (await api("")).json();
    expect(listed.actions.map((a: { title: string }) => a.title).sort()).toEqual(["make a guardian", "make another guardian"]);
    expect(listed.errors["broken.json"]).toContain("is not a TierGuard owner action file");
  });

  it("verifies each owner signature on arrival: a non-owner's, one over another action and a replay are refused", async () => {
    const d = digestOf(action);
    const r1 = await post(`/${d}/signatures`, { signer: eve.address, signature: await sign(eve, action) });
    expect(r1.status).toBe(403);
    expect(await errorOf(r1)).toContain("is not an owner");

    const r2 = await post(`/${d}/signatures`, { signer: alice.address, signature: await sign(alice, rival) });
    expect(r2.status).toBe(422);
    expect(await errorOf(r2)).toContain(`was not made by ${alice.address} over this action`);

    const good = await sign(alice, action);
    const r3 = await post(`/${d}/signatures`, { signer: alice.address, signature: good });
    expect(r3.status).toBe(201);
    expect(await r3.json()).toMatchObject({ accepted: 1, threshold: 2, complete: false });
    const r4 = await post(`/${d}/signatures`, { signer: alice.address, signature: good });
    expect(r4.status).toBe(409);
    const early = await api(`/${d}/tx`);
    expect(early.status).toBe(409);
    expect(await errorOf(early)).toContain("1 of the 2 owner signatures");
  });

  it("shows a Safe owner the SafeMessage to sign and stores the Safe's signature once its isValidSignature accepts it; the action then runs", async () => {
    const d = digestOf(action);
    const chainId = await c.publicClient.getChainId();
    const req = await (await api(`/${d}/safe?safe=${safe}`)).json();
    expect(req).toMatchObject({ safe, digest: d, safeMessageHash: safeMessageHash({ chainId, safe, digest: d }) });
    expect(req.typedData).toMatchObject({ primaryType: "SafeMessage", domain: { chainId, verifyingContract: safe }, message: { message: d } });
    expect((await api(`/${d}/safe?safe=${eve.address}`)).status).toBe(403);

    const parts = await Promise.all([s1, s2].map((o) => signAsSafeOwner(o, { chainId, safe, digest: d })));
    const one = await post(`/${d}/signatures`, { safe, signature: parts[0].signature });
    expect(one.status).toBe(422);
    expect(await errorOf(one)).toContain("its isValidSignature refused it");
    const full = combineSafeSignatures(parts);
    const tampered = concatHex([full.slice(0, 20) as Hex, full[20] === "0" ? "0x1" : "0x0", `0x${full.slice(21)}`] as Hex[]);
    expect((await post(`/${d}/signatures`, { safe, signature: tampered })).status).toBe(422);

    const r = await post(`/${d}/signatures`, { safe, signature: full });
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ accepted: 2, threshold: 2, complete: true });

    const tx = await (await api(`/${d}/tx`)).json();
    const hash = await c.walletFor(bob).sendTransaction({ to: tx.to, data: tx.data });
    expect((await c.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await c.publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "isGuardian", args: [newGuardian] })).toBe(true);
    await expect
      .poll(async () => ((await (await api("")).json()) as { actions: { digest: string; standing: { state: string } }[] }).actions.find((a) => a.digest === d.toLowerCase())?.standing.state, { timeout: 20_000 })
      .toBe("executed");

    // the file prepared for the same nonce can never run now
    const stale = await post("", writeActionFile(rival));
    expect(stale.status).toBe(422);
    expect(await errorOf(stale)).toMatch(/is stale: it was prepared for owner nonce \d+, and the wallet is at nonce \d+/);
  });
});
