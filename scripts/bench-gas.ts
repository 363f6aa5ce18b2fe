/**
 * Gas benchmark: whole-transaction gasUsed from receipts, on Hardhat's in-process network (cancun), in the
 * steady state (the wallet, the agent and the tokens have all been used before), with the article's
 * 50-character justification. Compared with a bare ERC-20 transfer measured in the same run.
 *
 *   npm run bench:gas              # table (compiles first)
 *   npm run bench:gas -- --json    # JSON object keyed by case (gas figures and runtimeBytes)
 */
import hre from "hardhat";
import {
  SIGNED_SPEND_TYPES,
  Tier,
  Trust,
  cat,
  decodeSubmission,
  deployArticle,
  ownerAction,
  signApprovals,
  usd,
} from "./lib/article";
import { printReport } from "./lib/report";

const JUSTIFICATION = "EURC liquidity analysis for MiCA compliance report"; // 50 characters

async function main() {
  const { ethers, network } = hre;
  const d = await deployArticle(hre);
  const { wallet, usdc, owners, agentKey, vendors } = d;
  const usdcAddr = await usdc.getAddress();
  const signers = await ethers.getSigners();
  const delegate = signers[5];
  const gas = async (p: Promise<{ wait: () => Promise<unknown> }>) =>
    ((await (await p).wait()) as { gasUsed: bigint }).gasUsed;
  const submit = async (token: string, amount: bigint, recipient: string, category: string) => {
    const tx = await wallet.connect(agentKey).spend(token, amount, recipient, cat(category as never), JUSTIFICATION);
    return decodeSubmission(wallet, (await tx.wait())!);
  };
  const fresh = () => ethers.Wallet.createRandom().address;
  const r: Record<string, bigint> = {};

  // Baseline: a delegate EOA that already holds USDC pays a recipient with and without a balance.
  await (await usdc.mint(delegate.address, 10n ** 12n)).wait();
  await (await usdc.connect(delegate).transfer(vendors.embeddings, 1n)).wait();
  r.bareErc20Fresh = await gas(usdc.connect(delegate).transfer(fresh(), 20_000n));
  r.bareErc20Warm = await gas(usdc.connect(delegate).transfer(vendors.embeddings, 20_000n));

  // Autonomous: warm up the agent's counters and the wallet's token balance first.
  await submit(usdcAddr, 20_000n, vendors.embeddings, "embeddings");
  const freshVendor = fresh();
  await (
    await ownerAction(wallet, owners.slice(0, 2), [
      wallet.interface.encodeFunctionData("setRecipientTrust", [freshVendor, Trust.Verified]),
    ])
  ).wait();
  r.autonomousErc20Fresh = (await submit(usdcAddr, 20_000n, freshVendor, "embeddings")).gasUsed;
  r.autonomousErc20Warm = (await submit(usdcAddr, 20_000n, vendors.embeddings, "embeddings")).gasUsed;
  await submit(ethers.ZeroAddress, 10n ** 14n, vendors.search, "search");
  r.autonomousEth = (await submit(ethers.ZeroAddress, 10n ** 14n, vendors.search, "search")).gasUsed;

  // The extension's entry points, same warm autonomous payment: with an idempotency key (first call, then a
  // retry that pays nothing), and signed by the session key and submitted by a relayer.
  const embeddings = cat("embeddings" as never);
  const idem = (key: string) =>
    wallet.connect(agentKey).spendIdempotent(usdcAddr, 20_000n, vendors.embeddings, embeddings, JUSTIFICATION, key);
  r.idempotentErc20Warm = await gas(idem(ethers.id("bench-1")));
  r.idempotentRetry = await gas(idem(ethers.id("bench-1")));
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
  const signed = {
    token: usdcAddr,
    amount: 20_000n,
    recipient: vendors.embeddings,
    category: embeddings,
    justification: JUSTIFICATION,
    idempotencyKey: ethers.id("bench-2"),
    deadline,
  };
  const signature = await agentKey.signTypedData(
    {
      name: "TierGuardWallet",
      version: "1",
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: await wallet.getAddress(),
    },
    SIGNED_SPEND_TYPES,
    signed,
  );
  r.signedErc20Warm = await gas(wallet.connect(delegate).spendSigned(signed, await agentKey.getAddress(), signature));

  // Supervised: submit, veto one, execute another after its window.
  const warmSup = await submit(usdcAddr, usd("47.00"), vendors.compute, "compute");
  await network.provider.send("evm_increaseTime", [31]);
  await (await wallet.execute(warmSup.intentId, warmSup.pending!)).wait();
  const vetoed = await submit(usdcAddr, usd("47.00"), vendors.compute, "compute");
  r.supervisedVeto = await gas(wallet.connect(owners[0]).veto(vetoed.intentId, vetoed.pending!));
  const sup = await submit(usdcAddr, usd("47.00"), vendors.compute, "compute");
  r.supervisedSubmit = sup.gasUsed;
  await network.provider.send("evm_increaseTime", [31]);
  r.supervisedExecute = await gas(wallet.execute(sup.intentId, sup.pending!));

  // Collaborative: 2-of-3 owner signatures submitted in one call.
  const warm = await submit(usdcAddr, usd("89.00"), vendors.analysisAgent, "agent_hire");
  const warmSigs = await signApprovals(wallet, owners.slice(0, 2), warm.intentId, warm.pending!);
  await (await wallet.approveBySignatures(warm.intentId, warm.pending!, warmSigs)).wait();
  const col = await submit(usdcAddr, usd("89.00"), vendors.analysisAgent, "agent_hire");
  if (col.tier !== Tier.Collaborative) throw new Error("expected a collaborative intent");
  r.collaborativeSubmit = col.gasUsed;
  const sigs = await signApprovals(wallet, [owners[0], owners[2]], col.intentId, col.pending!);
  r.collaborativeExecute2of3 = await gas(
    wallet.connect(signers[6]).approveBySignatures(col.intentId, col.pending!, sigs),
  );

  // Blocked: a gambling payment, recorded and not paid (after a first one opened the agent's blocked-attempt window).
  await submit(usdcAddr, usd("10.00"), vendors.casino, "gambling");
  r.blocked = (await submit(usdcAddr, usd("10.00"), vendors.casino, "gambling")).gasUsed;

  // Freeze: one owner revokes the agent's key and voids its 10 queued intents in one call.
  const queued = [];
  for (let i = 0; i < 10; i++) {
    const q = await submit(usdcAddr, usd("1.50"), vendors.compute, "compute");
    if (q.tier !== Tier.Supervised) throw new Error("expected a supervised intent");
    queued.push({ intentId: q.intentId, intent: q.pending! });
  }
  r.freezeAgent10Queued = await gas(wallet.connect(owners[0]).freezeAgent(d.agentId, queued));

  // EIP-170 caps runtime bytecode at 24,576 bytes; the views and other entry points live in the extension module.
  r.runtimeBytes = BigInt((await ethers.provider.getCode(await wallet.getAddress())).length / 2 - 1);

  printReport("gas", r, [
    ["autonomousErc20Warm / bareErc20Warm", Number(r.autonomousErc20Warm) / Number(r.bareErc20Warm), 1.75],
    ["autonomousErc20Fresh / bareErc20Fresh", Number(r.autonomousErc20Fresh) / Number(r.bareErc20Fresh), undefined],
    ["supervisedSubmit + supervisedExecute", Number(r.supervisedSubmit + r.supervisedExecute), 130_000],
    [
      "collaborativeSubmit + collaborativeExecute2of3",
      Number(r.collaborativeSubmit + r.collaborativeExecute2of3),
      150_000,
    ],
    ["idempotentErc20Warm - autonomousErc20Warm", Number(r.idempotentErc20Warm - r.autonomousErc20Warm), undefined],
    ["signedErc20Warm - autonomousErc20Warm", Number(r.signedErc20Warm - r.autonomousErc20Warm), undefined],
    ["runtimeBytes (EIP-170 limit 24,576)", Number(r.runtimeBytes), 24_576],
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
