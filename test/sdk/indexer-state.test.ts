/**
 * Wallet state at any block and the configuration history, rebuilt from stored logs alone, and `verify()`
 * comparing them with the contract's views at the same block. Scenario: the article's (as in indexer.test.ts),
 * then a policy change (version 2), intents left waiting with an on-chain approval, a session key granted and
 * revoked, a guardian, pause + unpause and an owner removed (which voids the open approvals).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, stringToHex, type Address, type Hex } from "viem";
import { account, clients, deployToken, deployWallet, type Clients } from "./helpers/chain";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { mockErc20Abi } from "../../src/abi/MockERC20";
import { createAgentClient, createOwnerClient, type OwnerClient } from "../../src/client";
import {
  configHistory,
  loadState,
  openStore,
  syncOnce,
  verify,
  type OwnedStore,
  type WalletState,
} from "../../src/indexer";
import { CATEGORIES, mask, usd, Tier, Trust, HOUR, RULES } from "./helpers/article";

const AGENT_ID = stringToHex("procurement-agent-prod", { size: 32 });
const AGENT_2 = stringToHex("research-agent", { size: 32 });
const call = (functionName: string, args: readonly unknown[] = []) =>
  encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);

let c: Clients;
let wallet: Address;
let usdc: Address;
let fromBlock: bigint;
/** after the article's configuration and scenario (policy version 1) */
let articleEnd: bigint;
/** after the policy change and the waiting intents, before the key grant, pause and owner removal */
let midBlock: bigint;
let head: bigint;
const owners = [account(0), account(1), account(2)];
const agentKey = account(3);
const key2 = account(6).address;
const guardian = account(5).address;
const [embeddings, compute, analysisAgent, casino] = [10, 13, 14, 15].map((i) => account(i).address);
const ids: Record<"hire2" | "gpu3", Hex> = {} as never;

const ownerClient = (i: number): OwnerClient =>
  createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(account(i)), wallet });
const agentClient = () =>
  createAgentClient({
    publicClient: c.publicClient,
    walletClient: c.walletFor(agentKey),
    wallet,
    token: usdc,
    pollingInterval: 50,
  });
const apply = (calls: Hex[]) => ownerClient(0).applyCalls(calls, [c.walletFor(owners[0]), c.walletFor(owners[1])]);
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const lowerAll = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

const stores: OwnedStore[] = [];
async function syncedStore(toBlock?: bigint): Promise<OwnedStore> {
  const store = await openStore(); // PGlite in memory
  stores.push(store);
  await syncOnce({
    publicClient: c.publicClient,
    wallet,
    store,
    fromBlock,
    toBlock: toBlock ?? head,
    confirmations: 0,
  });
  return store;
}
let store: OwnedStore;

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
  await apply([
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
  ]);

  // the article's scenario
  const agent = agentClient();
  await agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "embed docs" });
  const gpu = await agent.authorize({ amount: "47.00", category: "compute", recipient: compute, justification: "GPU" });
  const gpu2 = await agent.authorize({
    amount: "12.00",
    category: "compute",
    recipient: compute,
    justification: "GPU",
  });
  await ownerClient(1).veto(gpu2.intentId);
  await c.testClient.increaseTime({ seconds: 31 });
  await c.testClient.mine({ blocks: 1 });
  await agent.execute(gpu.intentId);
  const hire = await agent.authorize({
    amount: "89.00",
    category: "agent_hire",
    recipient: analysisAgent,
    justification: "hire the analysis agent for the Q3 report",
  });
  const sigs = [await ownerClient(2).signApproval(hire.intentId), await ownerClient(1).signApproval(hire.intentId)];
  expect(await ownerClient(0).submitApprovals(hire.intentId, sigs)).toMatchObject({ executed: true });
  await agent.authorize({ amount: "10.00", category: "gambling", recipient: casino, justification: "feeling lucky" });
  articleEnd = await c.publicClient.getBlockNumber();

  // a policy change (version 2), plus a guardian in the same action
  await apply([
    call("setTierRules", [Tier.Supervised, { ...RULES.supervised, maxValue: usd("60.00") }]),
    call("setBudget", [Tier.Autonomous, usd("5.00"), 24 * HOUR]),
    call("setAutoPromote", [true]),
    call("defineCategory", [12, stringToHex("research", { size: 32 })]),
    call("setRecipientTrust", [casino, Trust.Blocked]),
    call("setGuardian", [guardian, true]),
  ]);
  // intents left waiting: a collaborative one with an on-chain approval, a supervised one
  ids.hire2 = (
    await agent.authorize({ amount: "100.00", category: "agent_hire", recipient: analysisAgent, justification: "more" })
  ).intentId;
  await ownerClient(2).approve(ids.hire2);
  ids.gpu3 = (
    await agent.authorize({ amount: "55.00", category: "compute", recipient: compute, justification: "GPU v2" })
  ).intentId;
  midBlock = await c.publicClient.getBlockNumber();

  // a key granted then revoked by one owner; pause (one owner) and unpause (owner action); an owner removed
  const now = Number((await c.publicClient.getBlock()).timestamp);
  await apply([call("grantSessionKey", [key2, AGENT_2, now + 24 * HOUR])]);
  await ownerClient(0).revokeKey(key2);
  await createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(account(5)), wallet }).pause(); // the guardian
  await apply([call("unpause")]);
  await apply([call("removeOwner", [owners[2].address])]);
  await ownerClient(1).approve(ids.hire2); // counts again after the removal voided owner 2's
  head = await c.publicClient.getBlockNumber();

  store = await syncedStore();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe("state at a block, from stored logs", () => {
  it("rebuilds the state after the article's scenario", async () => {
    const s = await loadState(store, wallet, { blockNumber: articleEnd });
    expect(s.blockNumber).toBe(articleEnd);
    expect(lowerAll(s.owners)).toEqual(lowerAll(owners.map((o) => o.address)));
    expect(s.ownerSlots.map((o) => o.slot)).toEqual([0, 1, 2]);
    expect(s).toMatchObject({ threshold: 2, paused: false, policyVersion: 1, unmatchedTier: 2, autoPromote: false });
    expect(s.guardians).toEqual([]);
    expect(s.categories.map((x) => x.label)).toEqual([...CATEGORIES]);
    expect(s.tierRules).toEqual([RULES.autonomous, RULES.supervised, RULES.collaborative].map((r) => ({ ...r })));
    expect(s.budgets).toEqual([0, 1, 2].map(() => ({ max: 0n, period: 0 })));
    expect(s.prohibitions).toEqual({
      categories: mask("gambling", "unverified_agents", "sanctioned_jurisdictions"),
      trustMask: 1,
    });
    expect(s.tokens).toHaveLength(1);
    expect(same(s.tokens[0].token, usdc)).toBe(true);
    expect(s.tokens[0].config).toEqual({
      kind: 1,
      decimals: 6,
      priceDecimals: 18,
      maxStaleness: 0,
      source: 10n ** 18n,
    });
    expect(Object.fromEntries(s.recipients.map((r) => [r.recipient.toLowerCase(), r.trust]))).toEqual({
      [embeddings.toLowerCase()]: Trust.Verified,
      [compute.toLowerCase()]: Trust.Known,
      [analysisAgent.toLowerCase()]: Trust.Known,
    });
    expect(s.sessionKeys).toHaveLength(1);
    expect(s.sessionKeys[0]).toMatchObject({ agentId: AGENT_ID, validUntil: 2 ** 40 - 1 });
    expect(s.intents).toHaveLength(5);
    expect(s.intents.map((t) => t.status)).toEqual(["executed", "executed", "vetoed", "executed", "blocked"]);
    expect(s.waiting).toEqual([]);
  });

  it("rebuilds waiting intents, the policy change and later configuration", async () => {
    const mid = await loadState(store, wallet, { blockNumber: midBlock });
    expect(mid.policyVersion).toBe(2);
    expect(mid.tierRules[1].maxValue).toBe(usd("60.00"));
    expect(mid.budgets[0]).toEqual({ max: usd("5.00"), period: 24 * HOUR });
    expect(mid.autoPromote).toBe(true);
    expect(mid.categories.at(-1)).toMatchObject({ id: 12, label: "research" });
    expect(mid.recipients.find((r) => same(r.recipient, casino))?.trust).toBe(Trust.Blocked);
    expect(lowerAll(mid.guardians)).toEqual([guardian.toLowerCase()]);
    const waiting = (s: WalletState) =>
      Object.fromEntries(
        s.waiting.map((t) => [t.intentId, { status: t.contractStatus, approvals: lowerAll(t.approvals) }]),
      );
    expect(waiting(mid)).toEqual({
      [ids.hire2]: { status: 2, approvals: [owners[2].address.toLowerCase()] },
      [ids.gpu3]: { status: 1, approvals: [] },
    });
    expect(mid.waiting.find((t) => t.intentId === ids.hire2)!.pending).toMatchObject({ tier: 2, value: usd("100.00") });

    const end = await loadState(store, wallet); // the checkpoint: the head
    expect(end.blockNumber).toBe(head);
    expect(lowerAll(end.owners)).toEqual(lowerAll([owners[0].address, owners[1].address]));
    expect(end.paused).toBe(false);
    expect(end.sessionKeys.map((k) => k.key.toLowerCase())).toEqual([agentKey.address.toLowerCase()]);
    expect(lowerAll(end.keysSeen)).toContain(key2.toLowerCase());
    expect(end.policyVersion).toBe(2);
    expect(waiting(end)).toEqual({
      [ids.hire2]: { status: 2, approvals: [owners[1].address.toLowerCase()] },
      [ids.gpu3]: { status: 1, approvals: [] },
    });
    // in between: paused after the pause, key 2 present after its grant
    const history = await configHistory(store, wallet, { events: ["Paused", "SessionKeyGranted"] });
    const pausedAt = history.find((h) => h.event === "Paused")!.blockNumber;
    expect((await loadState(store, wallet, { blockNumber: pausedAt })).paused).toBe(true);
    const grantedAt = history.filter((h) => h.event === "SessionKeyGranted").at(-1)!.blockNumber;
    const granted = await loadState(store, wallet, { blockNumber: grantedAt });
    expect(granted.sessionKeys.find((k) => same(k.key, key2))).toMatchObject({ agentId: AGENT_2 });
    await expect(loadState(store, wallet, { blockNumber: head + 1n })).rejects.toThrow(/synced up to block/);
  });

  it("lists the configuration history with blocks, transactions, times and policy versions", async () => {
    const h = await configHistory(store, wallet);
    const events = h.map((x) => x.event);
    expect(events.slice(0, 4)).toEqual(["OwnerAdded", "OwnerAdded", "OwnerAdded", "ThresholdChanged"]);
    expect(events.filter((e) => e === "PolicyVersionChanged")).toHaveLength(2);
    for (const x of h) {
      const block = await store.getBlock(x.blockNumber);
      expect(block!.timestamp).toBe(x.timestamp);
      expect(x.txHash).toMatch(/^0x[0-9a-f]{64}$/i);
      expect(x.summary.length).toBeGreaterThan(0);
    }
    expect(h.filter((x) => x.event === "CategoryDefined" && x.policyVersion === 1)).toHaveLength(CATEGORIES.length);
    const v2 = h.filter((x) => x.policy && x.policyVersion === 2).map((x) => x.event);
    expect(v2).toEqual(["TierRulesSet", "BudgetSet", "AutoPromoteSet", "CategoryDefined", "RecipientTrustSet"]);
    const guardianSet = h.find((x) => x.event === "GuardianSet")!;
    expect(guardianSet).toMatchObject({ policy: false, policyVersion: 2 });
    expect(guardianSet.ownerAction?.signers.map((s) => s.toLowerCase()).sort()).toEqual(
      lowerAll([owners[0].address, owners[1].address]).sort(),
    );
    const revoked = h.find((x) => x.event === "SessionKeyRevoked")!;
    expect(revoked.ownerAction).toBeUndefined(); // a single owner's call
    expect(same(revoked.args.by as string, owners[0].address)).toBe(true);
    expect(h.find((x) => x.event === "Paused")!.ownerAction).toBeUndefined();
    expect(h.find((x) => x.event === "Unpaused")!.ownerAction).toBeDefined();
    const removed = h.find((x) => x.event === "OwnerRemoved")!;
    expect(removed.summary).toContain(owners[2].address);
    expect(removed.ownerAction!.nonce).toBeGreaterThan(0n);
    // chain order
    for (let i = 1; i < h.length; i++) {
      const [p, x] = [h[i - 1], h[i]];
      expect(x.blockNumber > p.blockNumber || (x.blockNumber === p.blockNumber && x.logIndex > p.logIndex)).toBe(true);
    }
    expect((await configHistory(store, wallet, { fromBlock: midBlock + 1n })).map((x) => x.event)).not.toContain(
      "TierRulesSet",
    );
  });
});

describe("verify against the contract's views", () => {
  it("finds no difference at the head, after the article, mid-way and at every block since the deployment", async () => {
    const blocks = [head, articleEnd, midBlock];
    for (let b = fromBlock; b < head; b++) blocks.push(b);
    for (const blockNumber of blocks) {
      const res = await verify({ publicClient: c.publicClient, wallet, store, blockNumber });
      expect(res.differences, `block ${blockNumber}`).toEqual([]);
      expect(res.ok).toBe(true);
      expect(res.checked).toBeGreaterThan(64);
    }
    const atHead = await verify({ publicClient: c.publicClient, wallet, store }); // default: the checkpoint
    expect(atHead).toMatchObject({ ok: true, blockNumber: head });
  });

  const tampered = async (where: string, params: unknown[] = []) => {
    const s = await syncedStore();
    const { rows } = await s.db.query(
      `DELETE FROM other_logs WHERE ctid IN (SELECT ctid FROM other_logs WHERE ${where} LIMIT 1) RETURNING event`,
      params,
    );
    expect(rows).toHaveLength(1);
    return verify({ publicClient: c.publicClient, wallet, store: s, blockNumber: head });
  };
  // the state differences (the sampled-block check may also name the deleted log itself: `log(tx:index)`)
  const whats = (r: { differences: { what: string }[] }) =>
    r.differences.map((d) => d.what).filter((w) => !w.startsWith("log("));

  it("reports a deleted session key revocation", async () => {
    const res = await tampered("event = 'SessionKeyRevoked'");
    expect(res.ok).toBe(false);
    expect(whats(res)).toEqual(expect.arrayContaining(["sessionKeys", `sessionKey(${key2})`]));
    const d = res.differences.find((x) => x.what === "sessionKeys")!;
    expect(d.expected).toEqual(lowerAll([agentKey.address, key2]).sort());
    expect(d.actual).toEqual([agentKey.address.toLowerCase()]);
    expect(d.message).toMatch(/^sessionKeys: events say .*, contract says /);
  });

  it("reports a deleted policy change", async () => {
    const res = await tampered("event = 'TierRulesSet' AND block_number > $1", [articleEnd.toString()]);
    expect(res.ok).toBe(false);
    expect(res.differences.find((x) => x.what === "tierRules(1).maxValue")).toMatchObject({
      expected: usd("50.00"),
      actual: usd("60.00"),
    });
  });

  it("reports a deleted owner removal (owners, count and the voided approval)", async () => {
    const res = await tampered("event = 'OwnerRemoved'");
    expect(whats(res)).toEqual(expect.arrayContaining(["owners", "settings.ownerCount", `approvals(${ids.hire2})`]));
  });

  it("reports a deleted unpause and a deleted guardian (who paused)", async () => {
    expect(whats(await tampered("event = 'Unpaused'"))).toEqual(["settings.paused"]);
    expect(whats(await tampered("event = 'GuardianSet'"))).toEqual([`isGuardian(${guardian})`]);
  });

  it("reports a store that is not synced up to the block", async () => {
    const behind = await syncedStore(articleEnd);
    const res = await verify({ publicClient: c.publicClient, wallet, store: behind, blockNumber: head });
    expect(res.ok).toBe(false);
    expect(whats(res)[0]).toBe("checkpoint");
    expect(res.differences[0].message).toContain(`synced up to block ${articleEnd}`);
    expect(await verify({ publicClient: c.publicClient, wallet, store: behind })).toMatchObject({ ok: true });
  });
});
