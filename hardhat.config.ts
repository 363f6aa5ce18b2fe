import { subtask, type HardhatUserConfig } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_EMIT_ARTIFACTS,
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
} from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";

/** The one place that pins the compiler and its settings (the npm `solc` package must match). */
const SOLC_VERSION = "0.8.28";

// Hardhat cannot download compilers on an offline machine: use the solc-js build shipped by npm.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

type AbiItem = { type: string; name?: string };
type SolcOutput = { contracts?: Record<string, Record<string, { abi: AbiItem[] }>> };

// The wallet serves its views and its agents' other entry points from its extension module
// (TierGuardExtension) through its fallback, to stay under the EIP-170 size limit. Its artifact's ABI is the
// union of both, so that every client (ethers, viem, typechain, Ignition, src/abi) sees one wallet with all of
// its functions, events and errors.
subtask(TASK_COMPILE_SOLIDITY_EMIT_ARTIFACTS, async (args: { output: SolcOutput }, _hre, runSuper) => {
  const wallet = args.output.contracts?.["contracts/TierGuardWallet.sol"]?.TierGuardWallet;
  const extension = args.output.contracts?.["contracts/TierGuardExtension.sol"]?.TierGuardExtension;
  if (wallet && extension) {
    const key = (i: AbiItem) => `${i.type}:${i.name ?? ""}`;
    const have = new Set(wallet.abi.map(key));
    const merged = ["function", "event", "error"];
    wallet.abi = [...wallet.abi, ...extension.abi.filter((i) => merged.includes(i.type) && !have.has(key(i)))];
  }
  return runSuper(args);
});

/*//////////////////////////////////////////////////////////////
                      NETWORKS FROM THE ENVIRONMENT
//////////////////////////////////////////////////////////////*/

/**
 * The one deployer account for non-local networks, never from argv and never committed:
 * TIERGUARD_DEPLOYER_KEY (0x + 64 hex), TIERGUARD_DEPLOYER_KEY_FILE (first line), or TIERGUARD_DEPLOYER_KEYSTORE
 * (an encrypted JSON keystore, as `tierguard keystore new` writes) with its password in TIERGUARD_PASSWORD_FILE.
 * The deployer needs only gas: the wallet's owners are addresses (Ignition parameters or `tierguard deploy --owners`).
 */
function deployerAccounts(): string[] {
  const env = process.env;
  if (env.TIERGUARD_DEPLOYER_KEYSTORE) {
    if (!env.TIERGUARD_PASSWORD_FILE)
      throw new Error(
        "TIERGUARD_DEPLOYER_KEYSTORE is set: set TIERGUARD_PASSWORD_FILE to the file holding its password",
      );
    const password = readFileSync(env.TIERGUARD_PASSWORD_FILE, "utf8").split(/\r?\n/)[0];
    return [Wallet.fromEncryptedJsonSync(readFileSync(env.TIERGUARD_DEPLOYER_KEYSTORE, "utf8"), password).privateKey];
  }
  const raw =
    env.TIERGUARD_DEPLOYER_KEY ??
    (env.TIERGUARD_DEPLOYER_KEY_FILE
      ? readFileSync(env.TIERGUARD_DEPLOYER_KEY_FILE, "utf8").split(/\r?\n/)[0]
      : undefined);
  if (!raw?.trim()) return [];
  const key = raw.trim().startsWith("0x") ? raw.trim() : `0x${raw.trim()}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new Error("the deployer key (TIERGUARD_DEPLOYER_KEY or its file) is not 0x followed by 64 hex digits");
  return [key];
}

// Read only when one of the variables is set (then for every Hardhat command, local ones included).
const accounts = deployerAccounts();

/**
 * `custom`: any EVM chain from TIERGUARD_NETWORK_URL and TIERGUARD_NETWORK_CHAIN_ID (Hardhat refuses to send when
 * the node's chain id differs). `baseSepolia` (84532) and `base` (8453): Base's public endpoints unless
 * BASE_SEPOLIA_RPC_URL / BASE_RPC_URL name your provider's (the public ones are rate-limited).
 */
const envNetworks: NonNullable<HardhatUserConfig["networks"]> = {
  baseSepolia: { url: process.env.BASE_SEPOLIA_RPC_URL ?? "https://sepolia.base.org", chainId: 84532, accounts },
  base: { url: process.env.BASE_RPC_URL ?? "https://mainnet.base.org", chainId: 8453, accounts },
  ...(process.env.TIERGUARD_NETWORK_URL
    ? {
        custom: {
          url: process.env.TIERGUARD_NETWORK_URL,
          ...(process.env.TIERGUARD_NETWORK_CHAIN_ID
            ? { chainId: Number(process.env.TIERGUARD_NETWORK_CHAIN_ID) }
            : {}),
          accounts,
        },
      }
    : {}),
};

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  networks: {
    hardhat: { hardfork: "cancun" },
    localhost: { url: process.env.TIERGUARD_RPC_URL ?? "http://127.0.0.1:8545" },
    ...envNetworks,
  },
  // Source verification (`npx hardhat verify --network baseSepolia <address> --constructor-args <file>`): one
  // Etherscan API key (ETHERSCAN_API_KEY) serves every Etherscan-family explorer through its v2 API, BaseScan
  // included; Sourcify (no key) with TIERGUARD_VERIFY_SOURCIFY=1.
  etherscan: {
    apiKey: process.env.ETHERSCAN_API_KEY ?? "",
    customChains: [
      {
        network: "baseSepolia",
        chainId: 84532,
        urls: { apiURL: "https://api-sepolia.basescan.org/api", browserURL: "https://sepolia.basescan.org" },
      },
      {
        network: "base",
        chainId: 8453,
        urls: { apiURL: "https://api.basescan.org/api", browserURL: "https://basescan.org" },
      },
    ],
  },
  sourcify: { enabled: process.env.TIERGUARD_VERIFY_SOURCIFY === "1" },
  paths: { tests: "test/contracts" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
