import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment, HardhatNetworkAccountsConfig, HttpNetworkAccountsConfig } from "hardhat/types";

/** How many of the network's accounts own the wallet by default. */
const DEFAULT_OWNER_COUNT = 3;

/**
 * The addresses of the first `count` accounts of the network being deployed to, i.e. what
 * `m.getAccount(0..count-1)` resolves to, or `undefined` when they cannot be known synchronously
 * (remote accounts on a network other than `localhost`).
 *
 * Why not `m.getParameter("owners", [m.getAccount(0), ...])`: Ignition resolves an account used as a
 * parameter's default only when it is the whole default, not inside an array, so that default would reach
 * the constructor as unresolved objects. Deriving the addresses from the network config keeps the intended
 * default. `localhost` is assumed to be a `npx hardhat node` of this project (the hardhat network's accounts).
 */
export function networkAccounts(count: number): string[] | undefined {
  // Loaded lazily: the module is built inside a running Hardhat task (deploy, test, run).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre: HardhatRuntimeEnvironment = require("hardhat");
  const accounts: HardhatNetworkAccountsConfig | HttpNetworkAccountsConfig =
    hre.network.name === "localhost" ? hre.config.networks.hardhat.accounts : hre.network.config.accounts;

  if (accounts === "remote") return undefined;
  if (Array.isArray(accounts)) {
    if (accounts.length < count) return undefined;
    return accounts
      .slice(0, count)
      .map((account) => new Wallet(typeof account === "string" ? account : account.privateKey).address);
  }
  const root = HDNodeWallet.fromSeed(Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase).computeSeed());
  const path = accounts.path.endsWith("/") ? accounts.path : `${accounts.path}/`;
  return Array.from({ length: count }, (_, i) => root.derivePath(`${path}${accounts.initialIndex + i}`).address);
}

/**
 * Deploys a TierGuard wallet.
 *
 * Parameters (module "TierGuard"):
 * - `owners` (address[]): the wallet's owners; default: the network's accounts 0, 1 and 2. Required on networks
 *   with remote accounts (other than `localhost`).
 * - `threshold` (uint8): owner approvals required (M of N); default 2.
 */
export const TierGuardModule = buildModule("TierGuard", (m) => {
  const owners = m.getParameter<string[]>("owners", networkAccounts(DEFAULT_OWNER_COUNT));
  const threshold = m.getParameter<number>("threshold", 2);

  const wallet = m.contract("TierGuardWallet", [owners, threshold]);

  return { wallet };
});

export default TierGuardModule;
