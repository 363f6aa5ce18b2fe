/**
 * The sync reads `IntentSubmitted` (nine in ten of a busy wallet's logs) by position instead of through the generic ABI
 * decoder: the same values as viem's `decodeEventLog` on random logs, and anything but the canonical encoding is left
 * to the generic decoder.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { decodeSubmitted } from "../../src/indexer/store/decode";

const DATA = [{ type: "address" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }] as const;
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => bytesToHex(b));
const uint = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
/** the justification: any text, or any bytes (the ABI layout of `bytes` is the layout of `string`: invalid UTF-8 too) */
const justification = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 80 }).map((s) => ({ type: "string" as const, value: s as string | Hex })),
  fc.uint8Array({ maxLength: 90 }).map((b) => ({ type: "bytes" as const, value: bytesToHex(b) as string | Hex })),
);

function encode(f: { intentId: Hex; agentId: Hex; recipient: Hex; key: Hex; token: Hex; amount: bigint; details: bigint; j: { type: "string" | "bytes"; value: string | Hex } }) {
  const topics = encodeEventTopics({
    abi: tierGuardWalletAbi,
    eventName: "IntentSubmitted",
    args: { intentId: f.intentId, agentId: f.agentId, recipient: f.recipient },
  }) as Hex[];
  const data = encodeAbiParameters([...DATA, { type: f.j.type }], [f.key, f.token, f.amount, f.details, f.j.value] as never);
  return { topics, data };
}
const submitted = fc.record({
  intentId: bytes(32),
  agentId: bytes(32),
  recipient: bytes(20),
  key: bytes(20),
  token: bytes(20),
  amount: uint,
  details: uint,
  j: justification,
});

describe("IntentSubmitted read by position", () => {
  it("gives the values viem's decodeEventLog gives (addresses in lower case)", () => {
    fc.assert(
      fc.property(submitted, (f) => {
        const { topics, data } = encode(f);
        const a = decodeEventLog({ abi: tierGuardWalletAbi, topics: topics as [Hex, ...Hex[]], data, strict: true }).args as Record<string, unknown>;
        const lower = (x: unknown) => String(x).toLowerCase();
        expect(decodeSubmitted(topics, data)).toEqual({
          intentId: lower(a.intentId),
          agentId: lower(a.agentId),
          recipient: lower(a.recipient),
          key: lower(a.key),
          token: lower(a.token),
          amount: a.amount,
          details: a.details,
          justification: a.justification,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("leaves every other encoding to the generic decoder", () => {
    const f = fc.sample(submitted, { numRuns: 1, seed: 7 })[0];
    const { topics, data } = encode({ ...f, j: { type: "string", value: "gpu hours" } });
    expect(decodeSubmitted(topics, data)).toBeDefined();
    const word = (n: bigint) => n.toString(16).padStart(64, "0");
    const other = encodeEventTopics({ abi: tierGuardWalletAbi, eventName: "IntentApproved", args: {} })[0];
    for (const [why, t, d] of [
      ["another event", [other, ...topics.slice(1)], data],
      ["a topic missing", topics.slice(0, 3), data],
      ["a short topic", [...topics.slice(0, 3), "0x01"], data],
      ["a word missing", topics, data.slice(0, -64)],
      ["a word too many", topics, `${data}${word(0n)}`],
      ["the string elsewhere", topics, `${data.slice(0, 2 + 4 * 64)}${word(0xc0n)}${word(0n)}${data.slice(2 + 5 * 64)}`],
      ["a length past the data", topics, `${data.slice(0, 2 + 5 * 64)}${word(2n ** 255n)}${data.slice(2 + 6 * 64)}`],
      ["not hex", topics, `${data.slice(0, -2)}zz`],
    ] as const) {
      expect(decodeSubmitted(t as readonly string[], d), why).toBeUndefined();
    }
  });
});
