/**
 * `policy plan|apply --store`: reads the wallet's recorded intents of the last N days from the audit indexer's
 * store and the token facts from the chain, then replays them under the planned configuration (`simulatePolicy`).
 */
import { erc20Abi, zeroAddress, type Address } from "viem";
import type { WalletConfig } from "../../policy/compile";
import { simulatePolicy, type PolicySimulation, type RecordedIntent, type TokenFacts } from "../../policy/simulate";
import { withRetry } from "../../client/errors";
import { PriceKind } from "../../classify/types";
import { aggregatorAbi } from "../../classify/state";
import type { Context } from "../context";
import { ConfigError } from "../errors";


async function tokenFacts(ctx: Context, target: WalletConfig): Promise<Record<string, TokenFacts>> {
  const c = await ctx.conn();
  const read = <T>(address: Address, abi: readonly unknown[], functionName: string) =>
    withRetry(() => c.publicClient.readContract({ address, abi, functionName } as never) as Promise<T>);
  const entries = await Promise.all(
    target.tokens.map(async (t): Promise<[string, TokenFacts]> => {
      const decimals = t.address === zeroAddress ? 18 : Number(await read<number>(t.address, erc20Abi, "decimals"));
      if (t.kind !== PriceKind.Feed) return [t.address.toLowerCase(), { decimals }];
      const feed = `0x${t.source.toString(16).padStart(40, "0")}` as Address;
      const [fd, round] = await Promise.all([read<number>(feed, aggregatorAbi, "decimals"), read<readonly bigint[]>(feed, aggregatorAbi, "latestRoundData")]);
      return [t.address.toLowerCase(), { decimals, feed: { decimals: Number(fd), answer: round[1] } }];
    }),
  );
  return Object.fromEntries(entries);
}

/** Replays the last `days` of the wallet's recorded intents in `db` (a PGlite directory or a postgres:// URL). */
export async function simulateFromStore(
  ctx: Context,
  target: WalletConfig,
  opts: { db: string; days: number },
): Promise<PolicySimulation & { days: number; store: string; checkpoint: string | null }> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const { openAuditStore } = await import("./audit");
  const { store, where } = await openAuditStore(ctx, opts.db);
  try {
    const checkpoint = await store.getCheckpoint(wallet);
    if (!checkpoint) {
      throw new ConfigError(`the store ${where} holds nothing of wallet ${wallet}`, {
        fix: `index the wallet first: tierguard audit sync --db ${opts.db}`,
      });
    }
    const head = await withRetry(() => c.publicClient.getBlock({ blockTag: "latest" }));
    const fromTime = Number(head.timestamp) - opts.days * 86_400;
    const history: RecordedIntent[] = [];
    for await (const r of store.iterateIntents(wallet, { fromTime })) {
      if (!r.complete || r.tier === null || r.token === null || r.amount === null || r.recipient === null || r.category === null) continue;
      history.push({
        intentId: r.intentId,
        agentId: r.agentId,
        tier: r.tier,
        token: r.token,
        amount: r.amount,
        recipient: r.recipient,
        category: r.category,
        timestamp: r.timestamp,
      });
    }
    const sim = simulatePolicy({ wallet, target, history, tokens: await tokenFacts(ctx, target) });
    return { ...sim, days: opts.days, store: where, checkpoint: checkpoint.blockNumber.toString() };
  } finally {
    await store.close();
  }
}
