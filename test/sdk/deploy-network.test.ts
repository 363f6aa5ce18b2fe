/**
 * Deploying to a non-local chain: a `hardhat node` answering as chain 84532 stands in for Base Sepolia, with
 * test stand-ins of Circle's USDC/EURC and Chainlink's ETH/USD feed placed at their real Base Sepolia addresses.
 * The built CLI runs as a separate process with a fresh random deployer key and the owners' addresses only, and
 * nothing local-only may leak in: no mocks deployed, no Hardhat dev account paying or owning, the token and feed
 * addresses those of the policy file (examples/policy.base-sepolia.yaml).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeFunctionData,
  defineChain,
  http,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { mockErc20Abi, mockErc20Bytecode } from "../../src/abi/MockERC20";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../src/abi/MockPriceFeed";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { devAccountIndex } from "../../src/cli/commands/dev-accounts";
import { cli, json, noStack, ROOT } from "./helpers/cli";
import { startNode } from "../../scripts/lib/node";

const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const EURC = "0x808456652fdb597867f38412077A9182bf77359F";
const ETH_USD_FEED = "0x4aDC67696bA383F43DD60A9e78F2C97Fbbfc7cb1";
const POLICY = path.join(ROOT, "examples/policy.base-sepolia.yaml");
const DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("deploy to a non-local chain (84532 standing in for Base Sepolia)", () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-deploy-"));
  const deployerKey = generatePrivateKey();
  const deployer = privateKeyToAccount(deployerKey).address;
  const ownerKeys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
  const owners = ownerKeys.map((k) => privateKeyToAccount(k).address);
  const vendor = privateKeyToAccount(generatePrivateKey()).address;
  const vars = [
    "--var",
    `OWNER_1=${owners[0]}`,
    "--var",
    `OWNER_2=${owners[1]}`,
    "--var",
    `OWNER_3=${owners[2]}`,
    "--var",
    `VENDOR=${vendor}`,
  ];
  let pc: ReturnType<typeof createPublicClient>;
  const nonce = (a: Address) => pc.getTransactionCount({ address: a });
  const run = (args: string[], env: Record<string, string> = {}) =>
    cli([...args, "--rpc", node.url], { cwd: dir, env });

  beforeAll(async () => {
    node = await startNode({ config: path.join(ROOT, "test/fixtures/base-sepolia/hardhat.config.js") });
    const chain = defineChain({
      id: 84532,
      name: "stand-in",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    });
    const transport = http(node.url);
    pc = createPublicClient({ chain, transport, pollingInterval: 50 });
    const test = createTestClient({ chain, transport, mode: "hardhat" });
    // The token issuer and the feed are someone else's: a throwaway key deploys stand-ins, whose code is then
    // placed at the real Base Sepolia addresses.
    const issuer = privateKeyToAccount(generatePrivateKey());
    await test.setBalance({ address: issuer.address, value: 10n ** 18n });
    await test.setBalance({ address: deployer, value: 10n ** 18n });
    const w = createWalletClient({ chain, transport, account: issuer });
    const place = async (at: Address, abi: readonly unknown[], bytecode: Hex, args: readonly unknown[]) => {
      const receipt = await pc.waitForTransactionReceipt({
        hash: await w.deployContract({ abi, bytecode, args } as never),
      });
      await test.setCode({ address: at, bytecode: (await pc.getCode({ address: receipt.contractAddress! }))! });
    };
    await place(USDC, mockErc20Abi, mockErc20Bytecode, ["USDC", "USDC", 6]);
    await place(EURC, mockErc20Abi, mockErc20Bytecode, ["EURC", "EURC", 6]);
    await place(ETH_USD_FEED, mockPriceFeedAbi, mockPriceFeedBytecode, [8, 3_000n * 10n ** 8n]);
  }, 60_000);
  afterAll(() => node?.stop());

  it("refuses mocks, dev accounts and a policy without code on the chain, before sending anything", async () => {
    const mocks = await run(["deploy", "--owners", owners.join(","), "--threshold", "2", "--local-mocks"], {
      TIERGUARD_DEPLOYER_KEY: deployerKey,
    });
    expect(mocks.code).toBe(1);
    expect(mocks.stderr).toContain("chain 84532 is not a local chain");

    const dev = await run(["deploy", "--policy", POLICY, ...vars], { TIERGUARD_DEPLOYER_KEY: DEV_KEY_0 });
    expect(dev.code).toBe(1);
    expect(dev.stderr).toContain("Hardhat dev account #0");
    expect(dev.stderr).toContain("public dev mnemonic");
    noStack(dev);

    // The example policy with the local example's placeholders: the addresses given have no code here.
    const [u, e, f] = [1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey()).address);
    const wrong = await run(
      [
        "deploy",
        "--policy",
        path.join(ROOT, "examples/policy.yaml"),
        "--var",
        `USDC=${u}`,
        "--var",
        `EURC=${e}`,
        "--var",
        `EURC_USD_FEED=${f}`,
      ],
      {
        TIERGUARD_DEPLOYER_KEY: deployerKey,
      },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("tokens.USDC.address");
    expect(wrong.stderr).toContain("nothing was deployed");
    expect(await nonce(deployer)).toBe(0);
  });

  it("deploys only the wallet from one random deployer, owners from the policy, and prepares the first policy for them", async () => {
    const r = await run(["deploy", "--policy", POLICY, ...vars, "--save", "tierguard.json", "--json"], {
      TIERGUARD_DEPLOYER_KEY: deployerKey,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const d = json(r).result;
    // One transaction from the deployer: the wallet. Nothing else was deployed or minted.
    expect(await nonce(deployer)).toBe(1);
    expect(d.mocks).toEqual({});
    expect(d.chainId).toBe(84532);
    expect(d.deployer).toBe(deployer);
    expect(d.owners).toEqual(owners);
    expect(d.threshold).toBe(2);
    for (const a of [d.deployer, ...d.owners]) expect(devAccountIndex(a)).toBeUndefined();
    expect(Number(d.gasUsed)).toBeGreaterThan(1_000_000);
    expect(d.runtimeBytecodeBytes).toBeGreaterThan(10_000);
    expect(d.runtimeBytecodeBytes).toBeLessThanOrEqual(24_576);
    expect(await pc.getCode({ address: d.extension })).not.toBe("0x");
    expect(await pc.readContract({ address: d.wallet, abi: tierGuardWalletAbi, functionName: "owners" })).toEqual(
      owners,
    );

    // The deployment file, and the config file later commands read.
    const file = JSON.parse(readFileSync(path.join(dir, d.deployment), "utf8"));
    expect(file).toMatchObject({
      format: "tierguard-deployment/1",
      wallet: d.wallet,
      chainId: 84532,
      gasUsed: d.gasUsed,
      constructorArgs: [owners, 2],
    });
    const config = JSON.parse(readFileSync(path.join(dir, "tierguard.json"), "utf8"));
    expect(config).toMatchObject({ wallet: d.wallet, chainId: 84532 });
    expect(config.vars).toEqual({});

    // The first policy is an owner action file: its token calls carry the policy's Base Sepolia addresses.
    const actionFile = path.join(dir, d.firstPolicy.actionFile);
    expect(existsSync(actionFile)).toBe(true);
    const action = JSON.parse(readFileSync(actionFile, "utf8"));
    const tokenArgs = (action.typedData.message.calls as Hex[])
      .map((data) => decodeFunctionData({ abi: tierGuardWalletAbi, data }))
      .filter((c) => c.functionName === "configureToken")
      .map((c) => (c.args as readonly unknown[]).map(String));
    expect(tokenArgs.map((a) => a[0])).toEqual(
      expect.arrayContaining([USDC, EURC, "0x0000000000000000000000000000000000000000"]),
    );
    expect(JSON.stringify(tokenArgs)).toContain(BigInt(ETH_USD_FEED).toString());

    // Two owners sign on their own (one process, one key each); the deployer, not an owner, submits.
    for (const k of ownerKeys.slice(0, 2)) {
      const s = await cli(["owner", "sign", d.firstPolicy.actionFile, "--config", "tierguard.json"], {
        cwd: dir,
        env: { TIERGUARD_OWNER_KEYS: k },
      });
      expect(s.stderr).toBe("");
      expect(s.code).toBe(0);
    }
    const submitted = await cli(["owner", "submit", d.firstPolicy.actionFile, "--config", "tierguard.json"], {
      cwd: dir,
      env: { TIERGUARD_AGENT_KEY: deployerKey },
    });
    expect(submitted.stderr).toBe("");
    expect(submitted.code).toBe(0);
    const plan = await cli(["policy", "plan", POLICY, ...vars, "--config", "tierguard.json"], { cwd: dir });
    expect(plan.stdout).toContain("nothing to change");
  });
  it("a browser or hardware wallet signs the typed data; owner add-signature checks each signature before it joins the file", async () => {
    const cfg = ["--config", "tierguard.json"];
    const guardian = privateKeyToAccount(generatePrivateKey()).address;
    const prepared = await cli(["owner", "add-guardian", guardian, "--prepare", "g.json", ...cfg], { cwd: dir });
    expect(prepared.code).toBe(0);
    // Offline: what eth_signTypedData_v4 takes.
    const td = await cli(["owner", "inspect", "g.json", "--typed-data"], { cwd: dir });
    expect(td.code).toBe(0);
    const typed = JSON.parse(td.stdout);
    expect(typed).toMatchObject({
      primaryType: "OwnerAction",
      domain: { name: "TierGuardWallet", version: "1", chainId: 84532 },
    });
    expect(typed.types.EIP712Domain).toHaveLength(4);
    // What a wallet returns for that JSON (optionally edited first, as a wrong or malicious request would be).
    const sign = (key: Hex, edit: (t: typeof typed) => void = () => {}) => {
      const t = structuredClone(typed);
      edit(t);
      const { EIP712Domain: _domain, ...types } = t.types;
      const message = { calls: t.message.calls, nonce: BigInt(t.message.nonce), deadline: BigInt(t.message.deadline) };
      return privateKeyToAccount(key).signTypedData({ domain: t.domain, types, primaryType: "OwnerAction", message });
    };
    const add = (signer: Address, signature: Hex) =>
      cli(["owner", "add-signature", "g.json", "--signer", signer, "--signature", signature, ...cfg], { cwd: dir });
    const outsider = generatePrivateKey();
    const a = ownerKeys[0];
    const refused = await Promise.all([
      add(privateKeyToAccount(outsider).address, await sign(outsider)),
      add(owners[0], await sign(a, (t) => (t.domain.chainId = 31337))),
      add(owners[0], await sign(a, (t) => (t.domain.verifyingContract = vendor))),
      add(owners[0], await sign(a, (t) => (t.message.nonce = String(BigInt(t.message.nonce) + 1n)))),
      add(
        owners[0],
        await sign(
          a,
          (t) =>
            (t.message.calls = t.message.calls.map((x: string) =>
              x.replace(guardian.slice(2).toLowerCase(), vendor.slice(2).toLowerCase()),
            )),
        ),
      ),
      add(owners[1], await sign(a)),
    ]);
    for (const r of refused) {
      expect(r.code).toBe(1);
      noStack(r);
    }
    expect(refused[0].stderr).toContain("is not an owner of the wallet");
    for (const r of refused.slice(1)) expect(r.stderr).toContain("was not made by");
    expect(JSON.parse(readFileSync(path.join(dir, "g.json"), "utf8")).signatures).toEqual([]);

    for (const i of [0, 1]) {
      const r = await add(owners[i], await sign(ownerKeys[i]));
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const submitted = await cli(["owner", "submit", "g.json", ...cfg], {
      cwd: dir,
      env: { TIERGUARD_AGENT_KEY: deployerKey },
    });
    expect(submitted.code).toBe(0);
    const wallet = JSON.parse(readFileSync(path.join(dir, "tierguard.json"), "utf8")).wallet;
    expect(
      await pc.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "isGuardian", args: [guardian] }),
    ).toBe(true);
  });
});
