/**
 * The commands: thin shells over the SDK. Each takes its parsed arguments and a context (settings, connection,
 * keys) and returns what to print: text lines for people, a JSON value for machines. Errors are thrown as
 * TierGuard errors; the runner prints them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { getAddress, hexToString, isAddress, zeroAddress, type Address, type Hex, type PrivateKeyAccount } from "viem";
import { tierGuardWalletAbi, tierGuardWalletBytecode } from "../abi/TierGuardWallet";
import { mockErc20Abi, mockErc20Bytecode } from "../abi/MockERC20";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../abi/MockPriceFeed";
import { TierGuardError } from "../errors";
import { loadPolicyFile } from "../policy/load";
import { planPolicy, readWalletConfig } from "../policy/plan";
import { PolicyError, type Policy } from "../policy/schema";
import { formatDecimal, formatDuration } from "../policy/units";
import { TIER_ID, TRUST_NAME_OF } from "../policy/compile";
import { createAgentClient } from "../client/agent";
import { createOwnerClient, ownerCalls, type OwnerClient } from "../client/owner";
import { decodeError, withRetry } from "../client/errors";
import {
  decisionFrom,
  decodeMisses,
  findSubmission,
  lifecycleLogs,
  readIntentStatus,
  REASON_NAMES,
  SUBMIT_STATUS,
  type Submission,
} from "../client/intents";
import type { OwnerSignature } from "../client/signing";
import {
  agentAccount,
  anyAccount,
  connect,
  isLocalChain,
  ownerAccounts,
  requireWalletAddress,
  resolveSettings,
  type Connection,
  type Env,
  type Settings,
} from "./connection";
import { ConfigError, UsageError } from "./errors";
import type { Command, CommandArgs, CommandName, Globals } from "./spec";
import { auditFollow, auditReport, auditServe, auditSync, auditVerify } from "./audit";
import { demo } from "./demo";

export interface Output {
  /** lines for people */
  text: string[];
  /** the same for machines (`--json`) */
  json: unknown;
}

/** What a command may use; everything is lazy so that offline commands never touch the network. */
export class Context {
  private settingsCache?: Settings;
  private connCache?: Promise<Connection>;
  private walletCache?: Promise<Address>;

  constructor(
    readonly globals: Globals,
    readonly env: Env,
    readonly cwd: string,
  ) {}

  get settings(): Settings {
    return (this.settingsCache ??= resolveSettings(this.globals, this.env, this.cwd));
  }

  conn(): Promise<Connection> {
    return (this.connCache ??= connect(this.settings));
  }

  /** The wallet's address, checked to hold a contract on the connected chain. */
  wallet(): Promise<Address> {
    return (this.walletCache ??= (async () => {
      const wallet = requireWalletAddress(this.settings);
      const c = await this.conn();
      const code = await withRetry(() => c.publicClient.getCode({ address: wallet }));
      if (!code || code === "0x") {
        throw new ConfigError(`no contract at ${wallet} on chain ${c.chain.id} (${c.url})`, {
          fix: "check the wallet address (--wallet, TIERGUARD_WALLET or the config) and that --rpc points at the network it was deployed on",
        });
      }
      return wallet;
    })());
  }

  resolvePath(file: string): string {
    return path.resolve(this.cwd, file);
  }

  /** `--var` values over the config's `vars`. */
  vars(extra: Record<string, string>): Record<string, string> {
    return { ...this.settings.vars, ...extra };
  }
}

const short = (a: string) => `${a.slice(0, 6)}..${a.slice(-4)}`;
const iso = (unixSeconds: number | bigint) => new Date(Number(unixSeconds) * 1000).toISOString().replace(".000Z", "Z");
const pad = (s: string, n: number) => s.padEnd(n);
const rows = (pairs: [string, string][]) => {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${pad(`${k}:`, w)}${v}`);
};
const bytes32Name = (h: Hex) => {
  try {
    const s = hexToString(h, { size: 32 }).replace(/\0+$/, "");
    return /^[\x20-\x7e]+$/.test(s) ? s : h;
  } catch {
    return h;
  }
};

/*//////////////////////////////////////////////////////////////
                              HELPERS
//////////////////////////////////////////////////////////////*/

async function readWallet<T>(ctx: Context, functionName: string, args: readonly unknown[] = []): Promise<T> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return withRetry(
    () => c.publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName, args } as never) as Promise<T>,
  );
}

async function ownerClientFor(ctx: Context, account: PrivateKeyAccount | Address): Promise<OwnerClient> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return createOwnerClient({
    publicClient: c.publicClient,
    walletClient: c.walletClient(account),
    wallet,
    fromBlock: ctx.settings.fromBlock,
  });
}

/**
 * The owner keys given, checked against the wallet: every key must be an owner (or, with `guardians`, a
 * guardian), and at least `min` of them ("threshold": the wallet's M).
 */
async function ownerSigners(
  ctx: Context,
  opts: { min?: number | "threshold"; guardians?: boolean } = {},
): Promise<{ accounts: PrivateKeyAccount[]; threshold: number; owners: readonly Address[] }> {
  const accounts = ownerAccounts(ctx.settings, ctx.env);
  const wallet = await ctx.wallet();
  const [owners, settings] = await Promise.all([
    readWallet<readonly Address[]>(ctx, "owners"),
    readWallet<{ threshold: number }>(ctx, "settings"),
  ]);
  const isOwner = (a: Address) => owners.some((o) => o.toLowerCase() === a.toLowerCase());
  for (const acc of accounts) {
    if (isOwner(acc.address)) continue;
    if (opts.guardians && (await readWallet<boolean>(ctx, "isGuardian", [acc.address]))) continue;
    throw new ConfigError(`the key for ${acc.address} is not an owner${opts.guardians ? " or guardian" : ""} of wallet ${wallet}`, {
      fix: `use owner keys (owners: ${owners.join(", ")}); check TIERGUARD_OWNER_KEYS or --key-file`,
    });
  }
  const min = opts.min === "threshold" ? settings.threshold : (opts.min ?? 1);
  if (accounts.length < min) {
    throw new ConfigError(`${accounts.length} owner key${accounts.length === 1 ? "" : "s"} given; this needs ${min} owner signatures (${settings.threshold}-of-${owners.length} wallet)`, {
      fix: `give ${min} distinct owner keys in TIERGUARD_OWNER_KEYS (comma-separated) or in the --key-file`,
    });
  }
  return { accounts, threshold: settings.threshold, owners };
}

/** Loads a policy, turning "placeholder has no value" problems into a CLI fix. */
async function loadPolicy(ctx: Context, file: string, vars: Record<string, string>): Promise<Policy> {
  try {
    return await loadPolicyFile(ctx.resolvePath(file), { vars: ctx.vars(vars) });
  } catch (e) {
    if (e instanceof PolicyError) {
      const problems = e.problems.map((p) => {
        const m = /^placeholder \$\{(\w+)\} has no value/.exec(p.message);
        return m ? { ...p, message: `placeholder \${${m[1]}} has no value; pass --var ${m[1]}=0x... or add ${m[1]} to the config's vars` } : p;
      });
      const placeholder = e.problems.some((p) => p.message.includes("placeholder"));
      throw new PolicyError(problems, {
        source: file,
        cause: e.cause,
        fix: placeholder
          ? 'give each placeholder a value: --var NAME=0x... (repeatable) or "vars" in the config file (deploy --save writes them)'
          : (e.fix ?? "correct each field listed above"),
      });
    }
    throw e;
  }
}

/** An intent's submission, or a clear error for an unknown id. */
async function requireIntent(ctx: Context, intentId: Hex): Promise<Submission> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const sub = await findSubmission(c.publicClient, wallet, intentId, { fromBlock: ctx.settings.fromBlock });
  if (!sub) {
    throw new TierGuardError(`no intent ${intentId} was submitted to wallet ${wallet}`, {
      fix: `check the id ("agent authorize" prints it, "owner pending" lists the waiting ones), the wallet and --from-block`,
    });
  }
  return sub;
}

function settleLines(r: { txHash: Hex; executed: boolean; refusal?: { reason: string; closed: boolean } }, what: string): string[] {
  if (r.executed) return [`${what}: executed (paid)`, `tx: ${r.txHash}`];
  if (r.refusal) return [`${what}: refused (${r.refusal.reason}${r.refusal.closed ? ", closed" : ", may be retried"})`, `tx: ${r.txHash}`];
  return [`${what}: recorded, not executed yet`, `tx: ${r.txHash}`];
}

/*//////////////////////////////////////////////////////////////
                              COMMANDS
//////////////////////////////////////////////////////////////*/

type Handler<K extends CommandName> = (args: CommandArgs<K>, ctx: Context) => Promise<Output>;
type Handlers = { [K in CommandName]: Handler<K> };

const MOCK_MINT = 1_000_000n * 10n ** 6n;
const EURC_USD = 108_000_000n; // 1.08 with 8 decimals

async function deploy(args: CommandArgs<"deploy">, ctx: Context): Promise<Output> {
  const c = await ctx.conn();
  const keys = ownerAccounts(ctx.settings, ctx.env);
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

async function policyValidate(args: CommandArgs<"policy validate">, ctx: Context): Promise<Output> {
  const policy = await loadPolicy(ctx, args.file, args.var);
  const summary = {
    categories: policy.categories.length,
    tiers: policy.tiers.map((t) => t.name),
    tokens: Object.keys(policy.tokens),
    recipients: policy.recipients.length,
    owners: policy.owners?.length ?? null,
    threshold: policy.threshold ?? null,
  };
  return {
    text: [
      `${args.file}: valid`,
      ...rows([
        ["tiers", summary.tiers.join(", ")],
        ["categories", String(summary.categories)],
        ["tokens", summary.tokens.join(", ") || "none"],
        ["recipients", String(summary.recipients)],
        ["owners", policy.owners ? `${policy.threshold}-of-${policy.owners.length}` : "not managed by this policy"],
      ]),
    ],
    json: { valid: true, file: args.file, ...summary },
  };
}

async function plan(ctx: Context, args: { file: string; var: Record<string, string>; allowRemoveCategories: boolean }) {
  const policy = await loadPolicy(ctx, args.file, args.var);
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return { wallet, plan: await planPolicy({ publicClient: c.publicClient, wallet, policy, allowRemoveCategories: args.allowRemoveCategories }) };
}

async function policyPlan(args: CommandArgs<"policy plan">, ctx: Context): Promise<Output> {
  const { wallet, plan: p } = await plan(ctx, args);
  const text = p.empty
    ? [`nothing to change: wallet ${wallet} matches ${args.file}`]
    : [`${p.changes.length} change${p.changes.length === 1 ? "" : "s"} to make wallet ${wallet} match ${args.file}:`, ...p.changes.map((ch) => `  ~ ${ch}`), `apply with: tierguard policy apply ${args.file}`];
  return { text, json: { wallet, file: args.file, empty: p.empty, changes: p.changes, calls: p.calls } };
}

async function policyApply(args: CommandArgs<"policy apply">, ctx: Context): Promise<Output> {
  const { wallet, plan: p } = await plan(ctx, args);
  if (p.empty) {
    return { text: [`nothing to change: wallet ${wallet} matches ${args.file}`], json: { wallet, file: args.file, empty: true, changes: [], txHash: null } };
  }
  const { accounts, threshold } = await ownerSigners(ctx, { min: "threshold" });
  const signers = accounts.slice(0, threshold);
  const c = await ctx.conn();
  const owner = await ownerClientFor(ctx, signers[0]);
  const { txHash } = await owner.applyCalls(p.calls, signers.map((s) => c.walletClient(s)));
  return {
    text: [
      `applied ${p.changes.length} change${p.changes.length === 1 ? "" : "s"} in one owner action signed by ${signers.map((s) => short(s.address)).join(", ")}:`,
      ...p.changes.map((ch) => `  ~ ${ch}`),
      `tx: ${txHash}`,
    ],
    json: { wallet, file: args.file, empty: false, changes: p.changes, signers: signers.map((s) => s.address), txHash },
  };
}

async function policyShow(_args: CommandArgs<"policy show">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const [cfg, settings] = await Promise.all([
    readWalletConfig(c.publicClient, wallet),
    readWallet<{ paused: boolean; policyVersion: number }>(ctx, "settings"),
  ]);
  const catNames = (mask: bigint) => cfg.categories.filter((x) => (mask >> BigInt(x.id)) & 1n).map((x) => x.name).join(", ") || "none";
  const text = [
    ...rows([
      ["wallet", wallet],
      ["paused", String(settings.paused)],
      ["policyVersion", String(settings.policyVersion)],
      ["owners", `${cfg.owners?.join(", ")} (threshold ${cfg.threshold})`],
      ["categories", cfg.categories.map((x) => `${x.id}:${x.name}`).join(" ") || "none"],
    ]),
    "tiers:",
    ...(["autonomous", "supervised", "collaborative"] as const).map((t) => {
      const r = cfg.tiers[t];
      const b = cfg.budgets[t];
      if (r.categories === 0n) return `  ${t}: off`;
      return `  ${t}: max ${formatDecimal(r.maxValue)}, ${catNames(r.categories)}, min trust ${TRUST_NAME_OF[r.minTrust]}` +
        (r.period ? `, ${r.maxCount} per ${formatDuration(r.period)}` : "") +
        (t === "supervised" ? `, veto ${formatDuration(r.window)}, grace ${formatDuration(r.grace)}` : "") +
        (t === "collaborative" ? `, timeout ${formatDuration(r.window)}` : "") +
        (b.max ? `, budget ${formatDecimal(b.max)} per ${formatDuration(b.period)}` : "");
    }),
    `  prohibited: ${catNames(cfg.prohibitions.categories)}; trust ${[0, 1, 2].filter((i) => (cfg.prohibitions.trustMask >> i) & 1).map((i) => TRUST_NAME_OF[i]).concat("blocked").join(", ")}`,
    `  unmatched -> ${cfg.unmatchedTier === TIER_ID.prohibited ? "prohibited" : "collaborative"}; autoPromote ${cfg.autoPromote}`,
    `tokens:${cfg.tokens.length ? "" : " none"}`,
    ...cfg.tokens.map((t) => `  ${t.address} ${t.kind === 1 ? `fixed ${formatDecimal(t.source, 18)}` : `feed ${getAddress(`0x${t.source.toString(16).padStart(40, "0")}`)} max age ${formatDuration(t.maxStaleness)}`}`),
    `recipients:${cfg.recipients.length ? "" : " none"}`,
    ...cfg.recipients.map((r) => `  ${r.address} ${TRUST_NAME_OF[r.trust]}`),
  ];
  return { text, json: { wallet, paused: settings.paused, policyVersion: settings.policyVersion, ...cfg } };
}

async function keysGrant(args: CommandArgs<"keys grant">, ctx: Context): Promise<Output> {
  const { accounts, threshold } = await ownerSigners(ctx, { min: "threshold" });
  const c = await ctx.conn();
  const now = Number((await withRetry(() => c.publicClient.getBlock({ blockTag: "latest" }))).timestamp);
  const validUntil = args.validUntil ?? now + (args.validFor ?? 30 * 86_400);
  if (validUntil <= now) throw new UsageError(`--valid-until ${iso(validUntil)} is in the past (chain time ${iso(now)})`, { fix: "give a future time" });
  const signers = accounts.slice(0, threshold);
  const owner = await ownerClientFor(ctx, signers[0]);
  const { txHash } = await owner.applyCalls([ownerCalls.grantSessionKey(args.key, args.agent, validUntil)], signers.map((s) => c.walletClient(s)));
  return {
    text: [`granted session key ${args.key} to agent ${args.agent} until ${iso(validUntil)}`, `tx: ${txHash}`],
    json: { key: args.key, agent: args.agent, validUntil, txHash },
  };
}

async function keysRevoke(args: CommandArgs<"keys revoke">, ctx: Context): Promise<Output> {
  const { accounts } = await ownerSigners(ctx);
  const owner = await ownerClientFor(ctx, accounts[0]);
  const { txHash } = await owner.revokeKey(args.key);
  return { text: [`revoked session key ${args.key}`, `tx: ${txHash}`], json: { key: args.key, txHash } };
}

async function keysList(_args: CommandArgs<"keys list">, ctx: Context): Promise<Output> {
  const keys = await readWallet<readonly Address[]>(ctx, "sessionKeys");
  const c = await ctx.conn();
  const now = Number((await withRetry(() => c.publicClient.getBlock({ blockTag: "latest" }))).timestamp);
  const list = await Promise.all(
    keys.map(async (key) => {
      const g = await readWallet<{ agentId: Hex; validUntil: number }>(ctx, "sessionKey", [key]);
      return { key, agentId: g.agentId, agent: bytes32Name(g.agentId), validUntil: Number(g.validUntil), expired: Number(g.validUntil) <= now };
    }),
  );
  const text = list.length
    ? list.map((k) => `${k.key}  ${k.agent}  until ${iso(k.validUntil)}${k.expired ? " (expired)" : ""}`)
    : ["no session keys granted"];
  return { text, json: { keys: list } };
}

async function resolveToken(ctx: Context, given: string | undefined): Promise<Address> {
  const name = given ?? ctx.settings.token;
  if (name !== undefined) {
    if (isAddress(name, { strict: false })) return getAddress(name);
    const v = ctx.settings.vars[name];
    if (v && isAddress(v, { strict: false })) return getAddress(v);
    throw new ConfigError(`unknown token "${name}": not an address, and the config's vars have no address named ${name}`, {
      fix: `pass --token <0x address>, or add "${name}" to "vars" in the config file`,
    });
  }
  const tokens = await readWallet<readonly Address[]>(ctx, "tokens");
  if (tokens.length === 1) return tokens[0];
  throw new ConfigError(tokens.length ? `no token given and the wallet accepts ${tokens.length}` : "no token given and the wallet accepts none", {
    fix: tokens.length ? `pass --token <address|NAME> (accepted: ${tokens.join(", ")})` : "apply a policy with tokens first (tierguard policy apply)",
  });
}

const NEXT: Record<string, string> = {
  executed: "paid in the same transaction",
  awaiting_veto_window: "owners may veto during the window; then anyone runs: tierguard intent execute <id>",
  awaiting_approval: "needs M owner approvals: tierguard owner sign <id> --out sigs.json, then owner submit-signatures <id> --signatures sigs.json",
  blocked: "nothing was paid; the attempt is recorded on-chain",
};

async function agentAuthorize(args: CommandArgs<"agent authorize">, ctx: Context): Promise<Output> {
  const key = agentAccount(ctx.settings, ctx.env);
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const token = await resolveToken(ctx, args.token);
  const agent = createAgentClient({ publicClient: c.publicClient, walletClient: c.walletClient(key), wallet, fromBlock: ctx.settings.fromBlock });
  const category = /^\d+$/.test(args.category) ? Number(args.category) : args.category;
  const r = await agent.authorize({ amount: args.amount, category, recipient: args.recipient, justification: args.justification, token });
  const text = rows([
    ["intent", r.intentId],
    ["audit id", r.auditId],
    ["tier", r.tier],
    ["status", r.status],
    ["value", `${formatDecimal(r.value)} (reference currency)`],
    ["reason", r.reason],
    ["misses", r.misses.map((m) => `${m.tier}: ${m.reason}`).join(", ") || "none"],
    ["policy", `version ${r.policyVersion}`],
    ...(r.pending ? [["deadline", iso(r.pending.deadline)] as [string, string]] : []),
    ["tx", r.txHash],
  ]);
  text.push(`next: ${NEXT[r.status]}`.replaceAll("<id>", r.intentId));
  return {
    text,
    json: {
      intentId: r.intentId,
      auditId: r.auditId,
      tier: r.tier,
      status: r.status,
      value: formatDecimal(r.value),
      reason: r.reason,
      misses: r.misses,
      policyVersion: r.policyVersion,
      amount: r.amount,
      token: r.token,
      txHash: r.txHash,
      deadline: r.pending ? r.pending.deadline : null,
    },
  };
}

async function ownerPending(_args: CommandArgs<"owner pending">, ctx: Context): Promise<Output> {
  const owner = await ownerClientFor(ctx, zeroAddress);
  const [items, threshold] = await Promise.all([owner.pending(), owner.threshold()]);
  const text = items.length
    ? items.flatMap((i) => [
        `${i.intentId}`,
        `  ${i.tier} ${i.status}: ${formatDecimal(i.value)} to ${i.recipient} (category ${i.category})` +
          (i.tier === "collaborative" ? `, approvals ${i.approvals.length}/${threshold}` : `, veto window until ${i.notBefore.toISOString()}`) +
          `, deadline ${i.deadline.toISOString()}`,
        `  "${i.justification}"`,
      ])
    : ["no intents waiting"];
  return {
    text,
    json: {
      threshold,
      pending: items.map((i) => ({
        intentId: i.intentId,
        tier: i.tier,
        status: i.status,
        value: formatDecimal(i.value),
        amount: i.amount,
        token: i.token,
        recipient: i.recipient,
        category: i.category,
        justification: i.justification,
        approvals: i.approvals,
        notBefore: i.notBefore.toISOString(),
        deadline: i.deadline.toISOString(),
      })),
    },
  };
}

async function ownerApprove(args: CommandArgs<"owner approve">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const { accounts } = await ownerSigners(ctx);
  const text: string[] = [];
  const results = [];
  for (const acc of accounts) {
    const r = await (await ownerClientFor(ctx, acc)).approve(args.intentId);
    results.push({ owner: acc.address, ...r });
    text.push(...settleLines(r, `approved by ${acc.address}`));
    if (r.executed || r.refusal) break;
  }
  return { text, json: { intentId: args.intentId, approvals: results } };
}

const sigFileSchema = z.object({
  intentId: z.string().optional(),
  signatures: z.array(z.object({ signer: z.string(), signature: z.string() })),
});

function readSigFile(file: string, shown: string): z.output<typeof sigFileSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read signatures from ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      fix: 'pass a file written by "tierguard owner sign <id> --out <file>"',
    });
  }
  const r = sigFileSchema.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(`${shown} is not a signatures file`, { fix: 'pass a file written by "tierguard owner sign <id> --out <file>"' });
  }
  return r.data;
}

async function ownerSign(args: CommandArgs<"owner sign">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const { accounts } = await ownerSigners(ctx);
  const c = await ctx.conn();
  const owner = await ownerClientFor(ctx, accounts[0]);
  const signatures: OwnerSignature[] = [];
  for (const acc of accounts) signatures.push(await owner.signApproval(args.intentId, { signer: c.walletClient(acc) }));
  let total = signatures.length;
  if (args.out) {
    const file = ctx.resolvePath(args.out);
    const prev = existsSync(file) ? readSigFile(file, args.out) : { signatures: [] };
    if (prev.intentId && prev.intentId.toLowerCase() !== args.intentId) {
      throw new ConfigError(`${args.out} holds signatures for another intent (${prev.intentId})`, { fix: "use one file per intent" });
    }
    const merged = [...prev.signatures.filter((p) => !signatures.some((s) => s.signer.toLowerCase() === p.signer.toLowerCase())), ...signatures];
    total = merged.length;
    writeFileSync(file, `${JSON.stringify({ intentId: args.intentId, wallet: await ctx.wallet(), signatures: merged }, null, 2)}\n`);
  }
  const text = signatures.map((s) => `signed by ${s.signer}: ${s.signature}`);
  if (args.out) text.push(`${args.out} now holds ${total} signature${total === 1 ? "" : "s"}; submit with: tierguard owner submit-signatures ${args.intentId} --signatures ${args.out}`);
  return { text, json: { intentId: args.intentId, signatures, file: args.out ?? null } };
}

async function ownerSubmitSignatures(args: CommandArgs<"owner submit-signatures">, ctx: Context): Promise<Output> {
  const sigs: OwnerSignature[] = [];
  for (const f of args.signatures) {
    const data = readSigFile(ctx.resolvePath(f), f);
    if (data.intentId && data.intentId.toLowerCase() !== args.intentId) {
      throw new ConfigError(`${f} holds signatures for intent ${data.intentId}, not ${args.intentId}`, { fix: "pass the file signed for this intent" });
    }
    for (const s of data.signatures) {
      if (!isAddress(s.signer, { strict: false }) || !/^0x[0-9a-fA-F]+$/.test(s.signature)) {
        throw new ConfigError(`${f} holds a malformed signature entry`, { fix: 'regenerate it with "tierguard owner sign"' });
      }
      sigs.push({ signer: getAddress(s.signer), signature: s.signature as Hex });
    }
  }
  for (const s of args.sig) {
    const [signer, signature] = s.split(":");
    sigs.push({ signer: getAddress(signer), signature: signature as Hex });
  }
  await requireIntent(ctx, args.intentId);
  const sender = anyAccount(ctx.settings, ctx.env);
  const owner = await ownerClientFor(ctx, sender);
  const r = await owner.submitApprovals(args.intentId, sigs);
  return {
    text: settleLines(r, `${sigs.length} signature${sigs.length === 1 ? "" : "s"} submitted`),
    json: { intentId: args.intentId, signers: sigs.map((s) => s.signer), ...r },
  };
}

const closer = (fn: "veto" | "reject", guardians: boolean) =>
  async (args: { intentId: Hex }, ctx: Context): Promise<Output> => {
    await requireIntent(ctx, args.intentId);
    const { accounts } = await ownerSigners(ctx, { guardians });
    const { txHash } = await (await ownerClientFor(ctx, accounts[0]))[fn](args.intentId);
    const done = fn === "veto" ? "vetoed" : "rejected";
    return { text: [`${done} ${args.intentId} (by ${accounts[0].address})`, `tx: ${txHash}`], json: { intentId: args.intentId, decision: done, by: accounts[0].address, txHash } };
  };

async function ownerPause(_args: CommandArgs<"owner pause">, ctx: Context): Promise<Output> {
  const { accounts } = await ownerSigners(ctx, { guardians: true });
  const { txHash } = await (await ownerClientFor(ctx, accounts[0])).pause();
  return { text: ["wallet paused: agents cannot spend and nothing executes until M owners unpause", `tx: ${txHash}`], json: { paused: true, txHash } };
}

async function ownerUnpause(_args: CommandArgs<"owner unpause">, ctx: Context): Promise<Output> {
  const { accounts, threshold } = await ownerSigners(ctx, { min: "threshold" });
  const c = await ctx.conn();
  const signers = accounts.slice(0, threshold);
  const owner = await ownerClientFor(ctx, signers[0]);
  const { txHash } = await owner.applyCalls(owner.unpauseCalls(), signers.map((s) => c.walletClient(s)));
  return { text: ["wallet unpaused", `tx: ${txHash}`], json: { paused: false, txHash } };
}

async function intentShow(args: CommandArgs<"intent show">, ctx: Context): Promise<Output> {
  const sub = await requireIntent(ctx, args.intentId);
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const d = sub.details;
  const [events, status, categoryName] = await Promise.all([
    lifecycleLogs(c.publicClient, wallet, { intentId: args.intentId, fromBlock: sub.blockNumber }),
    readIntentStatus(c.publicClient, wallet, args.intentId),
    readWallet<Hex>(ctx, "categoryName", [d.category]).then(bytes32Name, () => String(d.category)),
  ]);
  const decision =
    sub.tier === "autonomous" ? "executed" : sub.tier === "prohibited" ? "blocked" : (decisionFrom(events, args.intentId)?.decision ?? "waiting");
  const history = events.map((e) => {
    const a = e.args as Record<string, unknown>;
    const by = (a.by ?? a.owner) as string | undefined;
    return { event: e.eventName, by: by ?? null, block: e.blockNumber, txHash: e.transactionHash };
  });
  const text = [
    ...rows([
      ["intent", args.intentId],
      ["agent", bytes32Name(sub.args.agentId)],
      ["tier", sub.tier],
      ["submitted", `${SUBMIT_STATUS[d.tier]} at ${iso(sub.blockTimestamp)} (block ${sub.blockNumber})`],
      ["decision", decision],
      ["stored status", status],
      ["amount", `${sub.args.amount} (smallest unit) of ${sub.args.token}`],
      ["value", formatDecimal(d.value)],
      ["recipient", sub.args.recipient],
      ["category", `${categoryName} (${d.category})`],
      ["reason", REASON_NAMES[d.reason]],
      ["misses", decodeMisses(d.misses).map((m) => `${m.tier}: ${m.reason}`).join(", ") || "none"],
      ["justification", sub.args.justification],
      ...(sub.pending ? [["window", `${iso(sub.pending.notBefore)} .. ${iso(sub.pending.deadline)}`] as [string, string]] : []),
    ]),
    "history:",
    `  IntentSubmitted (block ${sub.blockNumber}, tx ${sub.txHash})`,
    ...history.map((h) => `  ${h.event}${h.by ? ` by ${h.by}` : ""} (block ${h.block}, tx ${h.txHash})`),
  ];
  return {
    text,
    json: {
      intentId: args.intentId,
      agentId: sub.args.agentId,
      tier: sub.tier,
      status,
      decision,
      submitStatus: SUBMIT_STATUS[d.tier],
      amount: sub.args.amount,
      token: sub.args.token,
      value: formatDecimal(d.value),
      recipient: sub.args.recipient,
      category: d.category,
      categoryName,
      reason: REASON_NAMES[d.reason],
      misses: decodeMisses(d.misses),
      justification: sub.args.justification,
      submittedAt: sub.blockTimestamp,
      pending: sub.pending ?? null,
      history,
    },
  };
}

async function intentExecute(args: CommandArgs<"intent execute">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const r = await (await ownerClientFor(ctx, anyAccount(ctx.settings, ctx.env))).execute(args.intentId);
  return { text: settleLines(r, args.intentId), json: { intentId: args.intentId, ...r } };
}

async function intentExpire(args: CommandArgs<"intent expire">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const { txHash } = await (await ownerClientFor(ctx, anyAccount(ctx.settings, ctx.env))).expire(args.intentId);
  return { text: [`expired ${args.intentId}`, `tx: ${txHash}`], json: { intentId: args.intentId, txHash } };
}

export const HANDLERS: Handlers = {
  deploy,
  "policy validate": policyValidate,
  "policy plan": policyPlan,
  "policy apply": policyApply,
  "policy show": policyShow,
  "keys grant": keysGrant,
  "keys revoke": keysRevoke,
  "keys list": keysList,
  "agent authorize": agentAuthorize,
  "owner pending": ownerPending,
  "owner approve": ownerApprove,
  "owner sign": ownerSign,
  "owner submit-signatures": ownerSubmitSignatures,
  "owner veto": closer("veto", true),
  "owner reject": closer("reject", false),
  "owner pause": ownerPause,
  "owner unpause": ownerUnpause,
  "intent show": intentShow,
  "intent execute": intentExecute,
  "intent expire": intentExpire,
  "audit sync": auditSync,
  "audit report": auditReport,
  "audit verify": auditVerify,
  "audit follow": auditFollow,
  "audit serve": auditServe,
  demo,
};

/** Runs a parsed command. */
export function execute(cmd: Command, ctx: Context): Promise<Output> {
  return (HANDLERS[cmd.name] as Handler<CommandName>)(cmd.args as never, ctx);
}
