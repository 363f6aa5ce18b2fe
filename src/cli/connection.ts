/**
 * Where the CLI connects and with which keys: flags > environment > config file. Keys come only from the
 * environment or from files, and are never printed (errors name the variable or file, never the value).
 */
import { RetryableError, rpcFault } from "../indexer/errors";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  isAddress,
  type Address,
  type Chain,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
  type WalletClient,
  type Transport,
  type Account,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { formatPath } from "../policy/schema";
import { ConfigError } from "./errors";
import type { Globals } from "./spec";

export type Env = Record<string, string | undefined>;

export const ENV = {
  rpc: "TIERGUARD_RPC_URL",
  wallet: "TIERGUARD_WALLET",
  config: "TIERGUARD_CONFIG",
  agentKey: "TIERGUARD_AGENT_KEY",
  ownerKeys: "TIERGUARD_OWNER_KEYS",
  deployerKey: "TIERGUARD_DEPLOYER_KEY",
  relayerKey: "TIERGUARD_RELAYER_KEY",
} as const;

export const DEFAULT_CONFIG_FILE = "tierguard.json";

/*//////////////////////////////////////////////////////////////
                            CONFIG FILE
//////////////////////////////////////////////////////////////*/

const address = z
  .string()
  .refine((s) => isAddress(s, { strict: false }), { message: "must be an address (0x followed by 40 hex digits)" })
  .transform((s) => getAddress(s));

/** `tierguard.json`. Keys are not allowed in it (use key files). */
export const configSchema = z.strictObject({
  rpc: z.string().regex(/^(https?|wss?):\/\/\S+$/, { message: "must be an http(s):// or ws(s):// URL" }).optional(),
  wallet: address.optional(),
  /** the chain the wallet lives on; commands refuse to run against another */
  chainId: z.number().int().positive().optional(),
  /** default token for `agent authorize`: an address or a name in `vars` */
  token: z.string().min(1).optional(),
  /** values for policy placeholders (`${USDC}`) */
  vars: z.record(z.string(), z.string()).default({}),
  fromBlock: z.number().int().nonnegative().optional(),
  /** file with private keys (relative to the config file) */
  keyFile: z.string().min(1).optional(),
});
export type ConfigFile = z.output<typeof configSchema>;

/** Parses a config file's text. Throws `ConfigError` listing every problem with its path. */
export function parseConfig(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON (${(e as Error).message})`, { fix: "fix the JSON syntax of the config file" });
  }
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const details = r.error.issues.map((i) => {
      if (i.code === "unrecognized_keys") {
        const keys = i.keys.join(", ");
        return /key|secret|mnemonic/i.test(keys)
          ? `${keys}: private keys do not belong in the config file; use keyFile or TIERGUARD_AGENT_KEY / TIERGUARD_OWNER_KEYS`
          : `${keys}: unknown key (allowed: ${Object.keys(configSchema.shape).join(", ")})`;
      }
      return `${formatPath(i.path) || "(file)"}: ${i.message}`;
    });
    throw new ConfigError(`${source}: ${details.length} problem${details.length === 1 ? "" : "s"}`, {
      details,
      fix: "correct the config file's fields listed above",
    });
  }
  return r.data;
}

/*//////////////////////////////////////////////////////////////
                             SETTINGS
//////////////////////////////////////////////////////////////*/

export interface Settings {
  rpc?: string;
  wallet?: Address;
  chainId?: number;
  token?: string;
  vars: Record<string, string>;
  fromBlock: bigint;
  /** absolute path */
  keyFile?: string;
  /** absolute path of the config file read, if any */
  configFile?: string;
}

/** Combines flags, environment and the config file (in that order of precedence). */
export function resolveSettings(globals: Globals, env: Env, cwd: string): Settings {
  const explicit = globals.config ?? env[ENV.config];
  let configFile: string | undefined;
  let cfg: ConfigFile = { vars: {} };
  if (explicit) {
    configFile = path.resolve(cwd, explicit);
    let text: string;
    try {
      text = readFileSync(configFile, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read the config file ${explicit}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        fix: `check the path given to --config${globals.config ? "" : ` / ${ENV.config}`} (create it with "tierguard deploy --save ${explicit}")`,
      });
    }
    cfg = parseConfig(text, explicit);
  } else if (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE))) {
    configFile = path.join(cwd, DEFAULT_CONFIG_FILE);
    cfg = parseConfig(readFileSync(configFile, "utf8"), DEFAULT_CONFIG_FILE);
  }
  const envWallet = env[ENV.wallet];
  if (envWallet !== undefined && !isAddress(envWallet.trim(), { strict: false })) {
    throw new ConfigError(`${ENV.wallet} is not an address`, { fix: `set ${ENV.wallet} to the wallet's 0x address` });
  }
  const envRpc = env[ENV.rpc]?.trim() || undefined;
  const baseDir = configFile ? path.dirname(configFile) : cwd;
  return {
    rpc: globals.rpc ?? envRpc ?? cfg.rpc,
    wallet: globals.wallet ?? (envWallet ? getAddress(envWallet.trim()) : undefined) ?? cfg.wallet,
    chainId: cfg.chainId,
    token: cfg.token,
    vars: cfg.vars,
    fromBlock: globals.fromBlock ?? BigInt(cfg.fromBlock ?? 0),
    keyFile: globals.keyFile ? path.resolve(cwd, globals.keyFile) : cfg.keyFile ? path.resolve(baseDir, cfg.keyFile) : undefined,
    configFile,
  };
}

const WHERE = {
  rpc: `pass --rpc <url>, set ${ENV.rpc}, or put "rpc" in ${DEFAULT_CONFIG_FILE} (--config <file>)`,
  wallet: `pass --wallet <address>, set ${ENV.wallet}, or put "wallet" in ${DEFAULT_CONFIG_FILE} (--config <file>); "tierguard deploy --save ${DEFAULT_CONFIG_FILE}" writes one`,
};

export function requireRpc(s: Settings): string {
  if (!s.rpc) throw new ConfigError("no RPC URL configured", { fix: WHERE.rpc });
  return s.rpc;
}

export function requireWalletAddress(s: Settings): Address {
  if (!s.wallet) throw new ConfigError("no wallet address configured", { fix: WHERE.wallet });
  return s.wallet;
}

/*//////////////////////////////////////////////////////////////
                               KEYS
//////////////////////////////////////////////////////////////*/

/** Private keys from text (comma-, space- or newline-separated; `#` comments). Never echoes a key. */
export function parsePrivateKeys(text: string, source: string): Hex[] {
  const entries = text
    .split("\n")
    .map((l) => l.replace(/#.*$/, ""))
    .join(",")
    .split(/[\s,]+/)
    .filter(Boolean);
  return entries.map((k, i) => {
    const hex = k.startsWith("0x") || k.startsWith("0X") ? `0x${k.slice(2)}` : `0x${k}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
      throw new ConfigError(`${source}: entry ${i + 1} is not a private key (expected 0x followed by 64 hex digits)`, {
        fix: `check ${source}; the key itself is not shown`,
      });
    }
    return hex.toLowerCase() as Hex;
  });
}

function keysFromFile(file: string): Hex[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      fix: "check the path given to --key-file (or keyFile in the config)",
    });
  }
  const keys = parsePrivateKeys(text, `key file ${file}`);
  if (keys.length === 0) throw new ConfigError(`the key file ${file} holds no key`, { fix: "put one private key per line in it" });
  return keys;
}

export function ownerAccounts(s: Settings, env: Env): PrivateKeyAccount[] {
  return ownerKeys(s, env).map((k) => privateKeyToAccount(k));
}

/** The raw owner keys (key file, else TIERGUARD_OWNER_KEYS). */
export function ownerKeys(s: Settings, env: Env): Hex[] {
  if (s.keyFile) return keysFromFile(s.keyFile);
  const v = env[ENV.ownerKeys];
  if (!v?.trim()) {
    throw new ConfigError("no owner keys given", {
      fix: `set ${ENV.ownerKeys}=0x..,0x.. (comma-separated private keys) or pass --key-file <file> (one key per line)`,
    });
  }
  return parsePrivateKeys(v, ENV.ownerKeys);
}

export function agentAccount(s: Settings, env: Env): PrivateKeyAccount {
  if (s.keyFile) return privateKeyToAccount(keysFromFile(s.keyFile)[0]);
  const v = env[ENV.agentKey];
  if (!v?.trim()) {
    throw new ConfigError("no agent key given", {
      fix: `set ${ENV.agentKey}=0x.. (the session key's private key) or pass --key-file <file>`,
    });
  }
  const keys = parsePrivateKeys(v, ENV.agentKey);
  if (keys.length !== 1) throw new ConfigError(`${ENV.agentKey} must hold exactly one key`, { fix: `set ${ENV.agentKey} to one private key` });
  return privateKeyToAccount(keys[0]);
}

/**
 * The one account that pays for a deployment: the key file's first key, else TIERGUARD_DEPLOYER_KEY, else the
 * first of TIERGUARD_OWNER_KEYS (a local convenience). It needs no owner rights.
 */
export function deployerAccount(s: Settings, env: Env): PrivateKeyAccount {
  if (s.keyFile) return privateKeyToAccount(keysFromFile(s.keyFile)[0]);
  const v = env[ENV.deployerKey];
  if (v?.trim()) {
    const keys = parsePrivateKeys(v, ENV.deployerKey);
    if (keys.length !== 1) throw new ConfigError(`${ENV.deployerKey} must hold exactly one key`, { fix: `set ${ENV.deployerKey} to one private key` });
    return privateKeyToAccount(keys[0]);
  }
  if (env[ENV.ownerKeys]?.trim()) return ownerAccounts(s, env)[0];
  throw new ConfigError("no deployer key given", {
    fix: `pass --keystore <file> (an encrypted keystore), --key-file <file>, or set ${ENV.deployerKey}=0x..; the deployer needs only gas, not owner rights`,
  });
}

/** The relayer's gas account (TIERGUARD_RELAYER_KEY): never an agent's or an owner's key by default. */
export function relayerAccount(env: Env): PrivateKeyAccount {
  if (!env[ENV.relayerKey]?.trim()) {
    throw new ConfigError("no relayer key given", {
      fix: `set ${ENV.relayerKey}=0x.. (a funded account that pays the relayed transactions' gas) or pass --keystore <file>`,
    });
  }
  return oneKeyFrom(env, ENV.relayerKey);
}

/** The one private key in environment variable `name`. */
function oneKeyFrom(env: Env, name: string): PrivateKeyAccount {
  const keys = parsePrivateKeys(env[name]!, name);
  if (keys.length !== 1) throw new ConfigError(`${name} must hold exactly one key`, { fix: `set ${name} to one private key` });
  return privateKeyToAccount(keys[0]);
}

/** Any key that can send a transaction anyone may send (execute, expire, submit signatures): owner keys first. */
export function anyAccount(s: Settings, env: Env): PrivateKeyAccount {
  if (s.keyFile) return privateKeyToAccount(keysFromFile(s.keyFile)[0]);
  if (env[ENV.ownerKeys]?.trim()) return ownerAccounts(s, env)[0];
  if (env[ENV.agentKey]?.trim()) return agentAccount(s, env);
  throw new ConfigError("no key given to send the transaction", {
    fix: `set ${ENV.ownerKeys} or ${ENV.agentKey}, or pass --key-file <file> (any funded key may send this one)`,
  });
}

/*//////////////////////////////////////////////////////////////
                             CONNECTING
//////////////////////////////////////////////////////////////*/

export interface Connection {
  url: string;
  chain: Chain;
  publicClient: PublicClient;
  walletClient: (account: Account | Address) => WalletClient<Transport, Chain, Account>;
}

const LOCAL_CHAINS = new Set([31337, 1337]);
export const isLocalChain = (id: number) => LOCAL_CHAINS.has(id);

/** Reaches the RPC endpoint (one attempt, clear error), checks the chain id against the config. */
export async function connect(s: Settings): Promise<Connection> {
  const url = requireRpc(s);
  let chainId: number;
  try {
    chainId = await probeChainId(url);
  } catch (e) {
    const reason = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message;
    const details = (e as { details?: string }).details;
    throw new ConfigError(`cannot reach the RPC endpoint ${url}: ${reason}${details ? ` (${details})` : ""}`, {
      fix: `check the URL (--rpc, ${ENV.rpc} or "rpc" in the config) and that the node is running and reachable`,
      cause: e,
    });
  }
  if (s.chainId !== undefined && s.chainId !== chainId) {
    throw new ConfigError(`wrong network: ${url} is chain ${chainId} but the config says chainId ${s.chainId}`, {
      fix: "point --rpc at the network where the wallet lives, or fix chainId in the config",
    });
  }
  const chain = defineChain({
    id: chainId,
    name: isLocalChain(chainId) ? "local" : `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const transport = http(url);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: isLocalChain(chainId) ? 100 : 2000 }) as PublicClient;
  return {
    url,
    chain,
    publicClient,
    walletClient: (account) => createWalletClient({ chain, transport, account }) as WalletClient<Transport, Chain, Account>,
  };
}

/**
 * The chain id at `url`, retried with backoff (250 ms, doubled) while the failure is one a retry may overcome (a
 * node still starting, a dropped connection, HTTP 5xx or 429); a final failure (a bad URL, a refusal) is thrown
 * at once.
 */
export async function probeChainId(url: string, opts: { attempts?: number; backoffMs?: number } = {}): Promise<number> {
  const attempts = opts.attempts ?? 4;
  const probe = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 10_000 }) });
  for (let attempt = 1; ; attempt++) {
    try {
      return await probe.getChainId();
    } catch (e) {
      if (attempt >= attempts || !(rpcFault(e) instanceof RetryableError)) throw e;
      await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 250) * 2 ** (attempt - 1)));
    }
  }
}
