import { expect } from "chai";
import hre from "hardhat";
import TierGuardLocalModule from "../../ignition/modules/TierGuardLocal";
import TierGuardModule from "../../ignition/modules/TierGuard";

describe("Ignition modules", function () {
  it("deploys a 2-of-3 wallet owned by the network's first three accounts by default", async function () {
    const { wallet } = await hre.ignition.deploy(TierGuardModule);
    const signers = await hre.ethers.getSigners();
    expect(await wallet.owners()).to.deep.equal(signers.slice(0, 3).map((s) => s.address));
    expect((await wallet.settings()).threshold).to.equal(2n);
  });

  it("takes owners and threshold as parameters", async function () {
    const signers = await hre.ethers.getSigners();
    const owners = [signers[7].address, signers[8].address];
    const { wallet } = await hre.ignition.deploy(TierGuardModule, {
      parameters: { TierGuard: { owners, threshold: 1 } },
    });
    expect(await wallet.owners()).to.deep.equal(owners);
    expect((await wallet.settings()).threshold).to.equal(1n);
  });

  it("deploys the local setup with 6-decimal mock stablecoins and a EUR/USD feed", async function () {
    const { wallet, usdc, eurc, eurUsdFeed } = await hre.ignition.deploy(TierGuardLocalModule);
    expect(await wallet.getAddress()).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(await usdc.decimals()).to.equal(6n);
    expect(await usdc.symbol()).to.equal("USDC");
    expect(await eurc.decimals()).to.equal(6n);
    expect(await eurc.symbol()).to.equal("EURC");
    const [, answer] = await eurUsdFeed.latestRoundData();
    expect(answer).to.equal(108_000_000n);
    expect(await eurUsdFeed.decimals()).to.equal(8n);
  });
});
