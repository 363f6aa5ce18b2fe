/**
 * `authorizeToReceiptMsP50`: wall-clock time from calling the agent client's `authorize` to having its decoded
 * result (transaction sent, receipt received, IntentSubmitted decoded, block read). Deploys nothing: it runs
 * against a wallet that is already configured and funded, with a granted agent key.
 */
import {
  createWalletClient,
  custom,
  type Account,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createAgentClient, type AuthorizeResult } from "./agent";
import { InvalidInputError } from "./errors";
import type { AnyWalletClient } from "./tx";

export interface AuthorizeLatencyOptions {
  publicClient: PublicClient;
  wallet: Address;
  /** the agent's session key: a private key or a local account (or pass `walletClient`) */
  agentKey?: Hex | LocalAccount;
  walletClient?: AnyWalletClient;
  /** what to authorize on every sample (e.g. a small autonomous payment) */
  token: Address;
  recipient: Address;
  category: number | string;
  /** decimal string in the token's units (default "0.02") */
  amount?: string;
  categories?: Record<string, number>;
  /** measured samples (default 20) */
  samples?: number;
  /** unmeasured warm-up calls (default 2) */
  warmup?: number;
  justification?: string;
}

export interface AuthorizeLatencyResult {
  authorizeToReceiptMsP50: number;
  authorizeToReceiptMsP95: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
  /** tiers the measured intents got (they should all be the same) */
  tiers: Record<string, number>;
}

const percentile = (sorted: number[], p: number) => {
  if (!sorted.length) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
};

export async function measureAuthorizeLatency(opts: AuthorizeLatencyOptions): Promise<AuthorizeLatencyResult> {
  let walletClient = opts.walletClient;
  if (!walletClient) {
    if (!opts.agentKey) throw new InvalidInputError("agentKey", "pass the agent's key or a wallet client");
    const account: Account = typeof opts.agentKey === "string" ? privateKeyToAccount(opts.agentKey) : opts.agentKey;
    walletClient = createWalletClient({
      account,
      chain: opts.publicClient.chain,
      transport: custom({ request: (args) => opts.publicClient.request(args as never) }),
    }) as AnyWalletClient;
  }
  const agent = createAgentClient({
    publicClient: opts.publicClient,
    walletClient,
    wallet: opts.wallet,
    token: opts.token,
    categories: opts.categories,
  });
  const params = {
    amount: opts.amount ?? "0.02",
    category: opts.category,
    recipient: opts.recipient,
    justification: opts.justification ?? "latency benchmark",
  };
  for (let i = 0; i < (opts.warmup ?? 2); i++) await agent.authorize(params);
  const samplesMs: number[] = [];
  const tiers: Record<string, number> = {};
  for (let i = 0; i < (opts.samples ?? 20); i++) {
    const t0 = performance.now();
    const r: AuthorizeResult = await agent.authorize(params);
    samplesMs.push(performance.now() - t0);
    tiers[r.tier] = (tiers[r.tier] ?? 0) + 1;
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    authorizeToReceiptMsP50: percentile(sorted, 50),
    authorizeToReceiptMsP95: percentile(sorted, 95),
    meanMs: samplesMs.reduce((a, b) => a + b, 0) / (samplesMs.length || 1),
    minMs: sorted[0] ?? NaN,
    maxMs: sorted[sorted.length - 1] ?? NaN,
    samplesMs,
    tiers,
  };
}
