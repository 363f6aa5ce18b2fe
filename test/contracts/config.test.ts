import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import type { TierGuardWallet, MockERC20, MockPriceFeed } from "../../typechain-types";
import {
  deployArticle,
  ownerAction,
  submitIntent,
  decodeDetails,
  usd,
  cat,
  mask,
  Tier,
  Trust,
  PriceKind,
  HOUR,
  ARTICLE_RULES,
  PROHIBITED_CATEGORIES,
  PROHIBITED_TRUST,
  type TierRulesInput,
} from "../../scripts/lib/article";
import { countEvents, innerError, randomAddress } from "./helpers-owners";

const name32 = (s: string) => ethers.encodeBytes32String(s);
const ONE_TOKEN_FIXED_PRICE = 10n ** 18n; // 1.00 reference unit per whole token

/** Runs an owner action signed by the first two owners (threshold 2). */
const act = (wallet: TierGuardWallet, owners: Signer[], calls: string[]) =>
  ownerAction(wallet, owners.slice(0, 2), calls);

/** Expects `calls` to fail inside an owner action at `index` with the inner error `name(args)`. */
async function expectCallFailure(
  wallet: TierGuardWallet,
  owners: Signer[],
  calls: string[],
  index: number,
  name: string,
  args: unknown[] = [],
) {
  await expect(act(wallet, owners, calls))
    .to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed")
    .withArgs(index, innerError(wallet, name, args));
}

const rulesTuple = (r: TierRulesInput) => [
  r.categories,
  r.maxValue,
  r.maxCount,
  r.period,
  r.window,
  r.grace,
  r.minTrust,
];

/**
 * A bare 2-of-3 wallet with categories 0..7 defined (policy version 1), and unconfigured tokens and feeds.
 */
async function bareFixture() {
  const signers = await ethers.getSigners();
  const owners = signers.slice(0, 3);
  const stranger = signers[5];
  const wallet = (await ethers.deployContract("TierGuardWallet", [
    owners.map((o) => o.address),
    2,
  ])) as unknown as TierGuardWallet;
  const usdc = (await ethers.deployContract("MockERC20", ["Mock USD Coin", "USDC", 6])) as unknown as MockERC20;
  const eurc = (await ethers.deployContract("MockERC20", ["Mock Euro Coin", "EURC", 6])) as unknown as MockERC20;
  const eurFeed = (await ethers.deployContract("MockPriceFeed", [8, 108_000_000n])) as unknown as MockPriceFeed;
  const ethFeed = (await ethers.deployContract("MockPriceFeed", [8, 3000n * 10n ** 8n])) as unknown as MockPriceFeed;
  const calls = Array.from({ length: 8 }, (_, id) =>
    wallet.interface.encodeFunctionData("defineCategory", [id, name32(`cat${id}`)]),
  );
  await (await act(wallet, owners, calls)).wait();
  return { wallet, owners, stranger, usdc, eurc, eurFeed, ethFeed };
}

async function articleFixture() {
  const d = await deployArticle(hre);
  const signers = await ethers.getSigners();
  const owners = d.owners as HardhatEthersSigner[];
  const agentKey = d.agentKey as HardhatEthersSigner;
  return { ...d, owners, agentKey, stranger: signers[5], payee: signers[6] };
}

/** Valid rules for each tier over the bare fixture's categories. */
const VALID: Record<"autonomous" | "supervised" | "collaborative", TierRulesInput> = {
  autonomous: { categories: 0b1n, maxValue: usd("1.00"), maxCount: 10, period: HOUR, window: 0, grace: 0, minTrust: 2 },
  supervised: {
    categories: 0b10n,
    maxValue: usd("50.00"),
    maxCount: 20,
    period: HOUR,
    window: 30,
    grace: HOUR,
    minTrust: 1,
  },
  collaborative: {
    categories: 0b100n,
    maxValue: usd("5000.00"),
    maxCount: 5,
    period: 24 * HOUR,
    window: 4 * HOUR,
    grace: 0,
    minTrust: 0,
  },
};
const TIERS = [
  ["Autonomous", Tier.Autonomous, VALID.autonomous],
  ["Supervised", Tier.Supervised, VALID.supervised],
  ["Collaborative", Tier.Collaborative, VALID.collaborative],
] as const;

describe("categories", function () {
  it("defines a category (CategoryDefined with the new policy version)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const before = (await wallet.settings()).policyVersion;
    await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("defineCategory", [12, name32("gambling")])]))
      .to.emit(wallet, "CategoryDefined")
      .withArgs(12, name32("gambling"), before + 1n);
    expect(await wallet.categoryName(12)).to.equal(name32("gambling"));
    expect((await wallet.settings()).categories).to.equal(0xffn | (1n << 12n));
  });

  it("renames a defined category", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("defineCategory", [3, name32("compute")])]))
      .to.emit(wallet, "CategoryDefined")
      .withArgs(3, name32("compute"), 2);
    expect(await wallet.categoryName(3)).to.equal(name32("compute"));
    expect((await wallet.settings()).categories).to.equal(0xffn);
  });

  it("accepts id 63 and refuses id 64 (TierGuardInvalidCategory)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const define = (id: number) => wallet.interface.encodeFunctionData("defineCategory", [id, name32("x")]);
    await expectCallFailure(wallet, owners, [define(64)], 0, "TierGuardInvalidCategory", [64]);
    await expectCallFailure(wallet, owners, [define(255)], 0, "TierGuardInvalidCategory", [255]);
    await expect(act(wallet, owners, [define(63)]))
      .to.emit(wallet, "CategoryDefined")
      .withArgs(63, name32("x"), 2);
    expect((await wallet.settings()).categories).to.equal(0xffn | (1n << 63n));
  });

  it("refuses an empty name (TierGuardInvalidCategory)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("defineCategory", [9, ethers.ZeroHash])],
      0,
      "TierGuardInvalidCategory",
      [9],
    );
  });

  it("removes an unused category (CategoryRemoved with the new policy version)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("undefineCategory", [7])]))
      .to.emit(wallet, "CategoryRemoved")
      .withArgs(7, 2);
    expect(await wallet.categoryName(7)).to.equal(ethers.ZeroHash);
    expect((await wallet.settings()).categories).to.equal(0x7fn);
  });

  it("refuses to remove a category that is not defined (TierGuardUnknownCategory)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    for (const id of [8, 64]) {
      await expectCallFailure(
        wallet,
        owners,
        [wallet.interface.encodeFunctionData("undefineCategory", [id])],
        0,
        "TierGuardUnknownCategory",
        [id],
      );
    }
  });

  it("refuses to remove a category that a tier allows (TierGuardCategoryInUse)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    for (const name of ["api_calls", "compute", "agent_hire"] as const) {
      await expectCallFailure(
        wallet,
        owners,
        [wallet.interface.encodeFunctionData("undefineCategory", [cat(name)])],
        0,
        "TierGuardCategoryInUse",
        [cat(name)],
      );
    }
  });

  it("refuses to remove a prohibited category (TierGuardCategoryInUse)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("undefineCategory", [cat("gambling")])],
      0,
      "TierGuardCategoryInUse",
      [cat("gambling")],
    );
  });

  it("removes a category once the batch has taken it out of its tier", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const i = wallet.interface;
    const supervised = { ...ARTICLE_RULES.supervised, categories: mask("data_access", "saas_tools") };
    await expect(
      act(wallet, owners, [
        i.encodeFunctionData("setTierRules", [Tier.Supervised, supervised]),
        i.encodeFunctionData("undefineCategory", [cat("compute")]),
      ]),
    )
      .to.emit(wallet, "CategoryRemoved")
      .withArgs(cat("compute"), 2);
    expect(((await wallet.settings()).categories >> BigInt(cat("compute"))) & 1n).to.equal(0n);
  });
});

describe("setTierRules", function () {
  it("sets each tier's rules (TierRulesSet) and tierRules() reads them back", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const tx = act(
      wallet,
      owners,
      TIERS.map(([, tier, rules]) => wallet.interface.encodeFunctionData("setTierRules", [tier, rules])),
    );
    for (const [, tier, rules] of TIERS) {
      await expect(tx).to.emit(wallet, "TierRulesSet").withArgs(tier, rulesTuple(rules), 2);
    }
    for (const [, tier, rules] of TIERS) {
      expect(await wallet.tierRules(tier)).to.deep.equal(rulesTuple(rules));
    }
  });

  it("round-trips the largest value of every field through tierRules()", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const i = wallet.interface;
    const allCategories = (1n << 64n) - 1n;
    const big = {
      categories: allCategories,
      maxValue: 2n ** 64n - 1n,
      maxCount: 2 ** 24 - 1, // counts are 24-bit in the agent word
      period: 2 ** 32 - 1,
      minTrust: Trust.Verified,
    };
    const rules: [number, TierRulesInput][] = [
      [Tier.Autonomous, { ...big, window: 0, grace: 0 }],
      [Tier.Supervised, { ...big, window: 2 ** 32 - 1, grace: 2 ** 24 - 1 }],
      [Tier.Collaborative, { ...big, window: 2 ** 32 - 1, grace: 0 }],
    ];
    await (
      await act(wallet, owners, [
        ...Array.from({ length: 64 }, (_, id) => i.encodeFunctionData("defineCategory", [id, name32(`c${id}`)])),
        ...rules.map(([tier, r]) => i.encodeFunctionData("setTierRules", [tier, r])),
      ])
    ).wait();
    for (const [tier, r] of rules) {
      expect(await wallet.tierRules(tier)).to.deep.equal(rulesTuple(r));
    }
    // The autonomous rules share a word with the threshold and the policy version: both are intact.
    const s = await wallet.settings();
    expect(s.threshold).to.equal(2);
    expect(s.policyVersion).to.equal(2);
    expect(s.paused).to.equal(false);
  });

  it("refuses the Prohibited tier (TierGuardInvalidTier), in the setter and the view", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("setTierRules", [Tier.Prohibited, VALID.collaborative])],
      0,
      "TierGuardInvalidTier",
      [Tier.Prohibited],
    );
    await expect(wallet.tierRules(Tier.Prohibited))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidTier")
      .withArgs(Tier.Prohibited);
  });

  for (const [label, tier, valid] of TIERS) {
    describe(`${label} tier validation`, function () {
      const refuses = async (rules: TierRulesInput, field: string) => {
        const { wallet, owners } = await loadFixture(bareFixture);
        await expectCallFailure(
          wallet,
          owners,
          [wallet.interface.encodeFunctionData("setTierRules", [tier, rules])],
          0,
          "TierGuardInvalidTierRules",
          [tier, field],
        );
      };
      const accepts = async (rules: TierRulesInput) => {
        const { wallet, owners } = await loadFixture(bareFixture);
        await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("setTierRules", [tier, rules])]))
          .to.emit(wallet, "TierRulesSet")
          .withArgs(tier, rulesTuple(rules), 2);
      };

      it('refuses a category that is not defined (field "categories")', async function () {
        await refuses({ ...valid, categories: valid.categories | (1n << 8n) }, "categories");
      });

      it('refuses maxValue 0 when the tier has categories (field "maxValue"), accepts 1', async function () {
        await refuses({ ...valid, maxValue: 0n }, "maxValue");
        await accepts({ ...valid, maxValue: 1n });
      });

      it("accepts a disabled tier (categories 0) with maxValue 0", async function () {
        await accepts({ ...valid, categories: 0n, maxValue: 0n });
      });

      it('refuses minTrust Blocked (field "minTrust"), accepts Verified', async function () {
        await refuses({ ...valid, minTrust: Trust.Blocked }, "minTrust");
        await accepts({ ...valid, minTrust: Trust.Verified });
      });

      it('refuses a frequency period with maxCount 0 (field "maxCount"), accepts maxCount 1', async function () {
        await refuses({ ...valid, period: 60, maxCount: 0 }, "maxCount");
        await accepts({ ...valid, period: 60, maxCount: 1 });
      });

      it("accepts maxCount 0 without a frequency period", async function () {
        await accepts({ ...valid, period: 0, maxCount: 0 });
      });

      if (tier === Tier.Autonomous) {
        it('refuses a non-zero window (field "window")', async function () {
          await refuses({ ...valid, window: 1 }, "window");
        });
      }
      if (tier === Tier.Collaborative) {
        it('refuses a zero approval timeout (field "window"), accepts 1 second', async function () {
          await refuses({ ...valid, window: 0 }, "window");
          await accepts({ ...valid, window: 1 });
        });
      }
      if (tier === Tier.Supervised) {
        it('refuses a zero grace period (field "grace"), accepts 1 second', async function () {
          await refuses({ ...valid, grace: 0 }, "grace");
          await accepts({ ...valid, grace: 1 });
        });
      } else {
        it('refuses a non-zero grace period (field "grace")', async function () {
          await refuses({ ...valid, grace: 1 }, "grace");
        });
      }
    });
  }

  it("refuses a tier that allows a prohibited category (TierGuardCategoryConflict)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const rules = { ...ARTICLE_RULES.autonomous, categories: ARTICLE_RULES.autonomous.categories | mask("gambling") };
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("setTierRules", [Tier.Autonomous, rules])],
      0,
      "TierGuardCategoryConflict",
      [mask("gambling")],
    );
  });

  it("refuses to prohibit a category that a tier allows (TierGuardCategoryConflict)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("setProhibitions", [PROHIBITED_CATEGORIES | mask("compute"), 0])],
      0,
      "TierGuardCategoryConflict",
      [mask("compute")],
    );
  });
});

describe("setBudget", function () {
  it("sets a budget per tier (BudgetSet) and budget() and settings().budgetTiers read it back", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const i = wallet.interface;
    const tx = act(wallet, owners, [
      i.encodeFunctionData("setBudget", [Tier.Autonomous, usd("10.00"), HOUR]),
      i.encodeFunctionData("setBudget", [Tier.Supervised, usd("100.00"), 24 * HOUR]),
    ]);
    await expect(tx).to.emit(wallet, "BudgetSet").withArgs(Tier.Autonomous, usd("10.00"), HOUR, 2);
    await expect(tx)
      .to.emit(wallet, "BudgetSet")
      .withArgs(Tier.Supervised, usd("100.00"), 24 * HOUR, 2);
    expect(await wallet.budget(Tier.Autonomous)).to.deep.equal([usd("10.00"), HOUR, 0, 0, 0]);
    expect(await wallet.budget(Tier.Supervised)).to.deep.equal([usd("100.00"), 24 * HOUR, 0, 0, 0]);
    expect(await wallet.budget(Tier.Collaborative)).to.deep.equal([0, 0, 0, 0, 0]);
    expect((await wallet.settings()).budgetTiers).to.equal(0b011);
    await (await act(wallet, owners, [i.encodeFunctionData("setBudget", [Tier.Collaborative, usd("1.00"), 1])])).wait();
    expect((await wallet.settings()).budgetTiers).to.equal(0b111);
  });

  it("keeps the running window and spent value when a budget is changed", async function () {
    const { wallet, owners, agentKey, usdc, vendors } = await loadFixture(articleFixture);
    const i = wallet.interface;
    await (
      await act(wallet, owners, [i.encodeFunctionData("setBudget", [Tier.Autonomous, usd("10.00"), HOUR])])
    ).wait();
    const s = await submitIntent(wallet, agentKey, {
      token: await usdc.getAddress(),
      amount: usd("0.50"),
      recipient: vendors.embeddings,
      category: cat("embeddings"),
    });
    expect(s.tier).to.equal(Tier.Autonomous);
    const before = await wallet.budget(Tier.Autonomous);
    expect(before.spent).to.equal(usd("0.50"));
    expect(before.windowStart).to.not.equal(0);
    await expect(act(wallet, owners, [i.encodeFunctionData("setBudget", [Tier.Autonomous, usd("20.00"), 2 * HOUR])]))
      .to.emit(wallet, "BudgetSet")
      .withArgs(Tier.Autonomous, usd("20.00"), 2 * HOUR, 3);
    expect(await wallet.budget(Tier.Autonomous)).to.deep.equal([
      usd("20.00"),
      2 * HOUR,
      before.windowStart,
      usd("0.50"),
      before.epoch,
    ]);
  });

  it("removes a budget with max 0", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const i = wallet.interface;
    await (
      await act(wallet, owners, [i.encodeFunctionData("setBudget", [Tier.Supervised, usd("10.00"), HOUR])])
    ).wait();
    expect((await wallet.settings()).budgetTiers).to.equal(0b010);
    await expect(act(wallet, owners, [i.encodeFunctionData("setBudget", [Tier.Supervised, 0, 0])]))
      .to.emit(wallet, "BudgetSet")
      .withArgs(Tier.Supervised, 0, 0, 3);
    // removing a budget discards its window: a new epoch
    expect(await wallet.budget(Tier.Supervised)).to.deep.equal([0, 0, 0, 0, 1]);
    expect((await wallet.settings()).budgetTiers).to.equal(0);
  });

  it('refuses a budget with period 0 (field "budget.period"), accepts period 1', async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const i = wallet.interface;
    for (const tier of [Tier.Autonomous, Tier.Supervised, Tier.Collaborative]) {
      await expectCallFailure(
        wallet,
        owners,
        [i.encodeFunctionData("setBudget", [tier, usd("1.00"), 0])],
        0,
        "TierGuardInvalidTierRules",
        [tier, "budget.period"],
      );
    }
    await expect(act(wallet, owners, [i.encodeFunctionData("setBudget", [Tier.Autonomous, usd("1.00"), 1])])).to.emit(
      wallet,
      "BudgetSet",
    );
  });

  it("refuses a budget for the Prohibited tier (TierGuardInvalidTier), in the setter and the view", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("setBudget", [Tier.Prohibited, usd("1.00"), HOUR])],
      0,
      "TierGuardInvalidTier",
      [Tier.Prohibited],
    );
    await expect(wallet.budget(Tier.Prohibited))
      .to.be.revertedWithCustomError(wallet, "TierGuardInvalidTier")
      .withArgs(Tier.Prohibited);
  });
});

describe("setProhibitions", function () {
  it("sets the prohibited categories and trust levels (ProhibitionsSet)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("setProhibitions", [mask("gambling"), 7])]))
      .to.emit(wallet, "ProhibitionsSet")
      .withArgs(mask("gambling"), 7, 2);
    const s = await wallet.settings();
    expect(s.prohibitedCategories).to.equal(mask("gambling"));
    expect(s.prohibitedTrust).to.equal(7);
  });

  it("reads the article's prohibitions back from settings()", async function () {
    const { wallet } = await loadFixture(articleFixture);
    const s = await wallet.settings();
    expect(s.prohibitedCategories).to.equal(PROHIBITED_CATEGORIES);
    expect(s.prohibitedTrust).to.equal(PROHIBITED_TRUST);
  });

  it("refuses a trust mask above 7 (TierGuardInvalidTrust)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("setProhibitions", [PROHIBITED_CATEGORIES, 8])],
      0,
      "TierGuardInvalidTrust",
      [8],
    );
  });

  it('refuses an undefined category (field "categories" for the Prohibited tier)', async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("setProhibitions", [1n << 40n, 0])],
      0,
      "TierGuardInvalidTierRules",
      [Tier.Prohibited, "categories"],
    );
  });
});

describe("setUnmatchedTier", function () {
  it("accepts Collaborative and Prohibited (UnmatchedTierSet)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const set = (t: number) => wallet.interface.encodeFunctionData("setUnmatchedTier", [t]);
    await expect(act(wallet, owners, [set(Tier.Collaborative)]))
      .to.emit(wallet, "UnmatchedTierSet")
      .withArgs(Tier.Collaborative, 2);
    expect((await wallet.settings()).unmatchedTier).to.equal(Tier.Collaborative);
    await expect(act(wallet, owners, [set(Tier.Prohibited)]))
      .to.emit(wallet, "UnmatchedTierSet")
      .withArgs(Tier.Prohibited, 3);
    expect((await wallet.settings()).unmatchedTier).to.equal(Tier.Prohibited);
  });

  it("refuses Autonomous and Supervised (TierGuardInvalidUnmatchedTier)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    for (const t of [Tier.Autonomous, Tier.Supervised]) {
      await expectCallFailure(
        wallet,
        owners,
        [wallet.interface.encodeFunctionData("setUnmatchedTier", [t])],
        0,
        "TierGuardInvalidUnmatchedTier",
        [t],
      );
    }
  });
});

describe("setAutoPromote", function () {
  it("turns auto-promotion on and off (AutoPromoteSet)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const set = (on: boolean) => wallet.interface.encodeFunctionData("setAutoPromote", [on]);
    expect((await wallet.settings()).autoPromote).to.equal(false);
    await expect(act(wallet, owners, [set(true)]))
      .to.emit(wallet, "AutoPromoteSet")
      .withArgs(true, 2);
    expect((await wallet.settings()).autoPromote).to.equal(true);
    await expect(act(wallet, owners, [set(false)]))
      .to.emit(wallet, "AutoPromoteSet")
      .withArgs(false, 3);
    expect((await wallet.settings()).autoPromote).to.equal(false);
  });
});

describe("configureToken", function () {
  it("accepts a token at a fixed price (TokenConfigured) and tokenConfig() reads it back", async function () {
    const { wallet, owners, usdc } = await loadFixture(bareFixture);
    const token = await usdc.getAddress();
    const expected = [PriceKind.Fixed, 6, 18, 0, ONE_TOKEN_FIXED_PRICE];
    await expect(
      act(wallet, owners, [
        wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.Fixed, ONE_TOKEN_FIXED_PRICE, 0]),
      ]),
    )
      .to.emit(wallet, "TokenConfigured")
      .withArgs(token, expected, 2);
    expect(await wallet.tokenConfig(token)).to.deep.equal(expected);
    expect(await wallet.tokens()).to.deep.equal([token]);
    expect(await wallet.getFunction("quote")(token, 2_500_000n)).to.equal(usd("2.50"));
  });

  it("accepts a token with a price feed and records the feed's decimals", async function () {
    const { wallet, owners, eurc, eurFeed } = await loadFixture(bareFixture);
    const token = await eurc.getAddress();
    const feed = await eurFeed.getAddress();
    const expected = [PriceKind.Feed, 6, 8, HOUR, BigInt(feed)];
    await expect(
      act(wallet, owners, [
        wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.Feed, BigInt(feed), HOUR]),
      ]),
    )
      .to.emit(wallet, "TokenConfigured")
      .withArgs(token, expected, 2);
    expect(await wallet.tokenConfig(token)).to.deep.equal(expected);
  });

  it("accepts native ETH as address(0) with 18 decimals", async function () {
    const { wallet, owners, ethFeed } = await loadFixture(bareFixture);
    const feed = BigInt(await ethFeed.getAddress());
    await (
      await act(wallet, owners, [
        wallet.interface.encodeFunctionData("configureToken", [ethers.ZeroAddress, PriceKind.Feed, feed, HOUR]),
      ])
    ).wait();
    expect(await wallet.tokenConfig(ethers.ZeroAddress)).to.deep.equal([PriceKind.Feed, 18, 8, HOUR, feed]);
    expect(await wallet.tokens()).to.deep.equal([ethers.ZeroAddress]);
    expect(await wallet.getFunction("quote")(ethers.ZeroAddress, 10n ** 18n)).to.equal(usd("3000.00"));
  });

  it('refuses a fixed price of 0 (field "price")', async function () {
    const { wallet, owners, usdc } = await loadFixture(bareFixture);
    const token = await usdc.getAddress();
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.Fixed, 0, 0])],
      0,
      "TierGuardInvalidToken",
      [token, "price"],
    );
  });

  it('refuses a fixed price with a maxStaleness (field "maxStaleness")', async function () {
    const { wallet, owners, usdc } = await loadFixture(bareFixture);
    const token = await usdc.getAddress();
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.Fixed, ONE_TOKEN_FIXED_PRICE, 1])],
      0,
      "TierGuardInvalidToken",
      [token, "maxStaleness"],
    );
  });

  it('refuses a feed with maxStaleness 0 (field "maxStaleness"), accepts 1', async function () {
    const { wallet, owners, eurc, eurFeed } = await loadFixture(bareFixture);
    const token = await eurc.getAddress();
    const feed = BigInt(await eurFeed.getAddress());
    const configure = (staleness: number) =>
      wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.Feed, feed, staleness]);
    await expectCallFailure(wallet, owners, [configure(0)], 0, "TierGuardInvalidToken", [token, "maxStaleness"]);
    await expect(act(wallet, owners, [configure(1)])).to.emit(wallet, "TokenConfigured");
  });

  it('refuses a feed address that is not a contract (field "feed")', async function () {
    const { wallet, owners, eurc } = await loadFixture(bareFixture);
    const token = await eurc.getAddress();
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.Feed, BigInt(randomAddress()), HOUR])],
      0,
      "TierGuardInvalidToken",
      [token, "feed"],
    );
  });

  it('refuses a token address that is not a contract (field "address")', async function () {
    const { wallet, owners, stranger } = await loadFixture(bareFixture);
    await expectCallFailure(
      wallet,
      owners,
      [
        wallet.interface.encodeFunctionData("configureToken", [
          stranger.address,
          PriceKind.Fixed,
          ONE_TOKEN_FIXED_PRICE,
          0,
        ]),
      ],
      0,
      "TierGuardInvalidToken",
      [stranger.address, "address"],
    );
  });

  it('refuses a token whose decimals() cannot be read or exceed 36 (field "decimals")', async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const noDecimals = await (await ethers.deployContract("MockERC1271Wallet", [randomAddress()])).getAddress();
    const tooMany = await (await ethers.deployContract("MockERC20", ["Big", "BIG", 37])).getAddress();
    const max = await (await ethers.deployContract("MockERC20", ["Max", "MAX", 36])).getAddress();
    const configure = (t: string) =>
      wallet.interface.encodeFunctionData("configureToken", [t, PriceKind.Fixed, ONE_TOKEN_FIXED_PRICE, 0]);
    await expectCallFailure(wallet, owners, [configure(noDecimals)], 0, "TierGuardInvalidToken", [
      noDecimals,
      "decimals",
    ]);
    await expectCallFailure(wallet, owners, [configure(tooMany)], 0, "TierGuardInvalidToken", [tooMany, "decimals"]);
    await (await act(wallet, owners, [configure(max)])).wait();
    expect((await wallet.tokenConfig(max)).decimals).to.equal(36);
  });

  it('refuses price kind None (field "kind")', async function () {
    const { wallet, owners, usdc } = await loadFixture(bareFixture);
    const token = await usdc.getAddress();
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("configureToken", [token, PriceKind.None, ONE_TOKEN_FIXED_PRICE, 0])],
      0,
      "TierGuardInvalidToken",
      [token, "kind"],
    );
  });

  it("lists every configured token once in tokens(), even when reconfigured", async function () {
    const { wallet, owners, usdc, eurc, eurFeed, ethFeed } = await loadFixture(bareFixture);
    const i = wallet.interface;
    const [u, e] = [await usdc.getAddress(), await eurc.getAddress()];
    await (
      await act(wallet, owners, [
        i.encodeFunctionData("configureToken", [u, PriceKind.Fixed, ONE_TOKEN_FIXED_PRICE, 0]),
        i.encodeFunctionData("configureToken", [e, PriceKind.Feed, BigInt(await eurFeed.getAddress()), HOUR]),
        i.encodeFunctionData("configureToken", [
          ethers.ZeroAddress,
          PriceKind.Feed,
          BigInt(await ethFeed.getAddress()),
          HOUR,
        ]),
        i.encodeFunctionData("configureToken", [u, PriceKind.Fixed, 2n * ONE_TOKEN_FIXED_PRICE, 0]),
      ])
    ).wait();
    expect(await wallet.tokens()).to.deep.equal([u, e, ethers.ZeroAddress]);
    expect((await wallet.tokenConfig(u)).source).to.equal(2n * ONE_TOKEN_FIXED_PRICE);
  });
});

describe("removeToken", function () {
  it("stops accepting a token (TokenRemoved): tokens() and tokenConfig() drop it", async function () {
    const { wallet, owners, usdc, eurc } = await loadFixture(articleFixture);
    const token = await usdc.getAddress();
    await expect(act(wallet, owners, [wallet.interface.encodeFunctionData("removeToken", [token])]))
      .to.emit(wallet, "TokenRemoved")
      .withArgs(token, 2);
    expect(await wallet.tokens()).to.not.include(token);
    expect(await wallet.tokens()).to.include(await eurc.getAddress());
    expect(await wallet.tokenConfig(token)).to.deep.equal([PriceKind.None, 0, 0, 0, 0]);
  });

  it("makes submissions in the removed token revert TierGuardTokenNotAccepted", async function () {
    const { wallet, owners, usdc, agentKey, vendors } = await loadFixture(articleFixture);
    const token = await usdc.getAddress();
    await (await act(wallet, owners, [wallet.interface.encodeFunctionData("removeToken", [token])])).wait();
    await expect(
      wallet.connect(agentKey).spend(token, usd("0.10"), vendors.embeddings, cat("embeddings"), "removed token"),
    )
      .to.be.revertedWithCustomError(wallet, "TierGuardTokenNotAccepted")
      .withArgs(token);
  });

  it("refuses to remove a token that is not accepted (TierGuardTokenNotAccepted)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const token = randomAddress();
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("removeToken", [token])],
      0,
      "TierGuardTokenNotAccepted",
      [token],
    );
  });
});

describe("setRecipientTrust", function () {
  it("sets a recipient's trust (RecipientTrustSet) and lists non-Unknown recipients", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const [a, b] = [randomAddress(), randomAddress()];
    const i = wallet.interface;
    const tx = act(wallet, owners, [
      i.encodeFunctionData("setRecipientTrust", [a, Trust.Verified]),
      i.encodeFunctionData("setRecipientTrust", [b, Trust.Blocked]),
    ]);
    await expect(tx).to.emit(wallet, "RecipientTrustSet").withArgs(a, Trust.Verified, false, 2);
    await expect(tx).to.emit(wallet, "RecipientTrustSet").withArgs(b, Trust.Blocked, false, 2);
    expect(await wallet.recipientTrust(a)).to.equal(Trust.Verified);
    expect(await wallet.recipientTrust(b)).to.equal(Trust.Blocked);
    expect(await wallet.recipientList()).to.deep.equal([a, b]);
  });

  it("drops a recipient from recipients() when its trust goes back to Unknown", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const [a, b] = [randomAddress(), randomAddress()];
    const i = wallet.interface;
    await (
      await act(wallet, owners, [
        i.encodeFunctionData("setRecipientTrust", [a, Trust.Known]),
        i.encodeFunctionData("setRecipientTrust", [b, Trust.Known]),
      ])
    ).wait();
    await expect(act(wallet, owners, [i.encodeFunctionData("setRecipientTrust", [a, Trust.Unknown])]))
      .to.emit(wallet, "RecipientTrustSet")
      .withArgs(a, Trust.Unknown, false, 3);
    expect(await wallet.recipientTrust(a)).to.equal(Trust.Unknown);
    expect(await wallet.recipientList()).to.deep.equal([b]);
  });

  it("lists a recipient once when its trust changes between non-Unknown levels", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    const a = randomAddress();
    const i = wallet.interface;
    await (
      await act(wallet, owners, [
        i.encodeFunctionData("setRecipientTrust", [a, Trust.Known]),
        i.encodeFunctionData("setRecipientTrust", [a, Trust.Verified]),
      ])
    ).wait();
    expect(await wallet.recipientList()).to.deep.equal([a]);
  });

  it("refuses the zero address and the wallet itself (TierGuardInvalidRecipient)", async function () {
    const { wallet, owners } = await loadFixture(bareFixture);
    for (const bad of [ethers.ZeroAddress, await wallet.getAddress()]) {
      await expectCallFailure(
        wallet,
        owners,
        [wallet.interface.encodeFunctionData("setRecipientTrust", [bad, Trust.Known])],
        0,
        "TierGuardInvalidRecipient",
        [bad],
      );
    }
  });
});

describe("withdraw", function () {
  it("withdraws ETH through an owner action (Withdrawn)", async function () {
    const { wallet, owners, payee } = await loadFixture(articleFixture);
    const amount = ethers.parseEther("1.5");
    const tx = act(wallet, owners, [
      wallet.interface.encodeFunctionData("withdraw", [ethers.ZeroAddress, payee.address, amount]),
    ]);
    await expect(tx).to.emit(wallet, "Withdrawn").withArgs(ethers.ZeroAddress, payee.address, amount);
    await expect(tx).to.changeEtherBalances([wallet, payee], [-amount, amount]);
  });

  it("withdraws an ERC-20 through an owner action (Withdrawn)", async function () {
    const { wallet, owners, usdc, payee } = await loadFixture(articleFixture);
    const token = await usdc.getAddress();
    const amount = usd("1234.56");
    const tx = act(wallet, owners, [wallet.interface.encodeFunctionData("withdraw", [token, payee.address, amount])]);
    await expect(tx).to.emit(wallet, "Withdrawn").withArgs(token, payee.address, amount);
    await expect(tx).to.changeTokenBalances(usdc, [wallet, payee], [-amount, amount]);
  });

  it("refuses a zero amount (TierGuardZeroAmount)", async function () {
    const { wallet, owners, payee } = await loadFixture(articleFixture);
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("withdraw", [ethers.ZeroAddress, payee.address, 0])],
      0,
      "TierGuardZeroAmount",
    );
  });

  it("refuses the zero address and the wallet itself as destination (TierGuardInvalidRecipient)", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    for (const bad of [ethers.ZeroAddress, await wallet.getAddress()]) {
      await expectCallFailure(
        wallet,
        owners,
        [wallet.interface.encodeFunctionData("withdraw", [ethers.ZeroAddress, bad, 1])],
        0,
        "TierGuardInvalidRecipient",
        [bad],
      );
    }
  });

  it("refuses to withdraw more ETH than the wallet holds (TierGuardInsufficientBalance)", async function () {
    const { wallet, owners, payee } = await loadFixture(articleFixture);
    const balance = await ethers.provider.getBalance(await wallet.getAddress());
    await expectCallFailure(
      wallet,
      owners,
      [wallet.interface.encodeFunctionData("withdraw", [ethers.ZeroAddress, payee.address, balance + 1n])],
      0,
      "TierGuardInsufficientBalance",
      [ethers.ZeroAddress, balance, balance + 1n],
    );
    await expect(
      act(wallet, owners, [
        wallet.interface.encodeFunctionData("withdraw", [ethers.ZeroAddress, payee.address, balance]),
      ]),
    ).to.changeEtherBalance(wallet, -balance);
  });

  it("refuses a direct call, even from an owner (TierGuardOnlySelf)", async function () {
    const { wallet, owners, payee } = await loadFixture(articleFixture);
    await expect(wallet.connect(owners[0]).withdraw(ethers.ZeroAddress, payee.address, 1))
      .to.be.revertedWithCustomError(wallet, "TierGuardOnlySelf")
      .withArgs(owners[0].address);
  });

  it("accepts ETH deposits (Deposited)", async function () {
    const { wallet, stranger } = await loadFixture(articleFixture);
    const amount = ethers.parseEther("0.25");
    const tx = stranger.sendTransaction({ to: await wallet.getAddress(), value: amount });
    await expect(tx).to.emit(wallet, "Deposited").withArgs(stranger.address, amount);
    await expect(tx).to.changeEtherBalance(wallet, amount);
  });
});

describe("policy version", function () {
  it("bumps the version exactly once for an action with many policy changes", async function () {
    const { wallet, owners, stranger } = await loadFixture(articleFixture);
    const i = wallet.interface;
    expect((await wallet.settings()).policyVersion).to.equal(1);
    const tx = await act(wallet, owners, [
      i.encodeFunctionData("defineCategory", [20, name32("travel")]),
      i.encodeFunctionData("setAutoPromote", [true]),
      i.encodeFunctionData("setUnmatchedTier", [Tier.Prohibited]),
      i.encodeFunctionData("setRecipientTrust", [stranger.address, Trust.Known]),
      i.encodeFunctionData("setBudget", [Tier.Supervised, usd("100.00"), HOUR]),
      i.encodeFunctionData("setTierRules", [Tier.Autonomous, ARTICLE_RULES.autonomous]),
    ]);
    expect(await countEvents(wallet, tx, "PolicyVersionChanged")).to.equal(1);
    await expect(tx).to.emit(wallet, "PolicyVersionChanged").withArgs(2);
    await expect(tx).to.emit(wallet, "CategoryDefined").withArgs(20, name32("travel"), 2);
    await expect(tx).to.emit(wallet, "AutoPromoteSet").withArgs(true, 2);
    await expect(tx).to.emit(wallet, "UnmatchedTierSet").withArgs(Tier.Prohibited, 2);
    await expect(tx).to.emit(wallet, "RecipientTrustSet").withArgs(stranger.address, Trust.Known, false, 2);
    await expect(tx).to.emit(wallet, "BudgetSet").withArgs(Tier.Supervised, usd("100.00"), HOUR, 2);
    await expect(tx).to.emit(wallet, "TierRulesSet").withArgs(Tier.Autonomous, rulesTuple(ARTICLE_RULES.autonomous), 2);
    expect((await wallet.settings()).policyVersion).to.equal(2);
  });

  it("emits PolicyVersionChanged before the action's first policy event", async function () {
    const { wallet, owners, stranger } = await loadFixture(articleFixture);
    const i = wallet.interface;
    const tx = await act(wallet, owners, [
      i.encodeFunctionData("setGuardian", [stranger.address, true]),
      i.encodeFunctionData("setAutoPromote", [true]),
      i.encodeFunctionData("defineCategory", [20, name32("travel")]),
    ]);
    const receipt = (await tx.wait())!;
    const names = receipt.logs.map((l) => i.parseLog(l)?.name);
    expect(names).to.deep.equal([
      "OwnerActionExecuted",
      "GuardianSet",
      "PolicyVersionChanged",
      "AutoPromoteSet",
      "CategoryDefined",
    ]);
  });

  it("bumps the version once per policy-changing action", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const set = (on: boolean) => wallet.interface.encodeFunctionData("setAutoPromote", [on]);
    await expect(act(wallet, owners, [set(true)]))
      .to.emit(wallet, "PolicyVersionChanged")
      .withArgs(2);
    await expect(act(wallet, owners, [set(false), set(true)]))
      .to.emit(wallet, "PolicyVersionChanged")
      .withArgs(3);
    expect((await wallet.settings()).policyVersion).to.equal(3);
  });

  it("does not bump the version for an action that only grants a session key", async function () {
    const { wallet, owners, stranger, agentId } = await loadFixture(articleFixture);
    const tx = act(wallet, owners, [
      wallet.interface.encodeFunctionData("grantSessionKey", [stranger.address, agentId, 2n ** 40n - 1n]),
    ]);
    await expect(tx).to.emit(wallet, "SessionKeyGranted");
    await expect(tx).not.to.emit(wallet, "PolicyVersionChanged");
    expect((await wallet.settings()).policyVersion).to.equal(1);
  });

  it("does not bump the version for an action that only withdraws", async function () {
    const { wallet, owners, payee, usdc } = await loadFixture(articleFixture);
    const i = wallet.interface;
    const tx = act(wallet, owners, [
      i.encodeFunctionData("withdraw", [ethers.ZeroAddress, payee.address, 1n]),
      i.encodeFunctionData("withdraw", [await usdc.getAddress(), payee.address, 1n]),
    ]);
    await expect(tx).to.emit(wallet, "Withdrawn");
    await expect(tx).not.to.emit(wallet, "PolicyVersionChanged");
    expect((await wallet.settings()).policyVersion).to.equal(1);
  });

  it("does not bump the version when the action fails", async function () {
    const { wallet, owners } = await loadFixture(articleFixture);
    const i = wallet.interface;
    await expect(
      act(wallet, owners, [i.encodeFunctionData("setAutoPromote", [true]), i.encodeFunctionData("setThreshold", [0])]),
    ).to.be.revertedWithCustomError(wallet, "TierGuardActionCallFailed");
    expect((await wallet.settings()).policyVersion).to.equal(1);
  });

  it("stamps IntentSubmitted's details with the policy version in force", async function () {
    const { wallet, owners, agentKey, usdc, vendors } = await loadFixture(articleFixture);
    const token = await usdc.getAddress();
    const versionOf = async () => {
      const tx = await wallet
        .connect(agentKey)
        .spend(token, usd("0.10"), vendors.embeddings, cat("embeddings"), "version check");
      const receipt = (await tx.wait())!;
      const log = receipt.logs.map((l) => wallet.interface.parseLog(l)).find((p) => p?.name === "IntentSubmitted");
      return decodeDetails(log!.args.details).policyVersion;
    };
    expect(await versionOf()).to.equal(1);
    await (await act(wallet, owners, [wallet.interface.encodeFunctionData("setAutoPromote", [true])])).wait();
    expect(await versionOf()).to.equal(2);
    // Actions that change no policy leave the stamped version alone.
    await (
      await act(wallet, owners, [
        wallet.interface.encodeFunctionData("withdraw", [ethers.ZeroAddress, await owners[0].getAddress(), 1n]),
      ])
    ).wait();
    expect(await versionOf()).to.equal(2);
  });
});
