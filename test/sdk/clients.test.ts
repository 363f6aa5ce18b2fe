/**
 * Agent and owner clients against a real `hardhat node`: the article's policy applied through the owner
 * client, the article's scenario end to end, every owner action, and bad input with its expected error.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createPublicClient,
  createWalletClient,
  erc20Abi,
  http,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";
import { account, clients, deployToken, deployWallet, snapshot, type Clients } from "./helpers/chain";
import { AGENT_ID, CATEGORIES, CATEGORY_IDS, HOUR, RULES, Tier, Trust, call, mask, usd } from "./helpers/article";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { mockErc20Abi } from "../../src/abi/MockERC20";
import {
  ContractError,
  ERROR_DOCS,
  InvalidInputError,
  RpcError,
  WaitTimeoutError,
  createAgentClient,
  createOwnerClient,
  decodeError,
  erc1271Signer,
  ownerCalls,
  sortSignatures,
  withRetry,
  measureAuthorizeLatency,
  type AgentClient,
  type OwnerClient,
} from "../../src/client";

let c: Clients;
let wallet: Address;
let usdc: Address;
const owners = [account(0), account(1), account(2)];
const agentKey = account(3);
const [embeddings, search, data, compute, analysisAgent, casino, stranger] = [10, 11, 12, 13, 14, 15, 16].map(
  (i) => account(i).address,
);

const ownerClient = (i: number): OwnerClient =>
  createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(account(i)), wallet });
const agentClient = (key = agentKey, extra: { categories?: Record<string, number> } = {}): AgentClient =>
  createAgentClient({
    publicClient: c.publicClient,
    walletClient: c.walletFor(key),
    wallet,
    token: usdc,
    pollingInterval: 50,
    ...extra,
  });
const ownerSigners = () => owners.map((o) => c.walletFor(o));

async function travel(seconds: number) {
  await c.testClient.increaseTime({ seconds });
  await c.testClient.mine({ blocks: 1 });
}
const chainNow = async () => Number((await c.publicClient.getBlock()).timestamp);
const usdcBalance = (who: Address) =>
  c.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [who] });

/** Runs `fn` and returns the TierGuard error it throws. */
async function failure<T extends Error>(fn: () => Promise<unknown>): Promise<T> {
  try {
    await fn();
  } catch (e) {
    return e as T;
  }
  throw new Error("expected a failure");
}

beforeAll(async () => {
  c = clients();
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

  const calls: Hex[] = [
    ...CATEGORIES.map((name, id) => call("defineCategory", [id, stringToHex(name, { size: 32 })])),
    call("setTierRules", [Tier.Autonomous, RULES.autonomous]),
    call("setTierRules", [Tier.Supervised, RULES.supervised]),
    call("setTierRules", [Tier.Collaborative, RULES.collaborative]),
    call("setProhibitions", [mask("gambling", "unverified_agents", "sanctioned_jurisdictions"), 1 << Trust.Unknown]),
    call("setUnmatchedTier", [Tier.Collaborative]),
    call("configureToken", [usdc, 1, 10n ** 18n, 0]),
    call("setRecipientTrust", [embeddings, Trust.Verified]),
    call("setRecipientTrust", [search, Trust.Verified]),
    call("setRecipientTrust", [data, Trust.Known]),
    call("setRecipientTrust", [compute, Trust.Known]),
    call("setRecipientTrust", [analysisAgent, Trust.Known]),
    call("grantSessionKey", [agentKey.address, AGENT_ID, 2 ** 40 - 1]),
  ];
  await ownerClient(0).applyCalls(calls, ownerSigners().slice(0, 2));
});

let restore: () => Promise<unknown>;
beforeEach(async () => {
  restore = await snapshot(c);
});
afterEach(async () => {
  await restore();
});

describe("the article's scenario", () => {
  it("pays small API spend at once, queues compute, escalates the hire and blocks gambling", async () => {
    const agent = agentClient();
    const owner0 = ownerClient(0);

    // autonomous
    const emb = await agent.authorize({
      amount: "0.02",
      category: "embeddings",
      recipient: embeddings,
      justification: "embed docs",
    });
    expect(emb).toMatchObject({
      tier: "autonomous",
      status: "executed",
      value: usd("0.02"),
      reason: "Matched",
      misses: [],
    });
    expect(emb.pending).toBeUndefined();
    expect(emb.auditId).toMatch(/^aud-\d{4}-\d{2}-\d{2}-0$/);
    expect(emb.auditId).toBe(`aud-${emb.submittedAt.toISOString().slice(0, 10)}-0`);
    const s = await agent.authorize({
      amount: "0.50",
      category: "search",
      recipient: search,
      justification: "web search",
    });
    expect(s).toMatchObject({ tier: "autonomous", status: "executed", value: usd("0.50") });
    expect(s.auditId.endsWith("-1")).toBe(true);
    expect(await usdcBalance(search)).toBe(500_000n);
    expect(await agent.waitForDecision(s.intentId)).toBe("executed");

    // supervised: waits for its veto window, then anyone executes it
    const gpu = await agent.authorize({
      amount: "47.00",
      category: "compute",
      recipient: compute,
      justification: "GPU hours",
    });
    expect(gpu).toMatchObject({ tier: "supervised", status: "awaiting_veto_window", value: usd("47.00") });
    expect(gpu.misses).toEqual([{ tier: "autonomous", reason: "CategoryNotAllowed" }]);
    expect(gpu.pending).toMatchObject({ amount: 47_000_000n, tier: 1, category: CATEGORY_IDS.compute });
    expect(gpu.pending!.notBefore - gpu.pending!.submittedAt).toBe(30);
    const early = await failure<ContractError>(() => agent.execute(gpu.intentId));
    expect(early).toBeInstanceOf(ContractError);
    expect(early.errorName).toBe("TierGuardVetoWindowOpen");
    expect(early.message).toMatch(/Wait until notBefore/);
    const decision = agent.waitForDecision(gpu.intentId, { timeoutMs: 30_000 });
    await travel(31);
    expect(await agent.execute(gpu.intentId)).toMatchObject({ executed: true });
    expect(await decision).toBe("executed");
    expect(await usdcBalance(compute)).toBe(47_000_000n);

    // collaborative: the article's example
    const hire = await agent.authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire the analysis agent for the Q3 report",
    });
    expect(hire).toMatchObject({
      tier: "collaborative",
      status: "awaiting_approval",
      value: usd("89.00"),
      reason: "Matched",
    });
    expect(hire.misses).toEqual([
      { tier: "autonomous", reason: "CategoryNotAllowed" },
      { tier: "supervised", reason: "CategoryNotAllowed" },
    ]);
    const list = await owner0.pending();
    expect(list.map((p) => p.intentId)).toEqual([hire.intentId]);
    expect(list[0]).toMatchObject({
      tier: "collaborative",
      status: "awaiting_approval",
      contractStatus: "AwaitingApproval",
    });
    expect(list[0].deadline.getTime() - list[0].notBefore.getTime()).toBe(4 * HOUR * 1000);
    // two owners sign off-chain (any order); anyone submits
    const sigs = [await ownerClient(2).signApproval(hire.intentId), await ownerClient(1).signApproval(hire.intentId)];
    const res = await owner0.submitApprovals(hire.intentId, sigs);
    expect(res).toMatchObject({ executed: true });
    expect(await agent.waitForDecision(hire.intentId)).toBe("executed");
    expect(await usdcBalance(analysisAgent)).toBe(89_000_000n);
    expect(await owner0.pending()).toEqual([]);

    // prohibited
    const bet = await agent.authorize({
      amount: "10.00",
      category: "gambling",
      recipient: casino,
      justification: "feeling lucky",
    });
    expect(bet).toMatchObject({ tier: "prohibited", status: "blocked", reason: "CategoryProhibited", misses: [] });
    expect(await agent.waitForDecision(bet.intentId)).toBe("blocked");
    expect(await usdcBalance(casino)).toBe(0n);
  });

  it("sends unmatched intents to owner review and names categories from the chain or a map", async () => {
    const agent = agentClient(agentKey, { categories: { hire: 6 } });
    const r = await agent.authorize({ amount: "89", category: "hire", recipient: analysisAgent, justification: "x" });
    expect(r.tier).toBe("collaborative");
    // an amount above the supervised max goes on to the next tier
    const big = await agentClient().authorize({
      amount: "60.00",
      category: 3,
      recipient: compute,
      justification: "big GPU job",
    });
    expect(big).toMatchObject({ tier: "collaborative", reason: "NoTierMatched" });
    expect(big.misses).toEqual([
      { tier: "autonomous", reason: "CategoryNotAllowed" },
      { tier: "supervised", reason: "AmountAboveMax" },
      { tier: "collaborative", reason: "CategoryNotAllowed" },
    ]);
    expect(await agentClient().agentId()).toBe(AGENT_ID);
  });
});

describe("owner actions on queued intents", () => {
  it("vetoes a supervised intent in its window", async () => {
    const agent = agentClient();
    const r = await agent.authorize({ amount: "47.00", category: "compute", recipient: compute, justification: "GPU" });
    const [p] = await ownerClient(1).pending();
    expect(p).toMatchObject({
      intentId: r.intentId,
      tier: "supervised",
      status: "awaiting_veto_window",
      contractStatus: "Queued",
    });
    expect(p.notBefore.getTime() / 1000).toBe(r.pending!.notBefore);
    await ownerClient(1).veto(r.intentId);
    expect(await agent.waitForDecision(r.intentId)).toBe("vetoed");
    expect(await ownerClient(0).pending()).toEqual([]);
    const again = await failure<ContractError>(() => agent.execute(r.intentId));
    expect(again.errorName).toBe("TierGuardUnknownIntent");
  });

  it("refuses a veto after the window and lists the intent as executable", async () => {
    const r = await agentClient().authorize({
      amount: "47.00",
      category: "compute",
      recipient: compute,
      justification: "GPU",
    });
    await travel(31);
    expect((await ownerClient(0).pending())[0].status).toBe("executable");
    const late = await failure<ContractError>(() => ownerClient(0).veto(r.intentId));
    expect(late.errorName).toBe("TierGuardVetoWindowOver");
    expect(late.args.intentId).toBe(r.intentId);
  });

  it("rejects a collaborative intent", async () => {
    const agent = agentClient();
    const r = await agent.authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    await ownerClient(2).reject(r.intentId);
    expect(await agent.waitForDecision(r.intentId)).toBe("rejected");
    const wrong = await failure<ContractError>(() => ownerClient(0).approve(r.intentId));
    expect(wrong.errorName).toBe("TierGuardUnknownIntent");
  });

  it("approves on-chain: the approval that reaches M executes", async () => {
    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    expect(await ownerClient(0).approve(r.intentId)).toMatchObject({ executed: false });
    expect((await ownerClient(1).pending())[0].approvals).toEqual([owners[0].address]);
    const twice = await failure<ContractError>(() => ownerClient(0).approve(r.intentId));
    expect(twice.errorName).toBe("TierGuardAlreadyApproved");
    expect(twice.fix).toMatch(/the approval counts/);
    expect(await ownerClient(1).approve(r.intentId)).toMatchObject({ executed: true });
    expect(await usdcBalance(analysisAgent)).toBe(89_000_000n);
  });

  it("combines an on-chain approval with one signature", async () => {
    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    await ownerClient(0).approve(r.intentId);
    const one = await failure<ContractError>(() => ownerClient(0).submitApprovals(r.intentId, []));
    expect(one).toBeInstanceOf(InvalidInputError);
    const res = await ownerClient(0).submitApprovals(r.intentId, [await ownerClient(2).signApproval(r.intentId)]);
    expect(res.executed).toBe(true);
  });

  it("expires a collaborative intent (Expired) and a supervised one (Stale) after their deadlines", async () => {
    const agent = agentClient();
    const hire = await agent.authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    const gpu = await agent.authorize({
      amount: "47.00",
      category: "compute",
      recipient: compute,
      justification: "GPU",
    });
    const tooEarly = await failure<ContractError>(() => ownerClient(0).expire(hire.intentId));
    expect(tooEarly.errorName).toBe("TierGuardDeadlineNotReached");
    await travel(4 * HOUR + 1);
    expect((await ownerClient(0).pending()).map((p) => p.status)).toEqual(["past_deadline", "past_deadline"]);
    const late = await failure<ContractError>(() => ownerClient(1).approve(hire.intentId));
    expect(late.errorName).toBe("TierGuardDeadlinePassed");
    await ownerClient(0).expire(hire.intentId);
    await ownerClient(0).expire(gpu.intentId);
    expect(await agent.waitForDecision(hire.intentId)).toBe("expired");
    expect(await agent.waitForDecision(gpu.intentId)).toBe("stale");
    expect(await ownerClient(0).pending()).toEqual([]);
  });

  it("waitForDecision times out on an undecided intent", async () => {
    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    const err = await failure(() => agentClient().waitForDecision(r.intentId, { timeoutMs: 200 }));
    expect(err).toBeInstanceOf(WaitTimeoutError);
  });
});

describe("pause, owner actions and session keys", () => {
  it("pauses at once and unpauses with M signatures", async () => {
    const agent = agentClient();
    const owner0 = ownerClient(0);
    const queued = await agent.authorize({
      amount: "47.00",
      category: "compute",
      recipient: compute,
      justification: "GPU",
    });
    await ownerClient(2).pause();
    const paused = await failure<ContractError>(() =>
      agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "x" }),
    );
    expect(paused.errorName).toBe("TierGuardPaused");
    expect(paused.message).toMatch(/unpause/);
    const twice = await failure<ContractError>(() => owner0.pause());
    expect(twice.errorName).toBe("TierGuardPaused");
    // executing while paused is refused, not reverted; the intent stays queued
    await travel(31);
    expect(await agent.execute(queued.intentId)).toMatchObject({
      executed: false,
      refusal: { reason: "Paused", closed: false },
    });

    const sigs = [
      await ownerClient(2).signOwnerAction(owner0.unpauseCalls()),
      await owner0.signOwnerAction(owner0.unpauseCalls()),
    ];
    await owner0.unpause(sigs);
    expect(await agent.execute(queued.intentId)).toMatchObject({ executed: true });
    const ok = await agent.authorize({
      amount: "0.02",
      category: "embeddings",
      recipient: embeddings,
      justification: "x",
    });
    expect(ok.status).toBe("executed");
    // not paused any more: the inner error of the owner action is decoded
    const notPaused = await failure<ContractError>(() =>
      owner0.applyCalls(owner0.unpauseCalls(), ownerSigners().slice(0, 2)),
    );
    expect(notPaused.errorName).toBe("TierGuardActionCallFailed");
    expect(notPaused.inner?.errorName).toBe("TierGuardNotPaused");
    expect(notPaused.message).toMatch(/TierGuardNotPaused/);
  });

  it("rejects an owner action with too few signatures or an expired deadline", async () => {
    const owner0 = ownerClient(0);
    await owner0.pause();
    const one = await owner0.signOwnerAction(owner0.unpauseCalls());
    const few = await failure<ContractError>(() => owner0.unpause([one]));
    expect(few.errorName).toBe("TierGuardNotEnoughApprovals");
    expect(few.args).toEqual({ approvals: 1n, threshold: 2n });
    const now = await chainNow();
    const sigs = await Promise.all(
      [0, 1].map((i) => ownerClient(i).signOwnerAction(owner0.unpauseCalls(), { deadline: now + 10 })),
    );
    await travel(60);
    const expired = await failure<ContractError>(() => owner0.unpause(sigs));
    expect(expired.errorName).toBe("TierGuardSignatureExpired");
    expect(expired.fix).toMatch(/sign again/);
  });

  it("grants a key through an owner action and revokes it at once", async () => {
    const owner0 = ownerClient(0);
    const newKey = account(4);
    const validUntil = (await chainNow()) + 24 * HOUR;
    const { calls } = owner0.grantKey({ key: newKey.address, agentId: "research-agent", validUntil });
    expect(calls).toHaveLength(1);
    const sigs = [await ownerClient(1).signOwnerAction(calls), await ownerClient(2).signOwnerAction(calls)];
    await owner0.grantKey({ key: newKey.address, agentId: "research-agent", validUntil, signatures: sigs });
    const research = agentClient(newKey);
    expect(await research.agentId()).toBe(stringToHex("research-agent", { size: 32 }));
    const r = await research.authorize({
      amount: "0.02",
      category: "embeddings",
      recipient: embeddings,
      justification: "x",
    });
    expect(r.status).toBe("executed");
    expect(r.auditId.endsWith("-0")).toBe(true);

    await ownerClient(1).revokeKey(newKey.address);
    const revoked = await failure<ContractError>(() =>
      research.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "x" }),
    );
    expect(revoked.errorName).toBe("TierGuardNotSessionKey");
    expect(revoked.message).toMatch(/ask the owners to grant one/);
    const notOwner = await failure<ContractError>(() => ownerClient(5).revokeKey(agentKey.address));
    expect(notOwner.errorName).toBe("TierGuardNotOwner");
  });

  it("freezes an agent at once: its key is revoked and every queued intent of it voided", async () => {
    const agent = agentClient();
    const burst = await agent.authorize({ amount: "47.00", category: "compute", recipient: compute, justification: "GPU" });
    const hire = await agent.authorize({ amount: "89.00", category: "agent_hire", recipient: analysisAgent, justification: "x" });
    const { voided } = await ownerClient(2).freezeAgent(await agent.agentId());
    expect([...voided].sort()).toEqual([burst.intentId, hire.intentId].sort());
    expect(await agent.waitForDecision(burst.intentId)).toBe("refused");
    expect(await ownerClient(0).pending()).toEqual([]);
    const after = await failure<ContractError>(() =>
      agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "x" }),
    );
    expect(after.errorName).toBe("TierGuardNotSessionKey");
  });

  it("reports an expired key with what to do", async () => {
    const key = account(4);
    const validUntil = (await chainNow()) + 100;
    await ownerClient(0).applyCalls(
      [ownerCalls.grantSessionKey(key.address, "short-lived", validUntil)],
      ownerSigners().slice(1),
    );
    const agent = agentClient(key);
    expect(
      (await agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "x" }))
        .tier,
    ).toBe("autonomous");
    await travel(200);
    const err = await failure<ContractError>(() =>
      agent.authorize({ amount: "0.02", category: "embeddings", recipient: embeddings, justification: "x" }),
    );
    expect(err).toBeInstanceOf(ContractError);
    expect(err.errorName).toBe("TierGuardSessionKeyExpired");
    expect(err.args.key).toBe(key.address);
    expect(err.args.validUntil).toBe(validUntil);
    expect(err.message).toMatch(/ask the owners for a new key/i);
  });
});

describe("signers", () => {
  it("rejects a signature from an address that is not an owner", async () => {
    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    const good = await ownerClient(0).signApproval(r.intentId);
    const bad = await ownerClient(7).signApproval(r.intentId);
    const err = await failure<ContractError>(() => ownerClient(0).submitApprovals(r.intentId, [good, bad]));
    expect(err.errorName).toBe("TierGuardSignerNotOwner");
    expect(err.args.signer).toBe(account(7).address);
    expect(err.fix).toMatch(/current owner/);
    const action = await failure<ContractError>(() =>
      ownerClient(0).applyCalls([ownerCalls.setThreshold(1)], [c.walletFor(account(0)), c.walletFor(account(7))]),
    );
    expect(action.errorName).toBe("TierGuardSignerNotOwner");
  });

  it("rejects a signature attributed to the wrong owner", async () => {
    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    const a = await ownerClient(0).signApproval(r.intentId);
    const b = await ownerClient(1).signApproval(r.intentId);
    const err = await failure<ContractError>(() =>
      ownerClient(0).submitApprovals(r.intentId, [a, { signer: owners[2].address, signature: b.signature }]),
    );
    expect(err.errorName).toBe("TierGuardInvalidSignature");
  });

  it("signs with a JSON-RPC account (the node's unlocked account) and sorts signatures", async () => {
    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    const rpcWallet = createWalletClient({ chain: hardhat, transport: http(c.url), account: owners[2].address });
    const rpcOwner = createOwnerClient({ publicClient: c.publicClient, walletClient: rpcWallet, wallet });
    const sigs = [await rpcOwner.signApproval(r.intentId), await ownerClient(0).signApproval(r.intentId)];
    const sorted = sortSignatures(sigs);
    expect(BigInt(sorted[0].signer) < BigInt(sorted[1].signer)).toBe(true);
    expect((await rpcOwner.submitApprovals(r.intentId, sigs)).executed).toBe(true);
  });

  it("accepts an ERC-1271 contract owner's signature", async () => {
    const artifact = JSON.parse(
      readFileSync(
        path.resolve(__dirname, "../../artifacts/contracts/mocks/MockERC1271Wallet.sol/MockERC1271Wallet.json"),
        "utf8",
      ),
    );
    const controller = account(8);
    const hash = await c
      .walletFor(account(0))
      .deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [controller.address] } as never);
    const contract = (await c.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    await ownerClient(0).applyCalls([ownerCalls.addOwner(contract)], ownerSigners().slice(0, 2));

    const r = await agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: analysisAgent,
      justification: "hire",
    });
    const contractOwner = createOwnerClient({
      publicClient: c.publicClient,
      walletClient: c.walletFor(controller),
      wallet,
      signer: erc1271Signer(contract, controller),
    });
    expect(contractOwner.address).toBe(contract);
    const sig = await contractOwner.signApproval(r.intentId);
    expect(sig.signer).toBe(contract);
    const res = await ownerClient(1).submitApprovals(r.intentId, [sig, await ownerClient(1).signApproval(r.intentId)]);
    expect(res.executed).toBe(true);
  });
});

describe("bad input", () => {
  const base = { category: "embeddings", recipient: "", justification: "x" };

  it("rejects an amount with more decimals than the token has, before sending", async () => {
    const agent = agentClient();
    const block = await c.publicClient.getBlockNumber();
    const err = await failure<InvalidInputError>(() =>
      agent.authorize({ ...base, recipient: embeddings, amount: "0.0000001" }),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.field).toBe("amount");
    expect(err.message).toMatch(/amount.*only 6/);
    expect(await c.publicClient.getBlockNumber()).toBe(block);
    // trailing zeros beyond the token's decimals are fine
    expect((await agent.authorize({ ...base, recipient: embeddings, amount: "0.020000000" })).value).toBe(usd("0.02"));
    const nan = await failure<InvalidInputError>(() =>
      agent.authorize({ ...base, recipient: embeddings, amount: "1e3" }),
    );
    expect(nan.field).toBe("amount");
    const zero = await failure<InvalidInputError>(() =>
      agent.authorize({ ...base, recipient: embeddings, amount: "0.00" }),
    );
    expect(zero.field).toBe("amount");
  });

  it("rejects an unknown category name and a category the wallet does not define", async () => {
    const err = await failure<InvalidInputError>(() =>
      agentClient().authorize({ ...base, recipient: embeddings, amount: "1", category: "lottery" }),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.field).toBe("category");
    expect(err.fix).toMatch(/embeddings/);
    const undefinedId = await failure<ContractError>(() =>
      agentClient().authorize({ ...base, recipient: embeddings, amount: "1", category: 40 }),
    );
    expect(undefinedId.errorName).toBe("TierGuardUnknownCategory");
  });

  it("rejects a recipient that is not an address, and the wallet itself as recipient", async () => {
    const err = await failure<InvalidInputError>(() =>
      agentClient().authorize({ ...base, amount: "1", recipient: "0x1234" }),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.field).toBe("recipient");
    const self = await failure<ContractError>(() =>
      agentClient().authorize({ ...base, amount: "0.02", recipient: wallet }),
    );
    expect(self.errorName).toBe("TierGuardInvalidRecipient");
  });

  it("rejects a too long justification and an unknown intent id", async () => {
    const long = await failure<InvalidInputError>(() =>
      agentClient().authorize({ ...base, recipient: embeddings, amount: "1", justification: "é".repeat(300) }),
    );
    expect(long.field).toBe("justification");
    const unknown = await failure<InvalidInputError>(() => ownerClient(0).approve(`0x${"ab".repeat(32)}`));
    expect(unknown.field).toBe("intentId");
  });

  it("pays a stranger nothing: unknown recipients are prohibited", async () => {
    const r = await agentClient().authorize({
      amount: "0.02",
      category: "embeddings",
      recipient: stranger,
      justification: "x",
    });
    expect(r).toMatchObject({ tier: "prohibited", status: "blocked", reason: "TrustProhibited" });
  });
});

describe("error table", () => {
  it("documents every error in the wallet's ABI with what happened and a fix", () => {
    const names = tierGuardWalletAbi.filter((x) => x.type === "error").map((x) => x.name);
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) {
      const e = new ContractError(name, {
        account: owners[0].address,
        intentId: "0x01",
        tier: 1,
        status: 2,
        field: "x",
        categories: 3n,
      });
      expect(ERROR_DOCS, name).toHaveProperty(name);
      expect(e.message, name).not.toMatch(/does not know/);
      expect(e.fix, name).toBeTruthy();
    }
  });
});

describe("RPC failures and retries", () => {
  it("wraps a dead endpoint as a retryable RpcError and retries only retryable failures", async () => {
    const dead = createPublicClient({ chain: hardhat, transport: http("http://127.0.0.1:9", { retryCount: 0 }) });
    const err = await failure<RpcError>(() =>
      withRetry(() => dead.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "ownerNonce" }), {
        retries: 1,
        backoff: 1,
      }),
    );
    expect(err).toBeInstanceOf(RpcError);
    expect(err.retryable).toBe(true);

    let n = 0;
    const ok = await withRetry(
      async () => {
        if (++n < 3) throw new RpcError("flaky", { retryable: true });
        return "ok";
      },
      { retries: 3, backoff: 1 },
    );
    expect([ok, n]).toEqual(["ok", 3]);
    n = 0;
    await failure(() =>
      withRetry(
        async () => {
          n++;
          throw new RpcError("bad request", { retryable: false });
        },
        { retries: 3, backoff: 1 },
      ),
    );
    expect(n).toBe(1);
    expect(decodeError(new Error("x"))).not.toBeInstanceOf(RpcError);
  });
});

describe("measureAuthorizeLatency", () => {
  it("measures authorize-to-receipt latency with the agent's key and deploys nothing", async () => {
    const before = await c.publicClient.getBlockNumber();
    const r = await measureAuthorizeLatency({
      publicClient: c.publicClient,
      wallet,
      agentKey: agentKey,
      token: usdc,
      recipient: embeddings,
      category: "embeddings",
      samples: 5,
      warmup: 1,
    });
    expect(r.samplesMs).toHaveLength(5);
    expect(r.authorizeToReceiptMsP50).toBeGreaterThan(0);
    expect(r.tiers).toEqual({ autonomous: 5 });
    expect(await c.publicClient.getBlockNumber()).toBe(before + 6n);
  });
});
