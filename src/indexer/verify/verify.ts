/**
 * Checks an indexer against the chain (and `reconcile.ts` what the chain attests beyond its views: intent
 * sequences, owner-action nonces, balances, sampled blocks and their logs): rebuilds the wallet's state at a block from the stored logs alone
 * (`loadState`) and compares it with the contract's views read at the SAME block: `settings()`, `owners()`,
 * `tierRules(t)`, `budget(t)` (max, period), `tokens()` / `tokenConfig()`, `recipientList()` /
 * `recipientTrust()`, `sessionKeys()` / `sessionKey()`, `categoryName(i)` for every id, `isGuardian` for every
 * guardian the logs name, and `intentStatus(id)` / `approvals(id)` for every intent the logs know.
 *
 * A difference means the store misses or holds a wrong log (or the rebuild is wrong): a healthy indexer gets
 * none at any block it has synced.
 */
import { type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { IndexerStoreError } from "../errors";
import type { Store, StoredLog } from "../store/types";
import { mapLimit } from "../sync/rpc";
import { reconcile, type VerifyCheck } from "./reconcile";
import { CONFIG_EVENTS, buildState, type WalletState } from "../model/state";

export interface VerifyOptions {
  publicClient: PublicClient;
  wallet: Address;
  store: Store;
  /** the block to compare at (default: the store's checkpoint) */
  blockNumber?: bigint;
  /** parallel view calls (default 16) */
  concurrency?: number;
}

/** One thing the rebuilt state and the contract disagree on. */
export interface Difference {
  /** what differs, e.g. `settings.policyVersion`, `owners`, `tierRules(1).maxValue`, `approvals(0x…)` */
  what: string;
  /** the value rebuilt from the stored events */
  expected: unknown;
  /** the value the contract's view returns at the same block */
  actual: unknown;
  /** one line: `what: events say X, contract says Y` */
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  blockNumber: bigint;
  differences: Difference[];
  /** number of values compared */
  checked: number;
  /** what was checked, with counts (configuration views, intents, sequences, owner actions, balances, blocks) */
  checks: VerifyCheck[];
  /** the state rebuilt from the events */
  state: WalletState;
}

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v);
const lower = (a: string) => a.toLowerCase();
const sortedLower = (xs: readonly string[]) => xs.map(lower).sort();

/** The lifecycle events that decide an intent, move money or annotate a payment: few, whatever the history's size. */
const DECISION_EVENTS = [
  "IntentExecuted",
  "IntentVetoed",
  "IntentRejected",
  "IntentExpired",
  "IntentRefused",
  "X402AuthorizationRecorded",
] as const;
const closes = (l: StoredLog) => l.event !== "X402AuthorizationRecorded" && (l.event !== "IntentRefused" || l.args.closed === true || l.args.closed === "true");

/**
 * Intents submitted as supervised or collaborative at or before the block (rows of the materialised intents
 * table) and not closed by then (by the stored decision logs).
 */
async function openIntentIds(store: Store, wallet: Address, blockNumber: bigint, decisions: readonly StoredLog[]): Promise<Hex[]> {
  const { rows } = await store.db.query<{ intent_id: Hex }>(
    `SELECT intent_id FROM intents
      WHERE address = $1 AND complete AND tier IN ('supervised', 'collaborative') AND block_number <= $2
      ORDER BY block_number, log_index`,
    [wallet.toLowerCase(), blockNumber.toString()],
  );
  const closed = new Set(decisions.filter(closes).map((l) => String(l.intentId).toLowerCase()));
  return rows.map((r) => r.intent_id).filter((id) => !closed.has(id.toLowerCase()));
}

/** Compares the state rebuilt from the store's logs at `blockNumber` with the contract's views at that block. */
export async function verify(opts: VerifyOptions): Promise<VerifyResult> {
  const { publicClient, wallet, store } = opts;
  const checkpoint = await store.getCheckpoint(wallet);
  const blockNumber = opts.blockNumber ?? checkpoint?.blockNumber;
  if (blockNumber === undefined) {
    throw new IndexerStoreError(`the store has no checkpoint for ${wallet}`, {
      fix: "Sync the wallet (syncOnce) before verifying it, or give blockNumber.",
    });
  }
  const differences: Difference[] = [];
  let checked = 0;
  const compare = (what: string, expected: unknown, actual: unknown, equal?: boolean) => {
    checked++;
    const same = equal ?? show(expected) === show(actual);
    if (!same) {
      differences.push({
        what,
        expected,
        actual,
        message: `${what}: events say ${show(expected)}, contract says ${show(actual)}`,
      });
    }
  };

  // The store must cover the block, and hold the chain's version of it.
  if (!checkpoint || checkpoint.blockNumber < blockNumber) {
    compare("checkpoint", blockNumber, checkpoint?.blockNumber ?? null, false);
    differences[differences.length - 1].message =
      `checkpoint: the store is synced up to block ${checkpoint?.blockNumber ?? "none"}, below block ${blockNumber}`;
  }
  const stored = await store.getBlock(blockNumber);
  if (stored) {
    const chain = await publicClient.getBlock({ blockNumber });
    compare(`block(${blockNumber}).hash`, lower(stored.hash), lower(chain.hash ?? ""));
  }
  // Rebuilt from what the store holds up to the block (all of it when the store is behind: the checkpoint
  // difference above says why the rest differs): the configuration, and the intents still open at the block
  // (closed ones are reconciled in SQL by `reconcile`, so memory does not grow with the history).
  // The configuration logs come from the index of logs without an intent id; the decisions (few) from one pass.
  const config = await store.logs(wallet, { toBlock: blockNumber, withoutIntent: true, events: CONFIG_EVENTS });
  const decisions = await store.logs(wallet, { toBlock: blockNumber, events: DECISION_EVENTS });
  const open = await openIntentIds(store, wallet, blockNumber, decisions);
  const openLogs = open.length > 0 ? await store.logs(wallet, { toBlock: blockNumber, intentIds: open }) : [];
  const seen = new Set<string>();
  const logs = [...config, ...decisions.filter((l) => l.event === "IntentVetoed"), ...openLogs]
    .filter((l) => {
      const k = `${l.txHash}:${l.logIndex}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  const state = buildState(logs, { wallet, blockNumber });

  const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
    publicClient.readContract({
      address: wallet,
      abi: tierGuardWalletAbi,
      functionName,
      args,
      blockNumber,
    } as never) as Promise<T>;
  const limit = opts.concurrency ?? 16;

  type Settings = {
    paused: boolean;
    threshold: number;
    ownerCount: number;
    unmatchedTier: number;
    prohibitedTrust: number;
    budgetTiers: number;
    autoPromote: boolean;
    policyVersion: number;
    categories: bigint;
    prohibitedCategories: bigint;
  };
  type Rules = {
    categories: bigint;
    maxValue: bigint;
    maxCount: number;
    period: number;
    window: number;
    grace: number;
    minTrust: number;
  };
  type TokenCfg = { kind: number; decimals: number; priceDecimals: number; maxStaleness: number; source: bigint };

  const [settings, owners, rules, budgets, tokens, recipients, keys, names] = await Promise.all([
    read<Settings>("settings"),
    read<readonly Address[]>("owners"),
    Promise.all([0, 1, 2].map((t) => read<Rules>("tierRules", [t]))),
    Promise.all([0, 1, 2].map((t) => read<{ max: bigint; period: number }>("budget", [t]))),
    read<readonly Address[]>("tokens"),
    read<readonly Address[]>("recipientList"),
    read<readonly Address[]>("sessionKeys"),
    mapLimit(
      Array.from({ length: 64 }, (_, i) => i),
      limit,
      (i) => read<Hex>("categoryName", [i]),
    ),
  ]);

  // settings()
  const definedMask = state.categories.reduce((m, c) => m | (1n << BigInt(c.id)), 0n);
  const budgetTiers = state.budgets.reduce((m, b, t) => (b.max > 0n ? m | (1 << t) : m), 0);
  const s: Record<string, unknown> = {
    paused: state.paused,
    threshold: state.threshold,
    ownerCount: state.owners.length,
    unmatchedTier: state.unmatchedTier,
    prohibitedTrust: state.prohibitions.trustMask,
    budgetTiers,
    autoPromote: state.autoPromote,
    policyVersion: state.policyVersion,
    categories: definedMask,
    prohibitedCategories: state.prohibitions.categories,
  };
  for (const [k, v] of Object.entries(s)) {
    const actual = (settings as unknown as Record<string, unknown>)[k];
    compare(`settings.${k}`, v, typeof v === "bigint" ? BigInt(actual as bigint) : actual);
  }

  // owners(): slot order on both sides
  compare("owners", state.owners.map(lower), owners.map(lower));

  // tierRules(t), budget(t)
  for (const t of [0, 1, 2]) {
    for (const f of ["categories", "maxValue", "maxCount", "period", "window", "grace", "minTrust"] as const) {
      const e = state.tierRules[t][f];
      const a = rules[t][f];
      compare(`tierRules(${t}).${f}`, e, typeof e === "bigint" ? BigInt(a) : Number(a));
    }
    compare(`budget(${t}).max`, state.budgets[t].max, BigInt(budgets[t].max));
    compare(`budget(${t}).period`, state.budgets[t].period, Number(budgets[t].period));
  }

  // tokens(), tokenConfig(token) for every token either side knows
  compare("tokens", sortedLower(state.tokens.map((x) => x.token)), sortedLower(tokens));
  const tokenSet = new Map<string, Address>();
  for (const a of [...state.tokensSeen, ...tokens]) tokenSet.set(lower(a), a);
  const tokenCfgs = await mapLimit([...tokenSet.values()], limit, (a) => read<TokenCfg>("tokenConfig", [a]));
  [...tokenSet.values()].forEach((a, i) => {
    const e = state.tokens.find((x) => lower(x.token) === lower(a))?.config ?? {
      kind: 0,
      decimals: 0,
      priceDecimals: 0,
      maxStaleness: 0,
      source: 0n,
    };
    const c = tokenCfgs[i];
    compare(`tokenConfig(${a})`, e, {
      kind: Number(c.kind),
      decimals: Number(c.decimals),
      priceDecimals: Number(c.priceDecimals),
      maxStaleness: Number(c.maxStaleness),
      source: BigInt(c.source),
    });
  });

  // recipientList(), recipientTrust(r) for every recipient either side names
  compare("recipientList", sortedLower(state.recipients.map((r) => r.recipient)), sortedLower(recipients));
  const recipientSet = new Map<string, Address>();
  for (const a of [...state.recipientsSeen, ...recipients]) recipientSet.set(lower(a), a);
  const trusts = await mapLimit([...recipientSet.values()], limit, (a) => read<number>("recipientTrust", [a]));
  [...recipientSet.values()].forEach((a, i) => {
    const e = state.recipients.find((r) => lower(r.recipient) === lower(a))?.trust ?? 0;
    compare(`recipientTrust(${a})`, e, Number(trusts[i]));
  });

  // sessionKeys(), sessionKey(k) for every key either side names
  compare("sessionKeys", sortedLower(state.sessionKeys.map((k) => k.key)), sortedLower(keys));
  const keySet = new Map<string, Address>();
  for (const a of [...state.keysSeen, ...keys]) keySet.set(lower(a), a);
  const grants = await mapLimit([...keySet.values()], limit, (a) =>
    read<{ agentId: Hex; validUntil: number }>("sessionKey", [a]),
  );
  [...keySet.values()].forEach((a, i) => {
    const k = state.sessionKeys.find((x) => lower(x.key) === lower(a));
    const e = k
      ? { agentId: lower(k.agentId), validUntil: k.validUntil }
      : { agentId: `0x${"0".repeat(64)}`, validUntil: 0 };
    compare(`sessionKey(${a})`, e, { agentId: lower(grants[i].agentId), validUntil: Number(grants[i].validUntil) });
  });

  // categoryName(i) for all 64 ids
  const zero = `0x${"0".repeat(64)}`;
  for (let i = 0; i < 64; i++) {
    const e = state.categories.find((c) => c.id === i)?.name ?? zero;
    compare(`categoryName(${i})`, lower(e), lower(names[i]));
  }

  // isGuardian for every address a GuardianSet named
  const guardianFlags = await mapLimit(state.guardiansSeen, limit, (a) => read<boolean>("isGuardian", [a]));
  state.guardiansSeen.forEach((a, i) => {
    compare(
      `isGuardian(${a})`,
      state.guardians.some((g) => lower(g) === lower(a)),
      guardianFlags[i],
    );
  });

  // intentStatus(id), approvals(id) for every intent open at the block
  const viewsChecked = checked;
  const known = state.intents.filter((t) => t.complete && t.contractStatus !== 0);
  const onChain = await mapLimit(known, limit, async (t) => {
    const [status, approvals] = await Promise.all([
      read<number>("intentStatus", [t.intentId]),
      read<readonly Address[]>("approvals", [t.intentId]),
    ]);
    return { status: Number(status), approvals };
  });
  known.forEach((t, i) => {
    compare(`intentStatus(${t.intentId})`, t.contractStatus, onChain[i].status);
    compare(`approvals(${t.intentId})`, sortedLower(t.approvals), sortedLower(onChain[i].approvals));
  });

  const checks: VerifyCheck[] = [
    {
      name: "configuration views",
      count: viewsChecked,
      detail: "settings, owners, tier rules, budgets, tokens, recipients, session keys, categories, guardians",
    },
    { name: "open intents", count: known.length, detail: "intentStatus(id) and approvals(id) of every intent open at the block" },
  ];
  const r = await reconcile({ publicClient, wallet, store, blockNumber, concurrency: limit, decisions });
  checks.push(...r.checks);
  for (const c of r.checks) checked += c.count;
  differences.push(...r.findings);

  return { ok: differences.length === 0, blockNumber, differences, checked, checks, state };
}
