import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import type { TierGuardWallet } from "../../typechain-types";
import {
  deployArticle,
  ownerAction,
  submitIntent,
  usd,
  cat,
  Tier,
  Status,
  Reason,
  ARTICLE_RULES,
  HOUR,
} from "../../scripts/lib/article";
import { innerError } from "./helpers-owners";

const MAX_UNTIL = 2n ** 40n - 1n;

/** Runs an owner action signed by the first two owners (threshold 2). */
const act = (wallet: TierGuardWallet, owners: Signer[], calls: string[]) =>
  ownerAction(wallet, owners.slice(0, 2), calls);
const grant = (wallet: TierGuardWallet, key: string, agentId: string, validUntil: bigint | number) =>
  wallet.interface.encodeFunctionData("grantSessionKey", [key, agentId, validUntil]);

/** An agent id with byte `index` (0 = most significant) set to 0x01 and every other byte zero. */
const agentIdWithByte = (index: number) => ethers.zeroPadValue("0x01", index + 1).padEnd(66, "0");

async function articleFixture() {
  const d = await deployArticle(hre);
  const signers = await ethers.getSigners();
  const [keyB, keyC, stranger] = signers.slice(5, 8);
  const otherAgentId = ethers.encodeBytes32String("research-agent");
  const owners = d.owners as HardhatEthersSigner[];
  const agentKey = d.agentKey as HardhatEthersSigner;
  return { ...d, owners, agentKey, keyB, keyC, stranger, otherAgentId };
}

/** The article fixture with the autonomous tier limited to 2 intents per agent per hour. */
async function frequencyFixture() {
  const d = await articleFixture();
  const rules = { ...ARTICLE_RULES.autonomous, maxCount: 2, period: HOUR };
  await (
    await act(d.wallet, d.owners, [d.wallet.interface.encodeFunctionData("setTierRules", [Tier.Autonomous, rules])])
  ).wait();
  return d;
}

/** Submits a 0.10 USDC embeddings payment to a verified vendor: autonomous unless a limit says otherwise. */
async function smallPayment(d: Awaited<ReturnType<typeof articleFixture>>, key: Signer) {
  return submitIntent(d.wallet, key, {
    token: await d.usdc.getAddress(),
    amount: usd("0.10"),
    recipient: d.vendors.embeddings,
    category: cat("embeddings"),
  });
}

describe("grantSessionKey", function () {
  it("grants a key for an agent (SessionKeyGranted) and sessionKey()/sessionKeys() read it back", async function () {
    const { wallet, owners, agentKey, keyB, otherAgentId } = await loadFixture(articleFixture);
    const validUntil = BigInt(await time.latest()) + 1000n;
    await expect(act(wallet, owners, [grant(wallet, keyB.address, otherAgentId, validUntil)]))
      .to.emit(wallet, "SessionKeyGranted")
      .withArgs(otherAgentId, keyB.address, validUntil);
    expect(await wallet.sessionKey(keyB.address)).to.deep.equal([otherAgentId, validUntil]);
    expect(await wallet.sessionKeys()).to.deep.equal([agentKey.address, keyB.address]);
  });

  it("reads a key that was never granted as agent 0, expiry 0", async function () {
    const { wallet, keyC } = await loadFixture(articleFixture);
    expect(await wallet.sessionKey(keyC.address)).to.deep.equal([ethers.ZeroHash, 0]);
  });

  it("refuses agent id 0 (TierGuardInvalidAgent)", async function () {
    const { wallet, owners, keyB } = await loadFixture(articleFixture);
    await expect(act(wallet, owners, [grant(wallet, keyB.address, ethers.ZeroHash, MAX_UNTIL)]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardInvalidAgent"));
  });

  it("refuses an agent id with any of its last 5 bytes non-zero (TierGuardInvalidAgent)", async function () {
    const { wallet, owners, keyB } = await loadFixture(articleFixture);
    for (const index of [27, 28, 29, 30, 31]) {
      const agentId = agentIdWithByte(index);
      await expect(act(wallet, owners, [grant(wallet, keyB.address, agentId, MAX_UNTIL)]))
        .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(wallet, "TierGuardInvalidAgent"));
    }
  });

  it("accepts an agent id whose 27th byte is its last non-zero byte", async function () {
    const { wallet, owners, keyB } = await loadFixture(articleFixture);
    const agentId = agentIdWithByte(26);
    await expect(act(wallet, owners, [grant(wallet, keyB.address, agentId, MAX_UNTIL)]))
      .to.emit(wallet, "SessionKeyGranted")
      .withArgs(agentId, keyB.address, MAX_UNTIL);
    expect((await wallet.sessionKey(keyB.address)).agentId).to.equal(agentId);
  });

  it("refuses the zero address and the wallet itself as a key (TierGuardInvalidKey)", async function () {
    const { wallet, owners, agentId } = await loadFixture(articleFixture);
    for (const key of [ethers.ZeroAddress, await wallet.getAddress()]) {
      await expect(act(wallet, owners, [grant(wallet, key, agentId, MAX_UNTIL)]))
        .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(wallet, "TierGuardInvalidKey", [key]));
    }
  });

  it("refuses a validUntil equal to the block time (TierGuardSessionKeyExpired)", async function () {
    const { wallet, owners, keyB, agentId } = await loadFixture(articleFixture);
    const now = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(now);
    await expect(act(wallet, owners, [grant(wallet, keyB.address, agentId, now)]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardSessionKeyExpired", [keyB.address, now, now]));
  });

  it("refuses a validUntil in the past (TierGuardSessionKeyExpired)", async function () {
    const { wallet, owners, keyB, agentId } = await loadFixture(articleFixture);
    const now = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(now);
    await expect(act(wallet, owners, [grant(wallet, keyB.address, agentId, now - 1n)]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardSessionKeyExpired", [keyB.address, now - 1n, now]));
  });

  it("accepts a validUntil one second after the block time", async function () {
    const { wallet, owners, keyB, agentId } = await loadFixture(articleFixture);
    const now = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(now);
    await expect(act(wallet, owners, [grant(wallet, keyB.address, agentId, now + 1n)]))
      .to.emit(wallet, "SessionKeyGranted")
      .withArgs(agentId, keyB.address, now + 1n);
  });

  it("refuses to grant a key that belongs to another agent (TierGuardKeyBelongsToOtherAgent)", async function () {
    const { wallet, owners, agentKey, agentId, otherAgentId } = await loadFixture(articleFixture);
    await expect(act(wallet, owners, [grant(wallet, agentKey.address, otherAgentId, MAX_UNTIL)]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardKeyBelongsToOtherAgent", [agentKey.address, agentId]));
    expect((await wallet.sessionKey(agentKey.address)).agentId).to.equal(agentId);
  });

  it("keeps an expired key bound to its agent", async function () {
    const { wallet, owners, keyB, agentId, otherAgentId } = await loadFixture(articleFixture);
    const validUntil = BigInt(await time.latest()) + 100n;
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, validUntil)])).wait();
    await time.increaseTo(validUntil + 10n);
    await expect(act(wallet, owners, [grant(wallet, keyB.address, otherAgentId, MAX_UNTIL)]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardKeyBelongsToOtherAgent", [keyB.address, agentId]));
  });

  it("extends a key granted again for the same agent", async function () {
    const { wallet, owners, keyB, agentKey, agentId } = await loadFixture(articleFixture);
    const first = BigInt(await time.latest()) + 100n;
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, first)])).wait();
    const extended = first + 3600n;
    await expect(act(wallet, owners, [grant(wallet, keyB.address, agentId, extended)]))
      .to.emit(wallet, "SessionKeyGranted")
      .withArgs(agentId, keyB.address, extended);
    expect(await wallet.sessionKey(keyB.address)).to.deep.equal([agentId, extended]);
    expect(await wallet.sessionKeys()).to.deep.equal([agentKey.address, keyB.address]);
  });

  it("moves a key to another agent when the same action revokes it first", async function () {
    const { wallet, owners, agentKey, agentId, otherAgentId } = await loadFixture(articleFixture);
    const tx = act(wallet, owners, [
      wallet.interface.encodeFunctionData("revokeSessionKey", [agentKey.address]),
      grant(wallet, agentKey.address, otherAgentId, MAX_UNTIL),
    ]);
    await expect(tx)
      .to.emit(wallet, "SessionKeyRevoked")
      .withArgs(agentId, agentKey.address, await wallet.getAddress());
    await expect(tx).to.emit(wallet, "SessionKeyGranted").withArgs(otherAgentId, agentKey.address, MAX_UNTIL);
    expect((await wallet.sessionKey(agentKey.address)).agentId).to.equal(otherAgentId);
  });

  it("refuses a direct call, even from an owner (TierGuardOnlySelf)", async function () {
    const { wallet, owners, keyB, agentId } = await loadFixture(articleFixture);
    await expect(wallet.connect(owners[0]).grantSessionKey(keyB.address, agentId, MAX_UNTIL))
      .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
      .withArgs(owners[0].address);
  });
});

describe("session key expiry", function () {
  it("lets a key submit at validUntil - 1 and rejects it at validUntil (TierGuardSessionKeyExpired)", async function () {
    const d = await loadFixture(articleFixture);
    const { wallet, owners, keyB, agentId } = d;
    const validUntil = BigInt(await time.latest()) + 100n;
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, validUntil)])).wait();

    await time.setNextBlockTimestamp(validUntil - 1n);
    const s = await smallPayment(d, keyB);
    expect(s.tier).to.equal(Tier.Autonomous);
    expect(s.status).to.equal(Status.Executed);

    await time.setNextBlockTimestamp(validUntil);
    await expect(
      wallet
        .connect(keyB)
        .spend(await d.usdc.getAddress(), usd("0.10"), d.vendors.embeddings, cat("embeddings"), "expired"),
    )
      .to.be.revertedWithCustomError(wallet, "TierGuardSessionKeyExpired")
      .withArgs(keyB.address, validUntil, validUntil);
  });

  it("lets an expired key submit again once its grant is extended", async function () {
    const d = await loadFixture(articleFixture);
    const { wallet, owners, keyB, agentId } = d;
    const validUntil = BigInt(await time.latest()) + 100n;
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, validUntil)])).wait();
    await time.increaseTo(validUntil + 50n);
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, validUntil + 3600n)])).wait();
    expect((await smallPayment(d, keyB)).tier).to.equal(Tier.Autonomous);
  });
});

describe("revokeSessionKey", function () {
  it("lets any single owner revoke a key, effective at once (SessionKeyRevoked with by)", async function () {
    const d = await loadFixture(articleFixture);
    const { wallet, owners, agentKey, agentId } = d;
    await expect(wallet.connect(owners[2]).revokeSessionKey(agentKey.address))
      .to.emit(wallet, "SessionKeyRevoked")
      .withArgs(agentId, agentKey.address, owners[2].address);
    expect(await wallet.sessionKey(agentKey.address)).to.deep.equal([ethers.ZeroHash, 0]);
    expect(await wallet.sessionKeys()).to.deep.equal([]);
    await expect(
      wallet
        .connect(agentKey)
        .spend(await d.usdc.getAddress(), usd("0.10"), d.vendors.embeddings, cat("embeddings"), "revoked"),
    )
      .to.be.revertedWithCustomError(wallet, "TierGuardNotSessionKey")
      .withArgs(agentKey.address);
  });

  it("accepts a revoke from each of the owners", async function () {
    const { wallet, owners, agentId, keyB, keyC, stranger } = await loadFixture(articleFixture);
    const keys = [keyB.address, keyC.address, stranger.address];
    await (
      await act(
        wallet,
        owners,
        keys.map((k) => grant(wallet, k, agentId, MAX_UNTIL)),
      )
    ).wait();
    for (let i = 0; i < owners.length; i++) {
      await expect(wallet.connect(owners[i]).revokeSessionKey(keys[i]))
        .to.emit(wallet, "SessionKeyRevoked")
        .withArgs(agentId, keys[i], owners[i].address);
    }
    for (const k of keys) expect(await wallet.sessionKeys()).to.not.include(k);
  });

  it("lets an owner action revoke a key (by = the wallet)", async function () {
    const { wallet, owners, agentKey, agentId } = await loadFixture(articleFixture);
    await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("revokeSessionKey", [agentKey.address])]))
      .to.emit(wallet, "SessionKeyRevoked")
      .withArgs(agentId, agentKey.address, await wallet.getAddress());
    expect((await wallet.sessionKey(agentKey.address)).agentId).to.equal(ethers.ZeroHash);
  });

  it("refuses a revoke from an address that is not an owner (TierGuardNotOwner)", async function () {
    const { wallet, owners, agentKey, stranger } = await loadFixture(articleFixture);
    await expect(wallet.connect(stranger).revokeSessionKey(agentKey.address))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
      .withArgs(stranger.address);
    // Not even an enabled guardian, nor the key itself.
    await (
      await act(wallet, owners, [wallet.interface.encodeFunctionData("setGuardian", [stranger.address, true])])
    ).wait();
    await expect(wallet.connect(stranger).revokeSessionKey(agentKey.address))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
      .withArgs(stranger.address);
    await expect(wallet.connect(agentKey).revokeSessionKey(agentKey.address))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
      .withArgs(agentKey.address);
    expect(await wallet.sessionKeys()).to.deep.equal([agentKey.address]);
  });

  it("refuses to revoke a key that has no grant (TierGuardNotSessionKey)", async function () {
    const { wallet, owners, agentKey, keyB } = await loadFixture(articleFixture);
    await expect(wallet.connect(owners[0]).revokeSessionKey(keyB.address))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotSessionKey")
      .withArgs(keyB.address);
    await (await wallet.connect(owners[0]).revokeSessionKey(agentKey.address)).wait();
    await expect(wallet.connect(owners[1]).revokeSessionKey(agentKey.address))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotSessionKey")
      .withArgs(agentKey.address);
  });
});

describe("rate limits across keys", function () {
  it("keeps the limit-th autonomous payment autonomous", async function () {
    const d = await loadFixture(frequencyFixture);
    expect((await smallPayment(d, d.agentKey)).tier).to.equal(Tier.Autonomous);
    expect((await smallPayment(d, d.agentKey)).tier).to.equal(Tier.Autonomous);
    expect((await d.wallet.agentState(d.agentId)).count0).to.equal(2);
  });

  it("counts an agent's payments across its keys: a fresh key does not get a fresh limit", async function () {
    const d = await loadFixture(frequencyFixture);
    const { wallet, owners, agentId, keyB } = d;
    expect((await smallPayment(d, d.agentKey)).tier).to.equal(Tier.Autonomous);
    expect((await smallPayment(d, d.agentKey)).tier).to.equal(Tier.Autonomous);
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, MAX_UNTIL)])).wait();

    const third = await smallPayment(d, keyB);
    expect(third.tier).to.not.equal(Tier.Autonomous);
    expect(third.misses & 0xf).to.equal(Reason.FrequencyExceeded);
    // embeddings is allowed by no other tier: the intent goes to the article's unmatched tier.
    expect(third.tier).to.equal(Tier.Collaborative);
    expect(third.reason).to.equal(Reason.NoTierMatched);
  });

  it("gives another agent its own counters", async function () {
    const d = await loadFixture(frequencyFixture);
    const { wallet, owners, otherAgentId, keyC } = d;
    await smallPayment(d, d.agentKey);
    await smallPayment(d, d.agentKey);
    await (await act(wallet, owners, [grant(wallet, keyC.address, otherAgentId, MAX_UNTIL)])).wait();
    expect((await smallPayment(d, keyC)).tier).to.equal(Tier.Autonomous);
  });

  it("does not reset agentState() when key A is revoked and key B granted", async function () {
    const d = await loadFixture(frequencyFixture);
    const { wallet, owners, agentId, agentKey, keyB } = d;
    await smallPayment(d, agentKey);
    await smallPayment(d, agentKey);
    const before = await wallet.agentState(agentId);
    expect(before.count0).to.equal(2);
    expect(before.nonce).to.equal(2);

    await (await wallet.connect(owners[0]).revokeSessionKey(agentKey.address)).wait();
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, MAX_UNTIL)])).wait();
    expect(await wallet.agentState(agentId)).to.deep.equal(before);

    const third = await smallPayment(d, keyB);
    expect(third.misses & 0xf).to.equal(Reason.FrequencyExceeded);
    expect(third.tier).to.not.equal(Tier.Autonomous);
    expect(third.intentId).to.equal(await wallet.intentIdFor(agentId, 2));
    expect((await wallet.agentState(agentId)).nonce).to.equal(3);
  });

  it("lets the agent pay autonomously again, with any key, once the frequency window ends", async function () {
    const d = await loadFixture(frequencyFixture);
    const { wallet, owners, agentId, agentKey, keyB } = d;
    await smallPayment(d, agentKey);
    await smallPayment(d, agentKey);
    const { start0 } = await wallet.agentState(agentId);
    await (await act(wallet, owners, [grant(wallet, keyB.address, agentId, MAX_UNTIL)])).wait();

    await time.setNextBlockTimestamp(start0 + BigInt(HOUR) - 1n);
    expect((await smallPayment(d, keyB)).misses & 0xf).to.equal(Reason.FrequencyExceeded);
    await time.setNextBlockTimestamp(start0 + BigInt(HOUR));
    expect((await smallPayment(d, keyB)).tier).to.equal(Tier.Autonomous);
  });
});
