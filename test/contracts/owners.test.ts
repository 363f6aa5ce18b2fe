import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { TierGuardWallet, MockERC1271Wallet } from "../../typechain-types";
import {
  deployArticle,
  ownerAction,
  signOwnerAction,
  submitIntent,
  sortSigs,
  usd,
  cat,
  Tier,
  Status,
  type PendingIntentStruct,
} from "../../scripts/lib/article";
import {
  countEvents,
  farDeadline,
  innerError,
  ownerActionDigestOffChain,
  randomAddress,
  signDigest,
  signOwnerActionWithDomain,
} from "./helpers-owners";

const name32 = (s: string) => ethers.encodeBytes32String(s);

async function deployWallet(owners: string[], threshold: number): Promise<TierGuardWallet> {
  const wallet = await ethers.deployContract("TierGuardWallet", [owners, threshold]);
  await wallet.waitForDeployment();
  return wallet as unknown as TierGuardWallet;
}

/** A bare 2-of-3 wallet (owners = signers 0..2), a twin with the same owners, and spare accounts. */
async function twoOfThreeFixture() {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const [guardian, stranger, newOwner, other] = signers.slice(4, 8);
  const wallet = await deployWallet(
    owners.map((o) => o.address),
    2,
  );
  const twin = await deployWallet(
    owners.map((o) => o.address),
    2,
  );
  return { wallet, twin, owners, guardian, stranger, newOwner, other };
}

/** A 1-of-1 wallet. */
async function oneOfOneFixture() {
  const [owner, , , , , stranger] = await ethers.getSigners();
  const wallet = await deployWallet([owner.address], 1);
  return { wallet, owner, stranger };
}

/** A 2-of-2 wallet whose second owner is an ERC-1271 contract wallet controlled by a fresh EOA key. */
async function erc1271Fixture() {
  const [eoaOwner, , , , , stranger] = await ethers.getSigners();
  const controller = ethers.Wallet.createRandom();
  const otherKey = ethers.Wallet.createRandom();
  const contractOwner = (await ethers.deployContract("MockERC1271Wallet", [
    controller.address,
  ])) as unknown as MockERC1271Wallet;
  const contractOwnerAddress = await contractOwner.getAddress();
  const wallet = await deployWallet([eoaOwner.address, contractOwnerAddress], 2);
  return { wallet, eoaOwner, controller, otherKey, contractOwner, contractOwnerAddress, stranger };
}

/** The article's 2-of-3 wallet, plus a guardian enabled by an owner action. */
async function articleFixture() {
  const d = await deployArticle(hre);
  const signers = await ethers.getSigners();
  const guardian = signers[4];
  const stranger = signers[5];
  const newOwner = signers[6];
  await (
    await ownerAction(d.wallet, d.owners.slice(0, 2), [
      d.wallet.interface.encodeFunctionData("setGuardian", [guardian.address, true]),
    ])
  ).wait();
  const owners = d.owners as HardhatEthersSigner[];
  const agentKey = d.agentKey as HardhatEthersSigner;
  return { ...d, owners, agentKey, guardian, stranger, newOwner };
}

/** The article fixture with a collaborative intent (89.00 USDC agent_hire to the analysis agent) awaiting approval. */
async function collaborativeIntentFixture() {
  const d = await articleFixture();
  const s = await submitIntent(d.wallet, d.agentKey, {
    token: await d.usdc.getAddress(),
    amount: usd("89.00"),
    recipient: d.vendors.analysisAgent,
    category: cat("agent_hire"),
    justification: "hire the analysis agent",
  });
  expect(s.tier).to.equal(Tier.Collaborative);
  return { ...d, intentId: s.intentId, pending: s.pending as PendingIntentStruct };
}

/** The article fixture with a supervised intent (10.00 USDC compute) in its veto window. */
async function supervisedIntentFixture() {
  const d = await articleFixture();
  const s = await submitIntent(d.wallet, d.agentKey, {
    token: await d.usdc.getAddress(),
    amount: usd("10.00"),
    recipient: d.vendors.compute,
    category: cat("compute"),
  });
  expect(s.tier).to.equal(Tier.Supervised);
  return { ...d, intentId: s.intentId, pending: s.pending as PendingIntentStruct };
}

describe("constructor", function () {
  it("records the owners, the threshold and the owner count", async function () {
    const { wallet, owners, stranger } = await loadFixture(twoOfThreeFixture);
    expect(await wallet.owners()).to.deep.equal(owners.map((o) => o.address));
    for (const o of owners) expect(await wallet.isOwner(o.address)).to.equal(true);
    expect(await wallet.isOwner(stranger.address)).to.equal(false);
    const s = await wallet.settings();
    expect(s.threshold).to.equal(2);
    expect(s.ownerCount).to.equal(3);
  });

  it("emits OwnerAdded for each owner with its slot, then ThresholdChanged", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const tx = wallet.deploymentTransaction()!;
    for (let i = 0; i < owners.length; i++) {
      await expect(tx).to.emit(wallet, "OwnerAdded").withArgs(owners[i].address, i);
    }
    await expect(tx).to.emit(wallet, "ThresholdChanged").withArgs(2);
    const receipt = (await tx.wait())!;
    const names = receipt.logs.map((l) => wallet.interface.parseLog(l)?.name);
    expect(names).to.deep.equal(["OwnerAdded", "OwnerAdded", "OwnerAdded", "ThresholdChanged"]);
  });

  it("starts unpaused at policy version 0 and sends unmatched intents to the prohibited tier", async function () {
    const { wallet } = await loadFixture(twoOfThreeFixture);
    const s = await wallet.settings();
    expect(s.unmatchedTier).to.equal(Tier.Prohibited);
    expect(s.paused).to.equal(false);
    expect(s.policyVersion).to.equal(0);
    expect(await wallet.ownerNonce()).to.equal(0);
  });

  it("refuses a threshold of 0", async function () {
    const { owners } = await loadFixture(twoOfThreeFixture);
    const factory = await ethers.getContractFactory("TierGuardWallet");
    await expect(
      factory.deploy(
        owners.map((o) => o.address),
        0,
      ),
    )
      .to.be.revertedWithCustomError(factory, "TierGuardInvalidThreshold")
      .withArgs(0, 3);
  });

  it("refuses a threshold above the number of owners", async function () {
    const { owners } = await loadFixture(twoOfThreeFixture);
    const factory = await ethers.getContractFactory("TierGuardWallet");
    await expect(
      factory.deploy(
        owners.map((o) => o.address),
        4,
      ),
    )
      .to.be.revertedWithCustomError(factory, "TierGuardInvalidThreshold")
      .withArgs(4, 3);
  });

  it("accepts a threshold equal to the number of owners", async function () {
    const { owners } = await loadFixture(twoOfThreeFixture);
    const wallet = await deployWallet(
      owners.map((o) => o.address),
      3,
    );
    expect((await wallet.settings()).threshold).to.equal(3);
  });

  it("refuses an empty owner list", async function () {
    const factory = await ethers.getContractFactory("TierGuardWallet");
    await expect(factory.deploy([], 1))
      .to.be.revertedWithCustomError(factory, "TierGuardInvalidThreshold")
      .withArgs(1, 0);
  });

  it("refuses a duplicate owner", async function () {
    const { owners } = await loadFixture(twoOfThreeFixture);
    const factory = await ethers.getContractFactory("TierGuardWallet");
    await expect(factory.deploy([owners[0].address, owners[1].address, owners[0].address], 2))
      .to.be.revertedWithCustomError(factory, "TierGuardOwnerExists")
      .withArgs(owners[0].address);
  });

  it("refuses the zero address as an owner", async function () {
    const { owners } = await loadFixture(twoOfThreeFixture);
    const factory = await ethers.getContractFactory("TierGuardWallet");
    await expect(factory.deploy([owners[0].address, ethers.ZeroAddress], 1))
      .to.be.revertedWithCustomError(factory, "TierGuardInvalidOwner")
      .withArgs(ethers.ZeroAddress);
  });

  it("refuses the wallet's own address as an owner", async function () {
    const { owners } = await loadFixture(twoOfThreeFixture);
    const factory = await ethers.getContractFactory("TierGuardWallet");
    const deployer = owners[0];
    const self = ethers.getCreateAddress({
      from: deployer.address,
      nonce: await ethers.provider.getTransactionCount(deployer.address),
    });
    await expect(factory.connect(deployer).deploy([owners[1].address, self], 1))
      .to.be.revertedWithCustomError(factory, "TierGuardInvalidOwner")
      .withArgs(self);
  });

  it("accepts exactly 16 owners", async function () {
    const list = Array.from({ length: 16 }, randomAddress);
    const wallet = await deployWallet(list, 16);
    expect(await wallet.owners()).to.deep.equal(list);
    expect((await wallet.settings()).ownerCount).to.equal(16);
  });

  it("refuses 17 owners (TierGuardTooManyOwners)", async function () {
    const factory = await ethers.getContractFactory("TierGuardWallet");
    const list = Array.from({ length: 17 }, randomAddress);
    await expect(factory.deploy(list, 1)).to.be.revertedWithCustomError(factory, "TierGuardTooManyOwners").withArgs(16);
  });

  it("lets a 1-of-1 wallet run owner actions with its single owner's signature", async function () {
    const { wallet, owner, stranger } = await loadFixture(oneOfOneFixture);
    const calls = [wallet.interface.encodeFunctionData("setGuardian", [stranger.address, true])];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, [owner], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.emit(wallet, "OwnerActionExecuted")
      .withArgs(0, await wallet.ownerActionDigest(calls, 0, deadline), [owner.address]);
    expect(await wallet.isGuardian(stranger.address)).to.equal(true);
    expect(await wallet.ownerNonce()).to.equal(1);
  });
});

describe("ownerAction", function () {
  /** A harmless, checkable call: enable `who` as guardian. */
  const guardianCall = (wallet: TierGuardWallet, who: string) =>
    wallet.interface.encodeFunctionData("setGuardian", [who, true]);

  it("runs the calls when M distinct owners sign the EIP-712 OwnerAction", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.emit(wallet, "GuardianSet")
      .withArgs(guardian.address, true);
    expect(await wallet.isGuardian(guardian.address)).to.equal(true);
  });

  it("emits OwnerActionExecuted with the nonce, the EIP-712 digest and the sorted signers", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const digest = await wallet.ownerActionDigest(calls, 0, deadline);
    expect(digest).to.equal(await ownerActionDigestOffChain(wallet, calls, 0n, deadline));
    const sigs = await signOwnerAction(wallet, [owners[2], owners[0]], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.emit(wallet, "OwnerActionExecuted")
      .withArgs(
        0,
        digest,
        sigs.map((s) => s.signer),
      );
  });

  it("accepts more signatures than the threshold and lists every signer", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners, calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.emit(wallet, "OwnerActionExecuted")
      .withArgs(
        0,
        await wallet.ownerActionDigest(calls, 0, deadline),
        sigs.map((s) => s.signer),
      );
  });

  it("increments ownerNonce by one per action and signs each action over the current nonce", async function () {
    const { wallet, owners, guardian, stranger } = await loadFixture(twoOfThreeFixture);
    expect(await wallet.ownerNonce()).to.equal(0);
    await (await ownerAction(wallet, owners.slice(0, 2), [guardianCall(wallet, guardian.address)])).wait();
    expect(await wallet.ownerNonce()).to.equal(1);
    const calls = [guardianCall(wallet, stranger.address)];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(1, 3), calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.emit(wallet, "OwnerActionExecuted")
      .withArgs(
        1,
        await wallet.ownerActionDigest(calls, 1, deadline),
        sigs.map((s) => s.signer),
      );
    expect(await wallet.ownerNonce()).to.equal(2);
  });

  it("rejects a replay of the same signatures once their nonce is used", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await (await wallet.ownerAction(calls, deadline, sigs)).wait();
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
      .withArgs(sigs[0].signer);
    expect(await wallet.ownerNonce()).to.equal(1);
  });

  it("rejects signatures made for another wallet with the same owners", async function () {
    const { wallet, twin, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(twin, guardian.address)];
    const deadline = await farDeadline();
    expect(await twin.ownerNonce()).to.equal(await wallet.ownerNonce());
    const sigsForWallet = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await expect(twin.ownerAction(calls, deadline, sigsForWallet))
      .to.be.revertedWithCustomError(twin, "TierGuardInvalidSignature")
      .withArgs(sigsForWallet[0].signer);
    // The same signatures are good on the wallet they were made for.
    await expect(wallet.ownerAction(calls, deadline, sigsForWallet)).to.emit(wallet, "OwnerActionExecuted");
  });

  it("rejects signatures made with another chain id in the EIP-712 domain", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const { chainId } = await ethers.provider.getNetwork();
    const sigs = await signOwnerActionWithDomain(wallet, owners.slice(0, 2), calls, deadline, 0n, {
      chainId: chainId + 1n,
    });
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
      .withArgs(sigs[0].signer);
  });

  it("rejects signatures made with another domain name or version", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    for (const overrides of [{ name: "TierGuard" }, { version: "2" }]) {
      const sigs = await signOwnerActionWithDomain(wallet, owners.slice(0, 2), calls, deadline, 0n, overrides);
      await expect(wallet.ownerAction(calls, deadline, sigs))
        .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
        .withArgs(sigs[0].signer);
    }
  });

  it("rejects signatures over different calls, deadline or nonce", async function () {
    const { wallet, owners, guardian, stranger } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const two = owners.slice(0, 2);
    const otherCalls = await signOwnerAction(wallet, two, [guardianCall(wallet, stranger.address)], deadline);
    const otherDeadline = await signOwnerAction(wallet, two, calls, deadline + 1n);
    const otherNonce = await signOwnerActionWithDomain(wallet, two, calls, deadline, 1n);
    for (const sigs of [otherCalls, otherDeadline, otherNonce]) {
      await expect(wallet.ownerAction(calls, deadline, sigs))
        .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
        .withArgs(sigs[0].signer);
    }
  });

  it("accepts an action mined exactly at its deadline", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = BigInt(await time.latest()) + 100n;
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await time.setNextBlockTimestamp(deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs)).to.emit(wallet, "OwnerActionExecuted");
  });

  it("rejects an action mined one second after its deadline (TierGuardSignatureExpired)", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = BigInt(await time.latest()) + 100n;
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await time.setNextBlockTimestamp(deadline + 1n);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardSignatureExpired")
      .withArgs(deadline, deadline + 1n);
  });

  it("rejects fewer signatures than the threshold (TierGuardNotEnoughApprovals)", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const one = await signOwnerAction(wallet, [owners[0]], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, one))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotEnoughApprovals")
      .withArgs(1, 2);
    await expect(wallet.ownerAction(calls, deadline, []))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotEnoughApprovals")
      .withArgs(0, 2);
  });

  it("rejects the same owner signing twice (TierGuardSignersNotSorted)", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const [sig] = await signOwnerAction(wallet, [owners[1]], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, [sig, sig]))
      .to.be.revertedWithCustomError(wallet, "TierGuardSignersNotSorted")
      .withArgs(sig.signer, sig.signer);
  });

  it("rejects signatures that are not sorted by signer", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const sorted = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    const reversed = [sorted[1], sorted[0]];
    await expect(wallet.ownerAction(calls, deadline, reversed))
      .to.be.revertedWithCustomError(wallet, "TierGuardSignersNotSorted")
      .withArgs(sorted[1].signer, sorted[0].signer);
  });

  it("rejects a signature from an address that is not an owner (TierGuardSignerNotOwner)", async function () {
    const { wallet, owners, guardian, stranger } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, [owners[0], owners[1], stranger], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardSignerNotOwner")
      .withArgs(stranger.address);
  });

  it("rejects a signature that does not verify for its stated signer (TierGuardInvalidSignature)", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const calls = [guardianCall(wallet, guardian.address)];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    // The second owner's signature presented as the first owner's.
    const swapped = [{ signer: sigs[0].signer, signature: sigs[1].signature }, sigs[1]];
    await expect(wallet.ownerAction(calls, deadline, swapped))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
      .withArgs(sigs[0].signer);
    const malformed = [sigs[0], { signer: sigs[1].signer, signature: "0x1234" }];
    await expect(wallet.ownerAction(calls, deadline, malformed))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
      .withArgs(sigs[1].signer);
  });

  it("rejects an action with no calls (TierGuardEmptyAction)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), [], deadline);
    await expect(wallet.ownerAction([], deadline, sigs)).to.be.revertedWithCustomError(wallet, "TierGuardEmptyAction");
  });

  it("reverts the whole batch with TierGuardActionCallFailed(index, reason) when a call fails", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const i = wallet.interface;
    const calls = [
      i.encodeFunctionData("defineCategory", [5, name32("compute")]),
      guardianCall(wallet, guardian.address),
      i.encodeFunctionData("setThreshold", [0]),
    ];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(2, innerError(wallet, "TierGuardInvalidThreshold", [0, 3]));
    // None of the earlier calls took effect and the nonce is unused.
    expect(await wallet.categoryName(5)).to.equal(ethers.ZeroHash);
    expect(await wallet.isGuardian(guardian.address)).to.equal(false);
    const s = await wallet.settings();
    expect(s.categories).to.equal(0);
    expect(s.policyVersion).to.equal(0);
    expect(s.threshold).to.equal(2);
    expect(await wallet.ownerNonce()).to.equal(0);
  });

  it("reports index 0 and the inner error when the first call fails", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const calls = [wallet.interface.encodeFunctionData("setThreshold", [4])];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, wallet.interface.encodeErrorResult("TierGuardInvalidThreshold", [4, 3]));
  });

  it("reports empty reason bytes for a call that matches no wallet function", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const calls = ["0xdeadbeef"];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, "0x");
  });

  it("counts an ERC-1271 contract owner whose key signed the EIP-712 digest", async function () {
    const { wallet, eoaOwner, controller, contractOwnerAddress, stranger } = await loadFixture(erc1271Fixture);
    const calls = [guardianCall(wallet, stranger.address)];
    const deadline = await farDeadline();
    const digest = await wallet.ownerActionDigest(calls, 0, deadline);
    const [eoaSig] = await signOwnerAction(wallet, [eoaOwner], calls, deadline);
    const sigs = sortSigs([eoaSig, { signer: contractOwnerAddress, signature: signDigest(controller, digest) }]);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.emit(wallet, "OwnerActionExecuted")
      .withArgs(
        0,
        digest,
        sigs.map((s) => s.signer),
      );
    expect(await wallet.isGuardian(stranger.address)).to.equal(true);
  });

  it("rejects a signature for an ERC-1271 owner that its contract does not accept", async function () {
    const { wallet, eoaOwner, otherKey, contractOwnerAddress, stranger } = await loadFixture(erc1271Fixture);
    const calls = [guardianCall(wallet, stranger.address)];
    const deadline = await farDeadline();
    const digest = await wallet.ownerActionDigest(calls, 0, deadline);
    const [eoaSig] = await signOwnerAction(wallet, [eoaOwner], calls, deadline);
    const sigs = sortSigs([eoaSig, { signer: contractOwnerAddress, signature: signDigest(otherKey, digest) }]);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidSignature")
      .withArgs(contractOwnerAddress);
  });

  describe("self-only setters", function () {
    const directCalls: [string, (w: TierGuardWallet, a: string) => unknown[]][] = [
      ["addOwner", (_w, a) => [a]],
      ["removeOwner", (_w, a) => [a]],
      ["setThreshold", () => [1]],
      ["setGuardian", (_w, a) => [a, true]],
      ["unpause", () => []],
      ["grantSessionKey", (_w, a) => [a, name32("agent"), 2n ** 40n - 1n]],
      ["defineCategory", () => [0, name32("api_calls")]],
      ["undefineCategory", () => [0]],
      [
        "setTierRules",
        () => [
          Tier.Supervised,
          { categories: 0, maxValue: 0, maxCount: 0, period: 0, window: 30, grace: 60, minTrust: 0 },
        ],
      ],
      ["setBudget", () => [Tier.Autonomous, 1, 60]],
      ["setProhibitions", () => [0, 0]],
      ["setUnmatchedTier", () => [Tier.Collaborative]],
      ["setAutoPromote", () => [true]],
      ["configureToken", () => [ethers.ZeroAddress, 1, 10n ** 18n, 0]],
      ["removeToken", () => [ethers.ZeroAddress]],
      ["setRecipientTrust", (_w, a) => [a, 1]],
      ["withdraw", (_w, a) => [ethers.ZeroAddress, a, 1]],
    ];
    for (const [fn, args] of directCalls) {
      it(`reverts TierGuardOnlySelf when an owner calls ${fn} directly`, async function () {
        const { wallet, owners, newOwner } = await loadFixture(twoOfThreeFixture);
        const contract = wallet.connect(owners[0]) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
        await expect(contract[fn](...args(wallet, newOwner.address)))
          .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
          .withArgs(owners[0].address);
      });
    }
  });
});

describe("owners", function () {
  it("adds an owner through an owner action (OwnerAdded with its slot)", async function () {
    const { wallet, owners, newOwner } = await loadFixture(twoOfThreeFixture);
    await expect(
      ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("addOwner", [newOwner.address])]),
    )
      .to.emit(wallet, "OwnerAdded")
      .withArgs(newOwner.address, 3);
    expect(await wallet.isOwner(newOwner.address)).to.equal(true);
    expect(await wallet.owners()).to.deep.equal([...owners.map((o) => o.address), newOwner.address]);
    expect((await wallet.settings()).ownerCount).to.equal(4);
  });

  it("lets an added owner sign the next owner action", async function () {
    const { wallet, owners, newOwner, guardian } = await loadFixture(twoOfThreeFixture);
    await (
      await ownerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("addOwner", [newOwner.address]),
      ])
    ).wait();
    await expect(
      ownerAction(
        wallet,
        [owners[2], newOwner],
        [wallet.interface.encodeFunctionData("setGuardian", [guardian.address, true])],
      ),
    ).to.emit(wallet, "GuardianSet");
  });

  it("refuses to add an existing owner (TierGuardOwnerExists)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    await expect(
      ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("addOwner", [owners[2].address])]),
    )
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardOwnerExists", [owners[2].address]));
  });

  it("refuses to add the zero address or the wallet itself (TierGuardInvalidOwner)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    for (const bad of [ethers.ZeroAddress, await wallet.getAddress()]) {
      await expect(ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("addOwner", [bad])]))
        .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(wallet, "TierGuardInvalidOwner", [bad]));
    }
  });

  it("adds owners up to 16 and refuses a 17th (TierGuardTooManyOwners)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const extra = Array.from({ length: 13 }, randomAddress);
    const add = (a: string) => wallet.interface.encodeFunctionData("addOwner", [a]);
    await expect(ownerAction(wallet, owners.slice(0, 2), [...extra.map(add), add(randomAddress())]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(13, innerError(wallet, "TierGuardTooManyOwners", [16]));
    await (await ownerAction(wallet, owners.slice(0, 2), extra.map(add))).wait();
    expect((await wallet.settings()).ownerCount).to.equal(16);
    await expect(ownerAction(wallet, owners.slice(0, 2), [add(randomAddress())]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardTooManyOwners", [16]));
  });

  it("removes an owner through an owner action (OwnerRemoved with its slot)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    await expect(
      ownerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("removeOwner", [owners[1].address]),
      ]),
    )
      .to.emit(wallet, "OwnerRemoved")
      .withArgs(owners[1].address, 1);
    expect(await wallet.isOwner(owners[1].address)).to.equal(false);
    expect(await wallet.owners()).to.deep.equal([owners[0].address, owners[2].address]);
    expect((await wallet.settings()).ownerCount).to.equal(2);
  });

  it("refuses to remove an address that is not an owner (TierGuardNotOwner)", async function () {
    const { wallet, owners, stranger } = await loadFixture(twoOfThreeFixture);
    await expect(
      ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("removeOwner", [stranger.address])]),
    )
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardNotOwner", [stranger.address]));
  });

  it("allows a removal that leaves exactly threshold owners", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    await (
      await ownerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("removeOwner", [owners[2].address]),
      ])
    ).wait();
    const s = await wallet.settings();
    expect(s.ownerCount).to.equal(2);
    expect(s.threshold).to.equal(2);
  });

  it("refuses a removal that would make the threshold unreachable (TierGuardInvalidThreshold)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const remove = (a: string) => wallet.interface.encodeFunctionData("removeOwner", [a]);
    await expect(ownerAction(wallet, owners.slice(0, 2), [remove(owners[2].address), remove(owners[1].address)]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(1, innerError(wallet, "TierGuardInvalidThreshold", [2, 1]));
    expect(await wallet.owners()).to.deep.equal(owners.map((o) => o.address));
  });

  it("allows the same removals after lowering the threshold first in the batch", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const i = wallet.interface;
    await (
      await ownerAction(wallet, owners.slice(0, 2), [
        i.encodeFunctionData("setThreshold", [1]),
        i.encodeFunctionData("removeOwner", [owners[2].address]),
        i.encodeFunctionData("removeOwner", [owners[1].address]),
      ])
    ).wait();
    expect(await wallet.owners()).to.deep.equal([owners[0].address]);
    const s = await wallet.settings();
    expect(s.threshold).to.equal(1);
    expect(s.ownerCount).to.equal(1);
  });

  it("sets the threshold (ThresholdChanged) and requires that many signatures afterwards", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    await expect(ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("setThreshold", [3])]))
      .to.emit(wallet, "ThresholdChanged")
      .withArgs(3);
    expect((await wallet.settings()).threshold).to.equal(3);
    const calls = [wallet.interface.encodeFunctionData("setGuardian", [guardian.address, true])];
    const deadline = await farDeadline();
    const two = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, two))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotEnoughApprovals")
      .withArgs(2, 3);
    const three = await signOwnerAction(wallet, owners, calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, three)).to.emit(wallet, "GuardianSet");
  });

  it("lowers the threshold to 1 so that one owner can run owner actions", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    await (
      await ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("setThreshold", [1])])
    ).wait();
    await expect(
      ownerAction(wallet, [owners[2]], [wallet.interface.encodeFunctionData("setGuardian", [guardian.address, true])]),
    ).to.emit(wallet, "GuardianSet");
  });

  it("refuses a threshold of 0 or above the owner count (TierGuardInvalidThreshold)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    for (const t of [0, 4]) {
      await expect(ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("setThreshold", [t])]))
        .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
        .withArgs(0, innerError(wallet, "TierGuardInvalidThreshold", [t, 3]));
    }
  });

  it("stops counting a removed owner's signatures (TierGuardSignerNotOwner)", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    await (
      await ownerAction(wallet, owners.slice(1, 3), [
        wallet.interface.encodeFunctionData("removeOwner", [owners[0].address]),
      ])
    ).wait();
    const calls = [wallet.interface.encodeFunctionData("setGuardian", [guardian.address, true])];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, [owners[0], owners[1]], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardSignerNotOwner")
      .withArgs(owners[0].address);
  });

  it("voids the on-chain approvals of a removed owner", async function () {
    const { wallet, owners, intentId, pending } = await loadFixture(collaborativeIntentFixture);
    await expect(wallet.connect(owners[0]).approve(intentId, pending))
      .to.emit(wallet, "IntentApproved")
      .withArgs(intentId, owners[0].address);
    expect(await wallet.approvals(intentId)).to.deep.equal([owners[0].address]);
    await (
      await ownerAction(wallet, owners.slice(1, 3), [
        wallet.interface.encodeFunctionData("removeOwner", [owners[0].address]),
      ])
    ).wait();
    expect(await wallet.approvals(intentId)).to.deep.equal([]);
    expect(await wallet.intentStatus(intentId)).to.equal(Status.AwaitingApproval);
  });

  it("does not revive a removed owner's approvals when the owner is added back", async function () {
    const { wallet, owners, intentId, pending } = await loadFixture(collaborativeIntentFixture);
    await (await wallet.connect(owners[0]).approve(intentId, pending)).wait();
    const i = wallet.interface;
    await (
      await ownerAction(wallet, owners.slice(1, 3), [
        i.encodeFunctionData("removeOwner", [owners[0].address]),
        i.encodeFunctionData("addOwner", [owners[0].address]),
      ])
    ).wait();
    expect(await wallet.isOwner(owners[0].address)).to.equal(true);
    expect(await wallet.approvals(intentId)).to.deep.equal([]);
  });

  it("needs the threshold in approvals made after a removal to execute", async function () {
    const { wallet, owners, usdc, vendors, intentId, pending } = await loadFixture(collaborativeIntentFixture);
    await (await wallet.connect(owners[0]).approve(intentId, pending)).wait();
    await (
      await ownerAction(wallet, owners.slice(1, 3), [
        wallet.interface.encodeFunctionData("removeOwner", [owners[0].address]),
      ])
    ).wait();
    await expect(wallet.connect(owners[1]).approve(intentId, pending)).not.to.emit(wallet, "IntentExecuted");
    expect(await wallet.intentStatus(intentId)).to.equal(Status.AwaitingApproval);
    expect(await wallet.approvals(intentId)).to.deep.equal([owners[1].address]);
    const tx = wallet.connect(owners[2]).approve(intentId, pending);
    await expect(tx).to.changeTokenBalance(usdc, vendors.analysisAgent, usd("89.00"));
    await expect(tx).to.emit(wallet, "IntentExecuted").withArgs(intentId, owners[2].address);
    // executed: the commitment is deleted
    expect(await wallet.intentStatus(intentId)).to.equal(Status.None);
  });

  it("refuses to remove the last owner of a 1-of-1 wallet (TierGuardInvalidThreshold)", async function () {
    const { wallet, owner } = await loadFixture(oneOfOneFixture);
    await expect(ownerAction(wallet, [owner], [wallet.interface.encodeFunctionData("removeOwner", [owner.address])]))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardInvalidThreshold", [1, 0]));
  });

  it("fills the freed slot when an owner is added after a removal", async function () {
    const { wallet, owners, newOwner } = await loadFixture(twoOfThreeFixture);
    const i = wallet.interface;
    await (
      await ownerAction(wallet, owners.slice(0, 2), [i.encodeFunctionData("removeOwner", [owners[1].address])])
    ).wait();
    await expect(ownerAction(wallet, [owners[0], owners[2]], [i.encodeFunctionData("addOwner", [newOwner.address])]))
      .to.emit(wallet, "OwnerAdded")
      .withArgs(newOwner.address, 1);
    expect(await wallet.owners()).to.deep.equal([owners[0].address, newOwner.address, owners[2].address]);
    expect((await wallet.settings()).ownerCount).to.equal(3);
  });
});

describe("guardians", function () {
  it("enables and disables a guardian through owner actions (GuardianSet)", async function () {
    const { wallet, owners, guardian } = await loadFixture(twoOfThreeFixture);
    const set = (on: boolean) => wallet.interface.encodeFunctionData("setGuardian", [guardian.address, on]);
    await expect(ownerAction(wallet, owners.slice(0, 2), [set(true)]))
      .to.emit(wallet, "GuardianSet")
      .withArgs(guardian.address, true);
    expect(await wallet.isGuardian(guardian.address)).to.equal(true);
    await expect(ownerAction(wallet, owners.slice(0, 2), [set(false)]))
      .to.emit(wallet, "GuardianSet")
      .withArgs(guardian.address, false);
    expect(await wallet.isGuardian(guardian.address)).to.equal(false);
    await expect(wallet.connect(guardian).pause())
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwnerOrGuardian")
      .withArgs(guardian.address);
  });

  it("refuses the zero address as a guardian (TierGuardInvalidOwner)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    await expect(
      ownerAction(wallet, owners.slice(0, 2), [
        wallet.interface.encodeFunctionData("setGuardian", [ethers.ZeroAddress, true]),
      ]),
    )
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, innerError(wallet, "TierGuardInvalidOwner", [ethers.ZeroAddress]));
  });

  it("lets a guardian pause the wallet (Paused)", async function () {
    const { wallet, guardian } = await loadFixture(articleFixture);
    await expect(wallet.connect(guardian).pause()).to.emit(wallet, "Paused").withArgs(guardian.address);
    expect((await wallet.settings()).paused).to.equal(true);
  });

  it("lets a guardian veto a supervised intent", async function () {
    const { wallet, guardian, intentId, pending } = await loadFixture(supervisedIntentFixture);
    await expect(wallet.connect(guardian).veto(intentId, pending))
      .to.emit(wallet, "IntentVetoed")
      .withArgs(intentId, guardian.address, 0);
    // vetoed (the event above): the commitment is deleted
    expect(await wallet.intentStatus(intentId)).to.equal(Status.None);
  });

  it("does not let a guardian unpause", async function () {
    const { wallet, guardian } = await loadFixture(articleFixture);
    await (await wallet.connect(guardian).pause()).wait();
    await expect(wallet.connect(guardian).unpause())
      .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
      .withArgs(guardian.address);
    expect((await wallet.settings()).paused).to.equal(true);
  });

  it("does not let a guardian approve or reject a collaborative intent", async function () {
    const { wallet, guardian, intentId, pending } = await loadFixture(collaborativeIntentFixture);
    await expect(wallet.connect(guardian).approve(intentId, pending))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
      .withArgs(guardian.address);
    await expect(wallet.connect(guardian).reject(intentId, pending))
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwner")
      .withArgs(guardian.address);
    expect(await wallet.intentStatus(intentId)).to.equal(Status.AwaitingApproval);
  });

  it("does not count a guardian's signature in an owner action", async function () {
    const { wallet, owners, guardian } = await loadFixture(articleFixture);
    const calls = [wallet.interface.encodeFunctionData("setAutoPromote", [true])];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, [owners[0], guardian], calls, deadline);
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardSignerNotOwner")
      .withArgs(guardian.address);
  });
});

describe("pause", function () {
  it("lets any single owner pause (Paused)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    for (const o of owners) {
      await expect(wallet.connect(o).pause()).to.emit(wallet, "Paused").withArgs(o.address);
      expect((await wallet.settings()).paused).to.equal(true);
      await (await ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("unpause")])).wait();
    }
  });

  it("reverts TierGuardPaused when the wallet is already paused", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    await (await wallet.connect(owners[0]).pause()).wait();
    await expect(wallet.connect(owners[1]).pause()).to.be.revertedWithCustomError(wallet, "TierGuardPaused");
  });

  it("refuses a pause from an address that is neither owner nor guardian", async function () {
    const { wallet, stranger } = await loadFixture(twoOfThreeFixture);
    await expect(wallet.connect(stranger).pause())
      .to.be.revertedWithCustomError(wallet, "TierGuardNotOwnerOrGuardian")
      .withArgs(stranger.address);
  });

  it("unpauses only through an owner action (Unpaused)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    await (await wallet.connect(owners[0]).pause()).wait();
    await expect(wallet.connect(owners[0]).unpause())
      .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
      .withArgs(owners[0].address);
    await expect(ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("unpause")])).to.emit(
      wallet,
      "Unpaused",
    );
    expect((await wallet.settings()).paused).to.equal(false);
  });

  it("refuses to unpause a wallet that is not paused (TierGuardNotPaused inside TierGuardActionCallFailed)", async function () {
    const { wallet, owners } = await loadFixture(twoOfThreeFixture);
    const calls = [wallet.interface.encodeFunctionData("unpause")];
    const deadline = await farDeadline();
    const sigs = await signOwnerAction(wallet, owners.slice(0, 2), calls, deadline);
    let reason: string | undefined;
    await expect(wallet.ownerAction(calls, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
      .withArgs(0, (r: string) => {
        reason = r;
        return true;
      });
    expect(wallet.interface.parseError(reason!)?.name).to.equal("TierGuardNotPaused");
  });

  it("refuses to pay a queued intent while paused and keeps it queued", async function () {
    const { wallet, owners, intentId, pending } = await loadFixture(supervisedIntentFixture);
    await (await wallet.connect(owners[0]).pause()).wait();
    await time.increaseTo(pending.notBefore);
    await expect(wallet.execute(intentId, pending)).to.emit(wallet, "IntentRefused").withArgs(intentId, 0, false, 0);
    expect(await wallet.intentStatus(intentId)).to.equal(Status.Queued);
  });

  it("rejects submissions while paused and accepts them again after unpausing", async function () {
    const { wallet, owners, agentKey, usdc, vendors } = await loadFixture(articleFixture);
    const token = await usdc.getAddress();
    await (await wallet.connect(owners[1]).pause()).wait();
    await expect(
      wallet.connect(agentKey).spend(token, usd("0.10"), vendors.embeddings, cat("embeddings"), "paused"),
    ).to.be.revertedWithCustomError(wallet, "TierGuardPaused");
    await (await ownerAction(wallet, owners.slice(0, 2), [wallet.interface.encodeFunctionData("unpause")])).wait();
    const s = await submitIntent(wallet, agentKey, {
      token,
      amount: usd("0.10"),
      recipient: vendors.embeddings,
      category: cat("embeddings"),
    });
    expect(s.tier).to.equal(Tier.Autonomous);
    expect(s.status).to.equal(Status.Executed);
  });
});

describe("owner action events", function () {
  it("emits exactly one OwnerActionExecuted per action", async function () {
    const { wallet, owners, guardian, stranger } = await loadFixture(twoOfThreeFixture);
    const tx = await ownerAction(wallet, owners.slice(0, 2), [
      wallet.interface.encodeFunctionData("setGuardian", [guardian.address, true]),
      wallet.interface.encodeFunctionData("setGuardian", [stranger.address, true]),
    ]);
    expect(await countEvents(wallet, tx, "OwnerActionExecuted")).to.equal(1);
    expect(await countEvents(wallet, tx, "GuardianSet")).to.equal(2);
  });
});
