/** `tierguard deploy`: the wallet (and, on a local chain, mock tokens and a price feed). */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { getAddress, type Address, type Hex } from "viem";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../../abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../../abi/MockERC20";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../abi/MockPriceFeed";
import { TierGuardError } from "../../errors";
import { formatDecimal } from "../../policy/units";
import { decodeError, withRetry } from "../../client/errors";
import { isLocalChain } from "../connection";
import type { Context, Output } from "../context";
import { ConfigError, UsageError } from "../errors";
import { rows } from "../format";
import type { CommandArgs } from "../spec";

const MOCK_MINT = 1_000_000n * 10n ** 6n;
const EURC_USD = 108_000_000n; // 1.08 with 8 decimals

export async function deploy(args: CommandArgs<"deploy">, ctx: Context): Promise<Output> {
  const c = await ctx.conn();
  const keys = await ctx.ownerAccounts();
  const owners = args.owners ?? keys.map((k) => k.address);
  const unique = new Set(owners.map((o) => o.toLowerCase()));
  if (unique.size !== owners.length) throw new UsageError("--owners lists an address twice", { fix: "list each owner once" });
  if (args.threshold === undefined && owners.length > 1) {
    throw new UsageError(`--threshold is required with ${owners.length} owners`, { fix: `pass --threshold <1..${owners.length}>, e.g. --threshold 2` });
  }
  const threshold = args.threshold ?? 1;
  if (threshold > owners.length) {
    throw new UsageError(`--threshold ${threshold} is more than the ${owners.length} owner${owners.length === 1 ? "" : "s"}`, {
      fix: "lower --threshold or add owners",
    });
  }
  if (args.localMocks && !isLocalChain(c.chain.id)) {
    throw new ConfigError(`--local-mocks deploys test tokens anyone can mint; chain ${c.chain.id} is not a local chain`, {
      fix: "use --local-mocks only against a local node (chain 31337 or 1337)",
    });
  }
  const sender = c.walletClient(keys[0]);
  const deployOne = async (abi: readonly unknown[], bytecode: Hex, ctorArgs: readonly unknown[], what: string) => {
    try {
      const hash = await sender.deployContract({ abi, bytecode, args: ctorArgs } as never);
      const receipt = await withRetry(() => c.publicClient.waitForTransactionReceipt({ hash }));
      if (receipt.status !== "success" || !receipt.contractAddress) {
        throw new TierGuardError(`deploying ${what} failed (tx ${hash})`, { fix: "check the constructor arguments and the sender's balance" });
      }
      return getAddress(receipt.contractAddress);
    } catch (e) {
      throw decodeError(e, `deploy ${what}`);
    }
  };
  const wallet = await deployOne(tierGuardWalletAbi, tierGuardWalletBytecode, [owners, threshold], "TierGuardWallet");
  const mocks: Record<string, Address> = {};
  if (args.localMocks) {
    mocks.USDC = await deployOne(mockErc20Abi, mockErc20Bytecode, ["Mock USD Coin", "USDC", 6], "mock USDC");
    mocks.EURC = await deployOne(mockErc20Abi, mockErc20Bytecode, ["Mock Euro Coin", "EURC", 6], "mock EURC");
    mocks.EURC_USD_FEED = await deployOne(mockPriceFeedAbi, mockPriceFeedBytecode, [8, EURC_USD], "mock EUR/USD feed");
    for (const token of [mocks.USDC, mocks.EURC]) {
      const hash = await sender.writeContract({ address: token, abi: mockErc20Abi, functionName: "mint", args: [wallet, MOCK_MINT] } as never);
      await withRetry(() => c.publicClient.waitForTransactionReceipt({ hash }));
    }
  }
  let saved: string | undefined;
  if (args.save) {
    saved = ctx.resolvePath(args.save);
    let existing: Record<string, unknown> = {};
    if (existsSync(saved)) {
      try {
        existing = JSON.parse(readFileSync(saved, "utf8")) as Record<string, unknown>;
      } catch {
        throw new ConfigError(`${args.save} exists and is not valid JSON; not overwriting it`, { fix: "pass another --save path or remove the file" });
      }
    }
    const config = {
      ...existing,
      rpc: c.url,
      wallet,
      chainId: c.chain.id,
      ...(mocks.USDC ? { token: "USDC" } : {}),
      vars: { ...((existing.vars as Record<string, string>) ?? {}), ...mocks },
    };
    writeFileSync(saved, `${JSON.stringify(config, null, 2)}\n`);
  }
  const text = [
    ...rows([
      ["wallet", wallet],
      ["chain", String(c.chain.id)],
      ["owners", `${owners.join(", ")} (${threshold}-of-${owners.length})`],
      ...Object.entries(mocks).map(([k, v]) => [k, v] as [string, string]),
    ]),
  ];
  if (args.localMocks) text.push(`minted ${formatDecimal(MOCK_MINT)} USDC and EURC to the wallet; EUR/USD feed answers 1.08`);
  if (saved) text.push(`config written to ${args.save}`);
  else text.push(`next: export TIERGUARD_WALLET=${wallet}` + (args.localMocks ? ` and pass --var USDC=${mocks.USDC} ... to policy commands` : ""));
  return { text, json: { wallet, chainId: c.chain.id, owners, threshold, mocks, config: saved ?? null } };
}
