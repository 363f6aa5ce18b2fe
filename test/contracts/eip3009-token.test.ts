import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { MockEIP3009Token, MockERC1271Wallet } from "../../typechain-types";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "./helpers-eip3009";

// The EIP-3009 mock the x402 tests settle against: USDC v2.2's authorization rules, including a contract `from`
// whose ERC-1271 isValidSignature decides (what lets a TierGuard wallet pay x402 APIs).

const TYPES = TRANSFER_WITH_AUTHORIZATION_TYPES;

async function fixture() {
  const [deployer, eoa, payee, submitter] = await ethers.getSigners();
  const signerOfContract = ethers.Wallet.createRandom();
  const token = (await ethers.deployContract("MockEIP3009Token", [
    "USD Coin",
    "USDC",
    "2",
  ])) as unknown as MockEIP3009Token;
  const contractWallet = (await ethers.deployContract("MockERC1271Wallet", [
    signerOfContract.address,
  ])) as unknown as MockERC1271Wallet;
  await token.mint(eoa.address, 1_000_000n);
  await token.mint(await contractWallet.getAddress(), 1_000_000n);
  const domain = {
    name: "USD Coin",
    version: "2",
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: await token.getAddress(),
  };
  const now = BigInt(await time.latest());
  const auth = (from: string, nonce = ethers.hexlify(ethers.randomBytes(32))) => ({
    from,
    to: payee.address,
    value: 250_000n,
    validAfter: 0n,
    validBefore: now + 3600n,
    nonce,
  });
  return { deployer, eoa, signerOfContract, payee, submitter, token, contractWallet, domain, auth };
}

describe("MockEIP3009Token (USDC v2.2 authorizations)", () => {
  it("has USDC's EIP-712 domain: DOMAIN_SEPARATOR matches name, version, chain id and address", async () => {
    const { token, domain } = await loadFixture(fixture);
    expect(await token.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    expect(await token.version()).to.equal("2");
    expect(await token.decimals()).to.equal(6n);
  });

  it("transferWithAuthorization (v, r, s) moves an EOA's tokens once; a replay is refused", async () => {
    const { token, eoa, payee, submitter, domain, auth } = await loadFixture(fixture);
    const a = auth(eoa.address);
    const sig = ethers.Signature.from(await eoa.signTypedData(domain, TYPES, a));
    const args = [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, sig.v, sig.r, sig.s] as const;
    await expect(
      token
        .connect(submitter)
        ["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"](...args),
    )
      .to.emit(token, "AuthorizationUsed")
      .withArgs(eoa.address, a.nonce);
    expect(await token.balanceOf(payee.address)).to.equal(250_000n);
    expect(await token.authorizationState(eoa.address, a.nonce)).to.equal(true);
    await expect(
      token["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"](
        ...args,
      ),
    ).to.be.revertedWith("FiatTokenV2: authorization is used or canceled");
  });

  it("a contract `from` authorizes through ERC-1271, with the bytes overload and with the (v, r, s) overload", async () => {
    const { token, contractWallet, signerOfContract, payee, domain, auth } = await loadFixture(fixture);
    const from = await contractWallet.getAddress();
    const digestSig = async (a: ReturnType<typeof auth>) =>
      signerOfContract.signingKey.sign(ethers.TypedDataEncoder.hash(domain, TYPES, a)).serialized;
    const a1 = auth(from);
    await token["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"](
      a1.from,
      a1.to,
      a1.value,
      a1.validAfter,
      a1.validBefore,
      a1.nonce,
      await digestSig(a1),
    );
    const a2 = auth(from);
    const s2 = ethers.Signature.from(await digestSig(a2));
    await token["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"](
      a2.from,
      a2.to,
      a2.value,
      a2.validAfter,
      a2.validBefore,
      a2.nonce,
      s2.v,
      s2.r,
      s2.s,
    );
    expect(await token.balanceOf(payee.address)).to.equal(500_000n);
    // a signature the contract wallet does not accept is refused
    const a3 = auth(from);
    await expect(
      token["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"](
        a3.from,
        a3.to,
        a3.value,
        a3.validAfter,
        a3.validBefore,
        a3.nonce,
        await digestSig(a1),
      ),
    ).to.be.revertedWith("FiatTokenV2: invalid signature");
  });

  it("refuses an authorization at validBefore and before validAfter (both exclusive)", async () => {
    const { token, eoa, domain, auth } = await loadFixture(fixture);
    const now = BigInt(await time.latest());
    const late = { ...auth(eoa.address), validBefore: now + 1n };
    const lateSig = await eoa.signTypedData(domain, TYPES, late);
    await expect(
      token["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"](
        late.from,
        late.to,
        late.value,
        late.validAfter,
        late.validBefore,
        late.nonce,
        lateSig,
      ),
    ).to.be.revertedWith("FiatTokenV2: authorization is expired");
    const early = { ...auth(eoa.address), validAfter: now + 100n };
    const earlySig = await eoa.signTypedData(domain, TYPES, early);
    await expect(
      token["transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"](
        early.from,
        early.to,
        early.value,
        early.validAfter,
        early.validBefore,
        early.nonce,
        earlySig,
      ),
    ).to.be.revertedWith("FiatTokenV2: authorization is not yet valid");
  });

  it("receiveWithAuthorization only from the payee; cancelAuthorization burns an unused nonce", async () => {
    const { token, eoa, payee, submitter, domain, auth } = await loadFixture(fixture);
    const a = auth(eoa.address);
    const sig = await eoa.signTypedData(domain, { ReceiveWithAuthorization: TYPES.TransferWithAuthorization }, a);
    const args = [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, sig] as const;
    const receive = "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)" as const;
    await expect(token.connect(submitter)[receive](...args)).to.be.revertedWith(
      "FiatTokenV2: caller must be the payee",
    );
    await token.connect(payee)[receive](...args);
    expect(await token.balanceOf(payee.address)).to.equal(250_000n);

    const nonce = ethers.hexlify(ethers.randomBytes(32));
    const cancelSig = await eoa.signTypedData(
      domain,
      {
        CancelAuthorization: [
          { name: "authorizer", type: "address" },
          { name: "nonce", type: "bytes32" },
        ],
      },
      { authorizer: eoa.address, nonce },
    );
    await expect(token["cancelAuthorization(address,bytes32,bytes)"](eoa.address, nonce, cancelSig))
      .to.emit(token, "AuthorizationCanceled")
      .withArgs(eoa.address, nonce);
    expect(await token.authorizationState(eoa.address, nonce)).to.equal(true);
  });
});
