/**
 * `tierguard deploy`: the wallet on any EVM chain, paid for by one deployer account; the owners are addresses only.
 * On a local chain `--local-mocks` adds mock tokens and a price feed; on any other chain nothing but the wallet is
 * deployed, token and feed addresses come from the policy file, and the first policy becomes an owner action file
 * for the owners to sign (`owner sign`) and anyone to submit (`owner submit`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getAddress, getContractAddress, zeroAddress, type Address, type Hex, type PrivateKeyAccount } from "viem";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../../abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../../abi/MockERC20";
import { mockEip3009TokenAbi, mockEip3009TokenBytecode } from "../../abi/MockEIP3009Token";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../abi/MockPriceFeed";
import { TierGuardError } from "../../errors";
import { formatDecimal } from "../../policy/units";
import { planPolicy, policyChainProblems } from "../../policy/plan";
import { PolicyError, type Policy } from "../../policy/schema";
import { prepareOwnerAction, checkActionFile } from "../../owners/collect";
import { decodeError, withRetry } from "../../client/errors";
import { isLocalChain, type Connection } from "../connection";
import { loadPolicy, type Context, type Output } from "../context";
import { ConfigError, UsageError } from "../errors";
import { rows } from "../format";
import type { CommandArgs } from "../spec";
import { saveActionFile, statusLines } from "./actions";
import { devAccountIndex } from "./dev-accounts";

const MOCK_MINT = 1_000_000n * 10n ** 6n;
const EURC_USD = 108_000_000n; // 1.08 with 8 decimals
/** The networks hardhat.config.ts names (others: "custom", from TIERGUARD_NETWORK_URL). */
const HARDHAT_NETWORKS: Record<number, string> = { 84532: "baseSepolia", 8453: "base" };
/** EIP-170: the largest runtime bytecode a chain accepts. */
const MAX_CODE_SIZE = 24_576;

interface Deployed {
  address: Address;
  txHash: Hex;
  block: bigint;
  gasUsed: bigint;
  /** wei */
  fee: bigint;
}

function checkOwners(owners: readonly Address[], threshold: number | undefined): number {
  const unique = new Set(owners.map((o) => o.toLowerCase()));
  if (unique.size !== owners.length) throw new UsageError("--owners lists an address twice", { fix: "list each owner once" });
  if (threshold === undefined && owners.length > 1) {
    throw new UsageError(`--threshold is required with ${owners.length} owners`, { fix: `pass --threshold <1..${owners.length}>, e.g. --threshold 2` });
  }
  const t = threshold ?? 1;
  if (t > owners.length) {
    throw new UsageError(`--threshold ${t} is more than the ${owners.length} owner${owners.length === 1 ? "" : "s"}`, {
      fix: "lower --threshold or add owners",
    });
  }
  return t;
}

/** On a public chain, Hardhat's dev accounts (keys published with the dev mnemonic) must not pay or own. */
function refuseDevAccounts(chainId: number, deployer: Address, owners: readonly Address[]) {
  const dev = [deployer, ...owners].map((a) => ({ a, i: devAccountIndex(a) })).filter((x) => x.i !== undefined);
  if (!dev.length) return;
  throw new ConfigError(
    `${dev.map((x) => `${x.a} (Hardhat dev account #${x.i})`).join(", ")} ${dev.length === 1 ? "is" : "are"} derived from Hardhat's public dev mnemonic; chain ${chainId} is not a local chain`,
    {
      fix: "anyone can sign with those keys: use your own deployer key (tierguard keystore new --out deployer.json) and the owners' own addresses",
    },
  );
}

function deployer(ctx: Context, c: Connection, account: PrivateKeyAccount) {
  const sender = c.walletClient(account);
  return async (abi: readonly unknown[], bytecode: Hex, ctorArgs: readonly unknown[], what: string): Promise<Deployed> => {
    try {
      const hash = await sender.deployContract({ abi, bytecode, args: ctorArgs } as never);
      const receipt = await withRetry(() => c.publicClient.waitForTransactionReceipt({ hash }));
      if (receipt.status !== "success" || !receipt.contractAddress) {
        throw new TierGuardError(`deploying ${what} failed (tx ${hash})`, { fix: "check the constructor arguments and the sender's balance" });
      }
      return {
        address: getAddress(receipt.contractAddress),
        txHash: hash,
        block: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        fee: receipt.gasUsed * (receipt.effectiveGasPrice ?? 0n),
      };
    } catch (e) {
      throw decodeError(e, `deploy ${what}`);
    }
  };
}

/** Writes `file` unless it exists (a deployment or action file is never overwritten). */
function freshPath(ctx: Context, file: string, flag: string): string {
  const abs = ctx.resolvePath(file);
  if (existsSync(abs)) throw new ConfigError(`${file} already exists; not overwriting it`, { fix: `remove it or pass another ${flag} path` });
  mkdirSync(path.dirname(abs), { recursive: true });
  return abs;
}

async function loadAndCheckPolicy(ctx: Context, c: Connection, file: string, vars: Record<string, string>): Promise<Policy> {
  const policy = await loadPolicy(ctx, file, vars);
  const problems = await policyChainProblems(c.publicClient, zeroAddress, policy);
  if (problems.length) {
    throw new PolicyError(problems, {
      source: `${file} on chain ${c.chain.id}`,
      fix: `use the token and price-feed addresses of chain ${c.chain.id} (--var NAME=0x.. for placeholders); nothing was deployed`,
    });
  }
  return policy;
}

export async function deploy(args: CommandArgs<"deploy">, ctx: Context): Promise<Output> {
  const c = await ctx.conn();
  const chainId = c.chain.id;
  const local = isLocalChain(chainId);
  if (args.localMocks && !local) {
    throw new ConfigError(`--local-mocks deploys test tokens anyone can mint; chain ${chainId} is not a local chain`, {
      fix: "use --local-mocks only against a local node (chain 31337 or 1337); on other chains the policy file names the real token and feed addresses",
    });
  }
  // A policy for the wrong chain is refused before anything is sent (with mocks, its placeholders name them).
  let policy = args.policy && !args.localMocks ? await loadAndCheckPolicy(ctx, c, args.policy, args.var) : undefined;
  const account = await ctx.deployerAccount();
  let owners = args.owners ?? policy?.owners;
  if (!owners) {
    if (!local) {
      throw new UsageError(`--owners is required on chain ${chainId}`, {
        fix: "pass the owners' addresses, e.g. --owners 0xA..,0xB..,0xC.. --threshold 2 (or list owners and threshold in the --policy file); no owner key is needed to deploy",
      });
    }
    owners = (await ctx.ownerAccounts()).map((k) => k.address);
  }
  const threshold = checkOwners(owners, args.threshold ?? (args.owners ? undefined : policy?.threshold));
  if (!local) refuseDevAccounts(chainId, account.address, owners);
  // The wallet's address is known before it is sent: the deployer's next CREATE.
  const nonce = await withRetry(() => c.publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }));
  const expected = getContractAddress({ from: account.address, nonce: BigInt(nonce) });
  const outFile = args.out ?? `deployments/${chainId}-${expected}.json`;
  const outPath = freshPath(ctx, outFile, "--out");
  const actionPath = args.policy ? freshPath(ctx, args.prepare ?? outFile.replace(/\.json$/, "") + ".policy.json", "--prepare") : undefined;

  const deployOne = deployer(ctx, c, account);
  const w = await deployOne(tierGuardWalletAbi, tierGuardWalletBytecode, [owners, threshold], "TierGuardWallet");
  const wallet = w.address;
  const code = await withRetry(() => c.publicClient.getCode({ address: wallet }));
  const codeSize = code ? (code.length - 2) / 2 : 0;
  // The wallet creates its extension module in its constructor: the wallet's first CREATE (contract nonces start at 1).
  const extension = getContractAddress({ from: wallet, nonce: 1n });

  const mocks: Record<string, Address> = {};
  if (args.localMocks) {
    // USDC with EIP-3009 authorizations (as USDC v2.2: EIP-712 domain "Mock USD Coin", version "2"), so that the
    // local wallet can pay x402 APIs (tierguard/x402).
    mocks.USDC = (await deployOne(mockEip3009TokenAbi, mockEip3009TokenBytecode, ["Mock USD Coin", "USDC", "2"], "mock USDC")).address;
    mocks.EURC = (await deployOne(mockErc20Abi, mockErc20Bytecode, ["Mock Euro Coin", "EURC", 6], "mock EURC")).address;
    mocks.EURC_USD_FEED = (await deployOne(mockPriceFeedAbi, mockPriceFeedBytecode, [8, EURC_USD], "mock EUR/USD feed")).address;
    const sender = c.walletClient(account);
    for (const token of [mocks.USDC, mocks.EURC]) {
      const hash = await sender.writeContract({ address: token, abi: mockErc20Abi, functionName: "mint", args: [wallet, MOCK_MINT] } as never);
      await withRetry(() => c.publicClient.waitForTransactionReceipt({ hash }));
    }
    if (args.policy) policy = await loadAndCheckPolicy(ctx, c, args.policy, { ...mocks, ...args.var });
  }

  // The first policy: an owner action file the owners sign on their own machines (nothing is sent here).
  let firstPolicy: { file: string; changes: string[]; lines: string[] } | undefined;
  if (policy && actionPath && args.policy) {
    const plan = await planPolicy({ publicClient: c.publicClient, wallet, policy, fromBlock: w.block });
    const f = await prepareOwnerAction({
      publicClient: c.publicClient,
      wallet,
      calls: plan.calls,
      title: `apply ${path.basename(args.policy)} (${plan.changes.length} changes): the wallet's first policy`,
      notes: ["policy plan:", ...plan.changes.map((ch) => `  ~ ${ch}`)],
      validFor: args.expiresIn,
    });
    const rel = path.relative(ctx.cwd, actionPath) || actionPath;
    saveActionFile(ctx, actionPath, f);
    const status = await checkActionFile(c.publicClient, f, rel);
    firstPolicy = { file: rel, changes: plan.changes, lines: statusLines(status) };
  }

  const deployment = {
    format: "tierguard-deployment/1",
    chainId,
    wallet,
    extension,
    deployer: account.address,
    owners,
    threshold,
    txHash: w.txHash,
    blockNumber: w.block.toString(),
    gasUsed: w.gasUsed.toString(),
    feeWei: w.fee.toString(),
    runtimeBytecodeBytes: codeSize,
    constructorArgs: [owners, threshold],
    mocks,
    firstPolicy: firstPolicy ? { policy: args.policy, actionFile: firstPolicy.file, changes: firstPolicy.changes } : null,
    deployedAt: new Date().toISOString(),
  };
  writeFileSync(outPath, `${JSON.stringify(deployment, null, 2)}\n`);
  // hardhat-verify reads constructor arguments from a module: one is written next to the deployment file.
  const argsFile = outFile.replace(/\.json$/, "") + ".args.cjs";
  writeFileSync(ctx.resolvePath(argsFile), `module.exports = ${JSON.stringify(deployment.constructorArgs)};\n`);

  const saved = args.save ? saveConfig(ctx, args.save, { url: c.url, wallet, chainId, fromBlock: w.block, mocks }) : undefined;
  const text = [
    ...rows([
      ["wallet", wallet],
      ["extension", `${extension} (the wallet's extension module, created by its constructor)`],
      ["chain", `${chainId}${local ? " (local)" : ""}`],
      ["owners", `${owners.join(", ")} (${threshold}-of-${owners.length})`],
      ["deployer", `${account.address} (no owner rights)`],
      ["tx", `${w.txHash} in block ${w.block}`],
      ["gas used", `${w.gasUsed.toLocaleString("en-US")}${w.fee ? ` (fee ${formatDecimal(w.fee, 18)} ETH)` : ""}`],
      ["bytecode", `${codeSize.toLocaleString("en-US")} of ${MAX_CODE_SIZE.toLocaleString("en-US")} bytes (EIP-170)`],
      ...Object.entries(mocks).map(([k, v]) => [k, `${v} (mock)`] as [string, string]),
    ]),
    `deployment written to ${outFile}`,
  ];
  if (args.localMocks) text.push(`minted ${formatDecimal(MOCK_MINT)} USDC and EURC to the wallet; EUR/USD feed answers 1.08`);
  if (saved) text.push(`config written to ${args.save}`);
  if (firstPolicy) {
    text.push(
      `first policy prepared in ${firstPolicy.file} (nothing sent; ${firstPolicy.changes.length} changes):`,
      ...firstPolicy.lines.map((l) => `  ${l}`),
      `next: each owner runs "tierguard owner sign ${firstPolicy.file} --keystore <their keystore>" on their own machine,`,
      `      then anyone with gas runs "tierguard owner submit ${firstPolicy.file}"`,
    );
  } else {
    text.push(
      saved ? "next: apply a policy with tierguard policy apply <policy file> (add --prepare <file> to collect the owners' signatures)" : `next: export TIERGUARD_WALLET=${wallet}` + (args.localMocks ? ` and pass --var USDC=${mocks.USDC} ... to policy commands` : ""),
    );
  }
  if (!local) {
    const network = HARDHAT_NETWORKS[chainId] ?? "custom";
    text.push(`verify the source (in a TierGuard checkout): npx hardhat verify --network ${network} --constructor-args ${argsFile} ${wallet}`);
  }
  return { text, json: { ...deployment, config: saved ?? null, deployment: outFile, constructorArgsFile: argsFile } };
}

function saveConfig(ctx: Context, file: string, d: { url: string; wallet: Address; chainId: number; fromBlock: bigint; mocks: Record<string, Address> }): string {
  const saved = ctx.resolvePath(file);
  let existing: Record<string, unknown> = {};
  if (existsSync(saved)) {
    try {
      existing = JSON.parse(readFileSync(saved, "utf8")) as Record<string, unknown>;
    } catch {
      throw new ConfigError(`${file} exists and is not valid JSON; not overwriting it`, { fix: "pass another --save path or remove the file" });
    }
  }
  const config = {
    ...existing,
    rpc: d.url,
    wallet: d.wallet,
    chainId: d.chainId,
    fromBlock: Number(d.fromBlock),
    ...(d.mocks.USDC ? { token: "USDC" } : {}),
    vars: { ...((existing.vars as Record<string, string>) ?? {}), ...d.mocks },
  };
  writeFileSync(saved, `${JSON.stringify(config, null, 2)}\n`);
  return saved;
}
