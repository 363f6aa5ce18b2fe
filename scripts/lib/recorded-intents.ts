/**
 * A wallet's intent history as the indexer stores it, without sending it: `IntentSubmitted` / `IntentExecuted` /
 * `IntentVetoed` logs ABI-encoded exactly as the contract emits them (topics, data and the decoded arguments),
 * one intent per block. Sending 100,000 real payments would take a local node most of an hour; the console's
 * benchmark and its start-up test record them in the store instead.
 *
 * The mix: autonomous payments, blocked attempts, supervised and collaborative intents decided long ago
 * (executed, one in sixteen vetoed), and the last `waiting` intents still open (even: supervised in their veto
 * window for an hour; odd: collaborative, approvable for four hours).
 */
import {
  encodeAbiParameters,
  getAbiItem,
  keccak256,
  numberToHex,
  pad,
  toEventSelector,
  type Address,
  type Hex,
} from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import type { StoredLog } from "../../src/indexer";

const SUBMITTED_DATA = [{ type: "address" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "string" }] as const;

/** `IntentSubmitted.details` (the layout in ITierGuardWallet's NatSpec). */
function details(p: { category: number; tier: number; value: bigint; notBefore: number; deadline: number; policyVersion: number }): bigint {
  return (
    BigInt(p.category) |
    (BigInt(p.policyVersion) << 32n) |
    (BigInt(p.notBefore) << 64n) |
    (BigInt(p.deadline) << 104n) |
    (BigInt(p.tier) << 144n) |
    (p.value << 160n)
  );
}

const selector = (name: string) => toEventSelector(getAbiItem({ abi: tierGuardWalletAbi, name } as never) as never);
const SEL = { submitted: selector("IntentSubmitted"), executed: selector("IntentExecuted"), vetoed: selector("IntentVetoed") };
const word = (x: Hex) => pad(x, { size: 32 });

type Base = { wallet: Address; blockNumber: bigint; txHash: Hex; timestamp: number };

function logOf(base: Base, logIndex: number, event: string, intentId: Hex, topics: Hex[], data: Hex, args: Record<string, unknown>): StoredLog {
  return {
    address: base.wallet,
    blockNumber: base.blockNumber,
    blockHash: keccak256(numberToHex(base.blockNumber)),
    txHash: base.txHash,
    txIndex: 0,
    logIndex,
    event,
    intentId,
    args,
    topics,
    data,
    timestamp: base.timestamp,
  };
}

export interface RecordedIntents {
  wallet: Address;
  /** the agent's id (bytes32) and session key */
  agentId: Hex;
  agentKey: Address;
  token: Address;
  /** recipients, used in turn */
  recipients: readonly Address[];
  /** owners[0] vetoes, owners[1] executes */
  owners: readonly Address[];
  /** the block of the first intent (intent i is in block first + i) */
  firstBlock: bigint;
  total: number;
  /** the last `waiting` intents are still open */
  waiting: number;
  /** chain time now (unix seconds): intent i was submitted (total - i) * 12 s before */
  now: number;
}

/** The intent id of the agent's `nonce`-th intent (agent id in the high bits, nonce in the low 40). */
export const recordedIntentId = (agentId: Hex, nonce: number): Hex => pad(numberToHex(BigInt(agentId) | BigInt(nonce)), { size: 32 });

/** An owner's veto of `intentId` as stored (`IntentVetoed`, no budget released). */
export function recordedVeto(base: Base, logIndex: number, intentId: Hex, by: Address): StoredLog {
  const d = encodeAbiParameters([{ type: "uint64" }], [0n]);
  return logOf(base, logIndex, "IntentVetoed", intentId, [SEL.vetoed, intentId, word(by)], d, { intentId, by, budgetReleased: "0" });
}

/** The stored logs of `p.total` intents, in chain order. */
export function recordIntents(p: RecordedIntents): StoredLog[] {
  const logs: StoredLog[] = [];
  const { wallet, now } = p;
  for (let i = 0; i < p.total; i++) {
    const blockNumber = p.firstBlock + BigInt(i);
    const ts = now - (p.total - i) * 12;
    const intentId = recordedIntentId(p.agentId, i);
    const txHash = keccak256(numberToHex(i, { size: 32 }));
    const waiting = i >= p.total - p.waiting;
    const kind = waiting ? (i % 2 === 0 ? 1 : 2) : [0, 0, 0, 0, 0, 3, 1, 2][i % 8];
    const value = [20_000n, 47_000_000n, 89_000_000n, 10_000_000n][kind];
    const notBefore = kind === 1 ? (waiting ? now + 3600 : ts + 30) : ts;
    const deadline = kind === 1 ? notBefore + 3600 : kind === 2 ? (waiting ? now + 4 * 3600 : ts + 4 * 3600) : 0;
    const base = { wallet, blockNumber, txHash, timestamp: ts };
    const recipient = p.recipients[i % p.recipients.length];
    const det = details({ category: [0, 1, 2, 3][kind], tier: kind, value, notBefore, deadline, policyVersion: 1 });
    const justification = `recorded intent ${i}`;
    const data = encodeAbiParameters(SUBMITTED_DATA, [p.agentKey, p.token, value, det, justification]);
    logs.push(
      logOf(base, 0, "IntentSubmitted", intentId, [SEL.submitted, intentId, p.agentId, word(recipient)], data, {
        intentId,
        agentId: p.agentId,
        recipient,
        key: p.agentKey,
        token: p.token,
        amount: value.toString(),
        details: det.toString(),
        justification,
      }),
    );
    if (!waiting && (kind === 1 || kind === 2)) {
      if (i % 16 === 6) logs.push(recordedVeto(base, 1, intentId, p.owners[0]));
      else logs.push(logOf(base, 1, "IntentExecuted", intentId, [SEL.executed, intentId, word(p.owners[1])], "0x", { intentId, by: p.owners[1] }));
    }
  }
  return logs;
}
