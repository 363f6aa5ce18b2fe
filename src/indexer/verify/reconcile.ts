/**
 * Reconciliations of the store against what the chain attests beyond the contract's configuration views:
 *
 * - intent sequences: each agent's intent ids are `agentId | nonce`, so the stored submissions of an agent must
 *   be exactly nonces 0 .. agentState(agent).nonce - 1 (a missing one is named by its id);
 * - owner actions: the stored `OwnerActionExecuted` nonces must be exactly 0 .. ownerNonce() - 1;
 * - balances: for every token (and ETH), the balance at the block must equal deposits - payments - withdrawals,
 *   where ERC-20 deposits are the token's own `Transfer` logs to the wallet (read from the chain), ETH deposits
 *   the stored `Deposited` events, payments the stored executed intents and withdrawals the stored `Withdrawn`;
 *   an x402 intent pays by its EIP-3009 authorization, so it is a payment once the token's `AuthorizationUsed`
 *   log shows the authorization settled (its own status says only that the wallet allowed it);
 * - sampled blocks: stored block hashes match the chain, and the logs stored for those blocks are exactly the
 *   logs the chain has for them.
 *
 * The submissions are counted and summed in SQL over the materialised intents table (written in the same
 * transaction as the logs; checked to hold one row per stored IntentSubmitted), the decisions read from the
 * logs (IntentExecuted, IntentVetoed, ...: few), the configuration and fund logs through the index of logs
 * without an intent id: memory and time do not grow with the logs' decoded arguments.
 */
import { getAddress, parseAbiItem, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { mapLimit } from "../sync/rpc";
import type { Store, StoredLog } from "../store/types";

/** One kind of record checked, and how many were compared. */
export interface VerifyCheck {
  name: string;
  count: number;
  /** what was compared, in one line */
  detail: string;
}

export interface Finding {
  what: string;
  expected: unknown;
  actual: unknown;
  message: string;
}

interface ReconcileInput {
  publicClient: PublicClient;
  wallet: Address;
  store: Store;
  blockNumber: bigint;
  concurrency: number;
  /** how many stored blocks to re-read from the chain (default 64) */
  sampleBlocks?: number;
  /** the stored IntentExecuted, IntentVetoed, ..., X402AuthorizationRecorded logs up to the block */
  decisions: readonly StoredLog[];
}

const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");
const AUTHORIZATION_USED = parseAbiItem("event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)");
const ERC20_BALANCE = [
  {
    type: "function",
    name: "balanceOf",
    stateMutability: "view",
    inputs: [{ name: "account", type: "address" }],
    outputs: [{ name: "", type: "uint256" }],
  },
] as const;
/** IntentSubmitted.details: the tier sits at bits 144..151. */
const TIER_SHIFT = (2n ** 144n).toString();
const NONCE_MASK = (1n << 40n) - 1n;
const hex32 = (x: bigint): Hex => `0x${x.toString(16).padStart(64, "0")}`;

/** Reads logs from block 0 up to `to`, halving the range when the node refuses it. */
async function readLogs<L>(get: (from: bigint, to: bigint) => Promise<L[]>, to: bigint): Promise<L[]> {
  const read = async (from: bigint, end: bigint): Promise<L[]> => {
    try {
      return await get(from, end);
    } catch (e) {
      if (end <= from) throw e;
      const mid = (from + end) / 2n;
      return [...(await read(from, mid)), ...(await read(mid + 1n, end))];
    }
  };
  return read(0n, to);
}

/** The sum of the token's Transfer logs to the wallet up to the block. */
async function depositsOf(pc: PublicClient, token: Address, wallet: Address, to: bigint): Promise<bigint> {
  const logs = await readLogs(
    (fromBlock, toBlock) => pc.getLogs({ address: token, event: TRANSFER, args: { to: wallet }, fromBlock, toBlock }),
    to,
  );
  return logs.reduce((s, l) => s + (l.args.value ?? 0n), 0n);
}

/** The EIP-3009 nonces of the wallet's authorizations the token has used (settled) up to the block. */
async function usedAuthorizations(pc: PublicClient, token: Address, wallet: Address, to: bigint): Promise<Set<string>> {
  const logs = await readLogs(
    (fromBlock, toBlock) =>
      pc.getLogs({ address: token, event: AUTHORIZATION_USED, args: { authorizer: wallet }, fromBlock, toBlock }),
    to,
  );
  return new Set(logs.map((l) => String(l.args.nonce).toLowerCase()));
}

export async function reconcile(input: ReconcileInput): Promise<{ checks: VerifyCheck[]; findings: Finding[] }> {
  const { publicClient: pc, wallet, store, blockNumber } = input;
  const db = store.db;
  const w = wallet.toLowerCase();
  const at = blockNumber.toString();
  const checks: VerifyCheck[] = [];
  const findings: Finding[] = [];
  const find = (what: string, expected: unknown, actual: unknown, message: string) =>
    findings.push({ what, expected, actual, message });
  const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
    pc.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName, args, blockNumber } as never) as Promise<T>;

  // --- intent sequences -------------------------------------------------------------------------------------
  // The submissions are counted in the materialised intents table (one row per stored IntentSubmitted, written
  // in the same transaction), after checking that it holds exactly one row per stored submission.
  const { rows: seqRows } = await db.query<{ agent: string; n: unknown; max_nonce: unknown }>(
    `SELECT substr(intent_id, 1, 56) AS agent, count(*) AS n, max(nonce) AS max_nonce
       FROM intents WHERE address = $1 AND complete AND block_number <= $2 GROUP BY 1`,
    [w, at],
  );
  const { rows: logCount } = await db.query<{ n: unknown }>(
    "SELECT count(*) AS n FROM logs WHERE address = $1 AND event = 'IntentSubmitted' AND block_number <= $2",
    [w, at],
  );
  const submittedLogs = Number(logCount[0].n);
  const submittedRows = seqRows.reduce((n, r) => n + Number(r.n), 0);
  if (submittedLogs !== submittedRows) {
    find(
      "intents",
      submittedLogs,
      submittedRows,
      `intents table: ${submittedRows} submitted intents, but the store holds ${submittedLogs} IntentSubmitted logs (the table is out of date: sync the wallet into a new store)`,
    );
  }
  const { rows: grantRows } = await db.query<{ agent: string }>(
    `SELECT DISTINCT lower(args->>'agentId') AS agent FROM logs
      WHERE address = $1 AND intent_id IS NULL AND event = 'SessionKeyGranted' AND block_number <= $2`,
    [w, at],
  );
  const agents = new Map<string, { n: bigint; max: bigint }>();
  for (const g of grantRows) agents.set(g.agent.slice(0, 56), { n: 0n, max: -1n });
  for (const r of seqRows) agents.set(r.agent, { n: BigInt(String(r.n)), max: BigInt(String(r.max_nonce)) });
  const agentList = [...agents.entries()];
  const nonces = await mapLimit(agentList, input.concurrency, async ([agent]) => {
    const s = await read<{ nonce: number | bigint }>("agentState", [`${agent}${"0".repeat(10)}`]);
    return BigInt(s.nonce);
  });
  let submissions = 0n;
  for (let i = 0; i < agentList.length; i++) {
    const [agent, stored] = agentList[i];
    const onChain = nonces[i];
    submissions += onChain;
    const agentId = `${agent}${"0".repeat(10)}` as Hex;
    if (stored.n === onChain && stored.max === onChain - 1n) continue;
    const { rows: have } = await db.query<{ nonce: unknown }>(
      `SELECT nonce FROM intents WHERE address = $1 AND complete AND block_number <= $2 AND substr(intent_id, 1, 56) = $3`,
      [w, at, agent],
    );
    const present = new Set(have.map((h) => BigInt(String(h.nonce))));
    const missing: bigint[] = [];
    for (let n = 0n; n < onChain; n++) if (!present.has(n)) missing.push(n);
    for (const n of missing.slice(0, 50)) {
      const id = hex32(BigInt(agentId) | (n & NONCE_MASK));
      find(`intent(${id})`, null, "submitted", `intent ${id} (agent ${agentId}, nonce ${n}): submitted on-chain, missing from the store`);
    }
    if (missing.length > 50) {
      find(`agent(${agentId}).intents`, stored.n, onChain, `agent ${agentId}: ${missing.length - 50} more missing intents not listed`);
    }
    for (const n of [...present].filter((x) => x >= onChain)) {
      const id = hex32(BigInt(agentId) | n);
      find(`intent(${id})`, "submitted", null, `intent ${id} (agent ${agentId}, nonce ${n}): in the store, but the agent's nonce on-chain is ${onChain}`);
    }
  }
  checks.push({
    name: "intent sequences",
    count: Number(submissions),
    detail: `${agentList.length} agent(s): stored submissions are exactly nonces 0..agentState(agent).nonce-1 (and the intents table has a row for each)`,
  });

  // --- owner actions ----------------------------------------------------------------------------------------
  const { rows: actionRows } = await db.query<{ nonce: string }>(
    `SELECT args->>'nonce' AS nonce FROM logs
      WHERE address = $1 AND intent_id IS NULL AND event = 'OwnerActionExecuted' AND block_number <= $2`,
    [w, at],
  );
  const ownerNonce = BigInt(await read<bigint>("ownerNonce"));
  const actions = new Set(actionRows.map((r) => BigInt(r.nonce)));
  for (let n = 0n; n < ownerNonce; n++) {
    if (!actions.has(n)) find(`ownerAction(${n})`, null, "executed", `owner action ${n}: executed on-chain (ownerNonce ${ownerNonce}), missing from the store`);
  }
  for (const n of actions) {
    if (n >= ownerNonce) find(`ownerAction(${n})`, "executed", null, `owner action ${n}: in the store, but ownerNonce() is ${ownerNonce}`);
  }
  checks.push({ name: "owner actions", count: Number(ownerNonce), detail: "stored OwnerActionExecuted nonces are exactly 0..ownerNonce()-1" });

  // --- balances ---------------------------------------------------------------------------------------------
  // Payments: the autonomous submissions (paid in their transaction) and the queued ones with a stored
  // IntentExecuted, summed in SQL over the intents table; x402 intents apart (below).
  const lowerIds = (event: string) => [...new Set(input.decisions.filter((l) => l.event === event).map((l) => String(l.intentId).toLowerCase()))];
  const executedIds = lowerIds("IntentExecuted");
  const recorded = input.decisions.filter((l) => l.event === "X402AuthorizationRecorded");
  const x402Ids = lowerIds("X402AuthorizationRecorded");
  const { rows: paid } = await db.query<{ token: string; total: unknown }>(
    `SELECT token, sum(amount) AS total FROM intents
      WHERE address = $1 AND complete AND block_number <= $2
        AND (tier = 'autonomous' OR intent_id = ANY($3::text[])) AND NOT (intent_id = ANY($4::text[]))
      GROUP BY token`,
    [w, at, executedIds, x402Ids],
  );
  const { rows: withdrawn } = await db.query<{ token: string; total: unknown }>(
    `SELECT lower(args->>'token') AS token, sum((args->>'amount')::numeric) AS total FROM logs
      WHERE address = $1 AND intent_id IS NULL AND event = 'Withdrawn' AND block_number <= $2 GROUP BY 1`,
    [w, at],
  );
  const { rows: deposited } = await db.query<{ total: unknown }>(
    `SELECT coalesce(sum((args->>'amount')::numeric), 0) AS total FROM logs
      WHERE address = $1 AND intent_id IS NULL AND event = 'Deposited' AND block_number <= $2`,
    [w, at],
  );
  const { rows: tokenRows } = await db.query<{ token: string }>(
    `SELECT DISTINCT lower(args->>'token') AS token FROM logs
      WHERE address = $1 AND intent_id IS NULL AND event IN ('TokenConfigured', 'TokenRemoved', 'Withdrawn') AND block_number <= $2`,
    [w, at],
  );
  // x402 payments move money only when a facilitator settles the EIP-3009 authorization the wallet recorded:
  // a recorded authorization is a payment once the token says its nonce was used, whatever the intent's status.
  const { rows: x402Submissions } = await db.query<{ intent_id: string; token: string; amount: unknown }>(
    "SELECT intent_id, token, amount FROM intents WHERE address = $1 AND complete AND intent_id = ANY($2::text[])",
    [w, x402Ids],
  );
  const submissionOf = new Map(x402Submissions.map((r) => [r.intent_id.toLowerCase(), r]));
  const x402Rows = recorded.flatMap((l) => {
    const sub = submissionOf.get(String(l.intentId).toLowerCase());
    return sub ? [{ token: sub.token, amount: sub.amount, nonce: String(l.args.nonce).toLowerCase() }] : [];
  });
  const num = (x: unknown) => BigInt(String(x ?? 0).split(".")[0]);
  const settled = new Map<string, bigint>();
  let settledCount = 0;
  for (const t of new Set(x402Rows.map((r) => r.token))) {
    const used = await usedAuthorizations(pc, getAddress(t), wallet, blockNumber);
    for (const r of x402Rows) {
      if (r.token !== t || !used.has(r.nonce)) continue;
      settled.set(t, (settled.get(t) ?? 0n) + num(r.amount));
      settledCount++;
    }
  }
  const tokens = new Set<string>([zeroAddress, ...tokenRows.map((r) => r.token), ...paid.map((r) => r.token)]);
  for (const t of await read<readonly Address[]>("tokens")) tokens.add(t.toLowerCase());
  const sumFor = (rows: { token: string; total: unknown }[], t: string) => num(rows.find((r) => r.token === t)?.total);
  const balances = await mapLimit([...tokens], input.concurrency, async (t) => {
    if (t === zeroAddress) {
      return { t, actual: await pc.getBalance({ address: wallet, blockNumber }), deposits: num(deposited[0]?.total) };
    }
    const token = getAddress(t);
    const [actual, deposits] = await Promise.all([
      pc.readContract({ address: token, abi: ERC20_BALANCE, functionName: "balanceOf", args: [wallet], blockNumber }),
      depositsOf(pc, token, wallet, blockNumber),
    ]);
    return { t, actual, deposits };
  });
  for (const b of balances) {
    const payments = sumFor(paid, b.t) + (settled.get(b.t) ?? 0n);
    const withdrawals = sumFor(withdrawn, b.t);
    const expected = b.deposits - payments - withdrawals;
    if (expected !== b.actual) {
      const name = b.t === zeroAddress ? "ETH" : getAddress(b.t);
      find(
        `balance(${name})`,
        expected,
        b.actual,
        `balance(${name}): deposits ${b.deposits} - payments ${payments} - withdrawals ${withdrawals} = ${expected}, the chain holds ${b.actual}` +
          (expected > b.actual ? " (a payment or withdrawal is missing from the store)" : " (a deposit is missing, or a stored payment did not happen)"),
      );
    }
  }
  checks.push({
    name: "balances",
    count: balances.length,
    detail: "ETH and every token: balance = deposits - payments - withdrawals (ERC-20 deposits from the token's Transfer logs)",
  });
  if (x402Rows.length > 0) {
    checks.push({
      name: "x402 authorizations",
      count: x402Rows.length,
      detail: `${settledCount} settled (the token's AuthorizationUsed logs), counted as payments; the others moved no money`,
    });
  }

  // --- sampled blocks ---------------------------------------------------------------------------------------
  const { rows: sample } = await db.query<{ number: unknown; hash: string }>(
    `SELECT number, hash FROM blocks WHERE number <= $1 ORDER BY md5(number::text) LIMIT $2`,
    [at, input.sampleBlocks ?? 64],
  );
  // The stored logs of the sampled blocks, in one query and only the columns compared (not the decoded args).
  const { rows: sampledRows } = await db.query<{ block_number: unknown; tx_hash: Hex; log_index: unknown; event: string; topics: string; data: Hex }>(
    `SELECT block_number, tx_hash, log_index, event, topics::text AS topics, data FROM logs
      WHERE address = $1 AND block_number = ANY($2::bigint[]) ORDER BY block_number, log_index`,
    [w, sample.map((r) => String(r.number))],
  );
  const storedIn = new Map<bigint, { txHash: Hex; logIndex: number; event: string; topics: Hex[]; data: Hex }[]>();
  for (const r of sampledRows) {
    const n = BigInt(String(r.block_number));
    const list = storedIn.get(n) ?? [];
    list.push({ txHash: r.tx_hash, logIndex: Number(r.log_index), event: r.event, topics: JSON.parse(r.topics) as Hex[], data: r.data });
    storedIn.set(n, list);
  }
  let sampledLogs = 0;
  await mapLimit(sample, input.concurrency, async (r) => {
    const n = BigInt(String(r.number));
    const stored = storedIn.get(n) ?? [];
    const [block, chainLogs] = await Promise.all([
      pc.getBlock({ blockNumber: n }),
      pc.getLogs({ address: wallet, fromBlock: n, toBlock: n }),
    ]);
    sampledLogs += chainLogs.length;
    if ((block.hash ?? "").toLowerCase() !== r.hash.toLowerCase()) {
      find(`block(${n}).hash`, r.hash, block.hash, `block ${n}: stored hash ${r.hash}, the chain has ${block.hash}`);
      return;
    }
    // A log matches when the other side has one at the same index with the same topics and data (hex in any case).
    const same = (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase();
    const storedAt = new Map(stored.map((l) => [l.logIndex, l]));
    const matched = new Set<number>();
    for (const l of chainLogs) {
      const s = storedAt.get(l.logIndex);
      if (s && same(s.data, l.data) && s.topics.length === l.topics.length && s.topics.every((t, i) => same(t, l.topics[i]))) {
        matched.add(l.logIndex);
      }
    }
    for (const l of chainLogs) {
      if (!matched.has(l.logIndex)) find(`log(${l.transactionHash}:${l.logIndex})`, null, "on chain", `log ${l.transactionHash}:${l.logIndex} in block ${n}: on the chain, missing or different in the store`);
    }
    for (const l of stored) {
      if (!matched.has(l.logIndex)) find(`log(${l.txHash}:${l.logIndex})`, l.event, null, `log ${l.txHash}:${l.logIndex} (${l.event}) in block ${n}: in the store, not on the chain`);
    }
  });
  checks.push({
    name: "sampled blocks",
    count: sample.length,
    detail: `stored block hashes and the ${sampledLogs} wallet log(s) of those blocks match the chain`,
  });

  return { checks, findings };
}
