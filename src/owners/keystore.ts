/**
 * Encrypted key files in the Web3 Secret Storage format (scrypt + AES-128-CTR, the format geth, ethers, MetaMask
 * exports and Foundry's `cast wallet` use), through ethers' implementation. Keys leave the file only as a viem
 * account in memory. ethers is loaded only when a keystore is used.
 */
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";
import { TierGuardError } from "../errors";

export class KeystoreError extends TierGuardError {
  override name = "KeystoreError";
}

/** Decrypts a keystore's JSON text with its password. */
export async function decryptKeystore(json: string, password: string, source: string): Promise<PrivateKeyAccount> {
  const { decryptKeystoreJson, isKeystoreJson } = await import("ethers");
  if (!isKeystoreJson(json)) {
    throw new KeystoreError(`${source} is not an encrypted JSON keystore (Web3 Secret Storage)`, {
      fix: "pass a keystore file (tierguard keystore new / import writes one)",
    });
  }
  try {
    const k = await decryptKeystoreJson(json, password);
    return privateKeyToAccount(k.privateKey as Hex);
  } catch (e) {
    const wrong = /incorrect password/i.test((e as Error).message);
    throw new KeystoreError(wrong ? `wrong password for ${source}` : `cannot decrypt ${source}: ${(e as Error).message}`, {
      fix: wrong ? "give the password this keystore was made with (prompt or --password-file)" : "check the keystore file",
    });
  }
}

/** Encrypts a private key (a new random one by default) into keystore JSON; returns the JSON and the address. */
export async function encryptKeystore(password: string, privateKey: Hex = generatePrivateKey()) {
  if (password.length < 8) {
    throw new KeystoreError("the keystore password is shorter than 8 characters", { fix: "choose a longer password" });
  }
  const { encryptKeystoreJson } = await import("ethers");
  const account = privateKeyToAccount(privateKey);
  const json = await encryptKeystoreJson({ address: account.address, privateKey }, password);
  return { json, address: account.address };
}
