/**
 * Reads the classifier's snapshot (`ClassifierState`) from a live wallet with viem: every view `_classify`
 * depends on, at one block, with parallel `readContract` calls (no multicall needed).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { TierGuardError } from "../errors";
import {
  PriceKind,
  type ClassifierBudget,
  type ClassifierState,
  type ClassifierTierRules,
  type ClassifierTokenState,
} from "./types";

/** AggregatorV3Interface: latestRoundData (the only feed function classification calls) and decimals. */
export const aggregatorAbi = [
  { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ name: "", type: "uint8" }] },
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
] as const;

export interface ReadClassifierStateOptions {
  publicClient: PublicClient;
  wallet: Address;
  /** agent(s) whose counters to read */
  agentId: Hex | readonly Hex[];
  /** tokens to read; default: every accepted token (`tokens()`) */
  tokens?: readonly Address[];
  /**
   * recipients whose trust to read; default: `recipientList()` (every recipient whose trust is not Unknown,
   * which is all a snapshot needs: missing recipients are Unknown)
   */
  recipients?: readonly Address[];
  /** block to read at; default: the latest block */
  blockNumber?: bigint;
}

/** How a feed's `latestRoundData()` call ended, mirroring the contract's try/catch. */
async function readFeed(
  publicClient: PublicClient,
  feed: Address,
  blockNumber: bigint,
): Promise<ClassifierTokenState["feed"]> {
  try {
    const [, answer, , updatedAt] = await publicClient.readContract({
      address: feed,
      abi: aggregatorAbi,
      functionName: "latestRoundData",
      blockNumber,
    });
    return { answer, updatedAt };
  } catch (e) {
    if (!(e instanceof BaseError)) throw e;
    // A revert (with or without data) is caught by the contract's try/catch: invalid price.
    if (e.walk((x) => x instanceof ContractFunctionRevertedError)) return "reverted";
    // Success with no or short return data (e.g. an address without code) fails decoding, which is not caught.
    const undecodable = e.walk((x) => {
      const name = (x as Error).name ?? "";
      return name.startsWith("AbiDecoding") || name === "ContractFunctionZeroDataError";
    });
    if (undecodable) return "undecodable";
    throw e;
  }
}

/**
 * Reads everything `preview` reads for `agentId` from `wallet` at one block. The snapshot's `timestamp` is that
 * block's timestamp: pass it as `now` to `classify` to get what `preview` returns at that block.
 */
export async function readClassifierState(options: ReadClassifierStateOptions): Promise<ClassifierState> {
  const { publicClient, wallet } = options;
  const agentIds = typeof options.agentId === "string" ? [options.agentId] : [...options.agentId];
  let blockNumber = options.blockNumber;
  let timestamp: bigint;
  try {
    const block =
      blockNumber === undefined ? await publicClient.getBlock() : await publicClient.getBlock({ blockNumber });
    blockNumber = block.number!;
    timestamp = block.timestamp;
  } catch (e) {
    throw new TierGuardError("could not read the block to snapshot the wallet at", {
      cause: e,
      fix: "check the RPC URL and that the node is up",
    });
  }
  const at = { address: wallet, abi: tierGuardWalletAbi, blockNumber } as const;

  try {
    const [settings, tierRules, budgets, agents, tokenList, recipientList] = await Promise.all([
      publicClient.readContract({ ...at, functionName: "settings" }),
      Promise.all(([0, 1, 2] as const).map((t) => publicClient.readContract({ ...at, functionName: "tierRules", args: [t] }))),
      Promise.all(([0, 1, 2] as const).map((t) => publicClient.readContract({ ...at, functionName: "budget", args: [t] }))),
      Promise.all(agentIds.map((id) => publicClient.readContract({ ...at, functionName: "agentState", args: [id] }))),
      options.tokens ?? publicClient.readContract({ ...at, functionName: "tokens" }),
      options.recipients ?? publicClient.readContract({ ...at, functionName: "recipientList" }),
    ]);
    const [tokenEntries, trustEntries] = await Promise.all([
      Promise.all(
        tokenList.map(async (token): Promise<[Address, ClassifierTokenState]> => {
          const cfg = await publicClient.readContract({ ...at, functionName: "tokenConfig", args: [token] });
          const t: ClassifierTokenState = {
            kind: cfg.kind,
            decimals: cfg.decimals,
            priceDecimals: cfg.priceDecimals,
            maxStaleness: cfg.maxStaleness,
            source: cfg.source,
          };
          if (cfg.kind === PriceKind.Feed) {
            const feed = `0x${cfg.source.toString(16).padStart(40, "0")}` as Address;
            t.feed = await readFeed(publicClient, feed, blockNumber!);
          }
          return [token, t];
        }),
      ),
      Promise.all(
        recipientList.map(async (r): Promise<[Address, number]> => [
          r,
          await publicClient.readContract({ ...at, functionName: "recipientTrust", args: [r] }),
        ]),
      ),
    ]);
    const rules = (r: (typeof tierRules)[number]): ClassifierTierRules => ({
      categories: r.categories,
      maxValue: r.maxValue,
      maxCount: r.maxCount,
      period: r.period,
      minTrust: r.minTrust,
      window: r.window,
      grace: r.grace,
    });
    const budget = (b: (typeof budgets)[number]): ClassifierBudget => ({
      max: b.max,
      period: b.period,
      windowStart: b.windowStart,
      spent: b.spent,
    });
    return {
      wallet,
      settings: {
        paused: settings.paused,
        prohibitedTrust: settings.prohibitedTrust,
        unmatchedTier: settings.unmatchedTier,
        budgetTiers: settings.budgetTiers,
        categories: settings.categories,
        prohibitedCategories: settings.prohibitedCategories,
        maxOpenIntents: settings.maxOpenIntents,
      },
      tiers: [rules(tierRules[0]), rules(tierRules[1]), rules(tierRules[2])],
      budgets: [budget(budgets[0]), budget(budgets[1]), budget(budgets[2])],
      tokens: Object.fromEntries(tokenEntries.map(([a, t]) => [a.toLowerCase(), t])),
      recipientTrust: Object.fromEntries(trustEntries.filter(([, t]) => t !== 0).map(([a, t]) => [a.toLowerCase(), t])),
      agents: Object.fromEntries(
        agents.map((a, i) => [
          agentIds[i].toLowerCase(),
          {
            start0: a.start0,
            count0: a.count0,
            start1: a.start1,
            count1: a.count1,
            start2: a.start2,
            count2: a.count2,
            nonce: a.nonce,
            openIntents: a.openIntents,
          },
        ]),
      ),
      blockNumber,
      timestamp,
    };
  } catch (e) {
    throw new TierGuardError(`could not read the classifier state of wallet ${wallet}`, {
      cause: e,
      details: [e instanceof BaseError ? e.shortMessage : String(e)],
      fix: "check that the address is a TierGuardWallet on this chain and that the node serves that block",
    });
  }
}
