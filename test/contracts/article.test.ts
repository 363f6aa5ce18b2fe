import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Reason, Status, Tier, cat, signApprovals, usd, type Submitted } from "../../scripts/lib/article";
import {
  ARTICLE_POLICY_VERSION,
  articleFixture,
  at,
  details,
  misses,
  submit,
  submitTx,
  usdcPay,
  type Fixture,
  type IntentArgs,
} from "./helpers-intents";

const INITIAL_USDC = 1_000_000n * 10n ** 6n; // what deployArticle mints to the wallet
const VETO_WINDOW = 30;
const JUSTIFICATION = "EURC liquidity analysis for MiCA compliance report";

/** The article's `transactions_today`, in order. */
const day = (f: Fixture) => ({
  embedding: usdcPay(f, "0.02", f.vendors.embeddings, "embeddings"),
  search: usdcPay(f, "0.50", f.vendors.search, "search"),
  dataSubscription: usdcPay(f, "4.99", f.vendors.data, "data_access"),
  computeBurst: usdcPay(f, "47.00", f.vendors.compute, "compute"),
  agentHire: { ...usdcPay(f, "89.00", f.vendors.analysisAgent, "agent_hire"), justification: JUSTIFICATION },
});
type Day = Record<keyof ReturnType<typeof day>, Submitted>;

/** The article's wallet after the agent submitted the day's five payments, one second apart from t0. */
async function dayFixture() {
  const f = await articleFixture();
  const t0 = (await time.latest()) + 10;
  const txs = day(f);
  const submitted = {} as Day;
  for (const [i, [name, args]] of Object.entries(txs).entries()) {
    submitted[name as keyof Day] = await submit(f, args, { at: t0 + i });
  }
  return { ...f, t0, s: submitted };
}

const balances = (f: Fixture, who: string[]) => Promise.all(who.map((a) => f.usdc.balanceOf(a)));

describe("the article's scenario", function () {
  it("pays the 0.02 embedding call and the 0.50 search query to Verified vendors at once (autonomous)", async function () {
    const f = await loadFixture(articleFixture);
    const { embedding, search } = day(f);
    for (const [nonce, [args, vendor]] of (
      [
        [embedding, f.vendors.embeddings],
        [search, f.vendors.search],
      ] as [IntentArgs, string][]
    ).entries()) {
      const tx = await submitTx(f, args);
      await expect(tx)
        .to.emit(f.wallet, "IntentSubmitted")
        .withArgs(
          await f.wallet.intentIdFor(f.agentId, nonce),
          f.agentId,
          vendor,
          f.agentKey.address,
          f.usdcAddress,
          args.amount,
          details({
            category: args.category,
            tier: Tier.Autonomous,
            reason: Reason.Matched,
            misses: 0,
            value: args.amount,
            policyVersion: ARTICLE_POLICY_VERSION,
          }),
          "test payment",
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, vendor], [-args.amount, args.amount]);
      await expect(tx).not.to.emit(f.wallet, "IntentExecuted");
    }
  });

  it("queues the 4.99 data subscription (data_access, Known vendor) as supervised", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const sub = s.dataSubscription;
    expect([sub.tier, sub.reason, sub.misses, sub.value]).to.deep.equal([
      Tier.Supervised,
      Reason.Matched,
      misses(Reason.CategoryNotAllowed),
      usd("4.99"),
    ]);
    expect(await f.wallet.intentStatus(sub.intentId)).to.equal(Status.Queued);
    expect(sub.pending!.notBefore).to.equal(sub.pending!.submittedAt + VETO_WINDOW);
    expect(await f.usdc.balanceOf(f.vendors.data)).to.equal(0n);
  });

  it("queues the 47.00 compute burst as supervised and executes it once the 30 s veto window is over", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const burst = s.computeBurst;
    expect([burst.tier, burst.reason, burst.value]).to.deep.equal([Tier.Supervised, Reason.Matched, usd("47")]);
    const p = burst.pending!;
    await at(p.submittedAt + VETO_WINDOW - 1);
    await expect(f.wallet.connect(f.relayer).execute(burst.intentId, p))
      .to.be.revertedWithCustomError(f.wallet, "TierGuardVetoWindowOpen")
      .withArgs(burst.intentId, p.submittedAt + VETO_WINDOW);
    await at(p.submittedAt + VETO_WINDOW);
    const tx = await f.wallet.connect(f.relayer).execute(burst.intentId, p);
    await expect(tx).to.emit(f.wallet, "IntentExecuted").withArgs(burst.intentId, f.relayer.address);
    await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.compute], [-usd("47"), usd("47")]);
  });

  it("holds the 89.00 agent hire for owner approval: it cannot execute alone", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const hire = s.agentHire;
    expect([hire.tier, hire.reason, hire.misses, hire.value, hire.status]).to.deep.equal([
      Tier.Collaborative,
      Reason.Matched,
      misses(Reason.CategoryNotAllowed, Reason.CategoryNotAllowed),
      usd("89"),
      Status.AwaitingApproval,
    ]);
    expect(await f.wallet.intentStatus(hire.intentId)).to.equal(Status.AwaitingApproval);
    await expect(f.wallet.connect(f.agentKey).execute(hire.intentId, hire.pending!))
      .to.be.revertedWithCustomError(f.wallet, "TierGuardNotEnoughApprovals")
      .withArgs(0, 2);
    await expect(f.wallet.connect(f.agentKey).approve(hire.intentId, hire.pending!))
      .to.be.revertedWithCustomError(f.wallet, "TierGuardNotOwner")
      .withArgs(f.agentKey.address);
    // one owner is not enough either
    await f.wallet.connect(f.owners[0]).approve(hire.intentId, hire.pending!);
    await expect(f.wallet.connect(f.agentKey).execute(hire.intentId, hire.pending!))
      .to.be.revertedWithCustomError(f.wallet, "TierGuardNotEnoughApprovals")
      .withArgs(1, 2);
    expect(await f.usdc.balanceOf(f.vendors.analysisAgent)).to.equal(0n);
  });

  it("executes the agent hire after one owner approves on-chain and a second by signature", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const hire = s.agentHire;
    await f.wallet.connect(f.owners[0]).approve(hire.intentId, hire.pending!);
    const sigs = await signApprovals(f.wallet, [f.owners[2]], hire.intentId, hire.pending!);
    const tx = await f.wallet.connect(f.relayer).approveBySignatures(hire.intentId, hire.pending!, sigs);
    await expect(tx)
      .to.emit(f.wallet, "IntentApproved")
      .withArgs(hire.intentId, f.owners[2].address)
      .and.to.emit(f.wallet, "IntentExecuted")
      .withArgs(hire.intentId, f.relayer.address);
    await expect(tx).to.changeTokenBalances(
      f.usdc,
      [f.walletAddress, f.vendors.analysisAgent],
      [-usd("89"), usd("89")],
    );
    // decided (the IntentExecuted above): storage no longer holds it
    expect(await f.wallet.intentStatus(hire.intentId)).to.equal(Status.None);
  });

  it("executes the agent hire with two owners' signatures", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const hire = s.agentHire;
    const sigs = await signApprovals(f.wallet, [f.owners[1], f.owners[2]], hire.intentId, hire.pending!);
    const tx = await f.wallet.connect(f.relayer).approveBySignatures(hire.intentId, hire.pending!, sigs);
    await expect(tx).to.emit(f.wallet, "IntentExecuted").withArgs(hire.intentId, f.relayer.address);
    await expect(tx).to.changeTokenBalances(
      f.usdc,
      [f.walletAddress, f.vendors.analysisAgent],
      [-usd("89"), usd("89")],
    );
  });

  it("blocks a gambling payment, records the attempt and moves no funds", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const args = { ...usdcPay(f, "25", f.vendors.casino, "gambling"), justification: "double or nothing" };
    const tx = await submitTx(f, args);
    await expect(tx)
      .to.emit(f.wallet, "IntentSubmitted")
      .withArgs(
        await f.wallet.intentIdFor(f.agentId, Object.keys(s).length),
        f.agentId,
        f.vendors.casino,
        f.agentKey.address,
        f.usdcAddress,
        usd("25"),
        details({
          category: cat("gambling"),
          tier: Tier.Prohibited,
          reason: Reason.CategoryProhibited,
          misses: 0,
          value: usd("25"),
        }),
        "double or nothing",
      );
    await expect(tx).to.changeTokenBalances(f.usdc, [f.walletAddress, f.vendors.casino], [0, 0]);
  });

  it("makes the flat-limit point: 141.51 in total, each under a $100 cap, yet three different tiers", async function () {
    const { s } = await loadFixture(dayFixture);
    const all = Object.values(s);
    expect(all.reduce((sum, x) => sum + x.value, 0n)).to.equal(usd("141.51"));
    for (const x of all) expect(x.value).to.be.lessThan(usd("100"));
    expect(all.map((x) => x.tier)).to.deep.equal([
      Tier.Autonomous,
      Tier.Autonomous,
      Tier.Supervised,
      Tier.Supervised,
      Tier.Collaborative,
    ]);
    expect(all.map((x) => x.status)).to.deep.equal([
      Status.Executed,
      Status.Executed,
      Status.Queued,
      Status.Queued,
      Status.AwaitingApproval,
    ]);
  });

  it("runs the day end to end: balances match exactly what executed", async function () {
    const { s, t0, ...f } = await loadFixture(dayFixture);
    const v = f.vendors;
    // the casino attempt
    await submit(f, usdcPay(f, "25", v.casino, "gambling"), { at: t0 + 5 });
    // the owners approve the hire (one on-chain, one signed)
    await f.wallet.connect(f.owners[1]).approve(s.agentHire.intentId, s.agentHire.pending!);
    await expect(
      f.wallet
        .connect(f.relayer)
        .approveBySignatures(
          s.agentHire.intentId,
          s.agentHire.pending!,
          await signApprovals(f.wallet, [f.owners[0]], s.agentHire.intentId, s.agentHire.pending!),
        ),
    )
      .to.emit(f.wallet, "IntentExecuted")
      .withArgs(s.agentHire.intentId, f.relayer.address);
    // after the veto windows, anyone executes the supervised payments
    await at(s.computeBurst.pending!.notBefore);
    await expect(f.wallet.connect(f.relayer).execute(s.dataSubscription.intentId, s.dataSubscription.pending!))
      .to.emit(f.wallet, "IntentExecuted")
      .withArgs(s.dataSubscription.intentId, f.relayer.address);
    await expect(f.wallet.connect(f.relayer).execute(s.computeBurst.intentId, s.computeBurst.pending!))
      .to.emit(f.wallet, "IntentExecuted")
      .withArgs(s.computeBurst.intentId, f.relayer.address);

    // all three were decided (executed, per the events): none is stored any more
    for (const x of [s.dataSubscription, s.computeBurst, s.agentHire]) {
      expect(await f.wallet.intentStatus(x.intentId)).to.equal(Status.None);
    }
    expect(
      await balances(f, [f.walletAddress, v.embeddings, v.search, v.data, v.compute, v.analysisAgent, v.casino]),
    ).to.deep.equal([INITIAL_USDC - usd("141.51"), usd("0.02"), usd("0.50"), usd("4.99"), usd("47"), usd("89"), 0n]);
  });

  it("pays nothing for a vetoed subscription: balances leave it out", async function () {
    const { s, ...f } = await loadFixture(dayFixture);
    const v = f.vendors;
    await expect(f.wallet.connect(f.owners[2]).veto(s.dataSubscription.intentId, s.dataSubscription.pending!))
      .to.emit(f.wallet, "IntentVetoed")
      .withArgs(s.dataSubscription.intentId, f.owners[2].address, 0);
    await f.wallet
      .connect(f.relayer)
      .approveBySignatures(
        s.agentHire.intentId,
        s.agentHire.pending!,
        await signApprovals(f.wallet, [f.owners[0], f.owners[1]], s.agentHire.intentId, s.agentHire.pending!),
      );
    await at(s.computeBurst.pending!.notBefore);
    await f.wallet.connect(f.relayer).execute(s.computeBurst.intentId, s.computeBurst.pending!);
    await expect(f.wallet.connect(f.relayer).execute(s.dataSubscription.intentId, s.dataSubscription.pending!))
      .to.be.revertedWithCustomError(f.wallet, "TierGuardUnknownIntent")
      .withArgs(s.dataSubscription.intentId);
    expect(await f.wallet.intentStatus(s.dataSubscription.intentId)).to.equal(Status.None);
    expect(
      await balances(f, [f.walletAddress, v.embeddings, v.search, v.data, v.compute, v.analysisAgent]),
    ).to.deep.equal([INITIAL_USDC - usd("136.52"), usd("0.02"), usd("0.50"), 0n, usd("47"), usd("89")]);
  });
});
