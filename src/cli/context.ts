/**
 * What every command is given: the parsed globals, the environment and a lazy connection, plus the helpers that
 * commands share (typed reads of the wallet, owner keys checked against the wallet, policy loading, intent lookup).
 */
import path from "node:path";
import type { Address, Hex, PrivateKeyAccount } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { TierGuardError } from "../errors";
import { loadPolicyFile } from "../policy/load";
import { PolicyError, type Policy } from "../policy/schema";
import { createOwnerClient, type OwnerClient } from "../client/owner";
import { decodeError, withRetry } from "../client/errors";
import { findSubmission, type Submission } from "../client/intents";
import {
  agentAccount,
  anyAccount,
  deployerAccount,
  relayerAccount,
  connect,
  ownerAccounts,
  ownerKeys,
  requireWalletAddress,
  resolveSettings,
  type Connection,
  type Env,
  type Settings,
} from "./connection";
import { keystoreAccount, keystorePath, rawKeyWarnings } from "./signers";
import { ConfigError } from "./errors";
import type { Globals } from "./spec";

export interface Output {
  /** lines for people */
  text: string[];
  /** the same for machines (`--json`) */
  json: unknown;
  /** print nothing (the command used stdout itself, e.g. as a protocol channel) */
  silent?: boolean;
}

/** What a command may use; everything is lazy so that offline commands never touch the network. */
export class Context {
  private settingsCache?: Settings;
  private connCache?: Promise<Connection>;
  private walletCache?: Promise<Address>;
  private keystoreCache?: Promise<PrivateKeyAccount>;
  /** printed on stderr after the command (e.g. a key file readable by others) */
  readonly warnings: string[] = [];

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

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /** The keystore's account, when --keystore (or TIERGUARD_KEYSTORE) is given. */
  private keystore(): Promise<PrivateKeyAccount> | undefined {
    const file = keystorePath(this.globals.keystore, this.env);
    if (!file) return undefined;
    return (this.keystoreCache ??= keystoreAccount(this.resolvePath(file), {
      passwordFile: this.globals.passwordFile ? this.resolvePath(this.globals.passwordFile) : undefined,
      env: this.env,
      warn: (m) => this.warn(m),
    }));
  }

  private rawKeys(): void {
    for (const w of rawKeyWarnings(this.settings.keyFile)) this.warn(w);
  }

  /** The owner keys given: the keystore's one, or the raw keys (TIERGUARD_OWNER_KEYS / --key-file). */
  async ownerAccounts(): Promise<PrivateKeyAccount[]> {
    const ks = this.keystore();
    if (ks) return [await ks];
    this.rawKeys();
    return ownerAccounts(this.settings, this.env);
  }

  /** The raw owner keys (for keystore import only). */
  rawOwnerKeys(): Hex[] {
    this.rawKeys();
    return ownerKeys(this.settings, this.env);
  }

  /** The agent's session key. */
  async agentAccount(): Promise<PrivateKeyAccount> {
    const ks = this.keystore();
    if (ks) return ks;
    this.rawKeys();
    return agentAccount(this.settings, this.env);
  }

  /** The account that pays for a deployment (keystore, key file, TIERGUARD_DEPLOYER_KEY, else the first owner key). */
  async deployerAccount(): Promise<PrivateKeyAccount> {
    const ks = this.keystore();
    if (ks) return ks;
    this.rawKeys();
    return deployerAccount(this.settings, this.env);
  }

  /** The relayer's gas account: the keystore's, or TIERGUARD_RELAYER_KEY. */
  async relayerAccount(): Promise<PrivateKeyAccount> {
    const ks = this.keystore();
    if (ks) return ks;
    return relayerAccount(this.env);
  }

  /** Any key that may send a transaction anyone may send. */
  async anyAccount(): Promise<PrivateKeyAccount> {
    const ks = this.keystore();
    if (ks) return ks;
    this.rawKeys();
    return anyAccount(this.settings, this.env);
  }

  resolvePath(file: string): string {
    return path.resolve(this.cwd, file);
  }

  /** `--var` values over the config's `vars`. */
  vars(extra: Record<string, string>): Record<string, string> {
    return { ...this.settings.vars, ...extra };
  }
}

/*//////////////////////////////////////////////////////////////
                              HELPERS
//////////////////////////////////////////////////////////////*/

export async function readWallet<T>(ctx: Context, functionName: string, args: readonly unknown[] = []): Promise<T> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return withRetry(
    () => c.publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName, args } as never) as Promise<T>,
  );
}

export async function ownerClientFor(ctx: Context, account: PrivateKeyAccount | Address): Promise<OwnerClient> {
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
export async function ownerSigners(
  ctx: Context,
  opts: { min?: number | "threshold"; guardians?: boolean; prepareHint?: boolean } = {},
): Promise<{ accounts: PrivateKeyAccount[]; threshold: number; owners: readonly Address[] }> {
  const accounts = await ctx.ownerAccounts();
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
      fix: opts.prepareHint
        ? `collect the owners' signatures instead: add --prepare <file>, then each owner runs "tierguard owner sign <file>" with their own key and anyone runs "tierguard owner submit <file>" (or give ${min} owner keys here)`
        : `give ${min} distinct owner keys in TIERGUARD_OWNER_KEYS (comma-separated) or in the --key-file`,
    });
  }
  return { accounts, threshold: settings.threshold, owners };
}

/**
 * `--dry-run` of a single-owner command: simulates `functionName(args)` from `from` against the wallet (nothing is
 * sent); a call the wallet would refuse throws its decoded error.
 */
export async function simulateWalletCall(ctx: Context, from: Address, functionName: string, args: readonly unknown[]): Promise<void> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  try {
    await c.publicClient.simulateContract({ address: wallet, abi: tierGuardWalletAbi, functionName, args, account: from } as never);
  } catch (e) {
    throw decodeError(e, functionName);
  }
}

/** Loads a policy, turning "placeholder has no value" problems into a CLI fix. */
export async function loadPolicy(ctx: Context, file: string, vars: Record<string, string>): Promise<Policy> {
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
export async function requireIntent(ctx: Context, intentId: Hex): Promise<Submission> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const sub = await findSubmission(c.publicClient, wallet, intentId, { fromBlock: ctx.settings.fromBlock });
  if (!sub) {
    throw new TierGuardError(`no intent ${intentId} was submitted to wallet ${wallet}`, {
      fix: `check the id ("agent authorize" prints it, "owner pending" lists the waiting ones), the wallet and --from-block`,
    });
  }
  return sub;
}
