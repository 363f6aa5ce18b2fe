import { subtask, type HardhatUserConfig } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_EMIT_ARTIFACTS,
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
} from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";

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
  },
  paths: { tests: "test/contracts" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
