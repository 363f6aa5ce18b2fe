/**
 * The canonical Safe 1.4.1 contracts (artifacts from @safe-global/safe-contracts@1.4.1-build.0) on the test chain:
 * the singleton, the proxy factory and the CompatibilityFallbackHandler, and a Safe proxy set up like the Safe app
 * does it. Also a Safe transaction signed by its owners (for the on-chain SignMessageLib path).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  encodeFunctionData,
  parseEventLogs,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { account, type Clients } from "./chain";

const artifact = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, "../../fixtures/safe-1.4.1", `${name}.json`), "utf8")) as { abi: Abi; bytecode: Hex };

export const SAFE = artifact("Safe");
export const FACTORY = artifact("SafeProxyFactory");
export const FALLBACK = artifact("CompatibilityFallbackHandler");
export const SIGN_MESSAGE_LIB = artifact("SignMessageLib");

async function deploy(c: Clients, a: { abi: Abi; bytecode: Hex }) {
  const hash = await c.walletFor(account(0)).deployContract({ abi: a.abi, bytecode: a.bytecode });
  const r = await c.publicClient.waitForTransactionReceipt({ hash });
  return r.contractAddress!;
}

/** Deploys the Safe 1.4.1 singletons once per chain state. */
export async function deploySafeSingletons(c: Clients) {
  const [singleton, factory, fallback, signMessageLib] = [await deploy(c, SAFE), await deploy(c, FACTORY), await deploy(c, FALLBACK), await deploy(c, SIGN_MESSAGE_LIB)];
  return { singleton, factory, fallback, signMessageLib };
}

/** A Safe proxy with `owners` and `threshold`, its fallback handler the CompatibilityFallbackHandler (ERC-1271). */
export async function deploySafe(
  c: Clients,
  s: Awaited<ReturnType<typeof deploySafeSingletons>>,
  owners: Address[],
  threshold: number,
): Promise<Address> {
  const initializer = encodeFunctionData({
    abi: SAFE.abi,
    functionName: "setup",
    args: [owners, BigInt(threshold), zeroAddress, "0x", s.fallback, zeroAddress, 0n, zeroAddress],
  });
  const hash = await c.walletFor(account(0)).writeContract({
    address: s.factory,
    abi: FACTORY.abi,
    functionName: "createProxyWithNonce",
    args: [s.singleton, initializer, BigInt(Date.now())],
  });
  const r = await c.publicClient.waitForTransactionReceipt({ hash });
  const [ev] = parseEventLogs({ abi: FACTORY.abi, logs: r.logs, eventName: "ProxyCreation" }) as unknown as { args: { proxy: Address } }[];
  return ev.args.proxy;
}

/** Runs a Safe transaction (operation 1 = delegatecall) signed by `signers` (its owners), sent by account 0. */
export async function execSafeTransaction(
  c: Clients,
  safe: Address,
  tx: { to: Address; data: Hex; operation: 0 | 1 },
  signers: LocalAccount[],
) {
  const nonce = (await c.publicClient.readContract({ address: safe, abi: SAFE.abi, functionName: "nonce" })) as bigint;
  const chainId = await c.publicClient.getChainId();
  const message = {
    to: tx.to,
    value: 0n,
    data: tx.data,
    operation: tx.operation,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: zeroAddress,
    refundReceiver: zeroAddress,
    nonce,
  };
  const typed = {
    domain: { chainId, verifyingContract: safe },
    types: {
      SafeTx: [
        { name: "to", type: "address" },
        { name: "value", type: "uint256" },
        { name: "data", type: "bytes" },
        { name: "operation", type: "uint8" },
        { name: "safeTxGas", type: "uint256" },
        { name: "baseGas", type: "uint256" },
        { name: "gasPrice", type: "uint256" },
        { name: "gasToken", type: "address" },
        { name: "refundReceiver", type: "address" },
        { name: "nonce", type: "uint256" },
      ],
    },
    primaryType: "SafeTx" as const,
    message,
  };
  const sorted = [...signers].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const sigs = await Promise.all(sorted.map((s) => s.signTypedData!(typed)));
  const hash = await c.walletFor(account(0)).writeContract({
    address: safe,
    abi: SAFE.abi,
    functionName: "execTransaction",
    args: [tx.to, 0n, tx.data, tx.operation, 0n, 0n, 0n, zeroAddress, zeroAddress, `0x${sigs.map((x) => x.slice(2)).join("")}`],
  });
  const r = await c.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new Error("Safe transaction reverted");
  return r;
}
