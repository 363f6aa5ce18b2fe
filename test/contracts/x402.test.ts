import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { MockEIP3009Token } from "../../typechain-types";
import {
  PriceKind,
  Reason,
  Tier,
  cat,
  decodeSubmission,
  signApprovals,
  usd,
  type Category,
} from "../../scripts/lib/article";
import { articleFixture, configure, details } from "./helpers-intents";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "./helpers-eip3009";

const { ethers } = hre;
const MAGIC = "0x1626ba7e";
const INVALID = "0xffffffff";
const X402Status = { None: 0, Pending: 1, Authorized: 2 } as const;
const TYPES = TRANSFER_WITH_AUTHORIZATION_TYPES;

/** The article's wallet with an EIP-3009 USDC (USDC v2.2's domain) accepted at 1.00 and funded. */
async function x402Fixture() {
  const f = await articleFixture();
  const token = (await ethers.deployContract("MockEIP3009Token", [
    "USD Coin",
    "USDC",
    "2",
  ])) as unknown as MockEIP3009Token;
  const tokenAddress = await token.getAddress();
  await configure(f, ["configureToken", [tokenAddress, PriceKind.Fixed, 10n ** 18n, 0]]);
  await (await token.mint(f.walletAddress, 10_000n * 10n ** 6n)).wait();
  const domain = {
    name: "USD Coin",
    version: "2",
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: tokenAddress,
  };
  return { ...f, token, tokenAddress, domain, facilitator: f.relayer };
}
type F = Awaited<ReturnType<typeof x402Fixture>>;

async function authorization(f: F, amount: string, to: string, validFor = 300) {
  return {
    token: f.tokenAddress,
    to,
    value: usd(amount),
    validAfter: 0n,
    validBefore: BigInt((await time.latest()) + validFor),
    nonce: ethers.hexlify(ethers.randomBytes(32)),
  };
}
type Auth = Awaited<ReturnType<typeof authorization>>;

const digestOf = (f: F, a: Auth) =>
  ethers.TypedDataEncoder.hash(f.domain, TYPES, { from: f.walletAddress, ...a, token: undefined });

async function authorize(f: F, a: Auth, category: Category) {
  const tx = await f.wallet.connect(f.agentKey).authorizeX402(a, cat(category), "x402: paid API call");
  const receipt = (await tx.wait())!;
  return { tx, receipt, ...(await decodeSubmission(f.wallet, receipt)) };
}

/** The facilitator's settlement: transferWithAuthorization with the wallet's "signature" (the intent id). */
const settle = (f: F, a: Auth, signature: string) =>
  f.token
    .connect(f.facilitator)
    ["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"](
      f.walletAddress,
      a.to,
      a.value,
      a.validAfter,
      a.validBefore,
      a.nonce,
      signature,
    );

describe("x402 payments (authorizeX402)", function () {
  describe("autonomous", function () {
    it("classifies like spend, records the digest it computes itself and transfers nothing until the facilitator settles", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "0.02", f.vendors.embeddings);
      const digest = digestOf(f, a);
      expect(await f.wallet.x402Digest(a)).to.equal(digest);
      const before = await f.token.balanceOf(f.walletAddress);
      const s = await authorize(f, a, "embeddings");
      expect(s.tier).to.equal(Tier.Autonomous);
      await expect(s.tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          s.intentId,
          f.agentId,
          f.vendors.embeddings,
          f.agentKey.address,
          f.tokenAddress,
          a.value,
          details({ tier: Tier.Autonomous, value: usd("0.02") }),
          anyValue,
        );
      await expect(s.tx)
        .to.emit(f.wallet, "X402AuthorizationRecorded")
        .withArgs(s.intentId, digest, a.nonce, a.validAfter, a.validBefore);
      expect(await f.token.balanceOf(f.walletAddress)).to.equal(before);
      expect((await f.wallet.x402Record(digest)).status).to.equal(X402Status.Authorized);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(MAGIC);

      await settle(f, a, s.intentId);
      expect(await f.token.balanceOf(f.vendors.embeddings)).to.equal(a.value);
      expect(await f.token.balanceOf(f.walletAddress)).to.equal(before - a.value);
      await expect(settle(f, a, s.intentId)).to.be.revertedWith("FiatTokenV2: authorization is used or canceled");
    });

    it("counts against the tier's limits like spend: at the autonomous max (1.00) it is autonomous, one unit above it is not", async function () {
      const f = await loadFixture(x402Fixture);
      for (const [amount, tier] of [
        ["0.999999", Tier.Autonomous],
        ["1.00", Tier.Autonomous],
        ["1.000001", Tier.Collaborative],
      ] as const) {
        const s = await authorize(f, await authorization(f, amount, f.vendors.embeddings), "embeddings");
        expect(s.tier, amount).to.equal(tier);
      }
      // the agent's autonomous count includes x402 payments (shared with spend)
      expect((await f.wallet.agentState(f.agentId)).count0).to.equal(2);
    });

    it("accepts nothing else: another digest, another intent's id, a 65-byte signature, after validBefore, paused, frozen agent", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "0.02", f.vendors.embeddings, 100);
      const s = await authorize(f, a, "embeddings");
      const digest = digestOf(f, a);
      expect(await f.wallet.isValidSignature(ethers.keccak256("0x01"), s.intentId)).to.equal(INVALID);
      expect(await f.wallet.isValidSignature(digest, ethers.zeroPadValue("0x01", 32))).to.equal(INVALID);
      expect(await f.wallet.isValidSignature(digest, ethers.hexlify(ethers.randomBytes(65)))).to.equal(INVALID);
      // a digest for another payee (same nonce) was never recorded
      expect(await f.wallet.isValidSignature(digestOf(f, { ...a, to: f.vendors.search }), s.intentId)).to.equal(
        INVALID,
      );

      await f.wallet.connect(f.owners[0]).pause();
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(INVALID);
      await expect(settle(f, a, s.intentId)).to.be.revertedWith("FiatTokenV2: invalid signature");
      await configure(f, ["unpause", []]);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(MAGIC);

      await f.wallet.connect(f.owners[0]).freezeAgent(f.agentId, []);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(INVALID);
    });

    it("expires at validBefore (exclusive)", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "0.02", f.vendors.embeddings, 100);
      const s = await authorize(f, a, "embeddings");
      await time.setNextBlockTimestamp(Number(a.validBefore) - 1);
      await ethers.provider.send("evm_mine", []);
      expect(await f.wallet.isValidSignature(digestOf(f, a), s.intentId)).to.equal(MAGIC);
      await ethers.provider.send("evm_mine", []);
      expect(await f.wallet.isValidSignature(digestOf(f, a), s.intentId)).to.equal(INVALID);
    });
  });

  describe("supervised and collaborative", function () {
    it("supervised: queued and not valid until it executes after the veto window; executing authorizes and never transfers", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "47", f.vendors.compute, 7200);
      const s = await authorize(f, a, "compute");
      expect(s.tier).to.equal(Tier.Supervised);
      const digest = digestOf(f, a);
      expect((await f.wallet.x402Record(digest)).status).to.equal(X402Status.Pending);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(INVALID);
      await expect(settle(f, a, s.intentId)).to.be.revertedWith("FiatTokenV2: invalid signature");

      await time.increaseTo(s.pending!.notBefore);
      const before = await f.token.balanceOf(f.walletAddress);
      await expect(f.wallet.connect(f.relayer).execute(s.intentId, s.pending!))
        .to.emit(f.wallet, "IntentExecuted")
        .withArgs(s.intentId, f.relayer.address);
      expect(await f.token.balanceOf(f.walletAddress)).to.equal(before);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(MAGIC);
      await settle(f, a, s.intentId);
      expect(await f.token.balanceOf(f.vendors.compute)).to.equal(a.value);
    });

    it("collaborative: valid once M owners approved (signatures), not before", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "89", f.vendors.analysisAgent, 5 * 3600);
      const s = await authorize(f, a, "agent_hire");
      expect(s.tier).to.equal(Tier.Collaborative);
      const digest = digestOf(f, a);
      await f.wallet.connect(f.owners[0]).approve(s.intentId, s.pending!);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(INVALID);
      const sigs = await signApprovals(f.wallet, f.owners.slice(1, 2), s.intentId, s.pending!);
      await f.wallet.approveBySignatures(s.intentId, s.pending!, sigs);
      expect(await f.wallet.isValidSignature(digest, s.intentId)).to.equal(MAGIC);
      await settle(f, a, s.intentId);
      expect(await f.token.balanceOf(f.vendors.analysisAgent)).to.equal(a.value);
    });

    it("a vetoed x402 intent never becomes valid and cannot be released (the veto closed it and released its budget)", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "47", f.vendors.compute, 60);
      const s = await authorize(f, a, "compute");
      await f.wallet.connect(f.owners[0]).veto(s.intentId, s.pending!);
      expect(await f.wallet.isValidSignature(digestOf(f, a), s.intentId)).to.equal(INVALID);
      await time.increase(120);
      await expect(f.wallet.releaseX402(s.intentId, a))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardX402NotReleasable")
        .withArgs(s.intentId, digestOf(f, a));
    });
  });

  describe("prohibited", function () {
    it("is blocked with the reason and records nothing the token could accept", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "5", f.vendors.casino);
      const s = await authorize(f, a, "gambling");
      expect(s.tier).to.equal(Tier.Prohibited);
      expect(s.reason).to.equal(Reason.CategoryProhibited);
      await expect(s.tx).to.not.emit(f.wallet, "X402AuthorizationRecorded");
      expect((await f.wallet.x402Record(digestOf(f, a))).status).to.equal(X402Status.None);
      expect(await f.wallet.isValidSignature(digestOf(f, a), s.intentId)).to.equal(INVALID);
    });
  });

  describe("releaseX402", function () {
    it("gives an expired, unsettled authorization's budget back once; refuses before validBefore and after settlement", async function () {
      const f = await loadFixture(x402Fixture);
      await configure(f, ["setBudget", [Tier.Autonomous, usd("10"), 24 * 3600]]);
      const a = await authorization(f, "0.50", f.vendors.embeddings, 100);
      const s = await authorize(f, a, "embeddings");
      const digest = digestOf(f, a);
      expect((await f.wallet.budget(Tier.Autonomous)).spent).to.equal(usd("0.50"));
      await expect(f.wallet.releaseX402(s.intentId, a))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardX402StillValid")
        .withArgs(digest, a.validBefore);
      await time.increaseTo(a.validBefore);
      await expect(f.wallet.connect(f.relayer).releaseX402(s.intentId, a))
        .to.emit(f.wallet, "X402AuthorizationReleased")
        .withArgs(s.intentId, digest, usd("0.50"));
      expect((await f.wallet.budget(Tier.Autonomous)).spent).to.equal(0n);
      await expect(f.wallet.releaseX402(s.intentId, a)).to.be.revertedWithCustomError(
        f.wallet,
        "TierGuardX402NotReleasable",
      );

      const b = await authorization(f, "0.50", f.vendors.embeddings, 100);
      const t = await authorize(f, b, "embeddings");
      await settle(f, b, t.intentId);
      await time.increaseTo(b.validBefore);
      await expect(f.wallet.releaseX402(t.intentId, b))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardX402AuthorizationUsed")
        .withArgs(digestOf(f, b));
      expect((await f.wallet.budget(Tier.Autonomous)).spent).to.equal(usd("0.50"));
    });
  });

  describe("input", function () {
    it("validBefore: at the block's time (limit) refused, one second later accepted; 2^40 - 1 accepted, 2^40 refused", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "0.02", f.vendors.embeddings);
      const call = (validBefore: bigint) =>
        f.wallet
          .connect(f.agentKey)
          .authorizeX402({ ...a, validBefore, nonce: ethers.hexlify(ethers.randomBytes(32)) }, cat("embeddings"), "x");
      for (const [delta, ok] of [
        [-1, false],
        [0, false],
        [1, true],
      ] as const) {
        const t = (await time.latest()) + 10;
        const validBefore = t + delta;
        await time.setNextBlockTimestamp(t);
        if (ok) await expect(call(BigInt(validBefore))).to.emit(f.wallet, "X402AuthorizationRecorded");
        else
          await expect(call(BigInt(validBefore)))
            .to.be.revertedWithCustomError(f.wallet, "TierGuardX402InvalidValidity")
            .withArgs(0n, validBefore, t);
      }
      await expect(call(2n ** 40n - 1n)).to.emit(f.wallet, "X402AuthorizationRecorded");
      await expect(call(2n ** 40n)).to.be.revertedWithCustomError(f.wallet, "TierGuardX402InvalidValidity");
    });

    it("releaseX402: one second before validBefore refused (still valid), at validBefore accepted", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "0.02", f.vendors.embeddings, 100);
      const s = await authorize(f, a, "embeddings");
      await time.setNextBlockTimestamp(Number(a.validBefore) - 1);
      await expect(f.wallet.releaseX402(s.intentId, a)).to.be.revertedWithCustomError(
        f.wallet,
        "TierGuardX402StillValid",
      );
      await time.setNextBlockTimestamp(Number(a.validBefore));
      await expect(f.wallet.releaseX402(s.intentId, a)).to.emit(f.wallet, "X402AuthorizationReleased");
    });

    it("refuses an expired or empty validity, ETH, a replayed authorization and a caller without a session key", async function () {
      const f = await loadFixture(x402Fixture);
      const a = await authorization(f, "0.02", f.vendors.embeddings);
      const now = BigInt(await time.latest());
      await expect(
        f.wallet.connect(f.agentKey).authorizeX402({ ...a, validBefore: now }, cat("embeddings"), "x"),
      ).to.be.revertedWithCustomError(f.wallet, "TierGuardX402InvalidValidity");
      await expect(
        f.wallet.connect(f.agentKey).authorizeX402({ ...a, validAfter: a.validBefore }, cat("embeddings"), "x"),
      ).to.be.revertedWithCustomError(f.wallet, "TierGuardX402InvalidValidity");
      await expect(
        f.wallet.connect(f.agentKey).authorizeX402({ ...a, token: ethers.ZeroAddress }, cat("embeddings"), "x"),
      )
        .to.be.revertedWithCustomError(f.wallet, "TierGuardX402NotEip3009Token")
        .withArgs(ethers.ZeroAddress);
      await expect(f.wallet.connect(f.outsider).authorizeX402(a, cat("embeddings"), "x"))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardNotSessionKey")
        .withArgs(f.outsider.address);
      await authorize(f, a, "embeddings");
      await expect(f.wallet.connect(f.agentKey).authorizeX402(a, cat("embeddings"), "x"))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardX402AlreadyRecorded")
        .withArgs(digestOf(f, a));
    });
  });
});
