/** Hardhat's and Anvil's default accounts: derived from a published mnemonic, so anyone can sign with them. */
import type { Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** The dev mnemonic both Hardhat Network and Anvil use for their funded accounts. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Both tools fund 20 accounts by default (Hardhat: m/44'/60'/0'/0/0..19; Anvil: the same path). */
const DEV_ACCOUNTS = 20;

let cache: string[] | undefined;

/** The index of `address` among the dev accounts, or `undefined` when it is not one of them. */
export function devAccountIndex(address: Address): number | undefined {
  cache ??= Array.from({ length: DEV_ACCOUNTS }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }).address.toLowerCase());
  const i = cache.indexOf(address.toLowerCase());
  return i < 0 ? undefined : i;
}
