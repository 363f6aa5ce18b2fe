/**
 * The security review's findings 1-5: each test reproduces a finding's scenario and asserts the fixed behaviour
 * (every one of them fails on the wallet before the fix).
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  PROHIBITED_CATEGORIES,
  Reason,
  Status,
  Tier,
  Trust,
  cat,
  decodeSubmission,
  mask,
  ownerAction,
  signApprovals,
  usd,
} from "../../scripts/lib/article";
import { articleFixture, at, configure, rules, submit, usdcPay, type Fixture } from "./helpers-intents";
import { innerError } from "./helpers-owners";

const { ethers } = hre;
const HOUR = 3600;
const DAY = 24 * HOUR;
/** Refusal enum of the interface. */
const Refusal = { Paused: 0, TransferFailed: 1, CategoryProhibited: 4, TrustProhibited: 5, AgentFrozen: 6 } as const;

/** An agent hire of the Known analysis agent (collaborative up to 5,000.00, 5 per 24 h per agent). */
const hire = (f: Fixture, amount: string) => submit(f, usdcPay(f, amount, f.vendors.analysisAgent, "agent_hire"));
/** A compute burst to the Known compute vendor (supervised up to 50.00). */
const burst = (f: Fixture, amount = "47") => submit(f, usdcPay(f, amount, f.vendors.compute, "compute"));

describe("hardening (security review findings)", function () {
  describe("finding 1: a tier's limits hold on every path into it", function () {
    it("blocks a hire that exceeds the collaborative budget instead of escalating it uncounted", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Collaborative, usd("100"), DAY]]);
      const first = await hire(f, "89");
      expect(first.tier).to.equal(Tier.Collaborative);
      const second = await hire(f, "89");
      expect([second.tier, second.reason]).to.deep.equal([Tier.Prohibited, Reason.BudgetExceeded]);
      expect((second.misses >> 8) & 0xf).to.equal(Reason.BudgetExceeded);
      expect((await f.wallet.budget(Tier.Collaborative)).spent).to.equal(usd("89"));
    });

    it("blocks the sixth hire in 24 h (collaborative frequency 5) instead of escalating it", async function () {
      const f = await loadFixture(articleFixture);
      for (let i = 0; i < 5; i++) expect((await hire(f, "10")).tier).to.equal(Tier.Collaborative);
      const sixth = await hire(f, "10");
      expect([sixth.tier, sixth.reason]).to.deep.equal([Tier.Prohibited, Reason.FrequencyExceeded]);
      expect((await f.wallet.agentState(f.agentId)).count2).to.equal(5n);
    });

    it("counts an escalated (unmatched) intent against the collaborative frequency and budget", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Collaborative, usd("10000"), DAY]]);
      // 6,000.00 is above the collaborative maximum: unmatched, escalated to Collaborative, and counted
      const big = await hire(f, "6000");
      expect([big.tier, big.reason]).to.deep.equal([Tier.Collaborative, Reason.NoTierMatched]);
      expect(big.pending!.budgetEpoch).to.not.equal(0);
      expect((await f.wallet.budget(Tier.Collaborative)).spent).to.equal(usd("6000"));
      expect((await f.wallet.agentState(f.agentId)).count2).to.equal(1n);
      const over = await hire(f, "4500");
      expect([over.tier, over.reason]).to.deep.equal([Tier.Prohibited, Reason.BudgetExceeded]);
    });

    it("bounds open intents per agent: blocked with TooManyOpenIntents at the bound, queues again once one closes", async function () {
      const f = await loadFixture(articleFixture);
      await expect(configure(f, ["setMaxOpenIntents", [2]]))
        .to.emit(f.wallet, "MaxOpenIntentsSet")
        .withArgs(2, anyValue);
      expect((await f.wallet.settings()).maxOpenIntents).to.equal(2n);
      const a = await burst(f);
      await hire(f, "10");
      expect((await f.wallet.agentState(f.agentId)).openIntents).to.equal(2n);
      const third = await burst(f);
      expect([third.tier, third.reason]).to.deep.equal([Tier.Prohibited, Reason.TooManyOpenIntents]);
      // autonomous payments are not bounded
      expect((await submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"))).tier).to.equal(Tier.Autonomous);
      await f.wallet.connect(f.owners[0]).veto(a.intentId, a.pending!);
      expect((await f.wallet.agentState(f.agentId)).openIntents).to.equal(1n);
      expect((await burst(f)).tier).to.equal(Tier.Supervised);
    });

    it("previews the same verdicts as spend for the new limits", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Collaborative, usd("100"), DAY]], ["setMaxOpenIntents", [1]]);
      await hire(f, "89");
      const p = await f.wallet.preview(f.agentId, f.usdcAddress, usd("47"), f.vendors.compute, cat("compute"));
      expect([p.tier, p.reason]).to.deep.equal([BigInt(Tier.Prohibited), BigInt(Reason.TooManyOpenIntents)]);
    });
  });

  describe("finding 2: a supervised veto window of 0 is refused", function () {
    it("reverts setTierRules(Supervised) with window 0 naming the field", async function () {
      const f = await loadFixture(articleFixture);
      await expect(configure(f, ["setTierRules", [Tier.Supervised, rules("supervised", { window: 0 })]]))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(f.wallet, "TierGuardInvalidTierRules", [Tier.Supervised, "window"]));
      // a disabled supervised tier needs no window
      await configure(f, ["setTierRules", [Tier.Supervised, rules("supervised", { categories: 0n, window: 0 })]]);
    });
  });

  describe("finding 3: execution re-checks every prohibition; freezeAgent", function () {
    it("refuses and closes a queued intent whose category was prohibited after queueing", async function () {
      const f = await loadFixture(articleFixture);
      const s = await burst(f);
      const compute = BigInt(mask("compute"));
      await configure(
        f,
        ["setTierRules", [Tier.Supervised, rules("supervised", { categories: rules("supervised").categories & ~compute })]],
        ["setProhibitions", [BigInt(PROHIBITED_CATEGORIES) | compute, 1 << Trust.Unknown]],
      );
      await at(s.pending!.notBefore);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.CategoryProhibited, true, 0);
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
    });

    it("refuses and closes a queued intent whose recipient's trust level was prohibited after queueing", async function () {
      const f = await loadFixture(articleFixture);
      const s = await hire(f, "89");
      await configure(f, ["setProhibitions", [PROHIBITED_CATEGORIES, (1 << Trust.Unknown) | (1 << Trust.Known)]]);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
      const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.TrustProhibited, true, 0);
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.analysisAgent], [0, 0]);
    });

    it("freezeAgent revokes every key, voids the given queued intents and refuses the others at execution", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["grantSessionKey", [f.otherKey.address, f.agentId, 2n ** 40n - 1n]]);
      const queued = [];
      for (let i = 0; i < 5; i++) queued.push(await burst(f));
      const voided = queued.slice(0, 4).map((s) => ({ intentId: s.intentId, intent: s.pending! }));
      const tx = await f.wallet.connect(f.owners[2]).freezeAgent(f.agentId, voided);
      await expect(tx).to.emit(f.wallet, "AgentFrozen").withArgs(f.agentId, f.owners[2].address, 2, 4);
      await expect(tx).to.emit(f.wallet, "SessionKeyRevoked").withArgs(f.agentId, f.agentKey.address, f.owners[2].address);
      await expect(tx).to.emit(f.wallet, "SessionKeyRevoked").withArgs(f.agentId, f.otherKey.address, f.owners[2].address);
      for (const v of voided) {
        await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(v.intentId, Refusal.AgentFrozen, true, 0);
        expect(await f.wallet.intentStatus(v.intentId)).to.equal(Status.None);
      }
      expect(await f.wallet.sessionKeys()).to.deep.equal([]);
      await expect(submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"))).to.be.revertedWithCustomError(
        f.wallet,
        "TierGuardNotSessionKey",
      );
      // the one not passed is refused at execution and closed; nothing pays
      const last = queued[4];
      await at(last.pending!.notBefore);
      const exec = await f.wallet.connect(f.relayer).execute(last.intentId, last.pending!);
      await expect(exec).to.emit(f.wallet, "IntentRefused").withArgs(last.intentId, Refusal.AgentFrozen, true, 0);
      await expect(exec).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
      const state = await f.wallet.agentState(f.agentId);
      expect([state.frozen, state.openIntents]).to.deep.equal([true, 0n]);
    });

    it("keeps a frozen agent keyless until the owners unfreeze it, and only once none of its intents is open", async function () {
      const f = await loadFixture(articleFixture);
      const s = await burst(f);
      await f.wallet.connect(f.owners[0]).freezeAgent(f.agentId, []);
      const grant = ["grantSessionKey", [f.agentKey.address, f.agentId, 2n ** 40n - 1n]] as [string, unknown[]];
      await expect(configure(f, grant))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(f.wallet, "TierGuardAgentFrozen", [f.agentId]));
      await expect(configure(f, ["unfreezeAgent", [f.agentId]]))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(f.wallet, "TierGuardAgentHasOpenIntents", [f.agentId, 1]));
      await f.wallet.connect(f.owners[0]).freezeAgent(f.agentId, [{ intentId: s.intentId, intent: s.pending! }]);
      await expect(configure(f, ["unfreezeAgent", [f.agentId]], grant))
        .to.emit(f.wallet, "AgentUnfrozen")
        .withArgs(f.agentId);
      expect((await burst(f)).tier).to.equal(Tier.Supervised);
    });

    it("refuses freezeAgent from a non-owner and an intent of another agent", async function () {
      const f = await loadFixture(articleFixture);
      await expect(f.wallet.connect(f.outsider).freezeAgent(f.agentId, []))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardNotOwner")
        .withArgs(f.outsider.address);
      const s = await burst(f);
      const other = ethers.encodeBytes32String("other-agent");
      await expect(f.wallet.connect(f.owners[0]).freezeAgent(other, [{ intentId: s.intentId, intent: s.pending! }]))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(s.intentId);
    });

    it("keeps queued intents through plain key rotation (revokeSessionKey)", async function () {
      const f = await loadFixture(articleFixture);
      const s = await burst(f);
      await f.wallet.connect(f.owners[0]).revokeSessionKey(f.agentKey.address);
      await at(s.pending!.notBefore);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!)).to.emit(f.wallet, "IntentExecuted");
    });
  });

  describe("finding 4: budget is released only into the window it was counted in", function () {
    it("does not release a closed intent's budget into a window opened in the same second", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Supervised, usd("100"), 1000]]);
      await burst(f, "10"); // opens the window W0
      const i = f.wallet.interface;
      const reset = [
        i.encodeFunctionData("setBudget", [Tier.Supervised, 0, 0]),
        i.encodeFunctionData("setBudget", [Tier.Supervised, usd("100"), 1000]),
      ];
      const opts = { gasLimit: 3_000_000 };
      // One block: A is counted in W0, the owners reset the budget, B opens a new window in the same second.
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        const key = f.wallet.connect(f.agentKey);
        const txA = await key.spend(f.usdcAddress, usd("47"), f.vendors.compute, cat("compute"), "A", opts);
        const txReset = await ownerAction(f.wallet, f.owners.slice(0, 2), reset);
        const txB = await key.spend(f.usdcAddress, usd("50"), f.vendors.compute, cat("compute"), "B", opts);
        await ethers.provider.send("evm_mine", []);
        const a = await decodeSubmission(f.wallet, (await txA.wait())!);
        await txReset.wait();
        const b = await decodeSubmission(f.wallet, (await txB.wait())!);
        expect(b.pending!.submittedAt).to.equal(a.pending!.submittedAt);
        expect(b.pending!.budgetEpoch).to.not.equal(a.pending!.budgetEpoch);
        await ethers.provider.send("evm_setAutomine", [true]);
        const veto = await f.wallet.connect(f.owners[0]).veto(a.intentId, a.pending!);
        await expect(veto).to.emit(f.wallet, "IntentVetoed").withArgs(a.intentId, f.owners[0].address, 0);
        expect((await f.wallet.budget(Tier.Supervised)).spent).to.equal(usd("50"));
        // B (50) + C (49) fill the 100.00 window: had A's 47 been released into it, D would overspend it
        const c = await burst(f, "49");
        expect([c.tier, c.reason]).to.deep.equal([Tier.Supervised, Reason.Matched]);
        const d = await burst(f, "1.01");
        // the supervised budget is full: escalated to the owners instead
        expect([d.tier, (d.misses >> 4) & 0xf]).to.deep.equal([Tier.Collaborative, Reason.BudgetExceeded]);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
    });

    it("releases a vetoed intent's budget into the window it was counted in", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Supervised, usd("100"), 1000]]);
      const s = await burst(f);
      await expect(f.wallet.connect(f.owners[0]).veto(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentVetoed")
        .withArgs(s.intentId, f.owners[0].address, usd("47"));
      expect((await f.wallet.budget(Tier.Supervised)).spent).to.equal(0n);
    });
  });

  describe("finding 5: never auto-promote out of or into a prohibited trust level", function () {
    async function unknownHire(f: Fixture) {
      await configure(f, ["setAutoPromote", [true]], ["setProhibitions", [PROHIBITED_CATEGORIES, 0]]);
      return submit(f, usdcPay(f, "89", f.newcomers[0], "agent_hire"));
    }

    it("refuses an approved payment to an Unknown recipient once Unknown is prohibited, and does not promote it", async function () {
      const f = await loadFixture(articleFixture);
      const s = await unknownHire(f);
      expect(s.tier).to.equal(Tier.Collaborative);
      await configure(f, ["setProhibitions", [PROHIBITED_CATEGORIES, 1 << Trust.Unknown]]);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
      const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.TrustProhibited, true, 0);
      await expect(tx).to.not.emit(f.wallet, "RecipientTrustSet");
      expect(await f.wallet.recipientTrust(f.newcomers[0])).to.equal(Trust.Unknown);
    });

    it("pays but does not promote an Unknown recipient into a prohibited Known level", async function () {
      const f = await loadFixture(articleFixture);
      const s = await unknownHire(f);
      await configure(f, ["setProhibitions", [PROHIBITED_CATEGORIES, 1 << Trust.Known]]);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
      const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
      await expect(tx).to.emit(f.wallet, "IntentExecuted");
      await expect(tx).to.not.emit(f.wallet, "RecipientTrustSet");
      expect(await f.wallet.recipientTrust(f.newcomers[0])).to.equal(Trust.Unknown);
    });

    it("still promotes when neither Unknown nor Known is prohibited", async function () {
      const f = await loadFixture(articleFixture);
      const s = await unknownHire(f);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
      await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs))
        .to.emit(f.wallet, "RecipientTrustSet")
        .withArgs(f.newcomers[0], Trust.Known, true, anyValue);
    });
  });

  describe("finding 6: blocked attempts are capped per agent", function () {
    const gamble = (f: Fixture) => submit(f, usdcPay(f, "10", f.vendors.casino, "gambling"));

    it("records blocked attempts up to the cap, then reverts TierGuardTooManyBlockedAttempts until the window ends", async function () {
      const f = await loadFixture(articleFixture);
      expect((await f.wallet.settings()).maxBlockedAttempts).to.equal(100n);
      await expect(configure(f, ["setMaxBlockedAttempts", [3]]))
        .to.emit(f.wallet, "MaxBlockedAttemptsSet")
        .withArgs(3, anyValue);
      const t0 = (await time.latest()) + 10;
      await at(t0);
      for (let i = 0; i < 3; i++) expect((await gamble(f)).status).to.equal(Status.Blocked);
      await expect(gamble(f))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardTooManyBlockedAttempts")
        .withArgs(f.agentId, 3);
      // payments that are not blocked go on
      expect((await burst(f)).tier).to.equal(Tier.Supervised);
      await at(t0 + DAY - 1);
      await expect(gamble(f)).to.be.revertedWithCustomError(f.wallet, "TierGuardTooManyBlockedAttempts");
      await at(t0 + DAY);
      expect((await gamble(f)).status).to.equal(Status.Blocked);
    });

    it("does not cap blocked attempts with maxBlockedAttempts 0", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setMaxBlockedAttempts", [0]]);
      for (let i = 0; i < 4; i++) expect((await gamble(f)).status).to.equal(Status.Blocked);
    });
  });

  it("keeps the runtime bytecode under the EIP-170 limit with room", async function () {
    // solidity-coverage deploys instrumented bytecode, several times larger by design: measure the real build only
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    const code = await ethers.provider.getCode((await loadFixture(articleFixture)).walletAddress);
    expect((code.length - 2) / 2).to.be.lessThan(24_576 - 2_000);
  });
});
