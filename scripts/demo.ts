/**
 * The article's story on an embedded Hardhat chain: deploy a 2-of-3 TierGuard wallet with mock stablecoins,
 * apply the article's four-tier policy, fund it, grant an agent a session key, then play the day's payments.
 *
 *   npm run demo
 */
import hre from "hardhat";
import {
  Status,
  Tier,
  cat,
  decodeSubmission,
  deployArticle,
  signApprovals,
  type Category,
  type Submitted,
} from "./lib/article";

const TIER = ["autonomous", "supervised", "collaborative", "prohibited"];
const STATUS = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));
const REASON = [
  "matched",
  "category not allowed",
  "amount above max",
  "trust too low",
  "frequency exceeded",
  "budget exceeded",
  "category prohibited",
  "recipient blocked",
  "trust prohibited",
  "no tier matched",
];

const usdString = (micro: bigint) => `$${(Number(micro) / 1e6).toFixed(2)}`;

async function main() {
  const started = Date.now();
  const { ethers, network } = hre;
  const d = await deployArticle(hre);
  const { wallet, usdc, owners, agentKey, vendors } = d;
  const usdcAddr = await usdc.getAddress();
  const walletAddr = await wallet.getAddress();
  const line = (s = "") => console.log(s);

  line("TierGuard demo: the article's policy on an embedded chain");
  line(`  wallet ${walletAddr} (2-of-3 owners), funded with 1,000,000 mock USDC`);
  line(`  agent "procurement-agent-prod" holds session key ${(await agentKey.getAddress()).slice(0, 10)}...`);
  line(`  policy version ${(await wallet.settings()).policyVersion}\n`);

  const pay = async (amount: string, category: Category, recipient: string, why: string): Promise<Submitted> => {
    const [w, f = ""] = amount.split(".");
    const units = BigInt(w) * 1_000_000n + BigInt((f + "000000").slice(0, 6));
    const tx = await wallet.connect(agentKey).spend(usdcAddr, units, recipient, cat(category), why);
    const s = await decodeSubmission(wallet, (await tx.wait())!);
    const misses = [0, 1, 2]
      .filter((t) => ((s.misses >> (4 * t)) & 0xf) !== 0)
      .map((t) => `${TIER[t]}: ${REASON[(s.misses >> (4 * t)) & 0xf]}`);
    line(
      `  ${usdString(s.value).padStart(8)} ${category.padEnd(12)} -> ${TIER[s.tier].padEnd(13)} ${STATUS[s.status]}` +
        (s.tier === Tier.Prohibited || s.reason === 9 ? ` (${REASON[s.reason]})` : "") +
        (misses.length ? `  [${misses.join("; ")}]` : ""),
    );
    return s;
  };

  line("The day's payments (the article's list):");
  await pay("0.02", "embeddings", vendors.embeddings, "embedding batch for customer search index");
  await pay("0.50", "search", vendors.search, "web search for vendor due diligence");
  const data = await pay("4.99", "data_access", vendors.data, "monthly market data subscription");
  const burst = await pay("47.00", "compute", vendors.compute, "GPU burst for quarterly forecast run");
  const hire = await pay(
    "89.00",
    "agent_hire",
    vendors.analysisAgent,
    "EURC liquidity analysis for MiCA compliance report",
  );
  const hire2 = await pay("120.00", "agent_hire", vendors.analysisAgent, "second opinion on the liquidity analysis");
  const bet = await pay("25.00", "gambling", vendors.casino, "'hedging' at an online casino");

  line("\nOwners at work:");
  await (await wallet.connect(owners[1]).veto(data.intentId, data.pending!)).wait();
  line(`  owner 2 vetoes the ${usdString(data.value)} data subscription inside its 30 s window`);
  await network.provider.send("evm_increaseTime", [31]);
  await (await wallet.execute(burst.intentId, burst.pending!)).wait();
  line(`  the ${usdString(burst.value)} compute burst executes after its veto window`);
  const sigs = await signApprovals(wallet, [owners[0], owners[2]], hire.intentId, hire.pending!);
  await (await wallet.approveBySignatures(hire.intentId, hire.pending!, sigs)).wait();
  line(`  owners 1 and 3 sign the ${usdString(hire.value)} agent hire (EIP-712); one call executes it`);
  await network.provider.send("evm_increaseTime", [4 * 3600]);
  await (await wallet.expire(hire2.intentId, hire2.pending!)).wait();
  line(`  nobody answers the ${usdString(hire2.value)} hire: after 4 h it is finalised as expired`);

  line("\nWhere each intent ended (contract state):");
  for (const [label, s] of [
    ["data subscription", data],
    ["compute burst", burst],
    ["agent hire", hire],
    ["second agent hire", hire2],
    ["casino", bet],
  ] as const) {
    const st = s.pending ? Number(await wallet.intentStatus(s.intentId)) : s.status;
    line(`  ${label.padEnd(18)} ${STATUS[st]}`);
  }
  const paid = 1_000_000n * 10n ** 6n - (await usdc.balanceOf(walletAddr));
  line(`\nPaid out: ${usdString(paid)} of $141.51 requested by the article's five payments.`);
  line(`The casino attempt is on-chain as a Blocked IntentSubmitted event; nothing moved.`);
  line(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  void ethers;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
