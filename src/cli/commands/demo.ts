/**
 * `tierguard demo`: the article's story end to end on a local chain, through the SDK clients, then the indexer:
 * sync, verify (must be clean) and the audit reports. Starts (and always stops) a `hardhat node` unless --rpc
 * is given.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createTestClient, getAddress, http, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../../abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../../abi/MockERC20";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../abi/MockPriceFeed";
import { TierGuardError } from "../../errors";
import { loadPolicyFile } from "../../policy/load";
import { applyPolicy } from "../../policy/apply";
import { formatDecimal } from "../../policy/units";
import { createAgentClient, type AuthorizeResult } from "../../client/agent";
import { createOwnerClient, ownerCalls } from "../../client/owner";
import { openStore, verify, writeReportFiles } from "../../indexer";
import { reportFromStore, syncStore } from "./audit";
import type { Context, Output } from "../context";
import { connect } from "../connection";
import { ConfigError } from "../errors";
import { packageRoot } from "../paths";
import type { CommandArgs } from "../spec";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const ROOT = packageRoot();
const POLICY = path.join(ROOT, "examples/policy.yaml");

const VENDORS = {
  embeddings: getAddress("0xBcd4042DE499D14e55001CcbB24a551F3b954096"),
  search: getAddress("0x71bE63f3384f5fb98995898A86B02Fb2426c5788"),
  data: getAddress("0xFABB0ac9d68B0B445fB7357272Ff202C5651694a"),
  compute: getAddress("0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec"),
  analysisAgent: getAddress("0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097"),
  /** nobody vetted it (Hardhat account 19) */
  casino: getAddress("0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"),
};
const MINT = 1_000_000n * 10n ** 6n;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

/** Starts `hardhat node` on 127.0.0.1 (a free port) and waits until it answers. */
export async function startNode(): Promise<{ url: string; stop: () => Promise<void> }> {
  const bin = path.join(ROOT, "node_modules", ".bin", "hardhat");
  if (!existsSync(bin)) {
    throw new ConfigError(`cannot start a local chain: ${bin} is missing`, { fix: "run npm install in the TierGuard package, or pass --rpc <url> of a local node" });
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d) => (err += d.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(t);
  };
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new TierGuardError(`hardhat node exited with code ${child.exitCode}`, { details: err.split("\n").filter(Boolean).slice(-5), fix: "run it by hand (npx hardhat node) to see why" });
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) return { url, stop };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new TierGuardError(`hardhat node did not answer at ${url} within 40 s`, { fix: "run it by hand (npx hardhat node) to see why" });
}

const usd = (v: bigint) => `$${formatDecimal(v)}`;

export async function demo(args: CommandArgs<"demo">, ctx: Context): Promise<Output> {
  const started = Date.now();
  const given = ctx.globals.rpc;
  const log = (s: string) => void (ctx.globals.json ? undefined : process.stderr.write(`${s}\n`));
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  try {
    if (!given) {
      log("starting a local hardhat node ...");
      node = await startNode();
    }
    const url = given ?? node!.url;
    const c = await connect({ rpc: url, vars: {}, fromBlock: 0n });
    if (c.chain.id !== 31337 && c.chain.id !== 1337) {
      throw new ConfigError(`the demo runs on a local development chain; ${url} is chain ${c.chain.id}`, { fix: "pass --rpc of a hardhat/anvil node, or no --rpc to start one" });
    }
    const pc = c.publicClient;
    const testClient = createTestClient({ chain: c.chain, mode: "hardhat", transport: http(url) });
    const acct = (i: number) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i });
    const owners = [acct(0), acct(1), acct(2)];
    const agentKey = acct(3);
    const ow = owners.map((o) => c.walletClient(o));
    const wait = async (hash: Hex) => {
      const r = await pc.waitForTransactionReceipt({ hash });
      if (r.status !== "success") throw new TierGuardError(`demo transaction ${hash} reverted`);
      return r;
    };
    const deployOne = async (abi: readonly unknown[], bytecode: Hex, ctorArgs: readonly unknown[]) => {
      const r = await wait(await ow[0].deployContract({ abi, bytecode, args: ctorArgs } as never));
      return { address: getAddress(r.contractAddress!), block: r.blockNumber };
    };

    // 1. wallet + mocks
    const { address: wallet, block: deployBlock } = await deployOne(tierGuardWalletAbi, tierGuardWalletBytecode, [owners.map((o) => o.address), 2]);
    const usdc = (await deployOne(mockErc20Abi, mockErc20Bytecode, ["Mock USD Coin", "USDC", 6])).address;
    const eurc = (await deployOne(mockErc20Abi, mockErc20Bytecode, ["Mock Euro Coin", "EURC", 6])).address;
    const feed = (await deployOne(mockPriceFeedAbi, mockPriceFeedBytecode, [8, 108_000_000n])).address;
    for (const token of [usdc, eurc]) {
      await wait(await ow[0].writeContract({ address: token, abi: mockErc20Abi, functionName: "mint", args: [wallet, MINT] } as never));
    }

    // 2. policy + session key
    const policy = await loadPolicyFile(POLICY, { vars: { USDC: usdc, EURC: eurc, EURC_USD_FEED: feed } });
    const owner0 = createOwnerClient({ publicClient: pc, walletClient: ow[0], wallet, fromBlock: deployBlock });
    const owner1 = createOwnerClient({ publicClient: pc, walletClient: ow[1], wallet, fromBlock: deployBlock });
    const applied = await applyPolicy({ publicClient: pc, owner: owner0, policy, signers: [ow[0], ow[1]] });
    const now = Number((await pc.getBlock({ blockTag: "latest" })).timestamp);
    await owner0.applyCalls([ownerCalls.grantSessionKey(agentKey.address, "procurement-agent-prod", now + 30 * 86_400)], [ow[0], ow[1]]);

    const lines: string[] = [
      `TierGuard demo: the article's four autonomy tiers on a local chain (${given ? url : "hardhat node started for the demo"})`,
      `  wallet ${wallet}: 2-of-3 owners, 1,000,000 mock USDC; policy examples/policy.yaml (${applied.changes.length} changes, one owner action)`,
      `  agent "procurement-agent-prod" holds session key ${agentKey.address}`,
      "",
      "The agent's day:",
    ];
    const agent = createAgentClient({ publicClient: pc, walletClient: c.walletClient(agentKey), wallet, token: usdc, fromBlock: deployBlock });
    const pay = async (amount: string, category: string, recipient: Address, justification: string): Promise<AuthorizeResult> => {
      const r = await agent.authorize({ amount, category, recipient, justification, token: usdc });
      lines.push(`  ${usd(r.value).padStart(8)} ${category.padEnd(12)} -> ${r.tier.padEnd(13)} ${r.status}${r.tier === "prohibited" ? ` (${r.reason})` : ""}`);
      return r;
    };
    const emb = await pay("0.02", "embeddings", VENDORS.embeddings, "embedding batch for customer search index");
    const srch = await pay("0.50", "search", VENDORS.search, "web search for vendor due diligence");
    const data = await pay("4.99", "data_access", VENDORS.data, "monthly market data subscription");
    const burst = await pay("47.00", "compute", VENDORS.compute, "GPU burst for quarterly forecast run");
    const hire = await pay("89.00", "agent_hire", VENDORS.analysisAgent, "EURC liquidity analysis for MiCA compliance report");
    const hire2 = await pay("120.00", "agent_hire", VENDORS.analysisAgent, "second opinion on the liquidity analysis");
    const bet = await pay("25.00", "gambling", VENDORS.casino, "'hedging' at an online casino");

    lines.push("", "Owners at work:");
    await owner1.veto(data.intentId);
    lines.push(`  owner 2 vetoes the ${usd(data.value)} data subscription inside its 30 s veto window`);
    await testClient.increaseTime({ seconds: 31 });
    await testClient.mine({ blocks: 1 });
    const ex = await owner0.execute(burst.intentId);
    if (!ex.executed) throw new TierGuardError(`the compute burst did not execute (${ex.refusal?.reason ?? "unknown"})`);
    lines.push(`  the ${usd(burst.value)} compute burst executes after its veto window (nobody vetoed)`);
    const sigs = [await owner0.signApproval(hire.intentId, { signer: ow[0] }), await owner0.signApproval(hire.intentId, { signer: ow[2] })];
    const ap = await owner0.submitApprovals(hire.intentId, sigs);
    if (!ap.executed) throw new TierGuardError(`the agent hire did not execute (${ap.refusal?.reason ?? "unknown"})`);
    lines.push(`  owners 1 and 3 sign the ${usd(hire.value)} agent hire (EIP-712); one call executes it`);
    await testClient.increaseTime({ seconds: 4 * 3600 + 1 });
    await testClient.mine({ blocks: 1 });
    await owner0.expire(hire2.intentId);
    lines.push(`  nobody answers the ${usd(hire2.value)} second hire: after its 4 h timeout it is finalised as expired`);
    lines.push(`  the ${usd(bet.value)} casino payment was blocked at submission; the attempt is on-chain, nothing moved`);

    // 3. indexer: sync, verify, reports
    const store = await openStore();
    let files: string[];
    let verified: { blockNumber: bigint; checked: number };
    let counts: Record<string, number>;
    try {
      const s = await syncStore({ publicClient: pc, wallet, store, fromBlock: deployBlock, quiet: true });
      const v = await verify({ publicClient: pc, wallet, store });
      if (!v.ok) {
        throw new TierGuardError(`the audit trail disagrees with the contract (${v.differences.length} differences)`, {
          details: v.differences.map((d) => d.message),
          fix: "this is a bug in the indexer or the node; report it",
        });
      }
      verified = { blockNumber: v.blockNumber, checked: v.checked };
      const report = await reportFromStore({ publicClient: pc, store, wallet, title: "TierGuard demo: procurement-agent-prod", policy });
      files = writeReportFiles(report, ctx.resolvePath(args.out), ["html", "json", "csv", "md"]);
      const tier = (n: string) => report.totals.find((t) => t.tier === n)!;
      counts = {
        autonomousExecuted: tier("autonomous").executed,
        supervisedExecuted: report.supervised.filter((r) => r.outcome === "executed").length,
        vetoed: report.supervised.filter((r) => r.outcome === "vetoed").length,
        collaborativeExecuted: report.collaborative.filter((r) => r.outcome === "executed").length,
        expired: report.collaborative.filter((r) => r.outcome === "expired").length,
        blocked: report.blocked.length,
      };
      lines.push(
        "",
        `Audit trail: ${s.events} events indexed; verified against the contract at block ${v.blockNumber} (${v.checked} values, no differences)`,
        `  executed: ${counts.autonomousExecuted} autonomous, ${counts.supervisedExecuted} supervised, ${counts.collaborativeExecuted} collaborative; vetoed ${counts.vetoed}, expired ${counts.expired}, blocked ${counts.blocked}`,
      );
    } finally {
      await store.close();
    }
    const outDir = ctx.resolvePath(args.out);
    lines.push(
      `Reports in ${outDir}:`,
      `  ${files.map((f) => path.relative(outDir, f)).join(", ")}`,
      `  open ${path.join(outDir, "report.html")}`,
      "",
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.${node ? " (the local node was stopped; its chain is gone)" : ` Inspect it: tierguard audit verify --rpc ${url} --wallet ${wallet}`}`,
    );
    return {
      text: lines,
      json: {
        rpc: given ?? null,
        wallet,
        deployBlock,
        tokens: { USDC: usdc, EURC: eurc, EURC_USD_FEED: feed },
        intents: {
          embeddings: emb.intentId,
          search: srch.intentId,
          dataAccess: data.intentId,
          computeBurst: burst.intentId,
          agentHire: hire.intentId,
          secondHire: hire2.intentId,
          gambling: bet.intentId,
        },
        verify: { ok: true, ...verified },
        counts,
        out: outDir,
        files,
        elapsedMs: Date.now() - started,
      },
    };
  } finally {
    if (node) await node.stop();
  }
}
