import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { TransactionReceipt } from "ethers";
import type { ReentrantRecipient } from "../../typechain-types";
import { Status, Tier, Trust, cat, decodeSubmission, usd } from "../../scripts/lib/article";
import { articleFixture, configure, nonceOf, usdcPay, type Fixture, type IntentArgs } from "./helpers-intents";
import { SIGNED_SPEND_TYPES, decodeRevertData, domainOf, signSpend, type SignedSpendValue } from "./helpers-props";

const KEY = ethers.id("invoice-2026-001");
const ETH = ethers.ZeroAddress;

const spendIdem = (f: Fixture, a: IntentArgs, key = KEY, from = f.agentKey) =>
  f.wallet
    .connect(from)
    .spendIdempotent(a.token, a.amount, a.recipient, a.category, a.justification ?? "test payment", key);
const spendIdemCall = (f: Fixture, a: IntentArgs, key = KEY, from = f.agentKey) =>
  f.wallet
    .connect(from)
    .spendIdempotent.staticCall(a.token, a.amount, a.recipient, a.category, a.justification ?? "test payment", key);

function walletEvents(f: Fixture, receipt: TransactionReceipt) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === f.walletAddress.toLowerCase())
    .map((l) => f.wallet.interface.parseLog(l)!.name);
}

async function signedFixture() {
  const f = await articleFixture();
  const deadline = BigInt(await time.latest()) + 3600n;
  const intent = (a: IntentArgs, changes: Partial<SignedSpendValue> = {}): SignedSpendValue => ({
    token: a.token,
    amount: a.amount,
    recipient: a.recipient,
    category: a.category,
    justification: a.justification ?? "test payment",
    idempotencyKey: KEY,
    deadline,
    ...changes,
  });
  return { ...f, intent, deadline };
}

describe("agent payments (wallet extension)", function () {
  this.timeout(120_000);

  describe("spendIdempotent", () => {
    it("submits on the first call and links the key to the intent (IntentSubmitted, then IdempotencyKeyRecorded)", async () => {
      const f = await loadFixture(articleFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      const [intentId, tier, status] = await spendIdemCall(f, pay);
      expect([tier, status]).to.deep.equal([BigInt(Tier.Autonomous), BigInt(Status.Executed)]);
      const receipt = (await (await spendIdem(f, pay)).wait())!;
      expect(walletEvents(f, receipt)).to.deep.equal(["IntentSubmitted", "IdempotencyKeyRecorded"]);
      await expect(receipt.hash)
        .to.emit(f.wallet, "IdempotencyKeyRecorded")
        .withArgs(intentId, f.agentId, KEY, f.agentKey.address);
      expect(await f.usdc.balanceOf(f.vendors.embeddings)).to.equal(usd("0.50"));
      expect(await f.wallet.intentByKey(f.agentId, KEY)).to.deep.equal([intentId, BigInt(tier), BigInt(status)]);
    });

    it("a retry with the same key returns the first intent's result and submits, pays, counts and emits nothing", async () => {
      const f = await loadFixture(articleFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      const first = await decodeSubmission(f.wallet, (await (await spendIdem(f, pay)).wait())!);
      const agentBefore = await f.wallet.agentState(f.agentId);
      const budgetBefore = await f.wallet.budget(Tier.Autonomous);
      // the agent may rephrase its justification on a retry
      const retry = { ...pay, justification: "retry after a timeout" };
      expect(await spendIdemCall(f, retry)).to.deep.equal([
        first.intentId,
        BigInt(Tier.Autonomous),
        BigInt(Status.Executed),
      ]);
      const receipt = (await (await spendIdem(f, retry)).wait())!;
      expect(receipt.logs).to.have.length(0);
      expect(await f.usdc.balanceOf(f.vendors.embeddings)).to.equal(usd("0.50"));
      expect(await f.wallet.agentState(f.agentId)).to.deep.equal(agentBefore);
      expect(await f.wallet.budget(Tier.Autonomous)).to.deep.equal(budgetBefore);
    });

    it("two transactions with the same key mined in the same block pay once", async () => {
      const f = await loadFixture(articleFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      const nonce = await nonceOf(f);
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const a = await spendIdem(f, pay);
        const b = await spendIdem(f, pay);
        await network.provider.send("evm_mine", []);
        const [ra, rb] = [(await a.wait())!, (await b.wait())!];
        expect(ra.blockNumber).to.equal(rb.blockNumber);
        expect(ra.status).to.equal(1);
        expect(rb.status).to.equal(1);
        expect(rb.logs).to.have.length(0);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      expect(await f.usdc.balanceOf(f.vendors.embeddings)).to.equal(usd("0.50"));
      expect(await nonceOf(f)).to.equal(nonce + 1n);
    });

    it("a retried queued or blocked intent is not queued or counted again", async () => {
      const f = await loadFixture(articleFixture);
      const queued = await decodeSubmission(
        f.wallet,
        (await (await spendIdem(f, usdcPay(f, "47.00", f.vendors.compute, "compute"))).wait())!,
      );
      expect(queued.tier).to.equal(Tier.Supervised);
      const casino = usdcPay(f, "10.00", f.vendors.casino, "gambling");
      const blockedKey = ethers.id("casino");
      await (await spendIdem(f, casino, blockedKey)).wait();
      const before = await f.wallet.agentState(f.agentId);
      await (await spendIdem(f, usdcPay(f, "47.00", f.vendors.compute, "compute"))).wait();
      expect(await spendIdemCall(f, casino, blockedKey)).to.deep.equal([
        (await f.wallet.intentByKey(f.agentId, blockedKey))[0],
        BigInt(Tier.Prohibited),
        BigInt(Status.Blocked),
      ]);
      await (await spendIdem(f, casino, blockedKey)).wait();
      expect(await f.wallet.agentState(f.agentId)).to.deep.equal(before);
      // the first (and only) commitment still executes after its window
      await time.increaseTo(queued.pending!.notBefore);
      await expect(f.wallet.execute(queued.intentId, queued.pending!)).to.emit(f.wallet, "IntentExecuted");
    });

    it("refuses the key for a different payment (token, amount, recipient or category) with TierGuardIdempotencyKeyUsed", async () => {
      const f = await loadFixture(articleFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      const s = await decodeSubmission(f.wallet, (await (await spendIdem(f, pay)).wait())!);
      for (const other of [
        { ...pay, amount: pay.amount + 1n },
        { ...pay, recipient: f.vendors.search },
        { ...pay, category: cat("search") },
        { ...pay, token: f.eurcAddress },
      ]) {
        await expect(spendIdem(f, other))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardIdempotencyKeyUsed")
          .withArgs(f.agentId, KEY, s.intentId);
      }
    });

    it("refuses a zero key, and keys are per agent", async () => {
      const f = await loadFixture(articleFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      await expect(spendIdem(f, pay, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.wallet,
        "TierGuardZeroIdempotencyKey",
      );
      const otherAgent = ethers.encodeBytes32String("research-agent");
      const until = (await time.latest()) + 86_400;
      await configure(f, ["grantSessionKey", [f.otherKey.address, otherAgent, until]]);
      await (await spendIdem(f, pay)).wait();
      await (await spendIdem(f, pay, KEY, f.otherKey)).wait();
      const [mine, theirs] = [await f.wallet.intentByKey(f.agentId, KEY), await f.wallet.intentByKey(otherAgent, KEY)];
      expect(mine[0]).to.not.equal(theirs[0]);
      expect(await f.usdc.balanceOf(f.vendors.embeddings)).to.equal(usd("1.00"));
      expect(await f.wallet.intentByKey(f.agentId, ethers.id("never used"))).to.deep.equal([ethers.ZeroHash, 0n, 0n]);
    });

    it("a recipient re-entering spendIdempotent during the payment is stopped by the guard the wallet and extension share", async () => {
      const f = await loadFixture(articleFixture);
      const rr = (await ethers.deployContract("ReentrantRecipient")) as unknown as ReentrantRecipient;
      const rrAddr = await rr.getAddress();
      await configure(f, ["setRecipientTrust", [rrAddr, Trust.Verified]]);
      const reenter = f.wallet.interface.encodeFunctionData("spendIdempotent", [
        ETH,
        10n ** 14n,
        rrAddr,
        cat("api_calls"),
        "again",
        ethers.id("other"),
      ]);
      await rr.setAttack(f.walletAddress, reenter);
      const nonce = await nonceOf(f);
      await (
        await spendIdem(f, { token: ETH, amount: 10n ** 14n, recipient: rrAddr, category: cat("api_calls") })
      ).wait();
      expect(await rr.attempts()).to.equal(1n);
      expect(decodeRevertData(await rr.lastRevertData(), f.wallet.interface)).to.equal("ReentrancyGuardReentrantCall");
      expect(await nonceOf(f)).to.equal(nonce + 1n);
    });
  });

  describe("spendSigned", () => {
    it("a relayer submits a session key's signed intent: classified and counted as the key's spend, the relayer pays the gas", async () => {
      const f = await loadFixture(signedFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      const value = f.intent(pay);
      const sig = await signSpend(f.wallet, f.agentKey, value);
      const agentEth = await ethers.provider.getBalance(f.agentKey.address);
      const preview = await f.wallet.preview(f.agentId, pay.token, pay.amount, pay.recipient, pay.category);
      const tx = await f.wallet.connect(f.relayer).spendSigned(value, f.agentKey.address, sig);
      const s = await decodeSubmission(f.wallet, (await tx.wait())!);
      expect([s.tier, s.reason, s.value]).to.deep.equal([Number(preview[0]), Number(preview[1]), preview[3]]);
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          s.intentId,
          f.agentId,
          pay.recipient,
          f.agentKey.address,
          pay.token,
          pay.amount,
          () => true,
          value.justification,
        );
      await expect(tx)
        .to.emit(f.wallet, "IdempotencyKeyRecorded")
        .withArgs(s.intentId, f.agentId, KEY, f.relayer.address);
      expect(await ethers.provider.getBalance(f.agentKey.address)).to.equal(agentEth);
      expect(await f.usdc.balanceOf(f.vendors.embeddings)).to.equal(usd("0.50"));
      expect(s.intentId).to.equal(await f.wallet.intentIdFor(f.agentId, 0));
      expect(await nonceOf(f)).to.equal(1n);
    });

    it("signedSpendDigest is the EIP-712 hash of the intent in the wallet's domain", async () => {
      const f = await loadFixture(signedFixture);
      const value = f.intent(usdcPay(f, "0.50", f.vendors.embeddings, "embeddings"));
      const expected = ethers.TypedDataEncoder.hash(await domainOf(f.wallet), SIGNED_SPEND_TYPES, value);
      expect(await f.wallet.signedSpendDigest(value)).to.equal(expected);
    });

    it("refuses a signature by another key, a changed field, or another chain with TierGuardInvalidIntentSignature", async () => {
      const f = await loadFixture(signedFixture);
      const value = f.intent(usdcPay(f, "0.50", f.vendors.embeddings, "embeddings"));
      const bad = async (v: SignedSpendValue, sig: string) =>
        expect(f.wallet.connect(f.relayer).spendSigned(v, f.agentKey.address, sig))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidIntentSignature")
          .withArgs(f.agentKey.address);
      await bad(value, await signSpend(f.wallet, f.outsider, value));
      const sig = await signSpend(f.wallet, f.agentKey, value);
      await bad({ ...value, amount: value.amount + 1n }, sig);
      await bad({ ...value, recipient: f.vendors.search }, sig);
      await bad({ ...value, justification: "something else" }, sig);
      await bad({ ...value, idempotencyKey: ethers.id("other") }, sig);
      await bad({ ...value, deadline: value.deadline + 1n }, sig);
      const otherChain = await f.agentKey.signTypedData(await domainOf(f.wallet, 1n), SIGNED_SPEND_TYPES, value);
      await bad(value, otherChain);
      await bad(value, await f.agentKey.signMessage(ethers.getBytes(await f.wallet.signedSpendDigest(value))));
    });

    it("accepts a signed intent at its deadline and refuses it one second later with TierGuardSignedIntentExpired", async () => {
      const f = await loadFixture(signedFixture);
      const pay = usdcPay(f, "0.50", f.vendors.embeddings, "embeddings");
      const late = f.intent(pay, { idempotencyKey: ethers.id("late") });
      const lateSig = await signSpend(f.wallet, f.agentKey, late);
      const onTime = f.intent(pay);
      const sig = await signSpend(f.wallet, f.agentKey, onTime);
      await time.setNextBlockTimestamp(f.deadline);
      await expect(f.wallet.connect(f.relayer).spendSigned(onTime, f.agentKey.address, sig)).to.emit(
        f.wallet,
        "IntentSubmitted",
      );
      await time.setNextBlockTimestamp(f.deadline + 1n);
      await expect(f.wallet.connect(f.relayer).spendSigned(late, f.agentKey.address, lateSig))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardSignedIntentExpired")
        .withArgs(f.deadline, f.deadline + 1n);
    });

    it("refuses a replay with TierGuardIdempotencyKeyUsed and pays once", async () => {
      const f = await loadFixture(signedFixture);
      const value = f.intent(usdcPay(f, "0.50", f.vendors.embeddings, "embeddings"));
      const sig = await signSpend(f.wallet, f.agentKey, value);
      const s = await decodeSubmission(
        f.wallet,
        (await (await f.wallet.connect(f.relayer).spendSigned(value, f.agentKey.address, sig)).wait())!,
      );
      await expect(f.wallet.connect(f.outsider).spendSigned(value, f.agentKey.address, sig))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardIdempotencyKeyUsed")
        .withArgs(f.agentId, KEY, s.intentId);
      expect(await f.usdc.balanceOf(f.vendors.embeddings)).to.equal(usd("0.50"));
      // the same key through spendIdempotent (same payment) returns the signed intent's result
      expect((await spendIdemCall(f, usdcPay(f, "0.50", f.vendors.embeddings, "embeddings")))[0]).to.equal(s.intentId);
    });

    it("refuses a valid signature by an address that is not a session key with TierGuardNotSessionKey", async () => {
      const f = await loadFixture(signedFixture);
      const value = f.intent(usdcPay(f, "0.50", f.vendors.embeddings, "embeddings"));
      const sig = await signSpend(f.wallet, f.outsider, value);
      await expect(f.wallet.connect(f.relayer).spendSigned(value, f.outsider.address, sig))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardNotSessionKey")
        .withArgs(f.outsider.address);
    });
  });

  it("the extension keeps the wallet's bytecode and spend untouched: spend is still served by the wallet itself", async () => {
    const f = await loadFixture(articleFixture);
    const code = await ethers.provider.getCode(f.walletAddress);
    const selector = f.wallet.interface.getFunction("spend")!.selector.slice(2);
    const extensionOnly = f.wallet.interface.getFunction("spendIdempotent")!.selector.slice(2);
    expect(code).to.include(selector);
    expect(code).to.not.include(extensionOnly);
  });
});
