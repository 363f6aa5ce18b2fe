/**
 * Adversarial tests: re-entrancy, hostile recipients and tokens, signature replay, key abuse, stale prices and
 * agents trying to step outside `spend`. Every test asserts the behaviour documented in
 * contracts/interfaces/ITierGuardWallet.sol and docs/.
 */
import hre, { ethers, network } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { Interface, Signer, TransactionReceipt } from "ethers";
import type { FalseReturnToken, FeeOnTransferToken, ReentrantRecipient, TierGuardWallet } from "../../typechain-types";
import {
  ARTICLE_RULES,
  PriceKind,
  Reason,
  Status,
  Tier,
  Trust,
  cat,
  decodeSubmission,
  deployArticle,
  signApprovals,
  signOwnerAction,
  submitIntent,
  usd,
} from "../../scripts/lib/article";
import {
  FAR_DEADLINE,
  agentSnapshot,
  decodeRevertData,
  deployTwin,
  domainOf,
  runOwnerAction,
  signApprovalsWith,
  signOwnerActionWith,
  withRules,
} from "./helpers-props";

const ETH = ethers.ZeroAddress;
/** 0.0001 ETH at the fixture's 3000.00 USD/ETH: 0.30 USD, within the autonomous cap of 1.00. */
const SMALL_ETH = 10n ** 14n;
/** 0.003 ETH: 9.00 USD, a supervised amount. */
const MID_ETH = 3n * 10n ** 15n;
/** `Refusal.TransferFailed` */
const REFUSAL_TRANSFER_FAILED = 1;

async function articleFixture() {
  return deployArticle(hre);
}

/** The article deployment plus a re-entrant recipient that is Verified (so autonomous payments reach it). */
async function reentrantFixture() {
  const d = await deployArticle(hre);
  const rr = (await ethers.deployContract("ReentrantRecipient")) as unknown as ReentrantRecipient;
  const rrAddr = await rr.getAddress();
  await runOwnerAction(d.wallet, d.owners.slice(0, 2), [
    d.wallet.interface.encodeFunctionData("setRecipientTrust", [rrAddr, Trust.Verified]),
  ]);
  return { ...d, rr, rrAddr };
}

function eventsOf(wallet: TierGuardWallet, receipt: TransactionReceipt, name: string) {
  const out = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== (wallet.target as string).toLowerCase()) continue;
    const parsed = wallet.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed);
  }
  return out;
}

describe("TierGuardWallet — adversarial", function () {
  this.timeout(300_000);

  /*//////////////////////////////////////////////////////////////
                              RE-ENTRANCY
  //////////////////////////////////////////////////////////////*/

  describe("re-entrancy", () => {
    it("a recipient re-entering execute() of another queued intent during an autonomous ETH payment is stopped; the payment happens once", async () => {
      const { wallet, agentKey, usdc, vendors, rr, rrAddr, owners } = await loadFixture(reentrantFixture);
      const usdcAddr = await usdc.getAddress();
      // A supervised intent that anyone could execute once its veto window is over.
      const q = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("10"),
        recipient: vendors.compute,
        category: cat("compute"),
      });
      expect(q.tier).to.equal(Tier.Supervised);
      await time.increaseTo(q.pending!.notBefore);
      await rr.setAttack(wallet.target, wallet.interface.encodeFunctionData("execute", [q.intentId, q.pending!]));

      const walletEth = await ethers.provider.getBalance(wallet.target);
      const rrEth = await ethers.provider.getBalance(rrAddr);
      const tx = await wallet.connect(agentKey).spend(ETH, SMALL_ETH, rrAddr, cat("api_calls"), "pay");
      const receipt = (await tx.wait())!;

      // The outer payment went through exactly once...
      expect(eventsOf(wallet, receipt, "IntentSubmitted")).to.have.length(1);
      expect((await decodeSubmission(wallet, receipt)).tier).to.equal(Tier.Autonomous);
      expect(await ethers.provider.getBalance(rrAddr)).to.equal(rrEth + SMALL_ETH);
      expect(await ethers.provider.getBalance(wallet.target)).to.equal(walletEth - SMALL_ETH);
      // ...and the re-entrant execute() failed on the re-entrancy guard.
      expect(await rr.attempts()).to.equal(1n);
      expect(await rr.reentered()).to.equal(false);
      expect(decodeRevertData(await rr.lastRevertData(), wallet.interface)).to.equal("ReentrancyGuardReentrantCall");
      await expect(tx)
        .to.emit(rr, "ReentryAttempted")
        .withArgs(wallet.target, false, wallet.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []));
      expect(eventsOf(wallet, receipt, "IntentExecuted")).to.have.length(0);
      expect(await wallet.intentStatus(q.intentId)).to.equal(Status.Queued);
      expect(await usdc.balanceOf(vendors.compute)).to.equal(0n);

      // Control: the same execute() from outside works, so only the guard stopped it.
      await expect(wallet.connect(owners[2]).execute(q.intentId, q.pending!)).to.emit(wallet, "IntentExecuted");
      expect(await usdc.balanceOf(vendors.compute)).to.equal(usd("10"));
    });

    it("a recipient holding its own session key cannot re-enter spend() during a payment", async () => {
      const { wallet, agentKey, owners, rr, rrAddr, usdc, vendors } = await loadFixture(reentrantFixture);
      const rrAgent = ethers.encodeBytes32String("rr-agent");
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("grantSessionKey", [rrAddr, rrAgent, FAR_DEADLINE]),
      ]);
      await rr.setAttack(
        wallet.target,
        wallet.interface.encodeFunctionData("spend", [
          await usdc.getAddress(),
          1000n,
          vendors.embeddings,
          cat("api_calls"),
          "x",
        ]),
      );
      const before = await usdc.balanceOf(vendors.embeddings);
      const rrEth = await ethers.provider.getBalance(rrAddr);
      await (await wallet.connect(agentKey).spend(ETH, SMALL_ETH, rrAddr, cat("api_calls"), "pay")).wait();

      expect(await ethers.provider.getBalance(rrAddr)).to.equal(rrEth + SMALL_ETH);
      expect(await rr.attempts()).to.equal(1n);
      expect(await rr.reentered()).to.equal(false);
      expect(decodeRevertData(await rr.lastRevertData(), wallet.interface)).to.equal("ReentrancyGuardReentrantCall");
      expect((await wallet.agentState(rrAgent)).nonce).to.equal(0n);
      expect(await usdc.balanceOf(vendors.embeddings)).to.equal(before);
    });

    it("a recipient of a queued ETH intent cannot re-enter execute() to be paid twice", async () => {
      const { wallet, agentKey, owners, rr, rrAddr } = await loadFixture(reentrantFixture);
      const q = await submitIntent(wallet, agentKey, {
        token: ETH,
        amount: MID_ETH,
        recipient: rrAddr,
        category: cat("compute"),
      });
      expect(q.tier).to.equal(Tier.Supervised);
      await time.increaseTo(q.pending!.notBefore);
      await rr.setAttack(wallet.target, wallet.interface.encodeFunctionData("execute", [q.intentId, q.pending!]));
      const walletEth = await ethers.provider.getBalance(wallet.target);
      const rrEth = await ethers.provider.getBalance(rrAddr);

      const receipt = (await (await wallet.connect(owners[2]).execute(q.intentId, q.pending!)).wait())!;
      expect(eventsOf(wallet, receipt, "IntentExecuted")).to.have.length(1);
      expect(await ethers.provider.getBalance(rrAddr)).to.equal(rrEth + MID_ETH);
      expect(await ethers.provider.getBalance(wallet.target)).to.equal(walletEth - MID_ETH);
      expect(await rr.reentered()).to.equal(false);
      expect(decodeRevertData(await rr.lastRevertData(), wallet.interface)).to.equal("ReentrancyGuardReentrantCall");
      // Executed once (the event above), and no longer stored: a decided intent's slot is deleted.
      expect(eventsOf(wallet, receipt, "IntentExecuted")[0].args.intentId).to.equal(q.intentId);
      expect(await wallet.intentStatus(q.intentId)).to.equal(Status.None);
    });

    it("a recipient cannot re-enter approveBySignatures() or ownerAction() with valid signatures during a payment", async () => {
      const { wallet, agentKey, owners, rr, rrAddr, usdc, vendors } = await loadFixture(reentrantFixture);
      const usdcAddr = await usdc.getAddress();
      const c = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("100"),
        recipient: vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      expect(c.tier).to.equal(Tier.Collaborative);
      const sigs = await signApprovals(wallet, owners.slice(0, 2), c.intentId, c.pending!);

      // 1. approveBySignatures
      await rr.setAttack(
        wallet.target,
        wallet.interface.encodeFunctionData("approveBySignatures", [c.intentId, c.pending!, sigs]),
      );
      await (await wallet.connect(agentKey).spend(ETH, SMALL_ETH, rrAddr, cat("api_calls"), "pay")).wait();
      expect(await rr.reentered()).to.equal(false);
      expect(decodeRevertData(await rr.lastRevertData(), wallet.interface)).to.equal("ReentrancyGuardReentrantCall");
      expect(await wallet.intentStatus(c.intentId)).to.equal(Status.AwaitingApproval);
      expect(await wallet.approvals(c.intentId)).to.deep.equal([]);

      // 2. ownerAction (signed for the current nonce)
      const calls = [wallet.interface.encodeFunctionData("setRecipientTrust", [vendors.stranger, Trust.Verified])];
      const nonce = await wallet.ownerNonce();
      const oaSigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, FAR_DEADLINE, nonce);
      await rr.setAttack(
        wallet.target,
        wallet.interface.encodeFunctionData("ownerAction", [calls, FAR_DEADLINE, oaSigs]),
      );
      await (await wallet.connect(agentKey).spend(ETH, SMALL_ETH, rrAddr, cat("api_calls"), "pay")).wait();
      expect(await rr.reentered()).to.equal(false);
      expect(decodeRevertData(await rr.lastRevertData(), wallet.interface)).to.equal("ReentrancyGuardReentrantCall");
      expect(await wallet.ownerNonce()).to.equal(nonce);
      expect(await wallet.recipientTrust(vendors.stranger)).to.equal(Trust.Unknown);

      // Controls: both calls work from outside.
      await expect(wallet.connect(owners[2]).approveBySignatures(c.intentId, c.pending!, sigs)).to.emit(
        wallet,
        "IntentExecuted",
      );
      await expect(wallet.connect(owners[2]).ownerAction(calls, FAR_DEADLINE, oaSigs)).to.emit(
        wallet,
        "OwnerActionExecuted",
      );
    });
  });

  /*//////////////////////////////////////////////////////////////
                         FAILING RECIPIENTS AND TOKENS
  //////////////////////////////////////////////////////////////*/

  describe("failing transfers", () => {
    it("a recipient that rejects ETH makes an autonomous ETH payment revert with TierGuardNativeTransferFailed; nothing is counted", async () => {
      const { wallet, agentKey, agentId, rr, rrAddr } = await loadFixture(reentrantFixture);
      await rr.setRejectEth(true);
      const before = await agentSnapshot(wallet, agentId);
      const walletEth = await ethers.provider.getBalance(wallet.target);
      await expect(wallet.connect(agentKey).spend(ETH, SMALL_ETH, rrAddr, cat("api_calls"), "pay"))
        .to.be.revertedWithCustomError(wallet, "TierGuardNativeTransferFailed")
        .withArgs(rrAddr, SMALL_ETH);
      expect(await agentSnapshot(wallet, agentId)).to.deep.equal(before);
      expect(await ethers.provider.getBalance(wallet.target)).to.equal(walletEth);
      expect(await ethers.provider.getBalance(rrAddr)).to.equal(0n);
    });

    it("a queued ETH intent to a recipient that rejects ETH is refused with TransferFailed (retryable) and stays queued", async () => {
      const { wallet, agentKey, owners, rr, rrAddr } = await loadFixture(reentrantFixture);
      const q = await submitIntent(wallet, agentKey, {
        token: ETH,
        amount: MID_ETH,
        recipient: rrAddr,
        category: cat("compute"),
      });
      await time.increaseTo(q.pending!.notBefore);
      await rr.setRejectEth(true);
      const walletEth = await ethers.provider.getBalance(wallet.target);
      expect(await wallet.connect(owners[0]).execute.staticCall(q.intentId, q.pending!)).to.equal(false);
      const tx = wallet.connect(owners[0]).execute(q.intentId, q.pending!);
      await expect(tx).to.emit(wallet, "IntentRefused").withArgs(q.intentId, REFUSAL_TRANSFER_FAILED, false, 0);
      await expect(tx).to.not.emit(wallet, "IntentExecuted");
      expect(await wallet.intentStatus(q.intentId)).to.equal(Status.Queued);
      expect(await ethers.provider.getBalance(wallet.target)).to.equal(walletEth);
      expect(await ethers.provider.getBalance(rrAddr)).to.equal(0n);
      // Retry once the recipient accepts ETH: paid exactly once.
      await rr.setRejectEth(false);
      await expect(wallet.connect(owners[0]).execute(q.intentId, q.pending!)).to.emit(wallet, "IntentExecuted");
      expect(await ethers.provider.getBalance(rrAddr)).to.equal(MID_ETH);
      expect(await wallet.intentStatus(q.intentId)).to.equal(Status.None);
      await expect(wallet.connect(owners[0]).execute(q.intentId, q.pending!))
        .to.be.revertedWithCustomError(wallet, "TierGuardUnknownIntent")
        .withArgs(q.intentId);
    });

    it("a queued intent in a token whose transfer returns false is refused with TransferFailed (retryable) and stays queued", async () => {
      const { wallet, agentKey, owners, vendors } = await loadFixture(articleFixture);
      const frt = (await ethers.deployContract("FalseReturnToken")) as unknown as FalseReturnToken;
      const frtAddr = await frt.getAddress();
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("configureToken", [frtAddr, PriceKind.Fixed, 10n ** 18n, 0]),
      ]);
      await frt.mint(wallet.target, 1000n * 10n ** 6n);
      const c = await submitIntent(wallet, agentKey, {
        token: frtAddr,
        amount: usd("100"),
        recipient: vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      expect(c.tier).to.equal(Tier.Collaborative);
      await frt.setFailTransfers(true);
      const sigs = await signApprovals(wallet, owners.slice(0, 2), c.intentId, c.pending!);
      const tx = wallet.approveBySignatures(c.intentId, c.pending!, sigs);
      await expect(tx).to.emit(wallet, "IntentRefused").withArgs(c.intentId, REFUSAL_TRANSFER_FAILED, false, 0);
      await expect(tx).to.not.emit(wallet, "IntentExecuted");
      expect(await wallet.intentStatus(c.intentId)).to.equal(Status.AwaitingApproval);
      expect(await frt.balanceOf(wallet.target)).to.equal(1000n * 10n ** 6n);
      // The signed approvals were kept: a plain execute() pays once the token behaves.
      await frt.setFailTransfers(false);
      await expect(wallet.execute(c.intentId, c.pending!)).to.emit(wallet, "IntentExecuted");
      expect(await frt.balanceOf(vendors.analysisAgent)).to.equal(usd("100"));
    });

    it("a token whose transfer returns false makes an autonomous payment revert with SafeERC20FailedOperation; nothing is counted", async () => {
      const { wallet, agentKey, agentId, owners, vendors } = await loadFixture(articleFixture);
      const frt = (await ethers.deployContract("FalseReturnToken")) as unknown as FalseReturnToken;
      const frtAddr = await frt.getAddress();
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("configureToken", [frtAddr, PriceKind.Fixed, 10n ** 18n, 0]),
      ]);
      await frt.mint(wallet.target, 1000n * 10n ** 6n);
      await frt.setFailTransfers(true);

      const before = await agentSnapshot(wallet, agentId);
      await expect(wallet.connect(agentKey).spend(frtAddr, usd("0.50"), vendors.embeddings, cat("api_calls"), "pay"))
        .to.be.revertedWithCustomError(wallet, "SafeERC20FailedOperation")
        .withArgs(frtAddr);
      expect(await agentSnapshot(wallet, agentId)).to.deep.equal(before);
      expect(await frt.balanceOf(wallet.target)).to.equal(1000n * 10n ** 6n);
      expect(await frt.balanceOf(vendors.embeddings)).to.equal(0n);

      // Control: the same payment works once the token behaves.
      await frt.setFailTransfers(false);
      const s = await submitIntent(wallet, agentKey, {
        token: frtAddr,
        amount: usd("0.50"),
        recipient: vendors.embeddings,
        category: cat("api_calls"),
      });
      expect(s.tier).to.equal(Tier.Autonomous);
      expect(await frt.balanceOf(vendors.embeddings)).to.equal(usd("0.50"));
    });

    it("a fee-on-transfer token: the wallet pays exactly `amount`, the recipient gets amount - fee, value is computed on amount", async () => {
      const { wallet, agentKey, owners, vendors } = await loadFixture(articleFixture);
      const fot = (await ethers.deployContract("FeeOnTransferToken")) as unknown as FeeOnTransferToken;
      const fotAddr = await fot.getAddress();
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("configureToken", [fotAddr, PriceKind.Fixed, 10n ** 18n, 0]),
      ]);
      await fot.mint(wallet.target, 10_000n * 10n ** 6n);

      // Autonomous, exactly at the 1.00 cap.
      const amount = usd("1.00");
      const fee = await fot.feeFor(amount);
      expect(fee).to.equal(10_000n);
      const w0 = await fot.balanceOf(wallet.target);
      const a = await submitIntent(wallet, agentKey, {
        token: fotAddr,
        amount,
        recipient: vendors.embeddings,
        category: cat("api_calls"),
      });
      expect(a.tier).to.equal(Tier.Autonomous);
      expect(a.value).to.equal(amount);
      expect(await fot.balanceOf(wallet.target)).to.equal(w0 - amount);
      expect(await fot.balanceOf(vendors.embeddings)).to.equal(amount - fee);

      // Supervised, executed after the veto window.
      const amount2 = usd("40");
      const q = await submitIntent(wallet, agentKey, {
        token: fotAddr,
        amount: amount2,
        recipient: vendors.compute,
        category: cat("compute"),
      });
      expect(q.tier).to.equal(Tier.Supervised);
      expect(q.value).to.equal(amount2);
      await time.increaseTo(q.pending!.notBefore);
      await (await wallet.connect(owners[0]).execute(q.intentId, q.pending!)).wait();
      expect(await fot.balanceOf(wallet.target)).to.equal(w0 - amount - amount2);
      expect(await fot.balanceOf(vendors.compute)).to.equal(amount2 - (await fot.feeFor(amount2)));
    });
  });

  /*//////////////////////////////////////////////////////////////
                            SIGNATURE REPLAY
  //////////////////////////////////////////////////////////////*/

  describe("signature replay", () => {
    async function twoCollaborative() {
      const d = await deployArticle(hre);
      const usdcAddr = await d.usdc.getAddress();
      const a = await submitIntent(d.wallet, d.agentKey, {
        token: usdcAddr,
        amount: usd("100"),
        recipient: d.vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      const b = await submitIntent(d.wallet, d.agentKey, {
        token: usdcAddr,
        amount: usd("100"),
        recipient: d.vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      return { ...d, a, b };
    }

    it("an approval signature for intent A cannot approve intent B (TierGuardInvalidSignature)", async () => {
      const { wallet, owners, a, b, usdc, vendors } = await loadFixture(twoCollaborative);
      expect(a.tier).to.equal(Tier.Collaborative);
      expect(b.tier).to.equal(Tier.Collaborative);
      const sigsA = await signApprovals(wallet, owners.slice(0, 2), a.intentId, a.pending!);
      await expect(wallet.approveBySignatures(b.intentId, b.pending!, sigsA))
        .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
        .withArgs(sigsA[0].signer);
      // A's signatures with B's id and A's fields: the commitment does not match.
      await expect(wallet.approveBySignatures(b.intentId, a.pending!, sigsA)).to.be.revertedWithCustomError(
        wallet,
        "TierGuardUnknownIntent",
      );
      expect(await wallet.intentStatus(b.intentId)).to.equal(Status.AwaitingApproval);
      expect(await wallet.approvals(b.intentId)).to.deep.equal([]);
      expect(await usdc.balanceOf(vendors.analysisAgent)).to.equal(0n);
      // Control: they do approve A.
      await expect(wallet.approveBySignatures(a.intentId, a.pending!, sigsA)).to.emit(wallet, "IntentExecuted");
      expect(await usdc.balanceOf(vendors.analysisAgent)).to.equal(usd("100"));
    });

    it("an approval signature cannot be used on another wallet with the same owners, even for an identical intent", async () => {
      const d = await loadFixture(articleFixture);
      const twin = await deployTwin(hre, d);
      const usdcAddr = await d.usdc.getAddress();
      const args = [usdcAddr, usd("100"), d.vendors.analysisAgent, cat("agent_hire"), "same"] as const;
      // Submit on both wallets in the same block: same id, same fields, same deadline.
      await network.provider.send("evm_setAutomine", [false]);
      let r1, r2;
      try {
        const tx1 = await d.wallet.connect(d.agentKey).spend(...args, { gasLimit: 1_000_000 });
        const tx2 = await twin.connect(d.agentKey).spend(...args, { gasLimit: 1_000_000 });
        await network.provider.send("evm_mine");
        r1 = (await tx1.wait())!;
        r2 = (await tx2.wait())!;
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const s1 = await decodeSubmission(d.wallet, r1);
      const s2 = await decodeSubmission(twin, r2);
      expect(s1.intentId).to.equal(s2.intentId);
      expect(s1.pending).to.deep.equal(s2.pending);
      expect(s1.tier).to.equal(Tier.Collaborative);

      const sigs1 = await signApprovals(d.wallet, d.owners.slice(0, 2), s1.intentId, s1.pending!);
      await expect(twin.approveBySignatures(s2.intentId, s2.pending!, sigs1))
        .to.be.revertedWithCustomError(twin, "TierGuardInvalidSignature")
        .withArgs(sigs1[0].signer);
      expect(await twin.intentStatus(s2.intentId)).to.equal(Status.AwaitingApproval);
      // Controls: each wallet accepts its own signatures.
      const sigs2 = await signApprovals(twin, d.owners.slice(0, 2), s2.intentId, s2.pending!);
      expect(sigs2[0].signature).to.not.equal(sigs1[0].signature);
      await expect(twin.approveBySignatures(s2.intentId, s2.pending!, sigs2)).to.emit(twin, "IntentExecuted");
      await expect(d.wallet.approveBySignatures(s1.intentId, s1.pending!, sigs1)).to.emit(d.wallet, "IntentExecuted");
    });

    it("an approval signature over another chainId in the domain is refused", async () => {
      const { wallet, owners, a } = await loadFixture(twoCollaborative);
      const foreign = await signApprovalsWith(await domainOf(wallet, 1n), owners.slice(0, 2), a.intentId, a.pending!);
      await expect(wallet.approveBySignatures(a.intentId, a.pending!, foreign))
        .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
        .withArgs(foreign[0].signer);
    });

    it("owner-action signatures cannot be replayed: the nonce is used up", async () => {
      const { wallet, owners, vendors } = await loadFixture(articleFixture);
      const calls = [wallet.interface.encodeFunctionData("setRecipientTrust", [vendors.stranger, Trust.Known])];
      const nonce = await wallet.ownerNonce();
      const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, FAR_DEADLINE, nonce);
      await expect(wallet.ownerAction(calls, FAR_DEADLINE, sigs))
        .to.emit(wallet, "OwnerActionExecuted")
        .withArgs(nonce, anyValue, anyValue);
      expect(await wallet.ownerNonce()).to.equal(nonce + 1n);
      // Undo in between, then try to replay the same batch with the same signatures.
      await runOwnerAction(wallet, owners.slice(1, 3), [
        wallet.interface.encodeFunctionData("setRecipientTrust", [vendors.stranger, Trust.Unknown]),
      ]);
      await expect(wallet.ownerAction(calls, FAR_DEADLINE, sigs))
        .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
        .withArgs(sigs[0].signer);
      expect(await wallet.recipientTrust(vendors.stranger)).to.equal(Trust.Unknown);
      expect(await wallet.ownerNonce()).to.equal(nonce + 2n);
    });

    it("owner-action signatures cannot be used on another wallet with the same owners and the same nonce", async () => {
      const d = await loadFixture(articleFixture);
      const twin = await deployTwin(hre, d);
      expect(await twin.ownerNonce()).to.equal(await d.wallet.ownerNonce());
      const nonce = await d.wallet.ownerNonce();
      const calls = [d.wallet.interface.encodeFunctionData("setRecipientTrust", [d.vendors.stranger, Trust.Verified])];
      const sigs = await signOwnerAction(d.wallet, d.owners.slice(0, 2), calls, FAR_DEADLINE, nonce);
      await expect(twin.ownerAction(calls, FAR_DEADLINE, sigs))
        .to.be.revertedWithCustomError(twin, "TierGuardInvalidSignature")
        .withArgs(sigs[0].signer);
      expect(await twin.ownerNonce()).to.equal(nonce);
      expect(await twin.recipientTrust(d.vendors.stranger)).to.equal(Trust.Unknown);
      // Control: valid on the wallet they were made for.
      await expect(d.wallet.ownerAction(calls, FAR_DEADLINE, sigs)).to.emit(d.wallet, "OwnerActionExecuted");
    });

    it("owner-action signatures over another chainId in the domain are refused", async () => {
      const { wallet, owners, vendors } = await loadFixture(articleFixture);
      const calls = [wallet.interface.encodeFunctionData("setRecipientTrust", [vendors.stranger, Trust.Verified])];
      const nonce = await wallet.ownerNonce();
      const foreign = await signOwnerActionWith(await domainOf(wallet, 1n), owners.slice(0, 2), calls, nonce);
      await expect(wallet.ownerAction(calls, FAR_DEADLINE, foreign))
        .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
        .withArgs(foreign[0].signer);
      expect(await wallet.ownerNonce()).to.equal(nonce);
      const local = await signOwnerActionWith(await domainOf(wallet), owners.slice(0, 2), calls, nonce);
      await expect(wallet.ownerAction(calls, FAR_DEADLINE, local)).to.emit(wallet, "OwnerActionExecuted");
    });

    it("the same owner's signature twice is refused (TierGuardSignersNotSorted), for owner actions and approvals", async () => {
      const { wallet, owners, vendors, a } = await loadFixture(twoCollaborative);
      const calls = [wallet.interface.encodeFunctionData("setRecipientTrust", [vendors.stranger, Trust.Verified])];
      const [s0] = await signOwnerAction(wallet, [owners[0]], calls, FAR_DEADLINE);
      await expect(wallet.ownerAction(calls, FAR_DEADLINE, [s0, s0]))
        .to.be.revertedWithCustomError(wallet, "TierGuardSignersNotSorted")
        .withArgs(s0.signer, s0.signer);

      const [ap0] = await signApprovals(wallet, [owners[0]], a.intentId, a.pending!);
      await expect(wallet.approveBySignatures(a.intentId, a.pending!, [ap0, ap0]))
        .to.be.revertedWithCustomError(wallet, "TierGuardSignersNotSorted")
        .withArgs(ap0.signer, ap0.signer);
      // Unsorted pairs are refused too.
      const two = await signApprovals(wallet, owners.slice(0, 2), a.intentId, a.pending!);
      await expect(wallet.approveBySignatures(a.intentId, a.pending!, [two[1], two[0]]))
        .to.be.revertedWithCustomError(wallet, "TierGuardSignersNotSorted")
        .withArgs(two[1].signer, two[0].signer);
      expect(await wallet.intentStatus(a.intentId)).to.equal(Status.AwaitingApproval);
      expect(await wallet.approvals(a.intentId)).to.deep.equal([]);
    });

    it("an executed intent cannot be executed, approved or vetoed again (TierGuardUnknownIntent)", async () => {
      const { wallet, owners, agentKey, usdc, vendors, a } = await loadFixture(twoCollaborative);
      // Collaborative, executed by signatures.
      const sigs = await signApprovals(wallet, owners.slice(0, 2), a.intentId, a.pending!);
      await expect(wallet.approveBySignatures(a.intentId, a.pending!, sigs))
        .to.emit(wallet, "IntentExecuted")
        .withArgs(a.intentId, anyValue);
      const paid = await usdc.balanceOf(vendors.analysisAgent);
      expect(paid).to.equal(usd("100"));
      expect(await wallet.intentStatus(a.intentId)).to.equal(Status.None);
      for (const call of [
        () => wallet.approveBySignatures(a.intentId, a.pending!, sigs),
        () => wallet.connect(owners[2]).approve(a.intentId, a.pending!),
        () => wallet.connect(owners[2]).execute(a.intentId, a.pending!),
        () => wallet.connect(owners[2]).reject(a.intentId, a.pending!),
        () => wallet.connect(owners[2]).expire(a.intentId, a.pending!),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(wallet, "TierGuardUnknownIntent").withArgs(a.intentId);
      }
      // Supervised, executed after its veto window.
      const q = await submitIntent(wallet, agentKey, {
        token: await usdc.getAddress(),
        amount: usd("10"),
        recipient: vendors.compute,
        category: cat("compute"),
      });
      await time.increaseTo(q.pending!.notBefore);
      await expect(wallet.execute(q.intentId, q.pending!))
        .to.emit(wallet, "IntentExecuted")
        .withArgs(q.intentId, anyValue);
      expect(await wallet.intentStatus(q.intentId)).to.equal(Status.None);
      await expect(wallet.execute(q.intentId, q.pending!))
        .to.be.revertedWithCustomError(wallet, "TierGuardUnknownIntent")
        .withArgs(q.intentId);
      await expect(wallet.connect(owners[0]).veto(q.intentId, q.pending!))
        .to.be.revertedWithCustomError(wallet, "TierGuardUnknownIntent")
        .withArgs(q.intentId);
      expect(await usdc.balanceOf(vendors.analysisAgent)).to.equal(paid);
      expect(await usdc.balanceOf(vendors.compute)).to.equal(usd("10"));
    });
  });

  /*//////////////////////////////////////////////////////////////
                              SESSION KEYS
  //////////////////////////////////////////////////////////////*/

  describe("session keys", () => {
    it("an expired key is refused from validUntil on (TierGuardSessionKeyExpired)", async () => {
      const { wallet, owners, usdc, vendors } = await loadFixture(articleFixture);
      const key = (await ethers.getSigners())[4];
      const agentId = ethers.encodeBytes32String("short-lived");
      const validUntil = (await time.latest()) + 100;
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("grantSessionKey", [key.address, agentId, validUntil]),
      ]);
      const usdcAddr = await usdc.getAddress();
      await time.setNextBlockTimestamp(validUntil - 1);
      await expect(wallet.connect(key).spend(usdcAddr, 1000n, vendors.embeddings, cat("api_calls"), "ok")).to.emit(
        wallet,
        "IntentSubmitted",
      );
      await time.setNextBlockTimestamp(validUntil);
      await expect(wallet.connect(key).spend(usdcAddr, 1000n, vendors.embeddings, cat("api_calls"), "late"))
        .to.be.revertedWithCustomError(wallet, "TierGuardSessionKeyExpired")
        .withArgs(key.address, validUntil, validUntil);
      expect((await wallet.agentState(agentId)).nonce).to.equal(1n);
    });

    it("a revoked key is refused (TierGuardNotSessionKey), whether revoked by one owner or by an owner action; the agent cannot revoke", async () => {
      const { wallet, owners, agentKey, usdc, vendors } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      const key2 = (await ethers.getSigners())[5];
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("grantSessionKey", [
          key2.address,
          ethers.encodeBytes32String("procurement-agent-prod"),
          FAR_DEADLINE,
        ]),
      ]);
      await expect(wallet.connect(agentKey).revokeSessionKey(key2.address))
        .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
        .withArgs(agentKey);
      await (await wallet.connect(owners[2]).revokeSessionKey(agentKey)).wait();
      await expect(wallet.connect(agentKey).spend(usdcAddr, 1000n, vendors.embeddings, cat("api_calls"), "x"))
        .to.be.revertedWithCustomError(wallet, "TierGuardNotSessionKey")
        .withArgs(agentKey);
      await runOwnerAction(wallet, owners.slice(1, 3), [
        wallet.interface.encodeFunctionData("revokeSessionKey", [key2.address]),
      ]);
      await expect(wallet.connect(key2).spend(usdcAddr, 1000n, vendors.embeddings, cat("api_calls"), "x"))
        .to.be.revertedWithCustomError(wallet, "TierGuardNotSessionKey")
        .withArgs(key2.address);
      expect(await wallet.sessionKeys()).to.deep.equal([]);
    });

    it("rotating to a new key for the same agent does not reset its rate limits", async () => {
      const { wallet, owners, agentKey, agentId, usdc, vendors } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      const [, , , , k2, k3] = await ethers.getSigners();
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("setTierRules", [
          Tier.Autonomous,
          withRules("autonomous", { maxCount: 2 }),
        ]),
      ]);
      const pay = (key: Signer) =>
        submitIntent(wallet, key, {
          token: usdcAddr,
          amount: usd("0.10"),
          recipient: vendors.embeddings,
          category: cat("api_calls"),
        });
      expect((await pay(agentKey)).tier).to.equal(Tier.Autonomous);
      expect((await pay(agentKey)).tier).to.equal(Tier.Autonomous);

      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("grantSessionKey", [k2.address, agentId, FAR_DEADLINE]),
        wallet.interface.encodeFunctionData("revokeSessionKey", [await agentKey.getAddress()]),
      ]);
      const third = await pay(k2);
      expect(third.tier).to.equal(Tier.Collaborative);
      expect(third.reason).to.equal(Reason.NoTierMatched);
      expect(third.misses & 0xf).to.equal(Reason.FrequencyExceeded);

      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("grantSessionKey", [k3.address, agentId, FAR_DEADLINE]),
      ]);
      const fourth = await pay(k3);
      expect(fourth.tier).to.equal(Tier.Collaborative);
      expect(fourth.misses & 0xf).to.equal(Reason.FrequencyExceeded);
      const st = await wallet.agentState(agentId);
      expect(st.count0).to.equal(2n);
      expect(st.nonce).to.equal(4n);

      // A key cannot be moved to another agent identity either (which would get fresh counters).
      await expect(
        runOwnerAction(wallet, owners.slice(0, 2), [
          wallet.interface.encodeFunctionData("grantSessionKey", [
            k3.address,
            ethers.encodeBytes32String("fresh-agent"),
            FAR_DEADLINE,
          ]),
        ]),
      ).to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed");
    });
  });

  /*//////////////////////////////////////////////////////////////
                                PRICES
  //////////////////////////////////////////////////////////////*/

  describe("price feeds", () => {
    it("a stale feed refuses non-prohibited intents (TierGuardStalePrice), fresh up to and including updatedAt + maxStaleness", async () => {
      const { wallet, agentKey, agentId, eurc, eurFeed, vendors } = await loadFixture(articleFixture);
      const eurcAddr = await eurc.getAddress();
      await (await eurFeed.setAnswer(108_000_000n)).wait();
      const updatedAt = (await eurFeed.latestRoundData()).updatedAt;
      const maxStaleness = 3600;

      await time.setNextBlockTimestamp(Number(updatedAt) + maxStaleness);
      const ok = await submitIntent(wallet, agentKey, {
        token: eurcAddr,
        amount: 500_000n,
        recipient: vendors.embeddings,
        category: cat("api_calls"),
      });
      expect(ok.tier).to.equal(Tier.Autonomous);
      expect(ok.value).to.equal(540_000n);

      const before = await agentSnapshot(wallet, agentId);
      for (const [amount, recipient, category] of [
        [500_000n, vendors.embeddings, cat("api_calls")], // autonomous
        [usd("10"), vendors.compute, cat("compute")], // supervised
        [usd("100"), vendors.analysisAgent, cat("agent_hire")], // collaborative
        [usd("10"), vendors.data, cat("api_calls")], // unmatched -> collaborative
      ] as const) {
        await expect(wallet.connect(agentKey).spend(eurcAddr, amount, recipient, category, "stale"))
          .to.be.revertedWithCustomError(wallet, "TierGuardStalePrice")
          .withArgs(eurcAddr, updatedAt, maxStaleness);
      }
      expect(await agentSnapshot(wallet, agentId)).to.deep.equal(before);
      await expect(
        wallet.preview(agentId, eurcAddr, 500_000n, vendors.embeddings, cat("api_calls")),
      ).to.be.revertedWithCustomError(wallet, "TierGuardStalePrice");
    });

    it("with a stale feed, prohibited intents are still recorded (value 0) rather than reverting", async () => {
      const { wallet, agentKey, eurc, vendors } = await loadFixture(articleFixture);
      const eurcAddr = await eurc.getAddress();
      await time.increase(2 * 3600);
      const g = await submitIntent(wallet, agentKey, {
        token: eurcAddr,
        amount: usd("5"),
        recipient: vendors.compute,
        category: cat("gambling"),
      });
      expect(g.tier).to.equal(Tier.Prohibited);
      expect(g.reason).to.equal(Reason.CategoryProhibited);
      expect(g.value).to.equal(0n);
      const u = await submitIntent(wallet, agentKey, {
        token: eurcAddr,
        amount: usd("5"),
        recipient: vendors.casino,
        category: cat("compute"),
      });
      expect(u.tier).to.equal(Tier.Prohibited);
      expect(u.reason).to.equal(Reason.TrustProhibited);
      expect(u.value).to.equal(0n);
    });

    it("a queued intent keeps the value computed at submission: a feed going stale later does not block its execution", async () => {
      const { wallet, agentKey, owners, eurc, vendors } = await loadFixture(articleFixture);
      const eurcAddr = await eurc.getAddress();
      const c = await submitIntent(wallet, agentKey, {
        token: eurcAddr,
        amount: usd("100"),
        recipient: vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      expect(c.tier).to.equal(Tier.Collaborative);
      await time.increase(2 * 3600);
      const sigs = await signApprovals(wallet, owners.slice(1, 3), c.intentId, c.pending!);
      await expect(wallet.approveBySignatures(c.intentId, c.pending!, sigs)).to.emit(wallet, "IntentExecuted");
      expect(await eurc.balanceOf(vendors.analysisAgent)).to.equal(usd("100"));
    });
  });

  /*//////////////////////////////////////////////////////////////
                      AGENTS CAN ONLY SUBMIT
  //////////////////////////////////////////////////////////////*/

  describe("agents can only spend", () => {
    it("every self-only setter and withdraw revert TierGuardOnlySelf from the agent key (and from a single owner)", async () => {
      const { wallet, agentKey, owners, agentId, usdc, vendors } = await loadFixture(articleFixture);
      const i = wallet.interface;
      const agentAddr = await agentKey.getAddress();
      const usdcAddr = await usdc.getAddress();
      const selfOnly: [string, unknown[]][] = [
        ["addOwner", [agentAddr]],
        ["removeOwner", [await owners[0].getAddress()]],
        ["setThreshold", [1]],
        ["setGuardian", [agentAddr, true]],
        ["unpause", []],
        ["grantSessionKey", [agentAddr, agentId, FAR_DEADLINE]],
        ["defineCategory", [20, ethers.encodeBytes32String("free money")]],
        ["undefineCategory", [11]],
        ["setTierRules", [Tier.Autonomous, withRules("autonomous", { maxValue: usd("1000000") })]],
        ["setBudget", [Tier.Autonomous, 0, 0]],
        ["setProhibitions", [0, 0]],
        ["setUnmatchedTier", [Tier.Collaborative]],
        ["setAutoPromote", [true]],
        ["configureToken", [usdcAddr, PriceKind.Fixed, 1n, 0]],
        ["removeToken", [usdcAddr]],
        ["setRecipientTrust", [vendors.casino, Trust.Verified]],
        ["withdraw", [usdcAddr, agentAddr, 1n]],
        ["withdraw", [ETH, agentAddr, 1n]],
      ];
      // Every function of the ABI that is self-only is in the list.
      const listed = new Set(selfOnly.map(([n]) => n));
      expect(listed.size).to.equal(17);
      const ownerAddr = await owners[0].getAddress();
      for (const [name, args] of selfOnly) {
        const data = (i as unknown as Interface).encodeFunctionData(name, args);
        await expect(agentKey.sendTransaction({ to: wallet.target, data }), name)
          .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
          .withArgs(agentAddr);
        await expect(owners[0].sendTransaction({ to: wallet.target, data }), name)
          .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
          .withArgs(ownerAddr);
      }
    });

    it("ownerAction with an agent's signature reverts TierGuardSignerNotOwner", async () => {
      const { wallet, agentKey, owners, vendors } = await loadFixture(articleFixture);
      const calls = [wallet.interface.encodeFunctionData("setRecipientTrust", [vendors.casino, Trust.Verified])];
      const nonce = await wallet.ownerNonce();
      const sigs = await signOwnerAction(wallet, [agentKey, owners[0]], calls, FAR_DEADLINE, nonce);
      await expect(wallet.connect(agentKey).ownerAction(calls, FAR_DEADLINE, sigs))
        .to.be.revertedWithCustomError(wallet, "TierGuardSignerNotOwner")
        .withArgs(await agentKey.getAddress());
      const [extraSigner] = (await ethers.getSigners()).slice(7, 8);
      const sigs2 = await signOwnerAction(wallet, [agentKey, extraSigner], calls, FAR_DEADLINE, nonce);
      await expect(wallet.connect(agentKey).ownerAction(calls, FAR_DEADLINE, sigs2)).to.be.revertedWithCustomError(
        wallet,
        "TierGuardSignerNotOwner",
      );
      expect(await wallet.ownerNonce()).to.equal(nonce);
      expect(await wallet.recipientTrust(vendors.casino)).to.equal(Trust.Unknown);
    });

    it("the agent cannot veto, approve, reject, pause or sign approvals", async () => {
      const { wallet, agentKey, owners, usdc, vendors } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      const agentAddr = await agentKey.getAddress();
      const q = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("10"),
        recipient: vendors.compute,
        category: cat("compute"),
      });
      const c = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("100"),
        recipient: vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      await expect(wallet.connect(agentKey).veto(q.intentId, q.pending!))
        .to.be.revertedWithCustomError(wallet, "TierGuardNotOwnerOrGuardian")
        .withArgs(agentAddr);
      await expect(wallet.connect(agentKey).pause())
        .to.be.revertedWithCustomError(wallet, "TierGuardNotOwnerOrGuardian")
        .withArgs(agentAddr);
      await expect(wallet.connect(agentKey).approve(c.intentId, c.pending!))
        .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
        .withArgs(agentAddr);
      await expect(wallet.connect(agentKey).reject(c.intentId, c.pending!))
        .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
        .withArgs(agentAddr);
      const sigs = await signApprovals(wallet, [agentKey, owners[0]], c.intentId, c.pending!);
      await expect(
        wallet.connect(agentKey).approveBySignatures(c.intentId, c.pending!, sigs),
      ).to.be.revertedWithCustomError(wallet, "TierGuardSignerNotOwner");
      expect(await wallet.intentStatus(c.intentId)).to.equal(Status.AwaitingApproval);
      expect(await wallet.intentStatus(q.intentId)).to.equal(Status.Queued);
    });

    it("paying the wallet itself (or the zero address) is refused with TierGuardInvalidRecipient, in every tier and token", async () => {
      const { wallet, agentKey, agentId, usdc } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      const self = await wallet.getAddress();
      const before = await agentSnapshot(wallet, agentId);
      for (const [token, amount, category] of [
        [usdcAddr, 1000n, cat("api_calls")],
        [usdcAddr, usd("10"), cat("compute")],
        [usdcAddr, usd("100"), cat("agent_hire")],
        [usdcAddr, usd("1"), cat("gambling")],
        [ETH, SMALL_ETH, cat("api_calls")],
      ] as const) {
        await expect(wallet.connect(agentKey).spend(token, amount, self, category, "self"))
          .to.be.revertedWithCustomError(wallet, "TierGuardInvalidRecipient")
          .withArgs(self);
        await expect(wallet.connect(agentKey).spend(token, amount, ETH, category, "zero"))
          .to.be.revertedWithCustomError(wallet, "TierGuardInvalidRecipient")
          .withArgs(ETH);
      }
      expect(await agentSnapshot(wallet, agentId)).to.deep.equal(before);
    });
  });

  /*//////////////////////////////////////////////////////////////
          PROHIBITED INTENTS AND THE AGENT'S COUNTERS (documented)
  //////////////////////////////////////////////////////////////*/

  describe("prohibited intents leave the agent's counters and nonce intact", () => {
    it("a prohibited intent increments the nonce and keeps the frequency counters", async () => {
      const { wallet, agentKey, agentId, usdc, vendors } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: 1000n,
        recipient: vendors.embeddings,
        category: cat("api_calls"),
      });
      await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("10"),
        recipient: vendors.compute,
        category: cat("compute"),
      });
      const before = await agentSnapshot(wallet, agentId);
      expect(before.nonce).to.equal(2n);
      const p = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("1"),
        recipient: vendors.compute,
        category: cat("gambling"),
      });
      expect(p.tier).to.equal(Tier.Prohibited);
      expect(await agentSnapshot(wallet, agentId)).to.deep.equal({ ...before, nonce: 3n });
    });

    it("intent ids stay unique across a prohibited intent: a queued intent is never overwritten", async () => {
      const { wallet, agentKey, owners, usdc, vendors } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      const first = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("100"),
        recipient: vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      const blocked = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("1"),
        recipient: vendors.casino,
        category: cat("agent_hire"),
      });
      const next = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("200"),
        recipient: vendors.analysisAgent,
        category: cat("agent_hire"),
      });
      expect(blocked.intentId).to.not.equal(first.intentId);
      expect(next.intentId).to.not.equal(first.intentId);
      // The first intent is still there and can be approved.
      await expect(wallet.connect(owners[0]).approve(first.intentId, first.pending!)).to.emit(wallet, "IntentApproved");
    });

    it("an agent cannot reset its rate limit by submitting a prohibited intent", async () => {
      const { wallet, agentKey, owners, usdc, vendors } = await loadFixture(articleFixture);
      const usdcAddr = await usdc.getAddress();
      await runOwnerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("setTierRules", [
          Tier.Autonomous,
          withRules("autonomous", { maxCount: 2 }),
        ]),
      ]);
      const pay = () =>
        submitIntent(wallet, agentKey, {
          token: usdcAddr,
          amount: usd("1"),
          recipient: vendors.embeddings,
          category: cat("api_calls"),
        });
      expect((await pay()).tier).to.equal(Tier.Autonomous);
      expect((await pay()).tier).to.equal(Tier.Autonomous);
      const g = await submitIntent(wallet, agentKey, {
        token: usdcAddr,
        amount: usd("1"),
        recipient: vendors.embeddings,
        category: cat("gambling"),
      });
      expect(g.tier).to.equal(Tier.Prohibited);
      const third = await pay();
      expect(third.tier, "third payment within the hour must not be autonomous").to.not.equal(Tier.Autonomous);
      expect(third.misses & 0xf).to.equal(Reason.FrequencyExceeded);
      expect(await usdc.balanceOf(vendors.embeddings)).to.equal(usd("2"));
    });
  });

  // Sanity: the article's autonomous rules are what these tests assume.
  it("fixture: the article's autonomous cap is 1.00 and needs a Verified recipient", async () => {
    expect(ARTICLE_RULES.autonomous.maxValue).to.equal(usd("1.00"));
    expect(ARTICLE_RULES.autonomous.minTrust).to.equal(Trust.Verified);
  });
});
