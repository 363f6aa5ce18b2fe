import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PriceKind, Reason, Status, Tier, cat, usd } from "../../scripts/lib/article";
import type { MockERC20, MockPriceFeed } from "../../typechain-types";
import {
  articleFixture,
  at,
  configure,
  details,
  preview,
  submit,
  submitTx,
  quote,
  type Fixture,
  type IntentArgs,
} from "./helpers-intents";

const { ethers } = hre;
const HOUR = 3600;
const ETH = ethers.ZeroAddress;
const U64_MAX = 2n ** 64n - 1n;
const ONE = 10n ** 18n; // a fixed price of 1.00 (18 decimals)

/** The article's wallet plus tokens of other decimals, each with a fixed price or a feed. */
async function pricingFixture() {
  const f = await articleFixture();
  const deployToken = async (symbol: string, decimals: number) =>
    (await ethers.deployContract("MockERC20", [`Mock ${symbol}`, symbol, decimals])) as unknown as MockERC20;
  const t18 = await deployToken("E18", 18); // fixed 1.00
  const t0 = await deployToken("Z0", 0); // fixed 2.50
  const t2 = await deployToken("T2", 2); // fixed 1.00
  const third = await deployToken("THIRD", 6); // fixed 0.333...
  const t0feed = await deployToken("ZF", 0); // feed 12.34 with 2 decimals
  const feed2 = (await ethers.deployContract("MockPriceFeed", [2, 1234])) as unknown as MockPriceFeed;
  const a = {
    t18: await t18.getAddress(),
    t0: await t0.getAddress(),
    t2: await t2.getAddress(),
    third: await third.getAddress(),
    t0feed: await t0feed.getAddress(),
  };
  await configure(
    f,
    ["configureToken", [a.t18, PriceKind.Fixed, ONE, 0]],
    ["configureToken", [a.t0, PriceKind.Fixed, (5n * ONE) / 2n, 0]],
    ["configureToken", [a.t2, PriceKind.Fixed, ONE, 0]],
    ["configureToken", [a.third, PriceKind.Fixed, ONE / 3n, 0]],
    ["configureToken", [a.t0feed, PriceKind.Feed, BigInt(await feed2.getAddress()), HOUR]],
  );
  await t18.mint(f.walletAddress, 1000n * ONE);
  return { ...f, tokens: { t18, t0, t2, third, t0feed }, a, feed2 };
}

/** Expects quote(token, amount) for each [amount, value] pair. */
async function expectValues(f: Fixture, token: string, pairs: [bigint, bigint][]) {
  for (const [amount, value] of pairs) expect(await quote(f, token, amount), `quote(${amount})`).to.equal(value);
}

/** Makes a feed's answer `age` seconds old (relative to the latest block). */
async function ageFeed(feed: MockPriceFeed, answer: bigint, age: number) {
  const updatedAt = (await time.latest()) - age;
  await feed.setRound(answer, updatedAt);
  return updatedAt;
}

const eurcPay = (f: Fixture, amount: bigint, recipient: string, category: number): IntentArgs => ({
  token: f.eurcAddress,
  amount,
  recipient,
  category,
});

describe("pricing", function () {
  describe("quote", function () {
    it("values a 6-decimal token at a fixed 1.00 one to one", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.usdcAddress, [
        [1n, 1n],
        [1_234_567n, 1_234_567n],
        [usd("5000"), usd("5000")],
      ]);
    });

    it("values an 18-decimal token at a fixed price", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.a.t18, [
        [ONE, usd("1")],
        [ONE / 2n, usd("0.5")],
        [123_456_789n * 10n ** 12n, usd("123.456789")],
      ]);
    });

    it("rounds up: 1 wei of an 18-decimal token at 1.00 is 1 micro-unit", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.a.t18, [
        [1n, 1n],
        [10n ** 12n - 1n, 1n],
        [10n ** 12n, 1n],
        [10n ** 12n + 1n, 2n],
        [ONE + 1n, usd("1") + 1n],
      ]);
    });

    it("rounds up a fixed price that does not divide evenly", async function () {
      const f = await loadFixture(pricingFixture);
      // 0.333333333333333333 per token
      await expectValues(f, f.a.third, [
        [1n, 1n],
        [3n, 1n],
        [3_000_000n, usd("1")],
        [1_000_000n, 333_334n],
      ]);
    });

    it("values a 0-decimal token at a fixed price", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.a.t0, [
        [1n, usd("2.5")],
        [3n, usd("7.5")],
      ]);
    });

    it("values a 2-decimal token at a fixed price", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.a.t2, [
        [1n, usd("0.01")],
        [12_345n, usd("123.45")],
      ]);
    });

    it("values a feed-priced token (EURC at 1.08, 8 decimals)", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.eurcAddress, [
        [1_000_000n, usd("1.08")],
        [100n, 108n],
        [1n, 2n], // 1.08 micro-units, rounded up
        [usd("4.99"), 5_389_200n],
      ]);
    });

    it("values ETH through its feed (3000.00)", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, ETH, [
        [ONE, usd("3000")],
        [10n ** 15n, usd("3")],
        [1n, 1n],
      ]);
    });

    it("values a 0-decimal token with a 2-decimal feed (fewer than 6 decimals in all)", async function () {
      const f = await loadFixture(pricingFixture);
      await expectValues(f, f.a.t0feed, [
        [1n, usd("12.34")],
        [10n, usd("123.40")],
      ]);
    });

    it("follows the feed's latest answer", async function () {
      const f = await loadFixture(pricingFixture);
      await f.eurFeed.setAnswer(110_000_000n);
      await expectValues(f, f.eurcAddress, [[1_000_000n, usd("1.10")]]);
    });

    it("reverts TierGuardTokenNotAccepted for a token that is not configured", async function () {
      const f = await loadFixture(pricingFixture);
      const stranger = f.outsider.address;
      await expect(quote(f, stranger, 1n))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardTokenNotAccepted")
        .withArgs(stranger);
    });

    it("classifies with the rounded-up value", async function () {
      const f = await loadFixture(pricingFixture);
      const args = { token: f.a.t18, recipient: f.vendors.embeddings, category: cat("embeddings") };
      const exact = await submit(f, { ...args, amount: ONE });
      expect([exact.tier, exact.value]).to.deep.equal([Tier.Autonomous, usd("1")]);
      const above = await submit(f, { ...args, amount: ONE + 1n });
      expect([above.tier, above.reason, above.value]).to.deep.equal([
        Tier.Collaborative,
        Reason.NoTierMatched,
        usd("1") + 1n,
      ]);
    });
  });

  describe("stale prices", function () {
    it("accepts an answer exactly maxStaleness old and reverts TierGuardStalePrice one second later (quote)", async function () {
      const f = await loadFixture(pricingFixture);
      const updatedAt = await ageFeed(f.eurFeed, 108_000_000n, 0);
      await time.increaseTo(updatedAt + HOUR);
      expect(await quote(f, f.eurcAddress, 1_000_000n)).to.equal(usd("1.08"));
      await time.increaseTo(updatedAt + HOUR + 1);
      await expect(quote(f, f.eurcAddress, 1_000_000n))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardStalePrice")
        .withArgs(f.eurcAddress, updatedAt, HOUR);
    });

    it("accepts an answer exactly maxStaleness old and reverts TierGuardStalePrice one second later (spend, preview)", async function () {
      const f = await loadFixture(pricingFixture);
      const args = eurcPay(f, 10_000_000n, f.vendors.compute, cat("compute"));
      const updatedAt = await ageFeed(f.eurFeed, 108_000_000n, 0);
      await at(updatedAt + HOUR);
      const s = await submit(f, args);
      expect([s.tier, s.value]).to.deep.equal([Tier.Supervised, usd("10.80")]);
      await at(updatedAt + HOUR + 1);
      await expect(submitTx(f, args))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardStalePrice")
        .withArgs(f.eurcAddress, updatedAt, HOUR);
      // the failed spend may have been mined at that timestamp already
      if ((await time.latest()) < updatedAt + HOUR + 1) await time.increaseTo(updatedAt + HOUR + 1);
      await expect(preview(f, args))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardStalePrice")
        .withArgs(f.eurcAddress, updatedAt, HOUR);
    });

    it("applies the staleness bound to ETH's feed", async function () {
      const f = await loadFixture(pricingFixture);
      const updatedAt = await ageFeed(f.ethFeed, 3000n * 10n ** 8n, HOUR + 1);
      await expect(quote(f, ETH, ONE))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardStalePrice")
        .withArgs(ETH, updatedAt, HOUR);
    });
  });

  describe("invalid prices", function () {
    for (const answer of [0n, -1n, -108_000_000n]) {
      it(`reverts TierGuardInvalidPrice for a feed answer of ${answer}`, async function () {
        const f = await loadFixture(pricingFixture);
        await f.eurFeed.setAnswer(answer);
        await expect(quote(f, f.eurcAddress, 1_000_000n))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidPrice")
          .withArgs(f.eurcAddress, answer);
        const args = eurcPay(f, 1_000_000n, f.vendors.compute, cat("compute"));
        await expect(submitTx(f, args))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidPrice")
          .withArgs(f.eurcAddress, answer);
        await expect(preview(f, args))
          .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidPrice")
          .withArgs(f.eurcAddress, answer);
      });
    }

    it("accepts the smallest positive answer", async function () {
      const f = await loadFixture(pricingFixture);
      await f.eurFeed.setAnswer(1n);
      // 1e6 units * 1e-8 = 0.00000001 -> rounded up to 1 micro-unit
      expect(await quote(f, f.eurcAddress, 1_000_000n)).to.equal(1n);
    });
  });

  describe("values too large", function () {
    it("accepts a value of exactly uint64 max and reverts TierGuardValueTooLarge above it", async function () {
      const f = await loadFixture(pricingFixture);
      const atMax = U64_MAX * 10n ** 12n;
      expect(await quote(f, f.a.t18, atMax)).to.equal(U64_MAX);
      await expect(quote(f, f.a.t18, atMax + 1n))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(U64_MAX + 1n);
      await expect(quote(f, f.a.t18, (U64_MAX + 1n) * 10n ** 12n))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(U64_MAX + 1n);
    });

    it("reverts TierGuardValueTooLarge when amount times price overflows 256 bits", async function () {
      const f = await loadFixture(pricingFixture);
      await expect(quote(f, f.a.t18, ethers.MaxUint256))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(ethers.MaxUint256);
    });

    it("reverts TierGuardValueTooLarge for a token with fewer than 6 decimals in all", async function () {
      const f = await loadFixture(pricingFixture);
      const amount = 2n ** 64n;
      await expect(quote(f, f.a.t0feed, amount))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(amount * 12_340_000n);
    });

    it("reverts TierGuardValueTooLarge in spend and preview", async function () {
      const f = await loadFixture(pricingFixture);
      const args = {
        token: f.a.t18,
        amount: (U64_MAX + 1n) * 10n ** 12n,
        recipient: f.vendors.compute,
        category: cat("compute"),
      };
      await expect(submitTx(f, args))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(U64_MAX + 1n);
      await expect(preview(f, args))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(U64_MAX + 1n);
    });
  });

  describe("extreme feeds never make the wallet panic", function () {
    it("treats an answer updated in the far future as fresh (no overflow in the staleness check)", async function () {
      const f = await loadFixture(pricingFixture);
      await f.eurFeed.setRound(108_000_000n, ethers.MaxUint256);
      expect(await quote(f, f.eurcAddress, 1_000_000n)).to.equal(usd("1.08"));
    });

    it("reverts TierGuardValueTooLarge when a feed's scaled-up price overflows 256 bits", async function () {
      const f = await loadFixture(pricingFixture);
      await f.feed2.setAnswer(2n ** 254n); // 0-decimal token, 2-decimal feed: price is scaled up by 1e4
      await expect(quote(f, f.a.t0feed, 1n))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardValueTooLarge")
        .withArgs(ethers.MaxUint256);
    });

    it("treats a feed whose latestRoundData() fails as an invalid price, and still records blocked intents", async function () {
      const f = await loadFixture(pricingFixture);
      // A token contract has decimals() (so configureToken accepts it as a feed) but no latestRoundData().
      await configure(f, ["configureToken", [f.eurcAddress, PriceKind.Feed, BigInt(f.a.t18), HOUR]]);
      await expect(quote(f, f.eurcAddress, 1_000_000n))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardInvalidPrice")
        .withArgs(f.eurcAddress, 0n);
      const blocked = await preview(f, eurcPay(f, 1_000_000n, f.vendors.casino, cat("gambling")));
      expect(blocked.tier).to.equal(BigInt(Tier.Prohibited));
      expect(blocked.value).to.equal(0n);
    });
  });

  describe("prohibited intents", function () {
    it("records a prohibited intent in a token whose feed is stale, with value 0, without reverting", async function () {
      const f = await loadFixture(pricingFixture);
      await ageFeed(f.eurFeed, 108_000_000n, HOUR + 10);
      const gamble = eurcPay(f, 10_000_000n, f.vendors.casino, cat("gambling"));
      const [tier, reason, m, value] = await preview(f, gamble);
      expect([Number(tier), Number(reason), Number(m), value]).to.deep.equal([
        Tier.Prohibited,
        Reason.CategoryProhibited,
        0,
        0n,
      ]);
      const tx = await submitTx(f, gamble);
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          await f.wallet.intentIdFor(f.agentId, 0),
          f.agentId,
          f.vendors.casino,
          f.agentKey.address,
          f.eurcAddress,
          10_000_000n,
          details({ tier: Tier.Prohibited, reason: Reason.CategoryProhibited, value: 0n }),
          "test payment",
        );
      await expect(tx).to.changeTokenBalances(f.eurc, [f.walletAddress, f.vendors.casino], [0, 0]);
      // the same feed makes a non-prohibited intent revert
      await expect(
        submitTx(f, eurcPay(f, 10_000_000n, f.vendors.compute, cat("compute"))),
      ).to.be.revertedWithCustomError(f.wallet, "TierGuardStalePrice");
    });

    it("records a prohibited intent to an Unknown recipient in an autonomous category with a stale feed, value 0", async function () {
      const f = await loadFixture(pricingFixture);
      await ageFeed(f.eurFeed, 108_000_000n, HOUR + 10);
      const s = await submit(f, eurcPay(f, 10_000n, f.newcomers[0], cat("embeddings")));
      expect([s.tier, s.reason, s.value, s.status]).to.deep.equal([
        Tier.Prohibited,
        Reason.TrustProhibited,
        0n,
        Status.Blocked,
      ]);
    });

    it("records a prohibited intent whose price is invalid or whose value is too large, with value 0", async function () {
      const f = await loadFixture(pricingFixture);
      await f.eurFeed.setAnswer(0n);
      const a = await submit(f, eurcPay(f, 10_000_000n, f.vendors.casino, cat("gambling")));
      expect([a.tier, a.value]).to.deep.equal([Tier.Prohibited, 0n]);
      const b = await submit(f, {
        token: f.a.t18,
        amount: ethers.MaxUint256,
        recipient: f.vendors.casino,
        category: cat("sanctioned_jurisdictions"),
      });
      expect([b.tier, b.reason, b.value]).to.deep.equal([Tier.Prohibited, Reason.CategoryProhibited, 0n]);
    });

    it("records a prohibited intent's value when its price is usable", async function () {
      const f = await loadFixture(pricingFixture);
      const s = await submit(f, eurcPay(f, 10_000_000n, f.vendors.casino, cat("gambling")));
      expect([s.tier, s.value]).to.deep.equal([Tier.Prohibited, usd("10.80")]);
    });
  });
});
