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
  signApprovals,
  usd,
  type Submitted,
} from "../../scripts/lib/article";
import {
  ARTICLE_POLICY_VERSION,
  articleFixture,
  at,
  configure,
  details,
  rules,
  submit,
  submitCall,
  submitTx,
  tampered,
  usdcPay,
  type Fixture,
} from "./helpers-intents";

const { ethers } = hre;
const HOUR = 3600;
const VETO_WINDOW = 30;
const GRACE = HOUR;
const TIMEOUT = 4 * HOUR;
/** Refusal enum of the interface. */
const Refusal = { Paused: 0, TransferFailed: 1, RecipientBlocked: 2, TokenNotAccepted: 3 } as const;

/** A 47.00 USDC compute burst to the Known compute vendor: supervised. */
const queueSupervised = async (f: Fixture, amount = "47", ts?: number) =>
  submit(f, usdcPay(f, amount, f.vendors.compute, "compute"), { at: ts });
/** An 89.00 USDC agent hire of the Known analysis agent: collaborative. */
const queueCollaborative = async (f: Fixture, amount = "89", ts?: number) =>
  submit(f, usdcPay(f, amount, f.vendors.analysisAgent, "agent_hire"), { at: ts });

const nextTs = async () => (await time.latest()) + 10;

/** Empties the wallet's USDC (owner action `withdraw`) and returns how much it held. */
async function drainUsdc(f: Fixture) {
  const balance = await f.usdc.balanceOf(f.walletAddress);
  await configure(f, ["withdraw", [f.usdcAddress, f.owners[0].address, balance]]);
  expect(await f.usdc.balanceOf(f.walletAddress)).to.equal(0n);
  return balance;
}

describe("queued intents", function () {
  describe("autonomous intents", function () {
    it("pays in the same transaction with status Executed", async function () {
      const f = await loadFixture(articleFixture);
      const args = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      const [, tier, status] = await submitCall(f, args);
      expect([Number(tier), Number(status)]).to.deep.equal([Tier.Autonomous, Status.Executed]);
      const tx = await submitTx(f, args);
      await expect(tx).to.changeTokenBalances(
        f.usdc,
        [f.walletAddress, f.vendors.embeddings],
        [-usd("0.02"), usd("0.02")],
      );
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          await f.wallet.intentIdFor(f.agentId, 0),
          f.agentId,
          f.vendors.embeddings,
          f.agentKey.address,
          f.usdcAddress,
          usd("0.02"),
          details({ tier: Tier.Autonomous, reason: Reason.Matched, misses: 0, notBefore: 0, deadline: 0 }),
          "test payment",
        );
      await expect(tx).not.to.emit(f.wallet, "IntentExecuted");
    });

    it("pays ETH in the same transaction", async function () {
      const f = await loadFixture(articleFixture);
      const args = {
        token: ethers.ZeroAddress,
        amount: 10n ** 14n,
        recipient: f.vendors.search,
        category: cat("search"),
      };
      await expect(submitTx(f, args)).to.changeEtherBalances(
        [f.walletAddress, f.vendors.search],
        [-(10n ** 14n), 10n ** 14n],
      );
    });
  });

  describe("supervised intents", function () {
    it("queues a supervised intent until the veto window ends", async function () {
      const f = await loadFixture(articleFixture);
      const args = usdcPay(f, "47", f.vendors.compute, "compute");
      const [, , status] = await submitCall(f, args);
      expect(Number(status)).to.equal(Status.Queued);
      const t0 = await nextTs();
      await at(t0);
      const tx = await submitTx(f, args);
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          await f.wallet.intentIdFor(f.agentId, 0),
          f.agentId,
          f.vendors.compute,
          f.agentKey.address,
          f.usdcAddress,
          usd("47"),
          details({
            category: cat("compute"),
            reason: Reason.Matched,
            misses: 1,
            policyVersion: ARTICLE_POLICY_VERSION,
            notBefore: t0 + VETO_WINDOW,
            deadline: t0 + VETO_WINDOW + GRACE,
            tier: Tier.Supervised,
            budgeted: false,
            value: usd("47"),
          }),
          "test payment",
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
      expect(await f.wallet.intentStatus(await f.wallet.intentIdFor(f.agentId, 0))).to.equal(Status.Queued);
    });

    describe("veto", function () {
      it("lets an owner veto until notBefore - 1", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        const p = s.pending!;
        await at(p.notBefore - 1);
        await expect(f.wallet.connect(f.owners[1]).veto(s.intentId, p))
          .to.emit(f.wallet, "IntentVetoed")
          .withArgs(s.intentId, f.owners[1].address, 0);
        // vetoed (the event above): the commitment is deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
        await at(p.notBefore);
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, p))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
        expect(await f.usdc.balanceOf(f.vendors.compute)).to.equal(0n);
      });

      it("refuses a veto at notBefore with TierGuardVetoWindowOver", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        await at(s.pending!.notBefore);
        await expect(f.wallet.connect(f.owners[0]).veto(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardVetoWindowOver")
          .withArgs(s.intentId, s.pending!.notBefore);
      });

      it("refuses a veto from anyone but an owner or guardian", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        for (const who of [f.outsider, f.agentKey]) {
          await expect(f.wallet.connect(who).veto(s.intentId, s.pending!))
            .to.be.revertedWithCustomError(f.wallet, "TierGuardNotOwnerOrGuardian")
            .withArgs(who.address);
        }
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.Queued);
      });

      it("lets a guardian veto", async function () {
        const f = await loadFixture(articleFixture);
        await configure(f, ["setGuardian", [f.guardian.address, true]]);
        const s = await queueSupervised(f);
        await expect(f.wallet.connect(f.guardian).veto(s.intentId, s.pending!))
          .to.emit(f.wallet, "IntentVetoed")
          .withArgs(s.intentId, f.guardian.address, 0);
      });
    });

    describe("execute", function () {
      it("refuses execution before notBefore with TierGuardVetoWindowOpen", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        await at(s.pending!.notBefore - 1);
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardVetoWindowOpen")
          .withArgs(s.intentId, s.pending!.notBefore);
      });

      it("lets anyone execute at notBefore and moves the funds", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        await at(s.pending!.notBefore);
        expect(
          await f.wallet.connect(f.relayer).execute.staticCall(s.intentId, s.pending!, { blockTag: "pending" }),
        ).to.equal(true);
        const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
        await expect(tx).to.emit(f.wallet, "IntentExecuted").withArgs(s.intentId, f.relayer.address);
        await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [-usd("47"), usd("47")]);
        // executed (the event above): the commitment is deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      });

      it("executes until deadline - 1 and refuses at the deadline with TierGuardDeadlinePassed", async function () {
        const f = await loadFixture(articleFixture);
        const t0 = await nextTs();
        const a = await queueSupervised(f, "47", t0);
        const b = await queueSupervised(f, "48", t0 + 1);
        expect(b.pending!.deadline).to.equal(t0 + 1 + VETO_WINDOW + GRACE);
        await at(a.pending!.deadline - 1);
        await expect(f.wallet.connect(f.relayer).execute(a.intentId, a.pending!)).to.emit(f.wallet, "IntentExecuted");
        await at(b.pending!.deadline);
        await expect(f.wallet.connect(f.relayer).execute(b.intentId, b.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardDeadlinePassed")
          .withArgs(b.intentId, b.pending!.deadline);
      });
    });

    describe("expire", function () {
      it("refuses before the deadline with TierGuardDeadlineNotReached", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        await at(s.pending!.deadline - 1);
        await expect(f.wallet.connect(f.relayer).expire(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardDeadlineNotReached")
          .withArgs(s.intentId, s.pending!.deadline);
      });

      it("makes it Stale at the deadline, and then it cannot execute", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        await at(s.pending!.deadline);
        const tx = await f.wallet.connect(f.relayer).expire(s.intentId, s.pending!);
        await expect(tx).to.emit(f.wallet, "IntentExpired").withArgs(s.intentId, Status.Stale, 0);
        await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
        // Stale is recorded in the event; the commitment is deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      });

      it("refuses to expire an intent that already executed", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueSupervised(f);
        await at(s.pending!.notBefore);
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
          .to.emit(f.wallet, "IntentExecuted")
          .withArgs(s.intentId, f.relayer.address);
        await at(s.pending!.deadline);
        await expect(f.wallet.connect(f.relayer).expire(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      });
    });
  });

  describe("collaborative intents", function () {
    it("waits for owner approval with status AwaitingApproval and cannot execute alone", async function () {
      const f = await loadFixture(articleFixture);
      const args = usdcPay(f, "89", f.vendors.analysisAgent, "agent_hire");
      const [, tier, status] = await submitCall(f, args);
      expect([Number(tier), Number(status)]).to.deep.equal([Tier.Collaborative, Status.AwaitingApproval]);
      const t0 = await nextTs();
      await at(t0);
      const tx = await submitTx(f, args);
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          await f.wallet.intentIdFor(f.agentId, 0),
          f.agentId,
          f.vendors.analysisAgent,
          f.agentKey.address,
          f.usdcAddress,
          usd("89"),
          details({
            tier: Tier.Collaborative,
            reason: Reason.Matched,
            misses: 0x11,
            notBefore: t0,
            deadline: t0 + TIMEOUT,
            budgeted: false,
            value: usd("89"),
          }),
          "test payment",
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.analysisAgent], [0, 0]);
      expect(await f.wallet.intentStatus(await f.wallet.intentIdFor(f.agentId, 0))).to.equal(Status.AwaitingApproval);
      const s = await queueCollaborative(f);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardNotEnoughApprovals")
        .withArgs(0, 2);
    });

    describe("approve", function () {
      it("records an on-chain approval below the threshold without paying", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        expect(await f.wallet.connect(f.owners[0]).approve.staticCall(s.intentId, s.pending!)).to.equal(false);
        const tx = await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
        await expect(tx).to.emit(f.wallet, "IntentApproved").withArgs(s.intentId, f.owners[0].address);
        await expect(tx).not.to.emit(f.wallet, "IntentExecuted");
        await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.analysisAgent], [0, 0]);
        expect(await f.wallet.approvals(s.intentId)).to.deep.equal([f.owners[0].address]);
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.AwaitingApproval);
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardNotEnoughApprovals")
          .withArgs(1, 2);
      });

      it("executes on the approval that reaches the threshold", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
        expect(await f.wallet.connect(f.owners[2]).approve.staticCall(s.intentId, s.pending!)).to.equal(true);
        const tx = await f.wallet.connect(f.owners[2]).approve(s.intentId, s.pending!);
        await expect(tx)
          .to.emit(f.wallet, "IntentApproved")
          .withArgs(s.intentId, f.owners[2].address)
          .and.to.emit(f.wallet, "IntentExecuted")
          .withArgs(s.intentId, f.owners[2].address);
        await expect(tx).to.changeTokenBalances(
          f.usdc,
          [f.walletAddress, f.vendors.analysisAgent],
          [-usd("89"), usd("89")],
        );
        // executed (the event above): the commitment is deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
        await expect(f.wallet.connect(f.owners[1]).approve(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      });

      it("refuses a second approval by the same owner with TierGuardAlreadyApproved", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
        await expect(f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardAlreadyApproved")
          .withArgs(s.intentId, f.owners[0].address);
      });

      it("refuses an approval by a non-owner with TierGuardNotOwner", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        for (const who of [f.outsider, f.agentKey]) {
          await expect(f.wallet.connect(who).approve(s.intentId, s.pending!))
            .to.be.revertedWithCustomError(f.wallet, "TierGuardNotOwner")
            .withArgs(who.address);
        }
        expect(await f.wallet.approvals(s.intentId)).to.deep.equal([]);
      });
    });

    describe("approveBySignatures", function () {
      it("executes with two owners' EIP-712 signatures relayed by anyone", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
        const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
        await expect(tx)
          .to.emit(f.wallet, "IntentApproved")
          .withArgs(s.intentId, f.owners[0].address)
          .and.to.emit(f.wallet, "IntentApproved")
          .withArgs(s.intentId, f.owners[1].address)
          .and.to.emit(f.wallet, "IntentExecuted")
          .withArgs(s.intentId, f.relayer.address);
        await expect(tx).to.changeTokenBalances(
          f.usdc,
          [f.walletAddress, f.vendors.analysisAgent],
          [-usd("89"), usd("89")],
        );
        // executed (the event above): the commitment is deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
      });

      it("reverts TierGuardNotEnoughApprovals with one signature", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const sigs = await signApprovals(f.wallet, [f.owners[1]], s.intentId, s.pending!);
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardNotEnoughApprovals")
          .withArgs(1, 2);
      });

      it("executes with one on-chain approval and one signature", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
        const sigs = await signApprovals(f.wallet, [f.owners[2]], s.intentId, s.pending!);
        const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
        await expect(tx)
          .to.emit(f.wallet, "IntentApproved")
          .withArgs(s.intentId, f.owners[2].address)
          .and.to.emit(f.wallet, "IntentExecuted")
          .withArgs(s.intentId, f.relayer.address);
        await expect(tx).to.changeTokenBalances(
          f.usdc,
          [f.walletAddress, f.vendors.analysisAgent],
          [-usd("89"), usd("89")],
        );
      });

      it("counts an owner who approved on-chain and also signed only once", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
        const sigs = await signApprovals(f.wallet, [f.owners[0]], s.intentId, s.pending!);
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardNotEnoughApprovals")
          .withArgs(1, 2);
      });

      it("reverts TierGuardSignerNotOwner for a signature by a non-owner", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const sigs = await signApprovals(f.wallet, [f.owners[0], f.outsider], s.intentId, s.pending!);
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardSignerNotOwner")
          .withArgs(f.outsider.address);
      });

      it("reverts TierGuardSignersNotSorted for unsorted or duplicate signers", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const sorted = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
        const [low, high] = sorted;
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, [high, low]))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardSignersNotSorted")
          .withArgs(high.signer, low.signer);
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, [low, low]))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardSignersNotSorted")
          .withArgs(low.signer, low.signer);
      });

      it("reverts TierGuardInvalidSignature for a signature over another intent", async function () {
        const f = await loadFixture(articleFixture);
        const a = await queueCollaborative(f, "89");
        const b = await queueCollaborative(f, "90");
        const forB = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], b.intentId, b.pending!);
        await expect(f.wallet.connect(f.relayer).approveBySignatures(a.intentId, a.pending!, forB))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidSignature")
          .withArgs(forB[0].signer);
        // and the right ones work
        await expect(f.wallet.connect(f.relayer).approveBySignatures(b.intentId, b.pending!, forB)).to.emit(
          f.wallet,
          "IntentExecuted",
        );
      });

      it("reverts TierGuardInvalidSignature for a signature made by another owner than its signer", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const [byOwner0] = await signApprovals(f.wallet, [f.owners[0]], s.intentId, s.pending!);
        const forged = [{ signer: f.owners[1].address, signature: byOwner0.signature }];
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, forged))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidSignature")
          .withArgs(f.owners[1].address);
      });
    });

    describe("reject", function () {
      it("lets any single owner reject, and nothing is paid", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
        const tx = await f.wallet.connect(f.owners[2]).reject(s.intentId, s.pending!);
        await expect(tx).to.emit(f.wallet, "IntentRejected").withArgs(s.intentId, f.owners[2].address, 0);
        await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.analysisAgent], [0, 0]);
        // rejected (the event above): the commitment and its approvals are deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
        expect(await f.wallet.approvals(s.intentId)).to.deep.equal([]);
      });

      it("closes the intent: approvals and execution then fail with TierGuardUnknownIntent", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await expect(f.wallet.connect(f.owners[1]).reject(s.intentId, s.pending!))
          .to.emit(f.wallet, "IntentRejected")
          .withArgs(s.intentId, f.owners[1].address, 0);
        const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[2]], s.intentId, s.pending!);
        const attempts = [
          () => f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!),
          () => f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs),
          () => f.wallet.connect(f.relayer).execute(s.intentId, s.pending!),
          () => f.wallet.connect(f.owners[0]).reject(s.intentId, s.pending!),
          () => f.wallet.connect(f.relayer).expire(s.intentId, s.pending!),
        ];
        for (const attempt of attempts) {
          await expect(attempt())
            .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
            .withArgs(s.intentId);
        }
      });

      it("refuses a reject by a non-owner with TierGuardNotOwner", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        await expect(f.wallet.connect(f.outsider).reject(s.intentId, s.pending!))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardNotOwner")
          .withArgs(f.outsider.address);
      });
    });

    describe("timeout", function () {
      it("accepts approvals until deadline - 1 and refuses them at the deadline with TierGuardDeadlinePassed", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const p = s.pending!;
        expect(p.deadline).to.equal(p.submittedAt + TIMEOUT);
        await at(p.deadline - 1);
        await expect(f.wallet.connect(f.owners[0]).approve(s.intentId, p)).to.emit(f.wallet, "IntentApproved");
        await at(p.deadline);
        const sigs = await signApprovals(f.wallet, [f.owners[1], f.owners[2]], s.intentId, p);
        const attempts = [
          () => f.wallet.connect(f.owners[1]).approve(s.intentId, p),
          () => f.wallet.connect(f.relayer).approveBySignatures(s.intentId, p, sigs),
          () => f.wallet.connect(f.relayer).execute(s.intentId, p),
          () => f.wallet.connect(f.owners[1]).reject(s.intentId, p),
        ];
        for (const attempt of attempts) {
          await expect(attempt())
            .to.be.revertedWithCustomError(f.wallet, "TierGuardDeadlinePassed")
            .withArgs(s.intentId, p.deadline);
        }
      });

      it("expires with Status.Expired from the deadline on (TierGuardDeadlineNotReached before)", async function () {
        const f = await loadFixture(articleFixture);
        const s = await queueCollaborative(f);
        const p = s.pending!;
        await at(p.deadline - 1);
        await expect(f.wallet.connect(f.relayer).expire(s.intentId, p))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardDeadlineNotReached")
          .withArgs(s.intentId, p.deadline);
        await at(p.deadline);
        await expect(f.wallet.connect(f.relayer).expire(s.intentId, p))
          .to.emit(f.wallet, "IntentExpired")
          .withArgs(s.intentId, Status.Expired, 0);
        // Expired is recorded in the event; the commitment is deleted
        expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
        await expect(f.wallet.connect(f.relayer).expire(s.intentId, p))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      });
    });
  });

  describe("tier-specific decisions", function () {
    it("vetoes only supervised intents and rejects only collaborative ones", async function () {
      const f = await loadFixture(articleFixture);
      const sup = await queueSupervised(f);
      const col = await queueCollaborative(f);
      await expect(f.wallet.connect(f.owners[0]).veto(col.intentId, col.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardWrongStatus")
        .withArgs(col.intentId, Status.AwaitingApproval);
      await expect(f.wallet.connect(f.owners[0]).reject(sup.intentId, sup.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardWrongStatus")
        .withArgs(sup.intentId, Status.Queued);
      await expect(f.wallet.connect(f.owners[0]).approve(sup.intentId, sup.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardWrongStatus")
        .withArgs(sup.intentId, Status.Queued);
    });
  });

  describe("pending intent binding", function () {
    it("reverts TierGuardUnknownIntent for a tampered collaborative intent", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueCollaborative(f);
      const p = s.pending!;
      const fakes = [
        tampered(p, { amount: p.amount + 1n }),
        tampered(p, { recipient: f.outsider.address }),
        tampered(p, { deadline: p.deadline + 1 }),
        tampered(p, { budgetEpoch: p.budgetEpoch + 1 }),
        tampered(p, { policyVersion: p.policyVersion + 1 }),
        tampered(p, { trust: Trust.Verified }),
      ];
      for (const fake of fakes) {
        await expect(f.wallet.connect(f.owners[0]).approve(s.intentId, fake))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
        const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, fake);
        await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, fake, sigs))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
        await expect(f.wallet.connect(f.owners[0]).reject(s.intentId, fake))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      }
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.AwaitingApproval);
    });

    it("reverts TierGuardUnknownIntent for a tampered supervised intent", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueSupervised(f);
      const p = s.pending!;
      await at(p.notBefore);
      for (const fake of [tampered(p, { amount: p.amount + 1n }), tampered(p, { recipient: f.vendors.data })]) {
        await expect(f.wallet.connect(f.relayer).execute(s.intentId, fake))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
          .withArgs(s.intentId);
      }
      // a shorter veto window or a later deadline do not pass either
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, tampered(p, { notBefore: p.notBefore - 10 })))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(s.intentId);
      await expect(f.wallet.connect(f.owners[0]).veto(s.intentId, tampered(p, { notBefore: p.notBefore + 100 })))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(s.intentId);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, p)).to.emit(f.wallet, "IntentExecuted");
    });

    it("reverts TierGuardUnknownIntent for an id that was never queued", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueSupervised(f);
      const other = await f.wallet.intentIdFor(f.agentId, 7);
      await at(s.pending!.notBefore);
      await expect(f.wallet.connect(f.relayer).execute(other, s.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(other);
    });
  });

  describe("independent decisions", function () {
    it("decides each queued intent on its own: veto the first of three, execute the third, the second stays queued", async function () {
      const f = await loadFixture(articleFixture);
      const t0 = await nextTs();
      const a = await queueSupervised(f, "10", t0);
      const b = await queueSupervised(f, "20", t0 + 1);
      const c = await queueSupervised(f, "30", t0 + 2);
      await at(t0 + 3);
      await expect(f.wallet.connect(f.owners[0]).veto(a.intentId, a.pending!))
        .to.emit(f.wallet, "IntentVetoed")
        .withArgs(a.intentId, f.owners[0].address, 0);
      await at(c.pending!.notBefore);
      const tx = await f.wallet.connect(f.relayer).execute(c.intentId, c.pending!);
      await expect(tx).to.emit(f.wallet, "IntentExecuted").withArgs(c.intentId, f.relayer.address);
      await expect(tx).to.changeTokenBalance(f.usdc, f.vendors.compute, usd("30"));
      // the decided ones (vetoed, executed: see the events) are no longer stored; the second still waits
      expect(await Promise.all([a, b, c].map((s) => f.wallet.intentStatus(s.intentId)))).to.deep.equal([
        BigInt(Status.None),
        BigInt(Status.Queued),
        BigInt(Status.None),
      ]);
      await expect(f.wallet.connect(f.relayer).execute(b.intentId, b.pending!)).to.changeTokenBalance(
        f.usdc,
        f.vendors.compute,
        usd("20"),
      );
    });

    it("keeps queued intents intact when autonomous and prohibited intents are submitted in between", async function () {
      const f = await loadFixture(articleFixture);
      const sup = await queueSupervised(f);
      const col = await queueCollaborative(f);
      await submit(f, usdcPay(f, "5", f.vendors.casino, "gambling"));
      await submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"));
      const sup2 = await queueSupervised(f, "12");
      const col2 = await queueCollaborative(f, "99");
      const ids = [sup, col, sup2, col2].map((s) => s.intentId);
      expect(new Set(ids).size).to.equal(4);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], col.intentId, col.pending!);
      await expect(f.wallet.connect(f.relayer).approveBySignatures(col.intentId, col.pending!, sigs))
        .to.emit(f.wallet, "IntentExecuted")
        .withArgs(col.intentId, f.relayer.address);
      await at(sup2.pending!.notBefore);
      await expect(f.wallet.connect(f.relayer).execute(sup.intentId, sup.pending!))
        .to.emit(f.wallet, "IntentExecuted")
        .withArgs(sup.intentId, f.relayer.address);
      await expect(f.wallet.connect(f.relayer).execute(sup2.intentId, sup2.pending!))
        .to.emit(f.wallet, "IntentExecuted")
        .withArgs(sup2.intentId, f.relayer.address);
      expect(await f.wallet.intentStatus(col2.intentId)).to.equal(Status.AwaitingApproval);
    });
  });

  describe("re-checks at execution", function () {
    it("refuses a supervised intent while paused (IntentRefused Paused, not closed) and executes it after unpause", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueSupervised(f);
      await f.wallet.connect(f.owners[1]).pause();
      await at(s.pending!.notBefore);
      expect(
        await f.wallet.connect(f.relayer).execute.staticCall(s.intentId, s.pending!, { blockTag: "pending" }),
      ).to.equal(false);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.Paused, false, 0);
      await expect(tx).not.to.emit(f.wallet, "IntentExecuted");
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.Queued);
      await configure(f, ["unpause", []]);
      const tx2 = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx2).to.emit(f.wallet, "IntentExecuted").withArgs(s.intentId, f.relayer.address);
      await expect(tx2).to.changeTokenBalance(f.usdc, f.vendors.compute, usd("47"));
    });

    it("refuses the approval that reaches the threshold while paused and executes after unpause", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueCollaborative(f);
      await f.wallet.connect(f.owners[1]).pause();
      await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
      await expect(f.wallet.connect(f.owners[1]).approve(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentRefused")
        .withArgs(s.intentId, Refusal.Paused, false, 0);
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.AwaitingApproval);
      expect(await f.wallet.approvals(s.intentId)).to.have.length(2);
      await configure(f, ["unpause", []]);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.changeTokenBalance(f.usdc, f.vendors.analysisAgent, usd("89"));
      await expect(tx).to.emit(f.wallet, "IntentExecuted").withArgs(s.intentId, f.relayer.address);
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
    });

    it("refuses and closes an intent whose recipient was blocked after queueing", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueSupervised(f);
      await configure(f, ["setRecipientTrust", [f.vendors.compute, Trust.Blocked]]);
      await at(s.pending!.notBefore);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.RecipientBlocked, true, 0);
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
      // closed (closed=true in the event): the commitment is deleted
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
      await configure(f, ["setRecipientTrust", [f.vendors.compute, Trust.Known]]);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(s.intentId);
    });

    it("refuses and closes a collaborative intent whose recipient was blocked, at the approval that reaches the threshold", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueCollaborative(f);
      await configure(f, ["setRecipientTrust", [f.vendors.analysisAgent, Trust.Blocked]]);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
      const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.RecipientBlocked, true, 0);
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.analysisAgent], [0, 0]);
      // closed (closed=true in the event): the commitment and the recorded approvals are deleted
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
      expect(await f.wallet.approvals(s.intentId)).to.deep.equal([]);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(s.intentId);
    });

    it("refuses and closes an intent whose token is no longer accepted", async function () {
      const f = await loadFixture(articleFixture);
      const s = await submit(f, {
        token: f.eurcAddress,
        amount: 10_000_000n,
        recipient: f.vendors.compute,
        category: cat("compute"),
      });
      expect(s.tier).to.equal(Tier.Supervised);
      await configure(f, ["removeToken", [f.eurcAddress]]);
      await at(s.pending!.notBefore);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.TokenNotAccepted, true, 0);
      await expect(tx).to.changeTokenBalances(f.eurc, [f.walletAddress, f.vendors.compute], [0, 0]);
      // closed (closed=true in the event): the commitment is deleted
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.None);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
        .withArgs(s.intentId);
    });

    it("refuses a supervised intent the wallet cannot pay (TransferFailed, not closed) and executes it after re-funding", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueSupervised(f);
      await drainUsdc(f);
      await at(s.pending!.notBefore);
      expect(
        await f.wallet.connect(f.relayer).execute.staticCall(s.intentId, s.pending!, { blockTag: "pending" }),
      ).to.equal(false);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentRefused").withArgs(s.intentId, Refusal.TransferFailed, false, 0);
      await expect(tx).not.to.emit(f.wallet, "IntentExecuted");
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.Queued);
      await f.usdc.mint(f.walletAddress, usd("47"));
      const tx2 = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx2).to.emit(f.wallet, "IntentExecuted").withArgs(s.intentId, f.relayer.address);
      await expect(tx2).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [-usd("47"), usd("47")]);
    });

    it("keeps a collaborative intent awaiting after a TransferFailed refusal; execute pays it once re-funded", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueCollaborative(f);
      await drainUsdc(f);
      await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
      await expect(f.wallet.connect(f.owners[1]).approve(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentRefused")
        .withArgs(s.intentId, Refusal.TransferFailed, false, 0);
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.AwaitingApproval);
      await f.usdc.mint(f.walletAddress, usd("89"));
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentExecuted").withArgs(s.intentId, f.relayer.address);
      await expect(tx).to.changeTokenBalances(
        f.usdc,
        [f.walletAddress, f.vendors.analysisAgent],
        [-usd("89"), usd("89")],
      );
    });

    it("records signed approvals when the payment fails, so that execute can retry without them", async function () {
      const f = await loadFixture(articleFixture);
      const s = await queueCollaborative(f);
      await drainUsdc(f);
      const sigs = await signApprovals(f.wallet, [f.owners[1], f.owners[2]], s.intentId, s.pending!);
      await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs))
        .to.emit(f.wallet, "IntentRefused")
        .withArgs(s.intentId, Refusal.TransferFailed, false, 0);
      expect([...(await f.wallet.approvals(s.intentId))].sort()).to.deep.equal(
        [f.owners[1].address, f.owners[2].address].sort(),
      );
      await f.usdc.mint(f.walletAddress, usd("89"));
      await expect(f.wallet.connect(f.outsider).execute(s.intentId, s.pending!)).to.changeTokenBalance(
        f.usdc,
        f.vendors.analysisAgent,
        usd("89"),
      );
    });
  });

  describe("budget release", function () {
    async function budgetFixture() {
      const f = await articleFixture();
      await configure(
        f,
        ["setBudget", [Tier.Supervised, usd("100"), 24 * HOUR]],
        ["setBudget", [Tier.Collaborative, usd("1000"), 24 * HOUR]],
      );
      return f;
    }
    const spent = async (f: Fixture, tier: number) => (await f.wallet.budget(tier)).spent;

    it("counts a queued intent against its tier's budget at submission", async function () {
      const f = await loadFixture(budgetFixture);
      const tx = await submitTx(f, usdcPay(f, "40", f.vendors.compute, "compute"));
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          details({ budgeted: true, value: usd("40") }),
          anyValue,
        );
      expect(await spent(f, Tier.Supervised)).to.equal(usd("40"));
      const c = await queueCollaborative(f);
      expect(c.pending!.budgetEpoch).to.equal(1);
      expect(await spent(f, Tier.Collaborative)).to.equal(usd("89"));
    });

    it("gives a vetoed intent's budgeted value back", async function () {
      const f = await loadFixture(budgetFixture);
      const s = await queueSupervised(f, "40");
      expect(s.pending!.budgetEpoch).to.equal(1);
      await expect(f.wallet.connect(f.owners[0]).veto(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentVetoed")
        .withArgs(s.intentId, f.owners[0].address, usd("40"));
      expect(await spent(f, Tier.Supervised)).to.equal(0n);
    });

    it("gives a stale intent's budgeted value back", async function () {
      const f = await loadFixture(budgetFixture);
      await queueSupervised(f, "10");
      const s = await queueSupervised(f, "40");
      await at(s.pending!.deadline);
      await expect(f.wallet.connect(f.relayer).expire(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentExpired")
        .withArgs(s.intentId, Status.Stale, usd("40"));
      expect(await spent(f, Tier.Supervised)).to.equal(usd("10"));
    });

    it("gives a rejected intent's budgeted value back", async function () {
      const f = await loadFixture(budgetFixture);
      const s = await queueCollaborative(f);
      await expect(f.wallet.connect(f.owners[1]).reject(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentRejected")
        .withArgs(s.intentId, f.owners[1].address, usd("89"));
      expect(await spent(f, Tier.Collaborative)).to.equal(0n);
    });

    it("gives an expired collaborative intent's budgeted value back", async function () {
      const f = await loadFixture(budgetFixture);
      const s = await queueCollaborative(f);
      await at(s.pending!.deadline);
      await expect(f.wallet.connect(f.relayer).expire(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentExpired")
        .withArgs(s.intentId, Status.Expired, usd("89"));
      expect(await spent(f, Tier.Collaborative)).to.equal(0n);
    });

    it("gives a closed refusal's budgeted value back", async function () {
      const f = await loadFixture(budgetFixture);
      const s = await queueSupervised(f, "40");
      await configure(f, ["setRecipientTrust", [f.vendors.compute, Trust.Blocked]]);
      await at(s.pending!.notBefore);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentRefused")
        .withArgs(s.intentId, Refusal.RecipientBlocked, true, usd("40"));
      expect(await spent(f, Tier.Supervised)).to.equal(0n);
    });

    it("keeps an executed intent's value counted", async function () {
      const f = await loadFixture(budgetFixture);
      const s = await queueSupervised(f, "40");
      await at(s.pending!.notBefore);
      await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      expect(await spent(f, Tier.Supervised)).to.equal(usd("40"));
      const c = await queueCollaborative(f);
      await f.wallet
        .connect(f.relayer)
        .approveBySignatures(
          c.intentId,
          c.pending!,
          await signApprovals(f.wallet, [f.owners[0], f.owners[2]], c.intentId, c.pending!),
        );
      expect(await spent(f, Tier.Collaborative)).to.equal(usd("89"));
    });

    it("keeps the value counted on a retryable refusal", async function () {
      const f = await loadFixture(budgetFixture);
      const s = await queueSupervised(f, "40");
      await f.wallet.connect(f.owners[0]).pause();
      await at(s.pending!.notBefore);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentRefused")
        .withArgs(s.intentId, Refusal.Paused, false, 0);
      expect(await spent(f, Tier.Supervised)).to.equal(usd("40"));
    });

    it("lets released budget be used again", async function () {
      const f = await loadFixture(budgetFixture);
      const a = await queueSupervised(f, "50");
      await queueSupervised(f, "50");
      expect((await queueSupervised(f, "1")).reason).to.equal(Reason.NoTierMatched);
      await f.wallet.connect(f.owners[0]).veto(a.intentId, a.pending!);
      const again = await queueSupervised(f, "50");
      expect([again.tier, again.reason]).to.deep.equal([Tier.Supervised, Reason.Matched]);
      expect(await spent(f, Tier.Supervised)).to.equal(usd("100"));
    });
  });

  describe("auto-promotion", function () {
    async function promoteFixture() {
      const f = await articleFixture();
      // Unknown recipients are no longer prohibited; collaborative payments promote them
      await configure(f, ["setProhibitions", [PROHIBITED_CATEGORIES, 0]], ["setAutoPromote", [true]]);
      return f;
    }
    const VERSION = ARTICLE_POLICY_VERSION + 1;

    it("promotes an Unknown recipient to Known after an approved collaborative payment", async function () {
      const f = await loadFixture(promoteFixture);
      const [newcomer] = f.newcomers;
      const s = await submit(f, usdcPay(f, "10", newcomer, "agent_hire"));
      expect([s.tier, s.reason]).to.deep.equal([Tier.Collaborative, Reason.Matched]);
      await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
      expect(await f.wallet.recipientTrust(newcomer)).to.equal(Trust.Unknown);
      const tx = await f.wallet.connect(f.owners[1]).approve(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "RecipientTrustSet").withArgs(newcomer, Trust.Known, true, VERSION);
      await expect(tx).to.changeTokenBalance(f.usdc, newcomer, usd("10"));
      expect(await f.wallet.recipientTrust(newcomer)).to.equal(Trust.Known);
      expect(await f.wallet.recipientList()).to.include(newcomer);
      // now Known: a compute payment to it is supervised
      expect((await submit(f, usdcPay(f, "10", newcomer, "compute"))).tier).to.equal(Tier.Supervised);
    });

    it("promotes after an escalated (unmatched) intent is approved by signatures", async function () {
      const f = await loadFixture(promoteFixture);
      const newcomer = f.newcomers[1];
      const s = await submit(f, usdcPay(f, "0.50", newcomer, "embeddings"));
      expect([s.tier, s.reason]).to.deep.equal([Tier.Collaborative, Reason.NoTierMatched]);
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[2]], s.intentId, s.pending!);
      await expect(f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs))
        .to.emit(f.wallet, "RecipientTrustSet")
        .withArgs(newcomer, Trust.Known, true, VERSION);
      expect(await f.wallet.recipientTrust(newcomer)).to.equal(Trust.Known);
    });

    it("does not promote after a supervised payment", async function () {
      const f = await loadFixture(promoteFixture);
      await configure(f, ["setTierRules", [Tier.Supervised, rules("supervised", { minTrust: Trust.Unknown })]]);
      const [newcomer] = f.newcomers;
      const s = await submit(f, usdcPay(f, "10", newcomer, "compute"));
      expect(s.tier).to.equal(Tier.Supervised);
      await at(s.pending!.notBefore);
      const tx = await f.wallet.connect(f.relayer).execute(s.intentId, s.pending!);
      await expect(tx).to.emit(f.wallet, "IntentExecuted");
      await expect(tx).not.to.emit(f.wallet, "RecipientTrustSet");
      expect(await f.wallet.recipientTrust(newcomer)).to.equal(Trust.Unknown);
    });

    it("does not promote when auto-promotion is off", async function () {
      const f = await loadFixture(promoteFixture);
      await configure(f, ["setAutoPromote", [false]]);
      const [newcomer] = f.newcomers;
      const s = await submit(f, usdcPay(f, "10", newcomer, "agent_hire"));
      const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
      const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
      await expect(tx).to.emit(f.wallet, "IntentExecuted");
      await expect(tx).not.to.emit(f.wallet, "RecipientTrustSet");
      expect(await f.wallet.recipientTrust(newcomer)).to.equal(Trust.Unknown);
    });

    it("leaves a Known or Verified recipient's trust alone", async function () {
      const f = await loadFixture(promoteFixture);
      for (const r of [f.vendors.analysisAgent, f.vendors.search]) {
        const s = await submit(f, usdcPay(f, "10", r, "agent_hire"));
        const sigs = await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.intentId, s.pending!);
        const tx = await f.wallet.connect(f.relayer).approveBySignatures(s.intentId, s.pending!, sigs);
        await expect(tx).to.emit(f.wallet, "IntentExecuted");
        await expect(tx).not.to.emit(f.wallet, "RecipientTrustSet");
      }
      expect(await f.wallet.recipientTrust(f.vendors.search)).to.equal(Trust.Verified);
    });
  });

  describe("intentStatus", function () {
    it("follows a supervised intent: None, Queued, then None once executed, vetoed, stale or refused (decision in the events)", async function () {
      const f = await loadFixture(articleFixture);
      const status = (s: Submitted | string) => f.wallet.intentStatus(typeof s === "string" ? s : s.intentId);
      expect(await status(await f.wallet.intentIdFor(f.agentId, 0))).to.equal(Status.None);
      const t0 = await nextTs();
      const run = await queueSupervised(f, "10", t0);
      const vetoed = await queueSupervised(f, "11", t0 + 1);
      const stale = await queueSupervised(f, "12", t0 + 2);
      const refused = await submit(
        f,
        { token: f.eurcAddress, amount: 1_000_000n, recipient: f.vendors.compute, category: cat("compute") },
        { at: t0 + 3 },
      );
      for (const s of [run, vetoed, stale, refused]) expect(await status(s)).to.equal(Status.Queued);
      await at(t0 + 4);
      await expect(f.wallet.connect(f.owners[0]).veto(vetoed.intentId, vetoed.pending!))
        .to.emit(f.wallet, "IntentVetoed")
        .withArgs(vetoed.intentId, f.owners[0].address, 0);
      expect(await status(vetoed)).to.equal(Status.None);
      await configure(f, ["removeToken", [f.eurcAddress]]);
      await at(refused.pending!.notBefore);
      await expect(f.wallet.connect(f.relayer).execute(refused.intentId, refused.pending!))
        .to.emit(f.wallet, "IntentRefused")
        .withArgs(refused.intentId, Refusal.TokenNotAccepted, true, 0);
      expect(await status(refused)).to.equal(Status.None);
      expect(await status(run)).to.equal(Status.Queued);
      await expect(f.wallet.connect(f.relayer).execute(run.intentId, run.pending!))
        .to.emit(f.wallet, "IntentExecuted")
        .withArgs(run.intentId, f.relayer.address);
      expect(await status(stale)).to.equal(Status.Queued);
      await at(stale.pending!.deadline);
      await expect(f.wallet.connect(f.relayer).expire(stale.intentId, stale.pending!))
        .to.emit(f.wallet, "IntentExpired")
        .withArgs(stale.intentId, Status.Stale, 0);
      // storage keeps only what still waits: every decided intent reads None again
      expect(await Promise.all([run, vetoed, stale, refused].map(status))).to.deep.equal(
        [Status.None, Status.None, Status.None, Status.None].map(BigInt),
      );
    });

    it("follows collaborative intents: AwaitingApproval, then None once executed, rejected or expired (decision in the events)", async function () {
      const f = await loadFixture(articleFixture);
      const status = (s: Submitted) => f.wallet.intentStatus(s.intentId);
      const approved = await queueCollaborative(f, "10");
      const rejected = await queueCollaborative(f, "11");
      const expired = await queueCollaborative(f, "12");
      for (const s of [approved, rejected, expired]) expect(await status(s)).to.equal(Status.AwaitingApproval);
      await f.wallet.connect(f.owners[0]).approve(approved.intentId, approved.pending!);
      expect(await status(approved)).to.equal(Status.AwaitingApproval);
      await expect(f.wallet.connect(f.owners[1]).approve(approved.intentId, approved.pending!))
        .to.emit(f.wallet, "IntentExecuted")
        .withArgs(approved.intentId, f.owners[1].address);
      expect(await status(approved)).to.equal(Status.None);
      expect(await status(rejected)).to.equal(Status.AwaitingApproval);
      await expect(f.wallet.connect(f.owners[2]).reject(rejected.intentId, rejected.pending!))
        .to.emit(f.wallet, "IntentRejected")
        .withArgs(rejected.intentId, f.owners[2].address, 0);
      expect(await status(rejected)).to.equal(Status.None);
      expect(await status(expired)).to.equal(Status.AwaitingApproval);
      await at(expired.pending!.deadline);
      await expect(f.wallet.connect(f.relayer).expire(expired.intentId, expired.pending!))
        .to.emit(f.wallet, "IntentExpired")
        .withArgs(expired.intentId, Status.Expired, 0);
      // storage keeps only what still waits: every decided intent reads None again
      expect(await Promise.all([approved, rejected, expired].map(status))).to.deep.equal(
        [Status.None, Status.None, Status.None].map(BigInt),
      );
    });
  });
});
