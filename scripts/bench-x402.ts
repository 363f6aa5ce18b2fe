/**
 * x402 benchmark (`npm run bench:x402`, `-- --json` for one JSON object), on a local automining `hardhat node`
 * with the official x402 packages: an API behind `@x402/hono`, an in-process `@x402/evm` facilitator settling on
 * the chain, an EIP-3009 USDC (USDC v2.2's authorization rules, ERC-1271 included).
 * - gas of a whole autonomous x402 payment from a TierGuard wallet (the agent's `authorizeX402` + the
 *   facilitator's `transferWithAuthorization`, which asks the wallet's `isValidSignature`) against a plain x402
 *   `exact` payment from an EOA (the facilitator's `transferWithAuthorization` with an ECDSA signature), same run;
 * - latency from the first request (answered 402) to the 200, p50, for both payers.
 * The wallet is set up with the CLI (deploy --local-mocks, policy apply examples/policy.yaml, keys grant).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createPublicClient, createWalletClient, http, toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { wrapFetchWithPayment, x402Client, decodePaymentResponseHeader } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { startNode } from "./lib/node";
import { startX402Api } from "../test/sdk/helpers/x402-api";
import { mockEip3009TokenAbi } from "../src/abi/MockEIP3009Token";
import { createX402Fetch } from "../src/x402";

const exec = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin/tierguard.js");
const MNEMONIC = "test test test test test test test test test test test junk";
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const key = (i: number) => toHex(account(i).getHdKey().privateKey!);
const EMBEDDINGS_VENDOR = "0xBcd4042DE499D14e55001CcbB24a551F3b954096" as Address;
const PRICE = 20_000n; // 0.02 USDC: autonomous under examples/policy.yaml

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const json = process.argv.includes("--json");
  const runs = Number(process.env.BENCH_RUNS ?? 20);
  const node = await startNode();
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-x402-bench-"));
  try {
    const env = { ...process.env, TIERGUARD_RPC_URL: node.url, TIERGUARD_OWNER_KEYS: [0, 1, 2].map(key).join(","), TIERGUARD_AGENT_KEY: key(3) };
    const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args], { cwd: dir, env });
    await cli("deploy", "--local-mocks", "--threshold", "2", "--save", "tierguard.json");
    await cli("policy", "apply", path.join(ROOT, "examples/policy.yaml"));
    await cli("keys", "grant", account(3).address, "--agent", "procurement-agent-prod");
    const saved = JSON.parse(readFileSync(path.join(dir, "tierguard.json"), "utf8")) as { wallet: Address; vars: { USDC: Address } };
    const usdc = saved.vars.USDC;

    const transport = http(node.url);
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 50 });
    const walletFor = (i: number) => createWalletClient({ chain: hardhat, transport, account: account(i), pollingInterval: 50 });
    const eoa = account(16);
    await publicClient.waitForTransactionReceipt({
      hash: await walletFor(0).writeContract({ address: usdc, abi: mockEip3009TokenAbi, functionName: "mint", args: [eoa.address, 10n ** 12n] }),
    });
    const api = await startX402Api({
      chain: hardhat,
      transport,
      facilitator: account(17),
      token: usdc,
      payTo: EMBEDDINGS_VENDOR,
      prices: { "/embed": PRICE },
      domain: { name: "Mock USD Coin", version: "2" },
    });
    const eoaFetch = wrapFetchWithPayment(fetch, new x402Client().register(api.network, new ExactEvmScheme(eoa)).setSpendControls({ allowedAssets: true }));
    const agentFetch = createX402Fetch({ publicClient, walletClient: walletFor(3), wallet: saved.wallet });
    const gasOf = async (hash: Hex) => (await publicClient.getTransactionReceipt({ hash })).gasUsed;

    const eoaMs: number[] = [];
    const agentMs: number[] = [];
    const eoaGas: bigint[] = [];
    const authorizeGas: bigint[] = [];
    const settleGas: bigint[] = [];
    // One warm-up round each (first use of accounts and storage), then interleaved measured rounds.
    for (let i = -1; i < runs; i++) {
      let t = performance.now();
      const res = await eoaFetch(`${api.url}/embed`);
      const eoaElapsed = performance.now() - t;
      if (res.status !== 200) throw new Error(`the EOA's payment got HTTP ${res.status}`);
      const settled = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);

      t = performance.now();
      const r = await agentFetch(`${api.url}/embed`, undefined, { category: "embeddings", justification: "bench" });
      const agentElapsed = performance.now() - t;
      if (r.status !== "ok" || !r.payment?.authorizationTx) throw new Error(`the wallet's payment ended ${r.status}`);
      if (i < 0) continue;
      eoaMs.push(eoaElapsed);
      agentMs.push(agentElapsed);
      eoaGas.push(await gasOf(settled.transaction as Hex));
      authorizeGas.push(await gasOf(r.payment.authorizationTx));
      settleGas.push(await gasOf(r.payment.transaction));
    }
    await api.close();

    const med = (xs: bigint[]) => Number(median(xs.map(Number)));
    const result = {
      runs,
      eoaExactPaymentGas: med(eoaGas),
      tierguardAuthorizeGas: med(authorizeGas),
      tierguardSettleGas: med(settleGas),
      tierguardTotalGas: med(authorizeGas) + med(settleGas),
      tierguardVsEoaGasRatio: round((med(authorizeGas) + med(settleGas)) / med(eoaGas), 2),
      eoa402To200MsP50: round(median(eoaMs)),
      tierguard402To200MsP50: round(median(agentMs)),
    };
    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    console.log(`x402 benchmark (node ${process.version}; ${runs} payments of 0.02 USDC each way, local hardhat node, automine)\n`);
    console.table([
      { metric: "EOA x402 exact payment (baseline)", gas: result.eoaExactPaymentGas, detail: "facilitator's transferWithAuthorization, ECDSA signature" },
      { metric: "TierGuard: authorizeX402", gas: result.tierguardAuthorizeGas, detail: "agent's session key: classify, count, record the digest" },
      { metric: "TierGuard: settlement", gas: result.tierguardSettleGas, detail: "facilitator's transferWithAuthorization -> wallet isValidSignature" },
      { metric: "TierGuard: whole payment", gas: result.tierguardTotalGas, detail: `${result.tierguardVsEoaGasRatio}x the EOA's payment` },
    ]);
    console.table([
      { metric: "EOA: 402 -> 200 p50", ms: result.eoa402To200MsP50, detail: "@x402/fetch: request, 402, sign, retry, verify + settle, 200" },
      { metric: "TierGuard: 402 -> 200 p50", ms: result.tierguard402To200MsP50, detail: "+ preview and the authorizeX402 transaction" },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await node.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
