/**
 * The command line's grammar: global options, and per command its positionals, options, a zod schema that turns
 * the raw strings into typed arguments, a summary and examples (for `--help`). Pure data: `parse.ts` reads it.
 */
import { z } from "zod";
import { getAddress, isAddress, type Address, type Hex } from "viem";
import { parseDuration } from "../policy/units";

export type OptionType = "string" | "boolean" | "list";

export interface OptionSpec {
  type: OptionType;
  /** placeholder shown in help, e.g. `<url>` */
  value?: string;
  desc: string;
  /** one-letter alias (`-h`) */
  short?: string;
}

export interface PositionalSpec {
  name: string;
  desc: string;
  optional?: boolean;
  /** the last positional only: takes every remaining word (as a list) */
  variadic?: boolean;
}

export interface CommandSpec<S extends z.ZodType = z.ZodType> {
  summary: string;
  /** extra lines for `--help` */
  details?: string[];
  positionals: PositionalSpec[];
  options: Record<string, OptionSpec>;
  /** shown in `--help` and in usage errors; every command has at least one */
  examples: string[];
  /** raw `{ positionalName, optionName (camelCase) }` -> typed args */
  schema: S;
  /** what the command needs from the environment (for help) */
  needs: ("rpc" | "wallet" | "owner keys" | "agent key" | "any key" | "relayer key")[];
}

/*//////////////////////////////////////////////////////////////
                           VALUE SCHEMAS
//////////////////////////////////////////////////////////////*/

export const zAddress = z
  .string()
  .refine((s) => isAddress(s.trim(), { strict: false }), { message: "must be an address (0x followed by 40 hex digits)" })
  .transform((s) => getAddress(s.trim()) as Address);

export const zIntentId = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, { message: "must be an intent id (0x followed by 64 hex digits, as `agent authorize` prints it)" })
  .transform((s) => s.toLowerCase() as Hex);

export const zAmount = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { message: 'must be a positive decimal amount such as "89.00" (no sign, no exponent)' });

export const zDuration = z.string().transform((s, ctx) => {
  const r = parseDuration(s);
  if (!r.ok) {
    ctx.addIssue({ code: "custom", message: r.error, input: s });
    return z.NEVER;
  }
  return r.value;
});

const zPositiveInt = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be ${what} (a whole number)` })
    .transform(Number)
    .refine((n) => n >= 1, { message: `must be ${what} of 1 or more` });

const zCount = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be ${what} (a whole number)` })
    .transform(Number);

/** `--var NAME=value`, repeatable. */
const zVars = z
  .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=.*$/, { message: "must be NAME=value, e.g. USDC=0x..." }))
  .default([])
  .transform((list) => Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])));

/** A list of addresses separated by commas. */
const zAddressList = z
  .string()
  .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(zAddress).min(1, { message: "must list at least one address" }));

/** A time: ISO date (2026-12-31 or 2026-12-31T12:00:00Z) or unix seconds. */
const zTime = z.string().transform((s, ctx) => {
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO date (2026-12-31T00:00:00Z) or unix seconds", input: s });
    return z.NEVER;
  }
  return Math.floor(t / 1000);
});

/*//////////////////////////////////////////////////////////////
                              GLOBALS
//////////////////////////////////////////////////////////////*/

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  rpc: { type: "string", value: "<url>", desc: "JSON-RPC URL of the chain (env TIERGUARD_RPC_URL, config `rpc`)" },
  wallet: { type: "string", value: "<address>", desc: "the TierGuard wallet (env TIERGUARD_WALLET, config `wallet`)" },
  config: { type: "string", value: "<file>", desc: "JSON config file (env TIERGUARD_CONFIG; default ./tierguard.json if present)" },
  "key-file": {
    type: "string",
    value: "<file>",
    desc: "file holding private keys (one per line) instead of TIERGUARD_AGENT_KEY / TIERGUARD_OWNER_KEYS",
  },
  keystore: {
    type: "string",
    value: "<file>",
    desc: "encrypted JSON keystore holding this owner's (or agent's) key (env TIERGUARD_KEYSTORE); password by prompt or --password-file",
  },
  "password-file": {
    type: "string",
    value: "<file>",
    desc: "file whose first line is the keystore password (env TIERGUARD_PASSWORD_FILE); never give a password in argv",
  },
  "from-block": { type: "string", value: "<n>", desc: "first block to search for the wallet's events (default 0)" },
  json: { type: "boolean", desc: "print machine-readable JSON on stdout (errors too)" },
  verbose: { type: "boolean", short: "v", desc: "show error causes and stack traces" },
  help: { type: "boolean", short: "h", desc: "show help for the command" },
  version: { type: "boolean", desc: "print the version" },
};

export const globalsSchema = z.object({
  rpc: z
    .string()
    .refine((s) => /^(https?|wss?):\/\/\S+$/.test(s), { message: "must be an http(s):// or ws(s):// URL" })
    .optional(),
  wallet: zAddress.optional(),
  config: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  keystore: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  fromBlock: z
    .string()
    .regex(/^\d+$/, { message: "must be a block number" })
    .transform((s) => BigInt(s))
    .optional(),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
});
export type Globals = z.infer<typeof globalsSchema>;

/*//////////////////////////////////////////////////////////////
                              COMMANDS
//////////////////////////////////////////////////////////////*/

const intentPositional: PositionalSpec = { name: "intentId", desc: "the intent id (0x + 64 hex digits)" };
const varOption: OptionSpec = {
  type: "list",
  value: "<NAME=value>",
  desc: "value for a ${NAME} placeholder in the policy (repeatable; config `vars` too)",
};
const intentSchema = z.object({ intentId: zIntentId });
const dryRunOption: OptionSpec = { type: "boolean", desc: "check and simulate only; send nothing" };

/** Options of every command that needs M owners: collect signatures from several machines, or simulate. */
const actionOptions: Record<string, OptionSpec> = {
  prepare: {
    type: "string",
    value: "<file>",
    desc: "write the owner action to this file for each owner to sign (owner sign <file>); sends nothing",
  },
  "dry-run": dryRunOption,
  "expires-in": { type: "string", value: "<duration>", desc: "how long the owners' signatures stay valid (default 24h)" },
};
const actionFields = { prepare: z.string().min(1).optional(), dryRun: z.boolean().default(false), expiresIn: zDuration.optional() };
const actionDetails = [
  "Needs M owner keys in this process, or --prepare <file>: each owner then runs \"tierguard owner sign <file>\"",
  "with only their own key (--keystore), and anyone runs \"tierguard owner submit <file>\".",
];
const noArgs = z.object({});

const allowRemoveOption: Record<string, OptionSpec> = {
  "allow-remove-categories": {
    type: "boolean",
    desc: "allow removing categories the file no longer lists (their ids are retired, never reused for the others)",
  },
};
const simulationOptions: Record<string, OptionSpec> = {
  store: { type: "string", value: "<dir|postgres-url>", desc: "replay the recorded intents in this audit store under the new policy" },
  days: { type: "string", value: "<n>", desc: "how many days of history --store replays (default 30)" },
};
const simulationFields = { store: z.string().min(1).optional(), days: zPositiveInt("a number of days").optional() };

const define = <S extends z.ZodType>(spec: CommandSpec<S>) => spec;

export const COMMANDS = {
  deploy: define({
    summary: "deploy a TierGuard wallet on any EVM chain (one deployer account; the owners are addresses)",
    details: [
      "The deployer pays gas and gets no rights: --keystore <file>, --key-file <file> or TIERGUARD_DEPLOYER_KEY (on a",
      "local chain the first of TIERGUARD_OWNER_KEYS also works). Owners: --owners (or the --policy file's owners).",
      "On a non-local chain nothing but the wallet is deployed, Hardhat's dev accounts are refused, token and feed",
      "addresses come from the --policy file, and that policy is prepared as an owner action file (--prepare) for",
      "the owners to sign (owner sign) and anyone to submit (owner submit). Prints gas used, addresses and bytecode",
      "size, and writes a deployment file (--out, default deployments/<chainId>-<wallet>.json).",
    ],
    positionals: [],
    options: {
      owners: { type: "string", value: "<a,b,c>", desc: "owner addresses, comma-separated (default: the policy's owners; locally, the owner keys')" },
      threshold: { type: "string", value: "<m>", desc: "owner approvals required (required with more than one owner)" },
      policy: { type: "string", value: "<file>", desc: "the first policy: checked against the chain before deploying, then prepared for the owners" },
      var: varOption,
      prepare: { type: "string", value: "<file>", desc: "where the first policy's owner action file goes (default: next to the deployment file)" },
      "expires-in": { type: "string", value: "<duration>", desc: "how long the owners' signatures on the first policy stay valid (default 24h)" },
      out: { type: "string", value: "<file>", desc: "the deployment file to write (never overwritten)" },
      "local-mocks": { type: "boolean", desc: "local chains only: also deploy mock USDC, EURC (1,000,000 minted to the wallet) and a EUR/USD feed (1.08)" },
      save: { type: "string", value: "<file>", desc: "write a config file (rpc, wallet, chainId, fromBlock, token, vars) for later commands" },
    },
    examples: [
      "TIERGUARD_OWNER_KEYS=0x..,0x..,0x.. tierguard deploy --rpc http://127.0.0.1:8545 --threshold 2 --local-mocks --save tierguard.json",
      "tierguard deploy --rpc https://sepolia.base.org --keystore deployer.json --policy policy.base-sepolia.yaml --save tierguard.json",
    ],
    needs: ["rpc", "any key"],
    schema: z.object({
      owners: zAddressList.optional(),
      threshold: zPositiveInt("a threshold").optional(),
      policy: z.string().min(1).optional(),
      var: zVars,
      prepare: z.string().min(1).optional(),
      expiresIn: zDuration.optional(),
      out: z.string().min(1).optional(),
      localMocks: z.boolean().default(false),
      save: z.string().min(1).optional(),
    }),
  }),

  "policy validate": define({
    summary: "check a policy file and print every problem with its path",
    positionals: [{ name: "file", desc: "policy file (.yaml, .yml or .json)" }],
    options: { var: varOption },
    examples: ["tierguard policy validate examples/policy.yaml --var USDC=0x.. --var EURC=0x.. --var EURC_USD_FEED=0x.."],
    needs: [],
    schema: z.object({ file: z.string().min(1), var: zVars }),
  }),

  "policy plan": define({
    summary: "dry run: the changes that would make the wallet match the policy; --store replays the recorded history under it",
    details: [
      "--store <db> (the audit store, as audit sync wrote it) replays the wallet's intents of the last --days through",
      "the new policy: counts per tier recorded and simulated, and each intent that would change tier.",
    ],
    positionals: [{ name: "file", desc: "policy file" }],
    options: { var: varOption, ...allowRemoveOption, ...simulationOptions },
    examples: ["tierguard policy plan examples/policy.yaml --config tierguard.json", "tierguard policy plan policy-v2.yaml --store .tierguard/db --days 30"],
    needs: ["rpc", "wallet"],
    schema: z.object({ file: z.string().min(1), var: zVars, allowRemoveCategories: z.boolean().default(false), ...simulationFields }),
  }),

  "policy apply": define({
    summary: "sign the plan with the owner keys given and submit it as one owner action (or --prepare it for M owners)",
    details: actionDetails,
    positionals: [{ name: "file", desc: "policy file" }],
    options: { ...actionOptions, var: varOption, ...allowRemoveOption, ...simulationOptions },
    examples: [
      "TIERGUARD_OWNER_KEYS=0x..,0x.. tierguard policy apply examples/policy.yaml --config tierguard.json",
      "tierguard policy apply policy-v2.yaml --store .tierguard/db --prepare policy-v2.json",
    ],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ file: z.string().min(1), var: zVars, allowRemoveCategories: z.boolean().default(false), ...simulationFields, ...actionFields }),
  }),

  "policy show": define({
    summary: "print the wallet's live configuration",
    positionals: [],
    options: {},
    examples: ["tierguard policy show --config tierguard.json"],
    needs: ["rpc", "wallet"],
    schema: noArgs,
  }),

  "keys grant": define({
    summary: "grant (or extend) an agent's session key: one M-of-N owner action",
    details: actionDetails,
    positionals: [{ name: "key", desc: "the session key's address" }],
    options: {
      ...actionOptions,
      agent: { type: "string", value: "<name|0x..>", desc: "agent identity: a name of up to 27 characters or a bytes32" },
      "valid-for": { type: "string", value: "<duration>", desc: "how long the key stays valid (default 30d)" },
      "valid-until": { type: "string", value: "<time>", desc: "expiry as an ISO date or unix seconds (instead of --valid-for)" },
    },
    examples: ["TIERGUARD_OWNER_KEYS=0x..,0x.. tierguard keys grant 0x90F7..b906 --agent procurement-agent-prod --valid-for 30d"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z
      .object({
        key: zAddress,
        agent: z.string().min(1),
        validFor: zDuration.optional(),
        validUntil: zTime.optional(),
        ...actionFields,
      })
      .refine((a) => a.validFor === undefined || a.validUntil === undefined, {
        message: "give --valid-for or --valid-until, not both",
        path: ["validUntil"],
      }),
  }),

  "keys revoke": define({
    summary: "revoke a session key at once (any single owner)",
    positionals: [{ name: "key", desc: "the session key's address" }],
    options: { "dry-run": dryRunOption },
    examples: ["TIERGUARD_OWNER_KEYS=0x.. tierguard keys revoke 0x90F7..b906"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ key: zAddress, dryRun: z.boolean().default(false) }),
  }),

  "keys list": define({
    summary: "list the wallet's session keys with their agent and expiry",
    positionals: [],
    options: {},
    examples: ["tierguard keys list --config tierguard.json"],
    needs: ["rpc", "wallet"],
    schema: noArgs,
  }),

  "agent authorize": define({
    summary: "submit a payment intent with the agent's session key; prints its tier and status",
    positionals: [],
    options: {
      amount: { type: "string", value: "<decimal>", desc: 'amount in the token\'s units, e.g. "89.00"' },
      category: { type: "string", value: "<name|id>", desc: "category name (or id)" },
      recipient: { type: "string", value: "<address>", desc: "the payee" },
      justification: { type: "string", value: "<text>", desc: "why (recorded on-chain, at most 512 bytes)" },
      token: { type: "string", value: "<address|NAME>", desc: "token address or a name from the config's vars (default: config `token`)" },
      "idempotency-key": { type: "string", value: "<key>", desc: "names this payment: a retry with the same key returns the first intent instead of paying twice (recorded on-chain)" },
      "request-id": { type: "string", value: "<id>", desc: "derive the idempotency key from your request id (keccak256 of \"tierguard:request:<id>\")" },
      relayer: { type: "string", value: "<url>", desc: "sign the intent and have this relayer submit it: the agent key needs no ETH" },
    },
    examples: [
      'TIERGUARD_AGENT_KEY=0x.. tierguard agent authorize --amount 89.00 --category agent_hire --recipient 0xdF3e..7097 --justification "Hire analysis-agent-beta for market research"',
      'TIERGUARD_AGENT_KEY=0x.. tierguard agent authorize --amount 0.02 --category embeddings --recipient 0xBcd4..4096 --justification "batch 17" --request-id batch-17 --relayer http://127.0.0.1:8547',
    ],
    needs: ["rpc", "wallet", "agent key"],
    schema: z.object({
      amount: zAmount,
      category: z.string().min(1),
      recipient: zAddress,
      justification: z.string(),
      token: z.string().min(1).optional(),
      idempotencyKey: z.string().min(1).optional(),
      requestId: z.string().min(1).optional(),
      relayer: z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s):// URL" }).optional(),
    }),
  }),

  "owner pending": define({
    summary: "list intents waiting for a veto window or for approval",
    positionals: [],
    options: {},
    examples: ["tierguard owner pending --config tierguard.json"],
    needs: ["rpc", "wallet"],
    schema: noArgs,
  }),

  "owner approve": define({
    summary: "approve a collaborative intent on-chain with each owner key given (the M-th approval pays it)",
    positionals: [intentPositional],
    options: { "dry-run": dryRunOption },
    examples: ["TIERGUARD_OWNER_KEYS=0x.. tierguard owner approve 0x70726f..0003"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: intentSchema.extend({ dryRun: z.boolean().default(false) }),
  }),

  "owner sign": define({
    summary: "sign an action file (or a collaborative intent's approval) with this owner's own key; checks it first",
    details: [
      "<file>: an action file written with --prepare (policy apply, keys grant, owner unpause, withdraw, ...).",
      "<intentId>: the EIP-712 approval of a collaborative intent; --out <file> collects it for owner submit.",
      "The file is checked against the wallet before signing: a changed action, a signature that is not its",
      "signer's, another wallet or chain, a stale nonce or a passed deadline are refused. The signature is added",
      "to the file (or to --out). A Safe that owns the wallet signs through its owners: each runs this with --safe.",
    ],
    positionals: [{ name: "target", desc: "an action file, or an intent id (0x + 64 hex digits)" }],
    options: {
      out: { type: "string", value: "<file>", desc: "write the signed file here (default: the file itself; for an intent id, print only)" },
      safe: { type: "string", value: "<address>", desc: "sign as an owner of this Safe, which is a wallet owner (Safe message format)" },
      "dry-run": actionOptions["dry-run"],
    },
    examples: [
      "tierguard owner sign unpause.json --keystore ~/.tierguard/alice.json",
      "tierguard owner sign 0x70726f..0003 --out approval.json --keystore bob.json",
      "tierguard owner sign policy-v2.json --safe 0x5afe..0001 --keystore carol.json",
    ],
    needs: ["rpc", "owner keys"],
    schema: z.object({
      target: z.string().min(1),
      out: z.string().min(1).optional(),
      safe: zAddress.optional(),
      dryRun: z.boolean().default(false),
    }),
  }),

  "owner inspect": define({
    summary: "check action files against the wallet: what they do, nonce, deadline, each signature (no key needed)",
    details: [
      "--typed-data prints only the EIP-712 typed data, as eth_signTypedData_v4 takes it (offline: no RPC needed), for",
      "a browser or hardware wallet to sign; add the signature it returns with owner add-signature.",
    ],
    positionals: [{ name: "files", desc: "one or more copies of the same action file", variadic: true }],
    options: { "typed-data": { type: "boolean", desc: "print the typed data for eth_signTypedData_v4 (JSON) and nothing else" } },
    examples: ["tierguard owner inspect unpause.json", "tierguard owner inspect unpause.json --typed-data > unpause.typed.json"],
    needs: ["rpc"],
    schema: z.object({ files: z.array(z.string().min(1)).min(1), typedData: z.boolean().default(false) }),
  }),

  "owner add-signature": define({
    summary: "add a signature made elsewhere (browser or hardware wallet, eth_signTypedData_v4) to an action file; checked first",
    details: [
      "The signature must recover to --signer over exactly this file's typed data, --signer must be an owner (or,",
      "with --safe, an owner of that Safe, signing the Safe message), and the file must still be usable (chain,",
      "nonce, deadline). Anything else is refused and the file is left unchanged.",
    ],
    positionals: [{ name: "file", desc: "the action file" }],
    options: {
      signer: { type: "string", value: "<address>", desc: "who signed (the owner, or with --safe the Safe's owner)" },
      signature: { type: "string", value: "<0x..>", desc: "the 65-byte signature the wallet returned" },
      safe: { type: "string", value: "<address>", desc: "the signature is a Safe owner's over the Safe message of the digest" },
      out: { type: "string", value: "<file>", desc: "write the signed file here (default: the file itself)" },
      "dry-run": actionOptions["dry-run"],
    },
    examples: ["tierguard owner add-signature unpause.json --signer 0x7099..79C8 --signature 0x4f1c..1b"],
    needs: ["rpc"],
    schema: z.object({
      file: z.string().min(1),
      signer: zAddress,
      signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, { message: "must be the signature as 0x-prefixed hex" }),
      safe: zAddress.optional(),
      out: z.string().min(1).optional(),
      dryRun: z.boolean().default(false),
    }),
  }),

  "owner submit": define({
    summary: "combine signed copies of an action file, check them and submit (anyone may send it)",
    positionals: [{ name: "files", desc: "one or more signed copies of the same action file", variadic: true }],
    options: { "dry-run": actionOptions["dry-run"] },
    examples: ["TIERGUARD_AGENT_KEY=0x.. tierguard owner submit alice.json bob.json"],
    needs: ["rpc", "any key"],
    schema: z.object({ files: z.array(z.string().min(1)).min(1), dryRun: z.boolean().default(false) }),
  }),

  "owner submit-signatures": define({
    summary: "submit owners' approval signatures in one call; pays the intent at the threshold (anyone may submit)",
    positionals: [intentPositional],
    options: {
      signatures: { type: "list", value: "<file>", desc: "approval file written by owner sign <intentId> --out (repeatable)" },
      sig: { type: "list", value: "<signer:signature>", desc: "one signature inline (repeatable)" },
      "dry-run": actionOptions["dry-run"],
    },
    examples: ["TIERGUARD_OWNER_KEYS=0x.. tierguard owner submit-signatures 0x70726f..0003 --signatures approvals.json"],
    needs: ["rpc", "wallet", "any key"],
    schema: z
      .object({
        intentId: zIntentId,
        signatures: z.array(z.string().min(1)).default([]),
        sig: z
          .array(z.string().regex(/^0x[0-9a-fA-F]{40}:0x[0-9a-fA-F]+$/, { message: "must be <signer address>:<0x signature>" }))
          .default([]),
        dryRun: z.boolean().default(false),
      })
      .refine((a) => a.signatures.length + a.sig.length > 0, {
        message: "give --signatures <file> or --sig <signer:signature>",
        path: ["signatures"],
      }),
  }),

  "owner veto": define({
    summary: "veto a supervised intent inside its veto window (any single owner or guardian)",
    positionals: [intentPositional],
    options: { "dry-run": dryRunOption },
    examples: ["TIERGUARD_OWNER_KEYS=0x.. tierguard owner veto 0x70726f..0002"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: intentSchema.extend({ dryRun: z.boolean().default(false) }),
  }),

  "owner reject": define({
    summary: "reject a collaborative intent (any single owner)",
    positionals: [intentPositional],
    options: { "dry-run": dryRunOption },
    examples: ["TIERGUARD_OWNER_KEYS=0x.. tierguard owner reject 0x70726f..0003"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: intentSchema.extend({ dryRun: z.boolean().default(false) }),
  }),

  "owner pause": define({
    summary: "stop all agent spending and executions at once (any single owner or guardian)",
    positionals: [],
    options: { "dry-run": dryRunOption },
    examples: ["TIERGUARD_OWNER_KEYS=0x.. tierguard owner pause"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ dryRun: z.boolean().default(false) }),
  }),

  "owner unpause": define({
    summary: "resume spending: one owner action signed by M owners",
    details: actionDetails,
    positionals: [],
    options: actionOptions,
    examples: ["TIERGUARD_OWNER_KEYS=0x..,0x.. tierguard owner unpause", "tierguard owner unpause --prepare unpause.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object(actionFields),
  }),

  "owner withdraw": define({
    summary: "move funds out of the wallet: one owner action signed by M owners",
    details: actionDetails,
    positionals: [],
    options: {
      ...actionOptions,
      token: { type: "string", value: "<address|NAME|ETH>", desc: "the token (default ETH)" },
      to: { type: "string", value: "<address>", desc: "where the funds go" },
      amount: { type: "string", value: "<decimal>", desc: 'amount in the token\'s units, e.g. "250.00"' },
    },
    examples: ["tierguard owner withdraw --token USDC --to 0x70997970..79C8 --amount 250 --prepare withdraw.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ token: z.string().min(1).optional(), to: zAddress, amount: zAmount, ...actionFields }),
  }),

  "owner add-guardian": define({
    summary: "make an address a guardian (may pause and veto, nothing else): one owner action",
    details: actionDetails,
    positionals: [{ name: "address", desc: "the guardian's address" }],
    options: actionOptions,
    examples: ["tierguard owner add-guardian 0x3C44..93BC --prepare add-guardian.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ address: zAddress, ...actionFields }),
  }),

  "owner remove-guardian": define({
    summary: "remove a guardian: one owner action",
    details: actionDetails,
    positionals: [{ name: "address", desc: "the guardian's address" }],
    options: actionOptions,
    examples: ["tierguard owner remove-guardian 0x3C44..93BC --prepare remove-guardian.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ address: zAddress, ...actionFields }),
  }),

  "owner add-owner": define({
    summary: "add an owner: one owner action",
    details: actionDetails,
    positionals: [{ name: "address", desc: "the new owner's address (an EOA or a contract wallet such as a Safe)" }],
    options: actionOptions,
    examples: ["tierguard owner add-owner 0x3C44..93BC --prepare add-owner.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ address: zAddress, ...actionFields }),
  }),

  "owner remove-owner": define({
    summary: "remove an owner: one owner action (the threshold must stay reachable)",
    details: actionDetails,
    positionals: [{ name: "address", desc: "the owner's address" }],
    options: actionOptions,
    examples: ["tierguard owner remove-owner 0x3C44..93BC --prepare remove-owner.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ address: zAddress, ...actionFields }),
  }),

  "owner freeze-agent": define({
    summary: "freeze an agent at once (any single owner): revoke all its session keys and void its queued intents",
    positionals: [{ name: "agent", desc: "agent identity: a name of up to 27 characters or a bytes32" }],
    options: { "dry-run": actionOptions["dry-run"] },
    examples: ["TIERGUARD_KEYSTORE=alice.json tierguard owner freeze-agent procurement-agent-prod"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ agent: z.string().min(1), dryRun: z.boolean().default(false) }),
  }),

  "owner unfreeze-agent": define({
    summary: "let a frozen agent be granted keys again: one owner action",
    details: actionDetails,
    positionals: [{ name: "agent", desc: "agent identity: a name of up to 27 characters or a bytes32" }],
    options: actionOptions,
    examples: ["tierguard owner unfreeze-agent procurement-agent-prod --prepare unfreeze.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ agent: z.string().min(1), ...actionFields }),
  }),

  "owner set-threshold": define({
    summary: "change how many owners must sign (M): one owner action",
    details: actionDetails,
    positionals: [{ name: "threshold", desc: "the new M" }],
    options: actionOptions,
    examples: ["tierguard owner set-threshold 3 --prepare threshold.json"],
    needs: ["rpc", "wallet", "owner keys"],
    schema: z.object({ threshold: zPositiveInt("a threshold"), ...actionFields }),
  }),

  "keystore new": define({
    summary: "create a new key in an encrypted JSON keystore (Web3 Secret Storage, scrypt); prints its address",
    details: ["The password comes from a prompt (asked twice) or --password-file; never from the command line."],
    positionals: [],
    options: { out: { type: "string", value: "<file>", desc: "the keystore file to write (must not exist)" } },
    examples: ["tierguard keystore new --out ~/.tierguard/alice.json"],
    needs: [],
    schema: z.object({ out: z.string().min(1) }),
  }),

  "keystore import": define({
    summary: "encrypt an existing private key (from --key-file or TIERGUARD_OWNER_KEYS, exactly one) into a keystore",
    positionals: [],
    options: { out: { type: "string", value: "<file>", desc: "the keystore file to write (must not exist)" } },
    examples: ["tierguard keystore import --key-file alice.key --out ~/.tierguard/alice.json"],
    needs: ["owner keys"],
    schema: z.object({ out: z.string().min(1) }),
  }),

  "intent show": define({
    summary: "an intent's submission, classification and history",
    positionals: [intentPositional],
    options: {},
    examples: ["tierguard intent show 0x70726f..0003 --config tierguard.json"],
    needs: ["rpc", "wallet"],
    schema: intentSchema,
  }),

  "intent execute": define({
    summary: "execute a supervised intent after its veto window (anyone may)",
    positionals: [intentPositional],
    options: {},
    examples: ["TIERGUARD_AGENT_KEY=0x.. tierguard intent execute 0x70726f..0002"],
    needs: ["rpc", "wallet", "any key"],
    schema: intentSchema,
  }),

  "intent expire": define({
    summary: "close a queued intent after its deadline (anyone may)",
    positionals: [intentPositional],
    options: {},
    examples: ["TIERGUARD_AGENT_KEY=0x.. tierguard intent expire 0x70726f..0004"],
    needs: ["rpc", "wallet", "any key"],
    schema: intentSchema,
  }),

  "audit sync": define({
    summary: "index the wallet's events into the audit store (PGlite data dir or PostgreSQL); progress on stderr",
    positionals: [],
    options: {
      db: { type: "string", value: "<dir|postgres-url>", desc: "the store: a PGlite data directory or a postgres:// URL (default .tierguard/db)" },
      confirmations: { type: "string", value: "<n>", desc: "blocks to stay behind the head (default 0)" },
    },
    examples: ["tierguard audit sync --config tierguard.json --db .tierguard/db"],
    needs: ["rpc", "wallet"],
    schema: z.object({ db: z.string().min(1).optional(), confirmations: zCount("a number of blocks").default(0) }),
  }),

  "audit report": define({
    summary: "sync, then write the audit report (html, json, csv, md) for a period and print the files' paths",
    positionals: [],
    options: {
      db: { type: "string", value: "<dir|postgres-url>", desc: "the store (default .tierguard/db)" },
      from: { type: "string", value: "<time>", desc: "period start, ISO date or unix seconds (default: the beginning)" },
      to: { type: "string", value: "<time>", desc: "period end, exclusive (default: just after the latest block)" },
      out: { type: "string", value: "<dir>", desc: "output directory (default ./tierguard-report)" },
      format: { type: "string", value: "<list>", desc: "formats, comma-separated: html,json,csv,md (default all)" },
      "no-sync": { type: "boolean", desc: "use the store as it is; do not sync first" },
      policy: { type: "string", value: "<file>", desc: "policy file whose recipient labels, token names and currency the report uses" },
      var: varOption,
    },
    examples: ["tierguard audit report --from 2026-06-01 --to 2026-07-01 --out audit-june --format html,csv --policy examples/policy.yaml"],
    needs: ["rpc", "wallet"],
    schema: z.object({
      db: z.string().min(1).optional(),
      from: zTime.optional(),
      to: zTime.optional(),
      out: z.string().min(1).default("tierguard-report"),
      format: z
        .string()
        .default("html,json,csv,md")
        .transform((s) => [...new Set(s.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean))])
        .pipe(z.array(z.enum(["html", "json", "csv", "md"], { message: "must be html, json, csv or md" })).min(1)),
      noSync: z.boolean().default(false),
      policy: z.string().min(1).optional(),
      var: zVars,
    }),
  }),

  "audit verify": define({
    summary: "sync, then compare the state rebuilt from the events with the contract's views; exit 1 on any difference",
    positionals: [],
    options: {
      db: { type: "string", value: "<dir|postgres-url>", desc: "the store (default .tierguard/db)" },
      block: { type: "string", value: "<n>", desc: "block to compare at (default: the store's checkpoint)" },
    },
    examples: ["tierguard audit verify --config tierguard.json"],
    needs: ["rpc", "wallet"],
    schema: z.object({
      db: z.string().min(1).optional(),
      block: z.string().regex(/^\d+$/, { message: "must be a block number" }).transform((s) => BigInt(s)).optional(),
    }),
  }),

  "audit follow": define({
    summary: "follow the head; alert once on blocked attempts, vetoes, withdrawals, pauses, policy changes and budget thresholds; Ctrl-C stops",
    positionals: [],
    options: {
      db: { type: "string", value: "<dir|postgres-url>", desc: "the store (default .tierguard/db)" },
      webhook: { type: "string", value: "<url>", desc: "also POST each batch of alerts to this URL (retried with backoff until it answers 2xx)" },
      confirmations: { type: "string", value: "<n>", desc: "blocks to stay behind the head (default 0)" },
      from: { type: "string", value: "<start|now>", desc: "a new store's first alerts: everything indexed (start, default) or only what comes after now" },
    },
    examples: ["tierguard audit follow --webhook https://hooks.example.com/tierguard"],
    needs: ["rpc", "wallet"],
    schema: z.object({
      db: z.string().min(1).optional(),
      webhook: z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s):// URL" }).optional(),
      confirmations: zCount("a number of blocks").default(0),
      from: z.enum(["start", "now"], { message: "must be start or now" }).default("start"),
    }),
  }),

  "audit serve": define({
    summary: "follow the head into the store and serve the read-only JSON API on 127.0.0.1; Ctrl-C stops",
    details: [
      "The API answers while the store catches up; /health says how far behind the head it is (blocks and seconds).",
      "It is the store's one writer: a PGlite directory already used by another process (audit follow) is refused.",
    ],
    positionals: [],
    options: {
      db: { type: "string", value: "<dir|postgres-url>", desc: "the store (default .tierguard/db)" },
      port: { type: "string", value: "<n>", desc: "port (default 8787; 0: a free one)" },
      confirmations: { type: "string", value: "<n>", desc: "blocks to stay behind the head (default 0)" },
    },
    examples: ["tierguard audit serve --port 8787"],
    needs: ["rpc", "wallet"],
    schema: z.object({
      db: z.string().min(1).optional(),
      port: zCount("a port").default(8787),
      confirmations: zCount("a number of blocks").default(0),
    }),
  }),

  console: define({
    summary: "the owners' console: a local web app (queue, wallet, activity, intent pages) acting through your browser wallet; Ctrl-C stops",
    details: [
      "Follows the chain into the store (like audit follow) and serves pages and a JSON API on 127.0.0.1.",
      "Owners connect MetaMask, Rabby or any EIP-1193 wallet: approvals are EIP-712 signatures collected by the",
      "console; veto, reject, execute, expire and pause are transactions from the owner's wallet. The console holds no key.",
      "Owner actions prepared with --prepare <file> (policy changes, unpause, ...) are loaded on /owner-actions (upload,",
      "paste, or every *.json in --actions-dir), signed by each owner there and sent once M signed.",
      "--policy reads recipient labels from a policy file (with --var for its placeholders).",
      "Notifications (new supervised/collaborative intents, blocked attempts, pauses, policy changes) go to the channels",
      "set in the environment: TIERGUARD_SLACK_WEBHOOK_URL, TIERGUARD_TELEGRAM_BOT_TOKEN + TIERGUARD_TELEGRAM_CHAT_ID,",
      "TIERGUARD_NOTIFY_WEBHOOK_URL; each message is delivered once, retried with backoff while a channel fails.",
    ],
    positionals: [],
    options: {
      db: { type: "string", value: "<dir|postgres-url>", desc: "the store (default .tierguard/db)" },
      port: { type: "string", value: "<n>", desc: "port (default 8788; 0: a free one)" },
      host: { type: "string", value: "<address>", desc: "interface to listen on (default 127.0.0.1; the console has no login)" },
      policy: { type: "string", value: "<file>", desc: "policy file whose recipient labels the pages show" },
      var: varOption,
      confirmations: { type: "string", value: "<n>", desc: "blocks to stay behind the head (default 0)" },
      "public-url": { type: "string", value: "<url>", desc: "the console's URL as owners reach it, for links in notifications (default: where it listens)" },
      "actions-dir": { type: "string", value: "<dir>", desc: "a directory of owner-action files (tierguard ... --prepare <file>) listed on /owner-actions" },
    },
    examples: ["tierguard console --config tierguard.json --policy examples/policy.yaml --port 8788 --actions-dir actions/"],
    needs: ["rpc", "wallet"],
    schema: z.object({
      db: z.string().min(1).optional(),
      port: zCount("a port").default(8788),
      host: z.string().min(1).default("127.0.0.1"),
      policy: z.string().min(1).optional(),
      var: zVars,
      confirmations: zCount("a number of blocks").default(0),
      publicUrl: z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s):// URL" }).optional(),
      actionsDir: z.string().min(1).optional(),
    }),
  }),

  mcp: define({
    summary: "MCP server on stdio for an agent: tools quote, pay, intent_status and limits, paying with the agent's session key",
    details: [
      "For MCP clients such as Claude Desktop or Cursor: they start it and talk JSON-RPC over stdin/stdout.",
      "There is no tool to approve, veto, reject, pause or change the policy: an agent cannot govern itself.",
      "Logs go to stderr; the agent key comes from TIERGUARD_AGENT_KEY or --key-file, never from argv.",
    ],
    positionals: [],
    options: {
      token: { type: "string", value: "<address|NAME>", desc: "default token for payments (default: config `token`, or the wallet's only token)" },
      relayer: { type: "string", value: "<url>", desc: "pay gaslessly: sign each payment and have this relayer (tierguard relayer) submit it" },
    },
    examples: ["TIERGUARD_AGENT_KEY=0x.. tierguard mcp --config tierguard.json", "tierguard mcp --key-file agent.key --relayer http://127.0.0.1:8547"],
    needs: ["rpc", "wallet", "agent key"],
    schema: z.object({
      token: z.string().min(1).optional(),
      relayer: z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s):// URL" }).optional(),
    }),
  }),

  relayer: define({
    summary: "relay gasless agents' signed intents to the wallet, paying the gas from the relayer's own account",
    details: [
      "Serves POST /v1/intents (a signed intent as the SDK's signIntent() produces it) and GET /v1/health on 127.0.0.1.",
      "Relays only for the configured wallet, at most --rate-limit intents per agent, and simulates each intent first:",
      "anything the wallet would refuse (bad signature, expired, replayed, invalid payment) is answered with the",
      "wallet's error and never sent. The gas key comes from TIERGUARD_RELAYER_KEY or --keystore, never from argv.",
    ],
    positionals: [],
    options: {
      port: { type: "string", value: "<n>", desc: "port (default 8547; 0: a free one)" },
      host: { type: "string", value: "<address>", desc: "interface to listen on (default 127.0.0.1)" },
      "rate-limit": { type: "string", value: "<n>/<seconds>", desc: "intents per agent per window (default 30/60)" },
    },
    examples: ["TIERGUARD_RELAYER_KEY=0x.. tierguard relayer --config tierguard.json --port 8547"],
    needs: ["rpc", "wallet", "relayer key"],
    schema: z.object({
      port: zCount("a port").default(8547),
      host: z.string().min(1).default("127.0.0.1"),
      rateLimit: z
        .string()
        .regex(/^\d+\/\d+$/, { message: "must be <n>/<seconds>, e.g. 30/60" })
        .default("30/60")
        .transform((s) => ({ max: Number(s.split("/")[0]), windowMs: Number(s.split("/")[1]) * 1000 })),
    }),
  }),

  demo: define({
    summary: "the article's story end to end on a local chain (starts a hardhat node unless --rpc is given), then the audit reports",
    details: [
      "Deploys a 2-of-3 wallet with mock USDC/EURC, applies examples/policy.yaml, grants the agent a key, plays the",
      "day's payments (autonomous, vetoed, executed after the window, approved by two owners, expired, blocked),",
      "indexes the events, verifies them against the contract and writes report.html/.json/.md and CSV files.",
    ],
    positionals: [],
    options: { out: { type: "string", value: "<dir>", desc: "output directory (default ./tierguard-demo)" } },
    examples: ["tierguard demo --out tierguard-demo"],
    needs: [],
    schema: z.object({ out: z.string().min(1).default("tierguard-demo") }),
  }),
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandArgs<K extends CommandName> = z.output<(typeof COMMANDS)[K]["schema"]>;

/** A parsed, validated command line. */
export type Command = {
  [K in CommandName]: { kind: "command"; name: K; args: CommandArgs<K>; globals: Globals };
}[CommandName];

export const GROUPS = {
  policy: "policy files: validate, plan, apply, show",
  keys: "agents' session keys: grant, revoke, list",
  agent: "the agent's side: authorize a payment",
  owner: "the owners' side: intents (pending, approve, sign, veto, reject), collecting signatures (sign, inspect, submit), pause, unpause, withdraw, guardians, owners, threshold",
  intent: "one intent: show, execute, expire",
  keystore: "encrypted key files: new, import",
  audit: "the audit trail: sync, report, verify, follow, serve",
} as const;
export type GroupName = keyof typeof GROUPS;

export const subcommandsOf = (group: string): string[] =>
  (Object.keys(COMMANDS) as CommandName[]).filter((n) => n.startsWith(`${group} `)).map((n) => n.slice(group.length + 1));
