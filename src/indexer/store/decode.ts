/**
 * A stored log's arguments decoded again from its topics and data, as the sync stores them (`jsonSafe`: bigints as
 * decimal strings). The submissions, kept in their intents' rows, store no decoded arguments: they are read back here.
 */
import { decodeEventLog, encodeEventTopics, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { jsonSafe } from "./sql";

export function decodeStoredArgs(topics: readonly Hex[], data: Hex): Record<string, unknown> {
  const d = decodeEventLog({ abi: tierGuardWalletAbi, data, topics: topics as [Hex, ...Hex[]], strict: true });
  return jsonSafe(d.args ?? {}) as Record<string, unknown>;
}

/** Makes `log.args` decoded on first read (and settable), an enumerable field like any other. */
export function lazyArgs(log: { args: Record<string, unknown> }, decode: () => Record<string, unknown>): void {
  let args: Record<string, unknown> | undefined;
  Object.defineProperty(log, "args", {
    enumerable: true,
    configurable: true,
    get: () => (args ??= decode()),
    set: (v: Record<string, unknown>) => void (args = v),
  });
}

/** The fields of an `IntentSubmitted` log, addresses and ids in lower case (what the intents table stores). */
export interface SubmittedFields {
  intentId: Hex;
  agentId: Hex;
  recipient: Hex;
  key: Hex;
  token: Hex;
  amount: bigint;
  details: bigint;
  justification: string;
}

const SUBMITTED_TOPIC = encodeEventTopics({ abi: tierGuardWalletAbi, eventName: "IntentSubmitted" })[0].toLowerCase();
/** head: five 32-byte words (key, token, amount, details, the justification's offset) and the string's length */
const HEAD_CHARS = 2 + 6 * 64;
const utf8 = new TextDecoder();

/**
 * `IntentSubmitted` decoded by position: the event has one fixed layout (three indexed words; key, token, amount,
 * details and one string in the data), and the generic ABI decoder costs about 50 µs a log, mostly checksumming the
 * addresses that the intents table stores in lower case anyway. Only the canonical encoding is read here (four
 * topics, the string at offset 0xa0, the data exactly as long as its padded length says); anything else returns
 * undefined and goes to the generic decoder, which accepts or rejects it. The same values as viem's
 * `decodeEventLog` (addresses aside, in lower case): `indexer-decode.test.ts` checks both on random logs.
 */
export function decodeSubmitted(topics: readonly string[], data: string): SubmittedFields | undefined {
  if (topics.length !== 4 || topics[0].toLowerCase() !== SUBMITTED_TOPIC) return undefined;
  if (topics.some((t) => t.length !== 66) || data.length < HEAD_CHARS || !/^0x[0-9a-fA-F]*$/.test(data)) return undefined;
  const word = (i: number) => data.slice(2 + i * 64, 2 + (i + 1) * 64);
  if (BigInt(`0x${word(4)}`) !== 0xa0n) return undefined;
  const length = BigInt(`0x${word(5)}`);
  if (length > BigInt(data.length)) return undefined;
  const n = Number(length);
  if (data.length !== HEAD_CHARS + Math.ceil(n / 32) * 64) return undefined;
  const address = (w: string) => `0x${w.slice(24).toLowerCase()}` as Hex;
  return {
    intentId: topics[1].toLowerCase() as Hex,
    agentId: topics[2].toLowerCase() as Hex,
    recipient: address(topics[3].slice(2)),
    key: address(word(0)),
    token: address(word(1)),
    amount: BigInt(`0x${word(2)}`),
    details: BigInt(`0x${word(3)}`),
    justification: utf8.decode(Buffer.from(data.slice(HEAD_CHARS, HEAD_CHARS + n * 2), "hex")),
  };
}

/** Submissions already read by position, by log object: the sync reads a range's once, the intents table reuses them. */
const readSubmissions = new WeakMap<object, SubmittedFields>();

/** Remembers the fields of a submission log (`submittedOf` returns them without reading the log again). */
export function rememberSubmitted(log: object, fields: SubmittedFields): void {
  readSubmissions.set(log, fields);
}

/** A submission log's fields read by position (once per log object), or undefined for another encoding. */
export function submittedOf(log: { topics: readonly string[]; data: string }): SubmittedFields | undefined {
  return readSubmissions.get(log) ?? decodeSubmitted(log.topics, log.data);
}
