/**
 * The article's policy as the wallet's raw configuration (mirrors scripts/lib/article.ts), shared by SDK tests
 * that set a wallet up call by call.
 */
import { encodeFunctionData, stringToHex } from "viem";
import { tierGuardWalletAbi } from "../../../src/abi/TierGuardWallet";

export const CATEGORIES = [
  "api_calls",
  "embeddings",
  "search",
  "compute",
  "data_access",
  "saas_tools",
  "agent_hire",
  "service_procurement",
  "subscription",
  "gambling",
  "unverified_agents",
  "sanctioned_jurisdictions",
] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_IDS = Object.fromEntries(CATEGORIES.map((c, i) => [c, i])) as Record<Category, number>;
export const mask = (...names: Category[]) => names.reduce((m, n) => m | (1n << BigInt(CATEGORY_IDS[n])), 0n);
export const usd = (s: string) => {
  const [w, f = ""] = s.split(".");
  return BigInt(w) * 1_000_000n + BigInt((f + "000000").slice(0, 6));
};
export const Tier = { Autonomous: 0, Supervised: 1, Collaborative: 2, Prohibited: 3 } as const;
export const Trust = { Unknown: 0, Known: 1, Verified: 2, Blocked: 3 } as const;
export const HOUR = 3600;
export const RULES = {
  autonomous: {
    categories: mask("api_calls", "embeddings", "search"),
    maxValue: usd("1.00"),
    maxCount: 1000,
    period: HOUR,
    window: 0,
    grace: 0,
    minTrust: Trust.Verified,
  },
  supervised: {
    categories: mask("compute", "data_access", "saas_tools"),
    maxValue: usd("50.00"),
    maxCount: 20,
    period: HOUR,
    window: 30,
    grace: HOUR,
    minTrust: Trust.Known,
  },
  collaborative: {
    categories: mask("agent_hire", "service_procurement", "subscription"),
    maxValue: usd("5000.00"),
    maxCount: 5,
    period: 24 * HOUR,
    window: 4 * HOUR,
    grace: 0,
    minTrust: Trust.Unknown,
  },
};
export const AGENT_ID = stringToHex("procurement-agent-prod", { size: 32 });
export const call = (functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);

