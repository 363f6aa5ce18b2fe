/**
 * Test helpers for the owner, configuration and session-key tests (owners.test.ts, config.test.ts,
 * keys.test.ts). The shared scenario helpers live in scripts/lib/article.ts; these only add what those tests
 * need on top: signing with a tampered domain, raw-digest signatures for ERC-1271 owners, decoding the
 * reason wrapped in TierGuardActionCallFailed, and counting events in a receipt.
 */
import { ethers } from "hardhat";
import type { Signer, TypedDataDomain, ContractTransactionResponse, BaseWallet } from "ethers";
import type { TierGuardWallet } from "../../typechain-types";
import { sortSigs, type Signed } from "../../scripts/lib/article";

export const OWNER_ACTION_TYPES = {
  OwnerAction: [
    { name: "calls", type: "bytes[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The wallet's EIP-712 domain, optionally with fields replaced (to sign for the wrong chain or wallet). */
export async function walletDomain(
  wallet: TierGuardWallet,
  overrides: Partial<TypedDataDomain> = {},
): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return {
    name: "TierGuardWallet",
    version: "1",
    chainId,
    verifyingContract: await wallet.getAddress(),
    ...overrides,
  };
}

/** Signs an owner action with each of `owners` over `domain` (the wallet's own unless overridden); sorted. */
export async function signOwnerActionWithDomain(
  wallet: TierGuardWallet,
  owners: Signer[],
  calls: string[],
  deadline: bigint,
  nonce: bigint,
  overrides: Partial<TypedDataDomain> = {},
): Promise<Signed[]> {
  const domain = await walletDomain(wallet, overrides);
  const value = { calls, nonce, deadline };
  const sigs = await Promise.all(
    owners.map(async (o) => ({
      signer: await o.getAddress(),
      signature: await o.signTypedData(domain, OWNER_ACTION_TYPES, value),
    })),
  );
  return sortSigs(sigs);
}

/** The EIP-712 digest of an owner action, computed off-chain. */
export async function ownerActionDigestOffChain(
  wallet: TierGuardWallet,
  calls: string[],
  nonce: bigint,
  deadline: bigint,
): Promise<string> {
  return ethers.TypedDataEncoder.hash(await walletDomain(wallet), OWNER_ACTION_TYPES, { calls, nonce, deadline });
}

/** A raw (unprefixed) ECDSA signature of `digest`, as the ERC-1271 mock wallet expects. */
export function signDigest(key: BaseWallet, digest: string): string {
  return key.signingKey.sign(digest).serialized;
}

/** A deadline far enough in the future for tests that move time by hours. */
export async function farDeadline(): Promise<bigint> {
  const block = await ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp) + 365n * 24n * 3600n;
}

/**
 * A `.withArgs` predicate for the `reason` bytes of TierGuardActionCallFailed: true iff they decode (with the
 * wallet's ABI) to error `name` with exactly `args`.
 */
export function innerError(wallet: TierGuardWallet, name: string, args: unknown[] = []) {
  return (reason: string): boolean => {
    const parsed = wallet.interface.parseError(reason);
    if (parsed === null || parsed.name !== name) return false;
    if (parsed.args.length !== args.length) return false;
    return args.every((a, i) => String(parsed.args[i]).toLowerCase() === String(a).toLowerCase());
  };
}

/** The number of `eventName` logs the wallet emitted in a transaction. */
export async function countEvents(
  wallet: TierGuardWallet,
  tx: ContractTransactionResponse,
  eventName: string,
): Promise<number> {
  const receipt = (await tx.wait())!;
  const address = (await wallet.getAddress()).toLowerCase();
  return receipt.logs.filter(
    (log) => log.address.toLowerCase() === address && wallet.interface.parseLog(log)?.name === eventName,
  ).length;
}

/** Address of a fresh random account (never a signer, never funded). */
export const randomAddress = (): string => ethers.Wallet.createRandom().address;
