/**
 * A Safe (1.3 / 1.4.1 with the CompatibilityFallbackHandler) as a TierGuard owner. A Safe does not accept an
 * ECDSA signature of the TierGuard digest itself: its `isValidSignature(digest, signature)` checks its owners'
 * signatures over the *Safe message hash* of the digest, an EIP-712 hash in the Safe's own domain:
 *
 *   SafeMessage(bytes message) with message = the 32-byte TierGuard digest,
 *   domain { chainId, verifyingContract: the Safe }
 *
 * Each Safe owner signs that (on their own machine, with eth_signTypedData); the Safe's signature is their
 * 65-byte signatures concatenated in ascending order of owner address. A Safe that approved the message
 * on-chain (SignMessageLib.signMessage through a Safe transaction) passes an empty signature instead.
 */
import {
  concatHex,
  encodeFunctionData,
  hashTypedData,
  isAddressEqual,
  recoverTypedDataAddress,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { TierGuardError } from "../errors";
import type { ContractSigner } from "../client/signing";

/** The minimal Safe ABI TierGuard needs (owners, threshold, ERC-1271 and the signed-messages map). */
export const safeAbi = [
  { type: "function", name: "getOwners", stateMutability: "view", inputs: [], outputs: [{ type: "address[]" }] },
  { type: "function", name: "getThreshold", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
  { type: "function", name: "VERSION", stateMutability: "view", inputs: [], outputs: [{ type: "string" }] },
  {
    type: "function",
    name: "signedMessages",
    stateMutability: "view",
    inputs: [{ name: "messageHash", type: "bytes32" }],
    outputs: [{ type: "uint256" }],
  },
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "dataHash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ type: "bytes4" }],
  },
] as const;

/** SignMessageLib.signMessage(bytes): the call a Safe delegate-calls to approve a message on-chain. */
export const signMessageLibAbi = [
  {
    type: "function",
    name: "signMessage",
    stateMutability: "nonpayable",
    inputs: [{ name: "_data", type: "bytes" }],
    outputs: [],
  },
] as const;

const ERC1271_MAGIC = "0x1626ba7e";

/** The EIP-712 typed data a Safe owner signs to approve `digest` on behalf of `safe`. */
export function safeMessageTypedData(p: { chainId: number; safe: Address; digest: Hex }) {
  return {
    domain: { chainId: p.chainId, verifyingContract: p.safe },
    types: { SafeMessage: [{ name: "message", type: "bytes" }] },
    primaryType: "SafeMessage" as const,
    message: { message: p.digest },
  } as const;
}

/** The Safe message hash of a TierGuard digest (what `signedMessages` is keyed by). */
export const safeMessageHash = (p: { chainId: number; safe: Address; digest: Hex }): Hex =>
  hashTypedData(safeMessageTypedData(p));

/** Data for the Safe transaction that approves `digest` on-chain: delegatecall SignMessageLib with this. */
export const signMessageLibCalldata = (digest: Hex): Hex =>
  encodeFunctionData({ abi: signMessageLibAbi, functionName: "signMessage", args: [digest] });

/** One Safe owner's signature over the Safe message of a TierGuard digest. */
export interface SafeOwnerSignature {
  safe: Address;
  /** the Safe's owner (an EOA) who signed */
  owner: Address;
  signature: Hex;
}

/** A Safe owner signs the Safe message of `digest` with its own key. */
export async function signAsSafeOwner(
  account: LocalAccount,
  p: { chainId: number; safe: Address; digest: Hex },
): Promise<SafeOwnerSignature> {
  if (!account.signTypedData) throw new TierGuardError(`account ${account.address} cannot sign typed data`);
  const signature = await account.signTypedData(safeMessageTypedData(p));
  return { safe: p.safe, owner: account.address, signature };
}

/** Who signed a Safe owner signature (recovered, not trusted from the file). */
export const recoverSafeOwner = (p: { chainId: number; safe: Address; digest: Hex; signature: Hex }): Promise<Address> =>
  recoverTypedDataAddress({ ...safeMessageTypedData(p), signature: p.signature });

/** The Safe's signature: its owners' signatures in ascending order of owner address, concatenated. */
export function combineSafeSignatures(parts: readonly SafeOwnerSignature[]): Hex {
  const seen = new Set<string>();
  const unique = parts.filter((p) => !seen.has(p.owner.toLowerCase()) && seen.add(p.owner.toLowerCase()));
  unique.sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : 1));
  for (const p of unique) {
    if ((p.signature.length - 2) / 2 !== 65)
      throw new TierGuardError(`the signature of Safe owner ${p.owner} is not 65 bytes`, {
        fix: "sign again with tierguard owner sign --safe",
      });
  }
  return unique.length ? concatHex(unique.map((p) => p.signature)) : "0x";
}

/** The Safe's owners and threshold, read from the chain. */
export async function readSafe(publicClient: PublicClient, safe: Address) {
  const [owners, threshold] = await Promise.all([
    publicClient.readContract({ address: safe, abi: safeAbi, functionName: "getOwners" }),
    publicClient.readContract({ address: safe, abi: safeAbi, functionName: "getThreshold" }),
  ]).catch((e: unknown) => {
    throw new TierGuardError(`${safe} does not answer as a Safe (getOwners/getThreshold failed)`, {
      fix: "check the --safe address and the network",
      cause: e,
    });
  });
  return { owners: [...owners], threshold: Number(threshold) };
}

/** Does the Safe accept `signature` for `digest` (ERC-1271)? Asked of the Safe itself by eth_call. */
export async function safeAccepts(publicClient: PublicClient, safe: Address, digest: Hex, signature: Hex) {
  try {
    const r = await publicClient.readContract({
      address: safe,
      abi: safeAbi,
      functionName: "isValidSignature",
      args: [digest, signature],
    });
    return r.toLowerCase() === ERC1271_MAGIC;
  } catch {
    return false;
  }
}

/**
 * A `ContractSigner` for a Safe whose owners' keys are all at hand (tests, scripts): signs the Safe message with
 * each account and concatenates. With the owners on separate machines, use `signAsSafeOwner` on each and
 * `combineSafeSignatures` (the action-file flow does this for you).
 */
export function safeSigner(safe: Address, owners: readonly LocalAccount[]): ContractSigner {
  return {
    type: "erc1271",
    address: safe,
    sign: async ({ digest, typedData }) => {
      const chainId = Number(typedData.domain.chainId);
      const parts = await Promise.all(owners.map((o) => signAsSafeOwner(o, { chainId, safe, digest })));
      return combineSafeSignatures(parts);
    },
  };
}

export const isSameAddress = (a: string, b: string) => isAddressEqual(a as Address, b as Address);
