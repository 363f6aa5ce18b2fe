/**
 * SDK benchmark.
 *
 *   npx ts-node --transpile-only scripts/bench-sdk.ts            # table
 *   npx ts-node --transpile-only scripts/bench-sdk.ts --json     # one JSON object
 *   BENCH_N=5000000 npx ts-node --transpile-only scripts/bench-sdk.ts
 *
 * Classifier part: throughput of the pure off-chain classifier (`classify`, src/classify) on one core, over
 * >= 1,000,000 classifications of a mix of the article's intents (its five payments plus prohibited and
 * over-the-cap ones) against the article's policy snapshot.
 *
 * Client part: `authorizeToReceiptMsP50` (p50 latency from authorising an intent to its receipt) belongs to the
 * client engineer; it is printed as null until implemented (see CLIENT BENCHMARK below).
 */
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  http,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../src/abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../src/abi/MockERC20";
import { createOwnerClient, measureAuthorizeLatency } from "../src/client";

/** Hardhat's default development mnemonic (the accounts of a local `hardhat node`). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
import { classify, Tier, Trust, type ClassifierState, type ClassifyInput } from "../src/classify";
import { startNode } from "./lib/node";

/* ------------------------------------------------------------------------------------------------------------
 * The article's policy as a classifier snapshot (scripts/lib/article.ts: deployArticle)
 * ------------------------------------------------------------------------------------------------------------ */

const usd = (s: string): bigint => {
  const [whole, frac = ""] = s.split(".");
  return BigInt(whole) * 1_000_000n + BigInt((frac + "000000").slice(0, 6));
};
const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const bits = (...ids: number[]) => ids.reduce((m, i) => m | (1n << BigInt(i)), 0n);
// ids as in scripts/lib/article.ts CATEGORIES
const C = {
  api_calls: 0,
  embeddings: 1,
  search: 2,
  compute: 3,
  data_access: 4,
  saas_tools: 5,
  agent_hire: 6,
  service_procurement: 7,
  subscription: 8,
  gambling: 9,
  unverified_agents: 10,
  sanctioned_jurisdictions: 11,
};
const HOUR = 3600;
const NOW = 1_800_000_000;
const USDC = addr(0x05dc);
const EURC = addr(0xe5c);
const ETH = addr(0);
const V = {
  embeddings: addr(0x1001),
  search: addr(0x1002),
  data: addr(0x1003),
  compute: addr(0x1004),
  analysisAgent: addr(0x1005),
  casino: addr(0x1006),
  stranger: addr(0x1007),
};
const AGENT = "0x70726f637572656d656e742d6167656e742d70726f6400000000000000000000" as Hex;
const noBudget = { max: 0n, period: 0, windowStart: 0, spent: 0n };

const state: ClassifierState = {
  wallet: addr(0xa11e7),
  settings: {
    paused: false,
    prohibitedTrust: 1 << Trust.Unknown,
    unmatchedTier: Tier.Collaborative,
    budgetTiers: 0b010,
    categories: (1n << 12n) - 1n,
    prohibitedCategories: bits(C.gambling, C.unverified_agents, C.sanctioned_jurisdictions),
  },
  tiers: [
    {
      categories: bits(C.api_calls, C.embeddings, C.search),
      maxValue: usd("1"),
      maxCount: 1000,
      period: HOUR,
      minTrust: Trust.Verified,
    },
    {
      categories: bits(C.compute, C.data_access, C.saas_tools),
      maxValue: usd("50"),
      maxCount: 20,
      period: HOUR,
      minTrust: Trust.Known,
    },
    {
      categories: bits(C.agent_hire, C.service_procurement, C.subscription),
      maxValue: usd("5000"),
      maxCount: 5,
      period: 24 * HOUR,
      minTrust: Trust.Unknown,
    },
  ],
  // a supervised budget, so that the budget check is on the measured path
  budgets: [noBudget, { max: usd("1000"), period: 24 * HOUR, windowStart: NOW - 100, spent: usd("100") }, noBudget],
  tokens: {
    [USDC]: { kind: 1, decimals: 6, priceDecimals: 18, maxStaleness: 0, source: 10n ** 18n },
    [EURC]: {
      kind: 2,
      decimals: 6,
      priceDecimals: 8,
      maxStaleness: HOUR,
      source: 0xfeedn,
      feed: { answer: 108_000_000n, updatedAt: BigInt(NOW - 60) },
    },
    [ETH]: {
      kind: 2,
      decimals: 18,
      priceDecimals: 8,
      maxStaleness: HOUR,
      source: 0xfeedn,
      feed: { answer: 3000n * 10n ** 8n, updatedAt: BigInt(NOW - 60) },
    },
  },
  recipientTrust: {
    [V.embeddings]: Trust.Verified,
    [V.search]: Trust.Verified,
    [V.data]: Trust.Known,
    [V.compute]: Trust.Known,
    [V.analysisAgent]: Trust.Known,
  },
  agents: {
    [AGENT]: { start0: NOW - 10, count0: 40, start1: NOW - 10, count1: 3, start2: NOW - 10, count2: 1, nonce: 44 },
  },
};

const pay = (amount: bigint, recipient: Address, category: number, token: Address = USDC): ClassifyInput => ({
  agentId: AGENT,
  token,
  amount,
  recipient,
  category,
});

/** The mix: the article's day (weighted towards its frequent autonomous calls) plus the other outcomes. */
const MIX: { name: string; input: ClassifyInput; weight: number }[] = [
  { name: "0.02 embedding (autonomous)", input: pay(usd("0.02"), V.embeddings, C.embeddings), weight: 4 },
  { name: "0.50 search (autonomous)", input: pay(usd("0.50"), V.search, C.search), weight: 4 },
  { name: "4.99 data subscription (supervised)", input: pay(usd("4.99"), V.data, C.data_access), weight: 1 },
  { name: "47.00 compute burst (supervised)", input: pay(usd("47"), V.compute, C.compute), weight: 1 },
  { name: "89.00 agent hire (collaborative)", input: pay(usd("89"), V.analysisAgent, C.agent_hire), weight: 1 },
  { name: "0.50 EURC search (feed price)", input: pay(500_000n, V.search, C.search, EURC), weight: 1 },
  { name: "gambling (prohibited)", input: pay(usd("5"), V.casino, C.gambling), weight: 1 },
  { name: "unknown recipient (prohibited)", input: pay(usd("0.02"), V.stranger, C.embeddings), weight: 1 },
  { name: "1.000001 embedding (over the cap)", input: pay(usd("1") + 1n, V.embeddings, C.embeddings), weight: 1 },
];

function benchClassifier(n: number) {
  const inputs: ClassifyInput[] = [];
  for (const m of MIX) for (let w = 0; w < m.weight; w++) inputs.push(m.input);
  const len = inputs.length;
  const tierCounts = [0, 0, 0, 0];
  // warm-up (JIT, the snapshot's compiled form)
  for (let i = 0; i < 200_000; i++) classify(inputs[i % len], state, NOW);
  const perIntent = MIX.map((m) => {
    const k = 200_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < k; i++) classify(m.input, state, NOW);
    const ns = Number(process.hrtime.bigint() - t0) / k;
    return { name: m.name, tier: classify(m.input, state, NOW).tier, nsPerIntent: ns };
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) tierCounts[classify(inputs[i % len], state, NOW).tier]++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    intents: n,
    seconds,
    intentsPerSecond: Math.round(n / seconds),
    nsPerIntent: (seconds * 1e9) / n,
    tiers: {
      autonomous: tierCounts[0],
      supervised: tierCounts[1],
      collaborative: tierCounts[2],
      prohibited: tierCounts[3],
    },
    perIntent,
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * CLIENT BENCHMARK (client engineer): p50 milliseconds from authorising an intent to its receipt, measured against
 * a local node. Return a number to fill `authorizeToReceiptMsP50`; null means "not implemented".
 * ------------------------------------------------------------------------------------------------------------ */
async function benchAuthorizeToReceiptMsP50(samples = 100): Promise<number | null> {
  const node = await startNode();
  try {
    const transport = http(node.url, { retryCount: 0 });
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 10 });
    const owner = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 0 });
    const agentKey = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 3 });
    const vendor = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 10 }).address;
    const ownerWallet = createWalletClient({ chain: hardhat, transport, account: owner });
    const deploy = async (abi: readonly unknown[], bytecode: Hex, args: readonly unknown[]) => {
      const hash = await ownerWallet.deployContract({ abi, bytecode, args } as never);
      return (await publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    };
    // A 1-of-1 wallet with the article's autonomous tier, mock USDC, a verified vendor and the agent's key.
    const wallet = await deploy(tierGuardWalletAbi, tierGuardWalletBytecode, [[owner.address], 1]);
    const usdc = await deploy(mockErc20Abi, mockErc20Bytecode, ["Mock USD Coin", "USDC", 6]);
    const call = (functionName: string, args: readonly unknown[]) =>
      encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);
    const calls = [
      call("defineCategory", [C.embeddings, stringToHex("embeddings", { size: 32 })]),
      call("setTierRules", [
        Tier.Autonomous,
        { categories: bits(C.embeddings), maxValue: usd("1.00"), maxCount: 1_000_000, period: 3600, window: 0, grace: 0, minTrust: Trust.Verified },
      ]),
      call("configureToken", [usdc, 1, 10n ** 18n, 0]),
      call("setRecipientTrust", [vendor, Trust.Verified]),
      call("grantSessionKey", [agentKey.address, stringToHex("bench-agent", { size: 32 }), 2n ** 40n - 1n]),
    ] as Hex[];
    const ownerClient = createOwnerClient({ publicClient, walletClient: ownerWallet, wallet });
    await ownerClient.applyCalls(calls, [ownerWallet]);
    const mintHash = await ownerWallet.writeContract({
      address: usdc,
      abi: mockErc20Abi,
      functionName: "mint",
      args: [wallet, 10n ** 12n],
    });
    await publicClient.waitForTransactionReceipt({ hash: mintHash });
    const r = await measureAuthorizeLatency({
      publicClient,
      wallet,
      agentKey,
      token: usdc,
      recipient: vendor,
      category: C.embeddings,
      amount: "0.02",
      samples,
      warmup: 5,
    });
    return Math.round(r.authorizeToReceiptMsP50 * 100) / 100;
  } finally {
    await node.stop();
  }
}

async function main() {
  const json = process.argv.includes("--json");
  const n = Math.max(1_000_000, Number(process.env.BENCH_N ?? 2_000_000));
  const classifier = benchClassifier(n);
  const samples = Math.max(100, Number(process.env.BENCH_SAMPLES ?? 100));
  const authorizeToReceiptMsP50 = await benchAuthorizeToReceiptMsP50(samples);
  if (json) {
    console.log(JSON.stringify({ classifierIntentsPerSec: classifier.intentsPerSecond, authorizeToReceiptMsP50 }));
    return;
  }
  const TIER = ["autonomous", "supervised", "collaborative", "prohibited"];
  console.log(`SDK benchmark (node ${process.version}, one core)\n`);
  console.table(
    classifier.perIntent.map((p) => ({
      intent: p.name,
      tier: TIER[p.tier],
      "ns/intent": p.nsPerIntent.toFixed(0),
      "intents/s": Math.round(1e9 / p.nsPerIntent).toLocaleString("en-US"),
    })),
  );
  console.table([
    {
      metric: "classifierIntentsPerSec (target >= 200,000)",
      value: classifier.intentsPerSecond.toLocaleString("en-US"),
      detail: `${classifier.intents.toLocaleString("en-US")} mixed article intents in ${classifier.seconds.toFixed(2)} s`,
    },
    {
      metric: "authorizeToReceiptMsP50 (target <= 50)",
      value: `${authorizeToReceiptMsP50} ms`,
      detail: `median of ${samples} authorize() calls to a mined receipt, local automining hardhat node`,
    },
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
