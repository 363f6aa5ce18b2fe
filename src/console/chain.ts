/**
 * What the console reads live from the chain (what no event holds): the head and its time, the wallet's
 * balances per accepted token, and the budgets' use in their current windows. Read at most once per `ttlMs`
 * and shared by every request; a failed read keeps the last good values and reports the error (the banner).
 */
import { erc20Abi, zeroAddress, type Address, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";

export interface TokenMeta {
  token: Address;
  symbol: string;
  decimals: number;
}

export interface BudgetUse {
  tier: "autonomous" | "supervised" | "collaborative";
  /** reference units per window (0: no budget) */
  max: bigint;
  period: number;
  windowStart: number;
  /** counted in the current window (0 when the window has rolled over) */
  spent: bigint;
}

export interface ChainSnapshot {
  /** when the snapshot was read (ms since epoch, server clock) */
  readAt: number;
  head: bigint | null;
  /** the head block's timestamp (unix seconds): countdowns run on chain time */
  headTime: number | null;
  /** when this head was first seen (ms since epoch, server clock): chain time advances from there */
  headSeenAt: number;
  balances: (TokenMeta & { balance: bigint })[];
  budgets: BudgetUse[];
  /** set when the last read failed */
  error?: string;
}

const TIERS = ["autonomous", "supervised", "collaborative"] as const;

export class ChainReader {
  private last: ChainSnapshot = { readAt: 0, head: null, headTime: null, headSeenAt: 0, balances: [], budgets: [] };
  private inflight: Promise<ChainSnapshot> | undefined;
  private meta = new Map<string, TokenMeta>();

  constructor(
    readonly publicClient: PublicClient,
    readonly wallet: Address,
    private readonly ttlMs = 2000,
  ) {}

  /** Token symbol and decimals (ETH for the zero address; the address when `symbol()` fails). */
  async tokenMeta(token: Address, decimalsHint?: number): Promise<TokenMeta> {
    const k = token.toLowerCase();
    const known = this.meta.get(k);
    if (known) return known;
    let m: TokenMeta;
    if (token === zeroAddress) m = { token, symbol: "ETH", decimals: 18 };
    else {
      const [symbol, decimals] = await Promise.all([
        this.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }).catch(() => undefined),
        decimalsHint !== undefined
          ? Promise.resolve(decimalsHint)
          : this.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }).catch(() => 18),
      ]);
      m = { token, symbol: symbol ?? `${token.slice(0, 8)}…`, decimals: Number(decimals) };
    }
    this.meta.set(k, m);
    return m;
  }

  /** The latest snapshot, re-read when older than the TTL. */
  snapshot(tokens: readonly { token: Address; decimals?: number }[]): Promise<ChainSnapshot> {
    if (Date.now() - this.last.readAt < this.ttlMs) return Promise.resolve(this.last);
    if (!this.inflight) {
      this.inflight = this.read(tokens).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async read(tokens: readonly { token: Address; decimals?: number }[]): Promise<ChainSnapshot> {
    try {
      const block = await this.publicClient.getBlock({ blockTag: "latest" });
      const [balances, budgets] = await Promise.all([
        Promise.all(
          tokens.map(async ({ token, decimals }) => {
            const meta = await this.tokenMeta(token, decimals);
            const balance =
              token === zeroAddress
                ? await this.publicClient.getBalance({ address: this.wallet, blockNumber: block.number })
                : await this.publicClient.readContract({
                    address: token,
                    abi: erc20Abi,
                    functionName: "balanceOf",
                    args: [this.wallet],
                    blockNumber: block.number,
                  });
            return { ...meta, balance };
          }),
        ),
        Promise.all(
          TIERS.map(async (tier, i): Promise<BudgetUse> => {
            const b = await this.publicClient.readContract({
              address: this.wallet,
              abi: tierGuardWalletAbi,
              functionName: "budget",
              args: [i],
              blockNumber: block.number,
            });
            const rolled = b.period > 0 && Number(block.timestamp) >= Number(b.windowStart) + Number(b.period);
            return {
              tier,
              max: BigInt(b.max),
              period: Number(b.period),
              windowStart: Number(b.windowStart),
              spent: rolled ? 0n : BigInt(b.spent),
            };
          }),
        ),
      ]);
      // A chain that mines only on demand (a dev node) keeps its head for long: its time still runs.
      const headSeenAt = block.number === this.last.head ? this.last.headSeenAt : Date.now();
      this.last = { readAt: Date.now(), head: block.number, headTime: Number(block.timestamp), headSeenAt, balances, budgets };
    } catch (e) {
      this.last = { ...this.last, readAt: Date.now(), error: (e as Error).message.split("\n")[0] };
    }
    return this.last;
  }
}
