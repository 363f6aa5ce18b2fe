/**
 * EIP-712 typed data the wallet verifies (owner actions and collaborative approvals), signing with any viem
 * signer (local account, JSON-RPC account through its wallet client, or an ERC-1271 contract owner), and the
 * signer-ascending ordering the wallet requires.
 */
import {
  hashTypedData,
  isAddress,
  type Account,
  type Address,
  type Hex,
  type LocalAccount,
  type WalletClient,
  type Transport,
  type Chain,
} from "viem";
import { InvalidInputError } from "./errors";
import type { PendingIntent } from "./intents";

export const DOMAIN_NAME = "TierGuardWallet";
export const DOMAIN_VERSION = "1";

export const ownerActionTypes = {
  OwnerAction: [
    { name: "calls", type: "bytes[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const approvalTypes = {
  Approval: [
    { name: "intentId", type: "bytes32" },
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "recipient", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const walletDomain = (chainId: number, wallet: Address) =>
  ({ name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: wallet }) as const;

export function ownerActionTypedData(p: {
  chainId: number;
  wallet: Address;
  calls: readonly Hex[];
  nonce: bigint;
  deadline: bigint;
}) {
  return {
    domain: walletDomain(p.chainId, p.wallet),
    types: ownerActionTypes,
    primaryType: "OwnerAction" as const,
    message: { calls: p.calls, nonce: p.nonce, deadline: p.deadline },
  };
}

export function approvalTypedData(p: { chainId: number; wallet: Address; intentId: Hex; intent: PendingIntent }) {
  return {
    domain: walletDomain(p.chainId, p.wallet),
    types: approvalTypes,
    primaryType: "Approval" as const,
    message: {
      intentId: p.intentId,
      token: p.intent.token,
      amount: p.intent.amount,
      recipient: p.intent.recipient,
      deadline: BigInt(p.intent.deadline),
    },
  };
}

export type OwnerActionTypedData = ReturnType<typeof ownerActionTypedData>;
export type ApprovalTypedData = ReturnType<typeof approvalTypedData>;
export type WalletTypedData = OwnerActionTypedData | ApprovalTypedData;

/** One owner's signature, as the wallet's `OwnerSignature` struct. */
export interface OwnerSignature {
  signer: Address;
  signature: Hex;
}

/**
 * An owner that is a contract (ERC-1271): `address` is the contract (the owner); `sign` returns whatever its
 * `isValidSignature(digest, signature)` accepts.
 */
export interface ContractSigner {
  type: "erc1271";
  address: Address;
  sign: (p: { digest: Hex; typedData: WalletTypedData }) => Promise<Hex>;
}

/** Anything that can sign for an owner. */
export type OwnerSigner =
  WalletClient<Transport, Chain | undefined, Account | undefined> | LocalAccount | ContractSigner;

/**
 * An ERC-1271 owner whose contract accepts its controlling EOA's raw ECDSA signature of the EIP-712 digest
 * (like the repository's MockERC1271Wallet). A Safe does NOT accept this: use `safeSigner` (Safe message
 * format), or the action-file flow (`signActionFile(file, account, { safe })`) when the Safe's owners sign on
 * separate machines.
 */
export function erc1271Signer(contract: Address, eoa: LocalAccount): ContractSigner {
  if (!eoa.sign) throw new InvalidInputError("signer", "the account cannot sign raw hashes");
  return { type: "erc1271", address: contract, sign: ({ digest }) => eoa.sign!({ hash: digest }) };
}

const isWalletClient = (s: OwnerSigner): s is WalletClient<Transport, Chain | undefined, Account | undefined> =>
  (s as { type?: string }).type === "walletClient";

/** The owner address a signer signs for (the contract for an ERC-1271 signer). */
export function signerAddress(s: OwnerSigner): Address {
  if (isWalletClient(s)) {
    if (!s.account)
      throw new InvalidInputError("signer", "the wallet client has no account", "Create it with `account`.");
    return s.account.address;
  }
  return s.address;
}

/** Signs the wallet's typed data with `signer`. */
export async function signWith(signer: OwnerSigner, typedData: WalletTypedData): Promise<OwnerSignature> {
  if (isWalletClient(signer)) {
    if (!signer.account)
      throw new InvalidInputError("signer", "the wallet client has no account", "Create it with `account`.");
    // Works for local accounts and for JSON-RPC accounts (eth_signTypedData_v4 on the node / provider).
    const signature = await signer.signTypedData({ account: signer.account, ...(typedData as OwnerActionTypedData) });
    return { signer: signer.account.address, signature };
  }
  if ((signer as ContractSigner).type === "erc1271") {
    const c = signer as ContractSigner;
    const digest = hashTypedData(typedData as OwnerActionTypedData);
    return { signer: c.address, signature: await c.sign({ digest, typedData }) };
  }
  const acc = signer as LocalAccount;
  if (!acc.signTypedData)
    throw new InvalidInputError(
      "signer",
      `account ${acc.address} cannot sign typed data by itself`,
      "Pass a wallet client for JSON-RPC accounts.",
    );
  return { signer: acc.address, signature: await acc.signTypedData(typedData as OwnerActionTypedData) };
}

/**
 * Sorts signatures by signer ascending (compared as numbers), as the wallet requires, dropping exact duplicates
 * of a signer (the first one wins).
 */
export function sortSignatures<T extends OwnerSignature>(sigs: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const s of sigs) {
    if (!isAddress(s.signer, { strict: false }))
      throw new InvalidInputError("signatures", `signer ${String(s.signer)} is not an address`);
    const k = s.signer.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(s);
  }
  return out.sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : BigInt(a.signer) > BigInt(b.signer) ? 1 : 0));
}

/** Strips extra fields so that signatures can be passed to the contract as `OwnerSignature[]`. */
export const toContractSignatures = (sigs: readonly OwnerSignature[]) =>
  sortSignatures(sigs).map((s) => ({ signer: s.signer, signature: s.signature }));
