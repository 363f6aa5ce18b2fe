import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { PROHIBITED_CATEGORIES, Reason, Status, Tier, Trust, cat, mask, usd } from "../../scripts/lib/article";
import {
  ARTICLE_POLICY_VERSION,
  articleFixture,
  configure,
  details,
  expectClassified,
  misses,
  nonceOf,
  preview,
  rules,
  submit,
  submitCall,
  submitTx,
  usdcPay,
  type Fixture,
  type IntentArgs,
} from "./helpers-intents";

const { ethers } = hre;
const HOUR = 3600;
const NOT_A_TOKEN = "0x000000000000000000000000000000000000dEaD";

/** The tier, reason, misses, value and status an intent must get. */
interface Expected {
  tier: number;
  reason: number;
  misses: number;
  value: bigint;
  status: number;
}
const autonomous = (value: bigint): Expected => ({
  tier: Tier.Autonomous,
  reason: Reason.Matched,
  misses: 0,
  value,
  status: Status.Executed,
});
const supervised = (value: bigint, m = misses(Reason.CategoryNotAllowed)): Expected => ({
  tier: Tier.Supervised,
  reason: Reason.Matched,
  misses: m,
  value,
  status: Status.Queued,
});
const collaborative = (value: bigint, m = misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)): Expected => ({
  tier: Tier.Collaborative,
  reason: Reason.Matched,
  misses: m,
  value,
  status: Status.AwaitingApproval,
});
const unmatched = (value: bigint, m: number, tier: number = Tier.Collaborative): Expected => ({
  tier,
  reason: Reason.NoTierMatched,
  misses: m,
  value,
  status: tier === Tier.Prohibited ? Status.Blocked : Status.AwaitingApproval,
});
const prohibited = (value: bigint, reason: number): Expected => ({
  tier: Tier.Prohibited,
  reason,
  misses: 0,
  value,
  status: Status.Blocked,
});

/** Checks that preview (before) and spend (after) both give `want`. */
async function expectPreviewAndSubmit(f: Fixture, args: IntentArgs, want: Expected) {
  const [tier, reason, m, value] = await preview(f, args);
  expect({ tier: Number(tier), reason: Number(reason), misses: Number(m), value }, "preview").to.deep.equal({
    tier: want.tier,
    reason: want.reason,
    misses: want.misses,
    value: want.value,
  });
  const s = await submit(f, args);
  expectClassified(s, want);
  return s;
}

describe("classification", function () {
  describe("preview", function () {
    it("agrees with spend on tier, reason, misses and value for a spread of intents", async function () {
      const f = await loadFixture(articleFixture);
      const { embeddings, search, data, compute, analysisAgent, casino } = f.vendors;
      const [newcomer] = f.newcomers;
      const ETH = ethers.ZeroAddress;
      const cases: [IntentArgs, Expected][] = [
        [usdcPay(f, "0.02", embeddings, "embeddings"), autonomous(usd("0.02"))],
        [usdcPay(f, "1.00", search, "search"), autonomous(usd("1.00"))],
        [
          usdcPay(f, "1.000001", embeddings, "api_calls"),
          unmatched(
            usd("1.000001"),
            misses(Reason.AmountAboveMax, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed),
          ),
        ],
        [
          usdcPay(f, "0.50", data, "embeddings"),
          unmatched(usd("0.50"), misses(Reason.TrustTooLow, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
        ],
        [usdcPay(f, "47.00", compute, "compute"), supervised(usd("47"))],
        [usdcPay(f, "4.99", data, "data_access"), supervised(usd("4.99"))],
        [usdcPay(f, "47.00", embeddings, "saas_tools"), supervised(usd("47"))],
        [
          usdcPay(f, "50.000001", compute, "compute"),
          unmatched(
            usd("50.000001"),
            misses(Reason.CategoryNotAllowed, Reason.AmountAboveMax, Reason.CategoryNotAllowed),
          ),
        ],
        [usdcPay(f, "89.00", analysisAgent, "agent_hire"), collaborative(usd("89"))],
        [
          usdcPay(f, "5000.000001", analysisAgent, "subscription"),
          unmatched(
            usd("5000.000001"),
            misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed, Reason.AmountAboveMax),
          ),
        ],
        // EURC: feed 1.08
        [
          { token: f.eurcAddress, amount: 10_000_000n, recipient: compute, category: cat("compute") },
          supervised(usd("10.80")),
        ],
        // ETH: feed 3000
        [{ token: ETH, amount: 10n ** 15n, recipient: compute, category: cat("compute") }, supervised(usd("3"))],
        [
          { token: ETH, amount: 10n ** 14n, recipient: embeddings, category: cat("embeddings") },
          autonomous(usd("0.30")),
        ],
        [usdcPay(f, "5.00", casino, "gambling"), prohibited(usd("5"), Reason.CategoryProhibited)],
        [usdcPay(f, "5.00", newcomer, "compute"), prohibited(usd("5"), Reason.TrustProhibited)],
        [usdcPay(f, "0.02", newcomer, "embeddings"), prohibited(usd("0.02"), Reason.TrustProhibited)],
      ];
      for (const [args, want] of cases) await expectPreviewAndSubmit(f, args, want);
    });
  });

  describe("tier order", function () {
    it("tries autonomous before a later tier that also allows the category", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, [
        "setTierRules",
        [
          Tier.Collaborative,
          rules("collaborative", {
            categories: mask("agent_hire", "service_procurement", "subscription", "embeddings"),
          }),
        ],
      ]);
      await expectPreviewAndSubmit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"), autonomous(usd("0.02")));
      // too big for autonomous, not a supervised category: the collaborative tier takes it
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "2.00", f.vendors.embeddings, "embeddings"),
        collaborative(usd("2"), misses(Reason.AmountAboveMax, Reason.CategoryNotAllowed)),
      );
    });

    it("takes the first matching tier: supervised wins over collaborative and later tiers leave no miss", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, [
        "setTierRules",
        [Tier.Collaborative, rules("collaborative", { categories: mask("agent_hire", "compute") })],
      ]);
      await expectPreviewAndSubmit(f, usdcPay(f, "47", f.vendors.compute, "compute"), supervised(usd("47")));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "60", f.vendors.compute, "compute"),
        collaborative(usd("60"), misses(Reason.CategoryNotAllowed, Reason.AmountAboveMax)),
      );
    });
  });

  describe("misses", function () {
    it("records CategoryNotAllowed for every tier that does not allow the category", async function () {
      const f = await loadFixture(articleFixture);
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "89", f.vendors.analysisAgent, "service_procurement"),
        collaborative(usd("89"), misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
      );
      await expectPreviewAndSubmit(f, usdcPay(f, "5", f.vendors.compute, "saas_tools"), supervised(usd("5")));
    });

    it("matches the autonomous tier at maxValue and fails it with AmountAboveMax one micro-unit above", async function () {
      const f = await loadFixture(articleFixture);
      const r = f.vendors.embeddings;
      await expectPreviewAndSubmit(f, usdcPay(f, "0.999999", r, "embeddings"), autonomous(usd("0.999999")));
      await expectPreviewAndSubmit(f, usdcPay(f, "1.00", r, "embeddings"), autonomous(usd("1")));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "1.000001", r, "embeddings"),
        unmatched(usd("1.000001"), misses(Reason.AmountAboveMax, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
      );
    });

    it("matches the supervised tier at maxValue and fails it with AmountAboveMax one micro-unit above", async function () {
      const f = await loadFixture(articleFixture);
      const r = f.vendors.compute;
      await expectPreviewAndSubmit(f, usdcPay(f, "49.999999", r, "compute"), supervised(usd("49.999999")));
      await expectPreviewAndSubmit(f, usdcPay(f, "50", r, "compute"), supervised(usd("50")));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "50.000001", r, "compute"),
        unmatched(
          usd("50.000001"),
          misses(Reason.CategoryNotAllowed, Reason.AmountAboveMax, Reason.CategoryNotAllowed),
        ),
      );
    });

    it("matches the collaborative tier at maxValue and fails it with AmountAboveMax one micro-unit above", async function () {
      const f = await loadFixture(articleFixture);
      const r = f.vendors.analysisAgent;
      await expectPreviewAndSubmit(f, usdcPay(f, "4999.999999", r, "agent_hire"), collaborative(usd("4999.999999")));
      await expectPreviewAndSubmit(f, usdcPay(f, "5000", r, "agent_hire"), collaborative(usd("5000")));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "5000.000001", r, "agent_hire"),
        unmatched(
          usd("5000.000001"),
          misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed, Reason.AmountAboveMax),
        ),
      );
    });

    it("records TrustTooLow for a recipient below the tier's minimum trust (inclusive minimum)", async function () {
      const f = await loadFixture(articleFixture);
      // Unknown recipients allowed, collaborative tier needs Known
      await configure(
        f,
        ["setProhibitions", [PROHIBITED_CATEGORIES, 0]],
        ["setTierRules", [Tier.Collaborative, rules("collaborative", { minTrust: Trust.Known })]],
      );
      const [newcomer] = f.newcomers;
      // autonomous needs Verified: Known is one below
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "0.50", f.vendors.data, "embeddings"),
        unmatched(usd("0.5"), misses(Reason.TrustTooLow, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
      );
      // supervised needs Known: Unknown is below, Known and Verified are enough
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "10", newcomer, "compute"),
        unmatched(usd("10"), misses(Reason.CategoryNotAllowed, Reason.TrustTooLow, Reason.CategoryNotAllowed)),
      );
      await expectPreviewAndSubmit(f, usdcPay(f, "10", f.vendors.compute, "compute"), supervised(usd("10")));
      await expectPreviewAndSubmit(f, usdcPay(f, "10", f.vendors.search, "compute"), supervised(usd("10")));
      // collaborative now needs Known
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "89", newcomer, "agent_hire"),
        unmatched(usd("89"), misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed, Reason.TrustTooLow)),
      );
    });

    it("lets maxCount supervised intents through in a window; the next falls through with FrequencyExceeded", async function () {
      const f = await loadFixture(articleFixture);
      const args = usdcPay(f, "1", f.vendors.compute, "compute");
      for (let i = 0; i < 20; i++) expectClassified(await submit(f, args), supervised(usd("1")));
      expect((await f.wallet.agentState(f.agentId)).count1).to.equal(20n);
      await expectPreviewAndSubmit(
        f,
        args,
        unmatched(usd("1"), misses(Reason.CategoryNotAllowed, Reason.FrequencyExceeded, Reason.CategoryNotAllowed)),
      );
      expect((await f.wallet.agentState(f.agentId)).count1).to.equal(20n);
    });

    it("lets maxCount collaborative intents through in a window; the next is blocked with FrequencyExceeded (not escalated)", async function () {
      const f = await loadFixture(articleFixture);
      const args = usdcPay(f, "10", f.vendors.analysisAgent, "agent_hire");
      for (let i = 0; i < 5; i++) expectClassified(await submit(f, args), collaborative(usd("10")));
      await expectPreviewAndSubmit(f, args, {
        tier: Tier.Prohibited,
        reason: Reason.FrequencyExceeded,
        misses: misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed, Reason.FrequencyExceeded),
        value: usd("10"),
        status: Status.Blocked,
      });
      expect((await f.wallet.agentState(f.agentId)).count2).to.equal(5n);
    });

    it("lets maxCount autonomous intents through in a window; the next falls through with FrequencyExceeded", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setTierRules", [Tier.Autonomous, rules("autonomous", { maxCount: 3, period: 60 })]]);
      const args = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      const t0 = (await time.latest()) + 10;
      for (let i = 0; i < 3; i++) expectClassified(await submit(f, args, { at: t0 + i }), autonomous(usd("0.02")));
      await time.setNextBlockTimestamp(t0 + 3);
      expectClassified(
        await submit(f, args),
        unmatched(usd("0.02"), misses(Reason.FrequencyExceeded, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
      );
    });

    it("records BudgetExceeded when the tier's budget would go over its max (inclusive)", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Supervised, usd("100"), HOUR]]);
      const r = f.vendors.compute;
      await submit(f, usdcPay(f, "50", r, "compute"));
      expectClassified(await submit(f, usdcPay(f, "49.999999", r, "compute")), supervised(usd("49.999999")));
      expect((await f.wallet.budget(Tier.Supervised)).spent).to.equal(usd("99.999999"));
      // limit + 1
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "0.000002", r, "compute"),
        unmatched(usd("0.000002"), misses(Reason.CategoryNotAllowed, Reason.BudgetExceeded, Reason.CategoryNotAllowed)),
      );
      // limit
      await expectPreviewAndSubmit(f, usdcPay(f, "0.000001", r, "compute"), supervised(usd("0.000001")));
      expect((await f.wallet.budget(Tier.Supervised)).spent).to.equal(usd("100"));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "0.000001", r, "compute"),
        unmatched(usd("0.000001"), misses(Reason.CategoryNotAllowed, Reason.BudgetExceeded, Reason.CategoryNotAllowed)),
      );
      expect((await f.wallet.budget(Tier.Supervised)).spent).to.equal(usd("100"));
    });

    it("records BudgetExceeded for the autonomous tier's budget", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Autonomous, usd("1.50"), HOUR]]);
      const r = f.vendors.embeddings;
      await expectPreviewAndSubmit(f, usdcPay(f, "1.00", r, "embeddings"), autonomous(usd("1")));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "0.500001", r, "embeddings"),
        unmatched(usd("0.500001"), misses(Reason.BudgetExceeded, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
      );
      await expectPreviewAndSubmit(f, usdcPay(f, "0.50", r, "embeddings"), autonomous(usd("0.5")));
      expect((await f.wallet.budget(Tier.Autonomous)).spent).to.equal(usd("1.50"));
    });
  });

  describe("details", function () {
    it("records the policy version in force in every intent", async function () {
      const f = await loadFixture(articleFixture);
      const embedding = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      const gamble = usdcPay(f, "1", f.vendors.casino, "gambling");
      expect((await submit(f, embedding)).policyVersion).to.equal(ARTICLE_POLICY_VERSION);
      expect((await submit(f, gamble)).policyVersion).to.equal(ARTICLE_POLICY_VERSION);
      await configure(f, ["setAutoPromote", [true]], ["setUnmatchedTier", [Tier.Collaborative]]);
      expect((await submit(f, embedding)).policyVersion).to.equal(ARTICLE_POLICY_VERSION + 1);
      expect((await submit(f, gamble)).policyVersion).to.equal(ARTICLE_POLICY_VERSION + 1);
      expect((await submit(f, usdcPay(f, "47", f.vendors.compute, "compute"))).policyVersion).to.equal(
        ARTICLE_POLICY_VERSION + 1,
      );
    });

    it("flags an autonomous intent counted against the autonomous budget as budgeted", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Autonomous, usd("10"), HOUR]]);
      const tx = await submitTx(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"));
      expect((await f.wallet.budget(Tier.Autonomous)).spent).to.equal(usd("0.02"));
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          anyValue,
          details({ tier: Tier.Autonomous, budgeted: true, value: usd("0.02") }),
          anyValue,
        );
    });

    it("does not flag an intent as budgeted when its tier has no budget", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Supervised, usd("100"), HOUR]]);
      const a = await submitTx(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"));
      await expect(a)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(anyValue, anyValue, anyValue, anyValue, anyValue, anyValue, details({ budgeted: false }), anyValue);
      const c = await submit(f, usdcPay(f, "89", f.vendors.analysisAgent, "agent_hire"));
      expect(c.pending!.budgetEpoch).to.equal(0);
      const s = await submit(f, usdcPay(f, "47", f.vendors.compute, "compute"));
      expect(s.pending!.budgetEpoch).to.equal(1);
    });
  });

  describe("frequency window", function () {
    it("is fixed: limited until windowStart + period - 1, reset at windowStart + period exactly", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setTierRules", [Tier.Autonomous, rules("autonomous", { maxCount: 2, period: 100 })]]);
      const args = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      const limited = unmatched(
        usd("0.02"),
        misses(Reason.FrequencyExceeded, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed),
      );
      const t0 = (await time.latest()) + 10;
      expectClassified(await submit(f, args, { at: t0 }), autonomous(usd("0.02")));
      expectClassified(await submit(f, args, { at: t0 + 1 }), autonomous(usd("0.02")));
      expectClassified(await submit(f, args, { at: t0 + 99 }), limited);
      expectClassified(await submit(f, args, { at: t0 + 100 }), autonomous(usd("0.02")));
      const s = await f.wallet.agentState(f.agentId);
      expect([s.start0, s.count0]).to.deep.equal([BigInt(t0 + 100), 1n]);
    });

    it("starts a new window at the first intent counted after the previous one ended", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setTierRules", [Tier.Autonomous, rules("autonomous", { maxCount: 2, period: 100 })]]);
      const args = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      const limited = unmatched(
        usd("0.02"),
        misses(Reason.FrequencyExceeded, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed),
      );
      const t0 = (await time.latest()) + 10;
      await submit(f, args, { at: t0 });
      await submit(f, args, { at: t0 + 1 });
      // the previous window ended at t0 + 100; the next one starts at t0 + 130 and ends at t0 + 230
      expectClassified(await submit(f, args, { at: t0 + 130 }), autonomous(usd("0.02")));
      expectClassified(await submit(f, args, { at: t0 + 131 }), autonomous(usd("0.02")));
      expectClassified(await submit(f, args, { at: t0 + 229 }), limited);
      expect((await f.wallet.agentState(f.agentId)).start0).to.equal(BigInt(t0 + 130));
      expectClassified(await submit(f, args, { at: t0 + 230 }), autonomous(usd("0.02")));
      expect((await f.wallet.agentState(f.agentId)).start0).to.equal(BigInt(t0 + 230));
    });
  });

  describe("budget window", function () {
    it("is fixed: exhausted until windowStart + period - 1, reset at windowStart + period exactly", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Supervised, usd("100"), 1000]]);
      const r = f.vendors.compute;
      const t0 = (await time.latest()) + 10;
      await submit(f, usdcPay(f, "50", r, "compute"), { at: t0 });
      await submit(f, usdcPay(f, "50", r, "compute"), { at: t0 + 1 });
      expect(await f.wallet.budget(Tier.Supervised)).to.deep.equal([usd("100"), 1000n, BigInt(t0), usd("100"), 1n]);
      expectClassified(
        await submit(f, usdcPay(f, "1", r, "compute"), { at: t0 + 999 }),
        unmatched(usd("1"), misses(Reason.CategoryNotAllowed, Reason.BudgetExceeded, Reason.CategoryNotAllowed)),
      );
      expectClassified(await submit(f, usdcPay(f, "1", r, "compute"), { at: t0 + 1000 }), supervised(usd("1")));
      // a new window is a new epoch
      expect(await f.wallet.budget(Tier.Supervised)).to.deep.equal([usd("100"), 1000n, BigInt(t0 + 1000), usd("1"), 2n]);
    });
  });

  describe("prohibitions", function () {
    it("records a prohibited category without reverting, pays nothing and reports status Blocked", async function () {
      const f = await loadFixture(articleFixture);
      const args = usdcPay(f, "5", f.vendors.casino, "gambling");
      const [, tier, status] = await submitCall(f, args);
      expect([Number(tier), Number(status)]).to.deep.equal([Tier.Prohibited, Status.Blocked]);
      const nonce = await nonceOf(f);
      const tx = submitTx(f, { ...args, justification: "feeling lucky" });
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          await f.wallet.intentIdFor(f.agentId, nonce),
          f.agentId,
          f.vendors.casino,
          f.agentKey.address,
          f.usdcAddress,
          usd("5"),
          details({
            category: cat("gambling"),
            reason: Reason.CategoryProhibited,
            misses: 0,
            policyVersion: ARTICLE_POLICY_VERSION,
            notBefore: 0,
            deadline: 0,
            tier: Tier.Prohibited,
            budgeted: false,
            value: usd("5"),
          }),
          "feeling lucky",
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.casino], [0, 0]);
      await expect(tx).not.to.emit(f.usdc, "Transfer");
    });

    it("checks the prohibited category before a blocked recipient", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setRecipientTrust", [f.vendors.casino, Trust.Blocked]]);
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "5", f.vendors.casino, "gambling"),
        prohibited(usd("5"), Reason.CategoryProhibited),
      );
    });

    it("blocks a Blocked recipient in every tier's categories with RecipientBlocked", async function () {
      const f = await loadFixture(articleFixture);
      const r = f.vendors.embeddings;
      await configure(f, ["setRecipientTrust", [r, Trust.Blocked]]);
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "0.02", r, "embeddings"),
        prohibited(usd("0.02"), Reason.RecipientBlocked),
      );
      await expectPreviewAndSubmit(f, usdcPay(f, "10", r, "compute"), prohibited(usd("10"), Reason.RecipientBlocked));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "89", r, "agent_hire"),
        prohibited(usd("89"), Reason.RecipientBlocked),
      );
      expect(await f.usdc.balanceOf(r)).to.equal(0n);
    });

    it("checks a blocked recipient before prohibited trust levels", async function () {
      const f = await loadFixture(articleFixture);
      const r = f.vendors.compute;
      // every trust level prohibited, and the recipient blocked
      await configure(f, ["setProhibitions", [PROHIBITED_CATEGORIES, 7]], ["setRecipientTrust", [r, Trust.Blocked]]);
      await expectPreviewAndSubmit(f, usdcPay(f, "10", r, "compute"), prohibited(usd("10"), Reason.RecipientBlocked));
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"),
        prohibited(usd("0.02"), Reason.TrustProhibited),
      );
    });

    it("blocks recipients whose trust level is prohibited with TrustProhibited", async function () {
      const f = await loadFixture(articleFixture);
      const [newcomer] = f.newcomers;
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "10", newcomer, "compute"),
        prohibited(usd("10"), Reason.TrustProhibited),
      );
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "89", newcomer, "agent_hire"),
        prohibited(usd("89"), Reason.TrustProhibited),
      );
      // Known prohibited as well
      await configure(f, ["setProhibitions", [PROHIBITED_CATEGORIES, (1 << Trust.Unknown) | (1 << Trust.Known)]]);
      await expectPreviewAndSubmit(
        f,
        usdcPay(f, "10", f.vendors.compute, "compute"),
        prohibited(usd("10"), Reason.TrustProhibited),
      );
      await expectPreviewAndSubmit(f, usdcPay(f, "10", f.vendors.search, "compute"), supervised(usd("10")));
      expect(await f.usdc.balanceOf(newcomer)).to.equal(0n);
      expect(await f.usdc.balanceOf(f.vendors.compute)).to.equal(0n);
    });

    it("records a prohibited intent in a token that is not accepted, with value 0", async function () {
      const f = await loadFixture(articleFixture);
      const args = { token: NOT_A_TOKEN, amount: 5n, recipient: f.vendors.casino, category: cat("gambling") };
      await expectPreviewAndSubmit(f, args, prohibited(0n, Reason.CategoryProhibited));
    });
  });

  describe("unmatched intents", function () {
    it("go to Collaborative with NoTierMatched, counted against the collaborative budget", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Collaborative, usd("1000"), HOUR]]);
      const args = usdcPay(f, "60", f.vendors.compute, "compute");
      const m = misses(Reason.CategoryNotAllowed, Reason.AmountAboveMax, Reason.CategoryNotAllowed);
      const s = await expectPreviewAndSubmit(f, args, unmatched(usd("60"), m));
      expect(await f.wallet.intentStatus(s.intentId)).to.equal(Status.AwaitingApproval);
      expect(s.pending!.budgetEpoch).to.equal(1);
      expect(s.pending!.deadline).to.equal(s.pending!.submittedAt + 4 * HOUR);
      expect((await f.wallet.budget(Tier.Collaborative)).spent).to.equal(usd("60"));
    });

    it("go to Prohibited after setUnmatchedTier(Prohibited): recorded, status Blocked, nothing paid", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setUnmatchedTier", [Tier.Prohibited]]);
      const args = usdcPay(f, "60", f.vendors.compute, "compute");
      const m = misses(Reason.CategoryNotAllowed, Reason.AmountAboveMax, Reason.CategoryNotAllowed);
      const [, , status] = await submitCall(f, args);
      expect(Number(status)).to.equal(Status.Blocked);
      const tx = submitTx(f, args);
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          anyValue,
          f.agentId,
          f.vendors.compute,
          f.agentKey.address,
          f.usdcAddress,
          usd("60"),
          details({ tier: Tier.Prohibited, reason: Reason.NoTierMatched, misses: m, value: usd("60") }),
          anyValue,
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [0, 0]);
      await expectPreviewAndSubmit(f, args, unmatched(usd("60"), m, Tier.Prohibited));
    });
  });

  describe("invalid input", function () {
    const cases: [string, (f: Fixture) => IntentArgs, string, (f: Fixture) => unknown[]][] = [
      [
        "a zero amount",
        (f) => ({ ...usdcPay(f, "1", f.vendors.compute, "compute"), amount: 0n }),
        "TierGuardZeroAmount",
        () => [],
      ],
      [
        "the zero address as recipient",
        (f) => usdcPay(f, "1", ethers.ZeroAddress, "compute"),
        "TierGuardInvalidRecipient",
        () => [ethers.ZeroAddress],
      ],
      [
        "the wallet itself as recipient",
        (f) => usdcPay(f, "1", f.walletAddress, "compute"),
        "TierGuardInvalidRecipient",
        (f) => [f.walletAddress],
      ],
      [
        "an undefined category",
        (f) => ({ ...usdcPay(f, "1", f.vendors.compute, "compute"), category: 12 }),
        "TierGuardUnknownCategory",
        () => [12],
      ],
      [
        "undefined category 63",
        (f) => ({ ...usdcPay(f, "1", f.vendors.compute, "compute"), category: 63 }),
        "TierGuardUnknownCategory",
        () => [63],
      ],
      [
        "category id 64",
        (f) => ({ ...usdcPay(f, "1", f.vendors.compute, "compute"), category: 64 }),
        "TierGuardUnknownCategory",
        () => [64],
      ],
      [
        "category id 255",
        (f) => ({ ...usdcPay(f, "1", f.vendors.compute, "compute"), category: 255 }),
        "TierGuardUnknownCategory",
        () => [255],
      ],
      [
        "a token that is not accepted",
        (f) => ({ ...usdcPay(f, "1", f.vendors.compute, "compute"), token: NOT_A_TOKEN }),
        "TierGuardTokenNotAccepted",
        () => [NOT_A_TOKEN],
      ],
      [
        "a token that is not accepted, in an autonomous category",
        (f) => ({ ...usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"), token: NOT_A_TOKEN }),
        "TierGuardTokenNotAccepted",
        () => [NOT_A_TOKEN],
      ],
    ];
    for (const [what, args, error, errorArgs] of cases) {
      it(`reverts ${error} for ${what}, in spend and in preview`, async function () {
        const f = await loadFixture(articleFixture);
        await expect(submitTx(f, args(f)))
          .to.be.revertedWithCustomError(f.wallet, error)
          .withArgs(...errorArgs(f));
        await expect(preview(f, args(f)))
          .to.be.revertedWithCustomError(f.wallet, error)
          .withArgs(...errorArgs(f));
        expect(await nonceOf(f)).to.equal(0n);
      });
    }

    it("accepts a 512-byte justification and reverts TierGuardJustificationTooLong at 513 bytes", async function () {
      const f = await loadFixture(articleFixture);
      const base = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      await expect(submitTx(f, { ...base, justification: "x".repeat(513) }))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardJustificationTooLong")
        .withArgs(513, 512);
      // bytes, not characters: 171 three-byte characters are 513 bytes
      await expect(submitTx(f, { ...base, justification: "€".repeat(171) }))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardJustificationTooLong")
        .withArgs(513, 512);
      const ok = "x".repeat(512);
      await expect(submitTx(f, { ...base, justification: ok }))
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          anyValue,
          f.agentId,
          f.vendors.embeddings,
          f.agentKey.address,
          f.usdcAddress,
          usd("0.02"),
          anyValue,
          ok,
        );
    });

    it("reverts TierGuardNotSessionKey for a caller without a session key", async function () {
      const f = await loadFixture(articleFixture);
      await expect(submitTx(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"), f.outsider))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardNotSessionKey")
        .withArgs(f.outsider.address);
      await expect(submitTx(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"), f.owners[0]))
        .to.be.revertedWithCustomError(f.wallet, "TierGuardNotSessionKey")
        .withArgs(f.owners[0].address);
    });

    it("reverts TierGuardPaused while the wallet is paused, in spend and in preview", async function () {
      const f = await loadFixture(articleFixture);
      await f.wallet.connect(f.owners[2]).pause();
      for (const args of [
        usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"),
        usdcPay(f, "47", f.vendors.compute, "compute"),
        usdcPay(f, "89", f.vendors.analysisAgent, "agent_hire"),
      ]) {
        await expect(submitTx(f, args)).to.be.revertedWithCustomError(f.wallet, "TierGuardPaused");
        await expect(preview(f, args)).to.be.revertedWithCustomError(f.wallet, "TierGuardPaused");
      }
      await configure(f, ["unpause", []]);
      expectClassified(
        await submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings")),
        autonomous(usd("0.02")),
      );
    });
  });

  describe("frequency accounting", function () {
    it("does not count prohibited intents against the frequency limit", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setTierRules", [Tier.Autonomous, rules("autonomous", { maxCount: 2, period: HOUR })]]);
      const ok = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      expectClassified(await submit(f, ok), autonomous(usd("0.02")));
      const before = await f.wallet.agentState(f.agentId);
      await submit(f, usdcPay(f, "1", f.vendors.casino, "gambling"));
      await submit(f, usdcPay(f, "0.02", f.newcomers[0], "embeddings"));
      await submit(f, usdcPay(f, "10", f.newcomers[0], "compute"));
      const after = await f.wallet.agentState(f.agentId);
      expect([after.start0, after.count0, after.start1, after.count1, after.start2, after.count2]).to.deep.equal([
        before.start0,
        before.count0,
        before.start1,
        before.count1,
        before.start2,
        before.count2,
      ]);
      expect(after.nonce).to.equal(before.nonce + 3n);
      expectClassified(await submit(f, ok), autonomous(usd("0.02")));
      expectClassified(
        await submit(f, ok),
        unmatched(usd("0.02"), misses(Reason.FrequencyExceeded, Reason.CategoryNotAllowed, Reason.CategoryNotAllowed)),
      );
    });

    it("counts escalated (unmatched) intents against the collaborative frequency, and blocks them beyond it", async function () {
      const f = await loadFixture(articleFixture);
      const escalated = usdcPay(f, "60", f.vendors.compute, "compute");
      for (let i = 0; i < 5; i++) expect((await submit(f, escalated)).reason).to.equal(Reason.NoTierMatched);
      const s = await f.wallet.agentState(f.agentId);
      expect([s.count0, s.count1, s.count2, s.nonce]).to.deep.equal([0n, 0n, 5n, 5n]);
      const sixth = await submit(f, escalated);
      expect([sixth.tier, sixth.reason]).to.deep.equal([Tier.Prohibited, Reason.FrequencyExceeded]);
      // the collaborative tier's 5 intents are used up, whatever path they took
      const hire = usdcPay(f, "10", f.vendors.analysisAgent, "agent_hire");
      expect((await submit(f, hire)).tier).to.equal(Tier.Prohibited);
    });

    it("does not count an intent in a tier it failed on budget (it counts where it was escalated)", async function () {
      const f = await loadFixture(articleFixture);
      await configure(f, ["setBudget", [Tier.Supervised, usd("10"), HOUR]]);
      await submit(f, usdcPay(f, "10", f.vendors.compute, "compute"));
      const s = await submit(f, usdcPay(f, "1", f.vendors.compute, "compute"));
      expect(s.misses).to.equal(misses(Reason.CategoryNotAllowed, Reason.BudgetExceeded, Reason.CategoryNotAllowed));
      const state = await f.wallet.agentState(f.agentId);
      expect([state.count0, state.count1, state.count2]).to.deep.equal([0n, 1n, 1n]);
    });

    it("counts an intent only in the tier that matched it", async function () {
      const f = await loadFixture(articleFixture);
      await submit(f, usdcPay(f, "47", f.vendors.compute, "compute"));
      let s = await f.wallet.agentState(f.agentId);
      expect([s.count0, s.count1, s.count2]).to.deep.equal([0n, 1n, 0n]);
      await submit(f, usdcPay(f, "89", f.vendors.analysisAgent, "agent_hire"));
      await submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"));
      s = await f.wallet.agentState(f.agentId);
      expect([s.count0, s.count1, s.count2]).to.deep.equal([1n, 1n, 1n]);
    });

    it("counts per agent identity: a second key of the same agent shares the limit", async function () {
      const f = await loadFixture(articleFixture);
      await configure(
        f,
        ["setTierRules", [Tier.Autonomous, rules("autonomous", { maxCount: 2, period: HOUR })]],
        ["grantSessionKey", [f.otherKey.address, f.agentId, 2n ** 40n - 1n]],
      );
      const ok = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      await submit(f, ok);
      await submit(f, ok, { key: f.otherKey });
      expect((await submit(f, ok, { key: f.otherKey })).reason).to.equal(Reason.NoTierMatched);
    });
  });

  describe("intent ids", function () {
    it("gives each intent intentIdFor(agentId, nonce) and increments agentState().nonce on every submission", async function () {
      const f = await loadFixture(articleFixture);
      const { embeddings, compute, analysisAgent, casino } = f.vendors;
      const sequence = [
        usdcPay(f, "0.02", embeddings, "embeddings"), // autonomous
        usdcPay(f, "47", compute, "compute"), // supervised
        usdcPay(f, "89", analysisAgent, "agent_hire"), // collaborative
        usdcPay(f, "5", casino, "gambling"), // prohibited
        usdcPay(f, "60", compute, "compute"), // unmatched
        usdcPay(f, "0.50", embeddings, "search"), // autonomous
        usdcPay(f, "4.99", compute, "data_access"), // supervised
      ];
      const ids = new Set<string>();
      for (const [i, args] of sequence.entries()) {
        expect(await nonceOf(f)).to.equal(BigInt(i));
        const s = await submit(f, args);
        expect(s.intentId, `intent ${i}`).to.equal(await f.wallet.intentIdFor(f.agentId, i));
        ids.add(s.intentId);
      }
      expect(await nonceOf(f)).to.equal(BigInt(sequence.length));
      expect(ids.size).to.equal(sequence.length);
    });

    it("gives a prohibited intent the next id and keeps counting after it", async function () {
      const f = await loadFixture(articleFixture);
      await submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"));
      await submit(f, usdcPay(f, "47", f.vendors.compute, "compute"));
      const blocked = await submit(f, usdcPay(f, "5", f.vendors.casino, "gambling"));
      expect(blocked.intentId).to.equal(await f.wallet.intentIdFor(f.agentId, 2));
      expect(await nonceOf(f)).to.equal(3n);
      const next = await submit(f, usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"));
      expect(next.intentId).to.equal(await f.wallet.intentIdFor(f.agentId, 3));
    });

    it("derives ids from the agent id with the nonce in its last 5 bytes", async function () {
      const f = await loadFixture(articleFixture);
      expect(await f.wallet.intentIdFor(f.agentId, 0)).to.equal(f.agentId);
      expect(await f.wallet.intentIdFor(f.agentId, 0x0102030405n)).to.equal(
        ethers.toBeHex(BigInt(f.agentId) | 0x0102030405n, 32),
      );
    });

    it("numbers intents per agent identity", async function () {
      const f = await loadFixture(articleFixture);
      const otherAgent = ethers.encodeBytes32String("research-agent");
      await configure(f, ["grantSessionKey", [f.otherKey.address, otherAgent, 2n ** 40n - 1n]]);
      const args = usdcPay(f, "0.02", f.vendors.embeddings, "embeddings");
      const a = await submit(f, args);
      const b = await submit(f, args, { key: f.otherKey });
      expect(a.intentId).to.equal(await f.wallet.intentIdFor(f.agentId, 0));
      expect(b.intentId).to.equal(await f.wallet.intentIdFor(otherAgent, 0));
      expect(a.intentId).to.not.equal(b.intentId);
      expect(await nonceOf(f, otherAgent)).to.equal(1n);
      expect(await nonceOf(f)).to.equal(1n);
    });
  });
});
