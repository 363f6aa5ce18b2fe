/**
 * Idempotency keys and signed (gasless) intents: the key derivation the SDK documents, the EIP-712 `SignedSpend`
 * a session key signs for `spendSigned`, and its JSON form between an agent and a relayer.
 */
import { isHex, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { InvalidInputError } from "./errors";
import { walletDomain } from "./signing";

/** A payment intent as a session key signs it (EIP-712 `SignedSpend`, the wallet's domain). */
export interface SignedSpend {
  token: Address;
  /** in the token's smallest unit */
  amount: bigint;
  recipient: Address;
  category: number;
  /** signed as its keccak256 hash (EIP-712 `string`), at most 512 bytes */
  justification: string;
  /** the replay guard: the wallet submits an intent at most once per (agent, key) */
  idempotencyKey: Hex;
  /** last second it may be submitted (inclusive, unix seconds) */
  deadline: bigint;
}

/** What an agent hands a relayer: the intent, the session key that signed it and its signature. */
export interface SignedIntent {
  wallet: Address;
  chainId: number;
  key: Address;
  intent: SignedSpend;
  signature: Hex;
}

export const signedSpendTypes = {
  SignedSpend: [
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "recipient", type: "address" },
    { name: "category", type: "uint8" },
    { name: "justification", type: "string" },
    { name: "idempotencyKey", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export function signedSpendTypedData(p: { chainId: number; wallet: Address; intent: SignedSpend }) {
  return {
    domain: walletDomain(p.chainId, p.wallet),
    types: signedSpendTypes,
    primaryType: "SignedSpend" as const,
    message: p.intent,
  };
}

/** Prefix of keys derived from a request id, so that they never equal a key derived from another string. */
export const REQUEST_ID_PREFIX = "tierguard:request:";

/**
 * The on-chain idempotency key (bytes32) for an `authorize` call:
 * - `idempotencyKey` given as 32-byte hex: used as is; any other string: keccak256 of its UTF-8 bytes;
 * - else `requestId` given: keccak256(UTF-8 of `"tierguard:request:" + requestId`);
 * - else undefined (no key).
 * The same input always gives the same key, so a retry (after a timeout, a crash or a restart) finds the
 * first intent instead of paying twice.
 */
export function idempotencyKeyOf(p: { idempotencyKey?: string; requestId?: string }): Hex | undefined {
  if (p.idempotencyKey !== undefined) {
    if (typeof p.idempotencyKey !== "string" || p.idempotencyKey.length === 0)
      throw new InvalidInputError("idempotencyKey", "must be a non-empty string", "Pass a string naming this payment request.");
    const key = isHex(p.idempotencyKey) && p.idempotencyKey.length === 66 ? p.idempotencyKey : keccak256(stringToBytes(p.idempotencyKey));
    if (BigInt(key) === 0n) throw new InvalidInputError("idempotencyKey", "is zero", "Use a key that names this payment request.");
    return key;
  }
  if (p.requestId !== undefined) {
    if (typeof p.requestId !== "string" || p.requestId.length === 0)
      throw new InvalidInputError("requestId", "must be a non-empty string");
    return keccak256(stringToBytes(REQUEST_ID_PREFIX + p.requestId));
  }
  return undefined;
}

/** The JSON form of a signed intent (bigints as decimal strings). */
export function signedIntentToJson(s: SignedIntent) {
  return {
    ...s,
    intent: { ...s.intent, amount: s.intent.amount.toString(), deadline: s.intent.deadline.toString() },
  };
}
export type SignedIntentJson = ReturnType<typeof signedIntentToJson>;
