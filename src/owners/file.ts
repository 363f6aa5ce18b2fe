/**
 * The owner action file: one M-of-N decision (an owner action over wallet calls, or the approval of a
 * collaborative intent) as self-describing JSON that travels between owners. It carries the EIP-712 typed data
 * each owner signs, its digest, a summary decoded from the signed calls, and the signatures collected so far.
 *
 * Nothing in a file is trusted as written: `readActionFile` rebuilds the typed data from the signed fields,
 * recomputes the digest and the summary, and `checkSignatures` recovers every signer. A changed call, nonce,
 * deadline, wallet or chain therefore either fails here or shows up in the summary the next owner reads.
 */
import { z } from "zod";
import {
  decodeFunctionData,
  getAddress,
  hashTypedData,
  hexToString,
  isAddress,
  recoverTypedDataAddress,
  type Address,
  type Hex,
} from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { TierGuardError } from "../errors";
import { approvalTypes, ownerActionTypes, walletDomain, DOMAIN_NAME, DOMAIN_VERSION } from "../client/signing";
import { recoverSafeOwner } from "./safe";

export const FILE_FORMAT = "tierguard-owner-action/1";

/** A file that cannot be used as given (malformed, changed after signing, a bad signature). */
export class ActionFileError extends TierGuardError {
  override name = "ActionFileError";
}

/** One collected signature. `safe`: a Safe owner's signature over the Safe message of the digest. */
export type CollectedSignature =
  | { kind: "eoa"; signer: Address; signature: Hex }
  | { kind: "safe"; signer: Address; owner: Address; signature: Hex };

/**
 * A policy change's replay over the wallet's recorded history, as the preparer computed it (`policy plan --store`):
 * counts per tier recorded and under the new policy, and the intents that would change tier. Not signed: each
 * owner can recompute it with `policy plan <file> --store <db>`.
 */
export interface SimulationRecord {
  /** the window replayed, in days, and the store read (a URL's password redacted) */
  days: number;
  store: string;
  intents: number;
  /** unix seconds of the first and last intent replayed */
  from: number;
  to: number;
  before: Record<string, number>;
  after: Record<string, number>;
  changed: { intentId: Hex; agentId: Hex; timestamp: number; recorded: string; simulated: string; reason: string }[];
  approximations: string[];
}

interface Common {
  wallet: Address;
  chainId: number;
  deadline: bigint;
  /** what the preparer wrote about it (not signed; shown as the preparer's notes) */
  notes: string[];
  /** policy changes: the preparer's simulation over the recorded history (not signed) */
  simulation?: SimulationRecord;
  preparedAt: string;
  signatures: CollectedSignature[];
}

export interface OwnerActionFile extends Common {
  kind: "owner-action";
  title: string;
  calls: Hex[];
  nonce: bigint;
}

export interface ApprovalFile extends Common {
  kind: "approval";
  title: string;
  intentId: Hex;
  token: Address;
  amount: bigint;
  recipient: Address;
}

export type ActionFile = OwnerActionFile | ApprovalFile;

/*//////////////////////////////////////////////////////////////
                          TYPED DATA, SUMMARY
//////////////////////////////////////////////////////////////*/

/** The EIP-712 typed data of the file, rebuilt from its signed fields. */
export function typedDataOf(f: ActionFile) {
  const domain = walletDomain(f.chainId, f.wallet);
  if (f.kind === "owner-action") {
    return {
      domain,
      types: ownerActionTypes,
      primaryType: "OwnerAction" as const,
      message: { calls: f.calls, nonce: f.nonce, deadline: f.deadline },
    };
  }
  return {
    domain,
    types: approvalTypes,
    primaryType: "Approval" as const,
    message: { intentId: f.intentId, token: f.token, amount: f.amount, recipient: f.recipient, deadline: f.deadline },
  };
}

export const digestOf = (f: ActionFile): Hex => hashTypedData(typedDataOf(f) as never);

const name32 = (h: Hex) => {
  try {
    const s = hexToString(h, { size: 32 }).replace(/\0+$/, "");
    return /^[\x20-\x7e]+$/.test(s) ? `"${s}"` : h;
  } catch {
    return h;
  }
};
const iso = (s: bigint | number) => new Date(Number(s) * 1000).toISOString().replace(".000Z", "Z");
const fmt = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(fmt).join(", ")}]` : typeof v === "object" && v !== null ? JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) : String(v);

/** One wallet call in words, decoded from its bytes with the wallet's ABI (never from the file's text). */
export function describeCall(data: Hex): string {
  let d: { functionName: string; args?: readonly unknown[] };
  try {
    d = decodeFunctionData({ abi: tierGuardWalletAbi, data }) as typeof d;
  } catch {
    return `unknown call ${data.slice(0, 10)} (${(data.length - 2) / 2} bytes): not a TierGuard wallet function`;
  }
  const a = (d.args ?? []) as readonly unknown[];
  switch (d.functionName) {
    case "unpause":
      return "unpause the wallet (agents may spend again)";
    case "withdraw":
      return `withdraw ${a[2]} (smallest units) of ${a[0] === "0x0000000000000000000000000000000000000000" ? "ETH" : `token ${a[0]}`} to ${a[1]}`;
    case "grantSessionKey":
      return `grant session key ${a[0]} to agent ${name32(a[1] as Hex)} until ${iso(a[2] as number)}`;
    case "revokeSessionKey":
      return `revoke session key ${a[0]}`;
    case "setGuardian":
      return a[1] ? `make ${a[0]} a guardian (may pause and veto)` : `remove guardian ${a[0]}`;
    case "addOwner":
      return `add owner ${a[0]}`;
    case "removeOwner":
      return `remove owner ${a[0]}`;
    case "setThreshold":
      return `set the owner threshold to ${a[0]}`;
    case "freezeAgent":
      return `freeze agent ${name32(a[0] as Hex)} (revoke its keys, void its queued intents)`;
    case "unfreezeAgent":
      return `unfreeze agent ${name32(a[0] as Hex)}`;
    default: {
      const inputs = (tierGuardWalletAbi as readonly { type: string; name?: string; inputs?: readonly { name: string }[] }[]).find(
        (x) => x.type === "function" && x.name === d.functionName,
      )?.inputs;
      return `${d.functionName}(${a.map((v, i) => `${inputs?.[i]?.name ?? i}: ${fmt(v)}`).join(", ")})`;
    }
  }
}

/** What signing this file does, in words, derived from the signed fields only. */
export function summaryOf(f: ActionFile): string[] {
  if (f.kind === "owner-action") return f.calls.map(describeCall);
  return [`approve intent ${f.intentId}: pay ${f.amount} (smallest units) of token ${f.token} to ${f.recipient}`];
}

/*//////////////////////////////////////////////////////////////
                             JSON FORM
//////////////////////////////////////////////////////////////*/

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, { message: "must be 0x-prefixed hex" }) as unknown as z.ZodType<Hex>;
const addr = z
  .string()
  .refine((s) => isAddress(s, { strict: false }), { message: "must be an address" })
  .transform((s) => getAddress(s));
const uint = z.string().regex(/^\d+$/, { message: "must be a whole number as a string" }).transform(BigInt);
const sigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("eoa"), signer: addr, signature: hex }),
  z.object({ kind: z.literal("safe"), signer: addr, owner: addr, signature: hex }),
]);
const domainSchema = z.object({
  name: z.string(),
  version: z.string(),
  chainId: z.number().int().positive(),
  verifyingContract: addr,
});
const simulationSchema = z.object({
  days: z.number(),
  store: z.string(),
  intents: z.number().int().nonnegative(),
  from: z.number(),
  to: z.number(),
  before: z.record(z.string(), z.number()),
  after: z.record(z.string(), z.number()),
  changed: z.array(
    z.object({ intentId: hex, agentId: hex, timestamp: z.number(), recorded: z.string(), simulated: z.string(), reason: z.string() }),
  ),
  approximations: z.array(z.string()).default([]),
});
const commonSchema = {
  format: z.literal(FILE_FORMAT),
  title: z.string(),
  summary: z.array(z.string()),
  notes: z.array(z.string()).default([]),
  simulation: simulationSchema.optional(),
  preparedAt: z.string(),
  digest: hex,
  signatures: z.array(sigSchema).default([]),
};
const fileSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("owner-action"),
    ...commonSchema,
    typedData: z.object({
      domain: domainSchema,
      primaryType: z.literal("OwnerAction"),
      types: z.unknown(),
      message: z.object({ calls: z.array(hex).min(1), nonce: uint, deadline: uint }),
    }),
  }),
  z.object({
    kind: z.literal("approval"),
    ...commonSchema,
    intentId: hex,
    typedData: z.object({
      domain: domainSchema,
      primaryType: z.literal("Approval"),
      types: z.unknown(),
      message: z.object({ intentId: hex, token: addr, amount: uint, recipient: addr, deadline: uint }),
    }),
  }),
]);

const big = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** The file's JSON text (typed data with bigints as decimal strings, so any EIP-712 tool can read it). */
export function writeActionFile(f: ActionFile): string {
  const td = typedDataOf(f);
  const json = {
    format: FILE_FORMAT,
    kind: f.kind,
    title: f.title,
    summary: summaryOf(f),
    notes: f.notes,
    ...(f.simulation ? { simulation: f.simulation } : {}),
    ...(f.kind === "approval" ? { intentId: f.intentId } : {}),
    preparedAt: f.preparedAt,
    typedData: { ...td, types: { EIP712Domain: EIP712_DOMAIN, ...td.types } },
    digest: digestOf(f),
    signatures: f.signatures,
  };
  return `${JSON.stringify(json, big, 2)}\n`;
}

/**
 * The file's typed data as `eth_signTypedData_v4` takes it (`{ types, domain, primaryType, message }`, the
 * EIP712Domain type included, integers as decimal strings): what a browser wallet or a hardware wallet's tool signs.
 */
export function typedDataV4(f: ActionFile): string {
  const td = typedDataOf(f);
  return JSON.stringify({ types: { EIP712Domain: EIP712_DOMAIN, ...td.types }, domain: td.domain, primaryType: td.primaryType, message: td.message }, big, 2);
}

const EIP712_DOMAIN = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

/**
 * Reads a file and checks that it is what it claims: TierGuard's domain and types, a digest that matches the
 * signed fields. Signatures are checked by `checkSignatures`.
 */
export function readActionFile(text: string, source: string): ActionFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ActionFileError(`${source} is not JSON (${(e as Error).message})`, {
      fix: "pass a file written by tierguard (an owner action or approval file)",
    });
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    throw new ActionFileError(`${source} is not a TierGuard owner action file`, {
      details: r.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`),
      fix: "pass a file written by tierguard (--prepare <file> on an owner command, or owner sign <intent> --out <file>)",
    });
  }
  const j = r.data;
  const { domain } = j.typedData;
  if (domain.name !== DOMAIN_NAME || domain.version !== DOMAIN_VERSION) {
    throw new ActionFileError(`${source}: the typed data's domain is "${domain.name}" v${domain.version}, not TierGuard's`, {
      fix: "sign only files prepared for a TierGuard wallet",
    });
  }
  const expectedTypes = j.kind === "owner-action" ? ownerActionTypes : approvalTypes;
  const types = j.typedData.types as Record<string, unknown>;
  const primary = j.kind === "owner-action" ? "OwnerAction" : "Approval";
  if (JSON.stringify(types[primary]) !== JSON.stringify(expectedTypes[primary as keyof typeof expectedTypes])) {
    throw new ActionFileError(`${source}: the ${primary} type in the file is not TierGuard's`, {
      fix: "the file was changed; ask the preparer for a new one",
    });
  }
  const common = {
    wallet: domain.verifyingContract,
    chainId: domain.chainId,
    notes: j.notes,
    ...(j.simulation ? { simulation: j.simulation as SimulationRecord } : {}),
    preparedAt: j.preparedAt,
    signatures: j.signatures as CollectedSignature[],
  };
  const f: ActionFile =
    j.kind === "owner-action"
      ? { kind: "owner-action", title: j.title, ...common, ...j.typedData.message }
      : { kind: "approval", title: j.title, ...common, ...j.typedData.message };
  if (f.kind === "approval" && j.kind === "approval" && j.intentId.toLowerCase() !== f.intentId.toLowerCase()) {
    throw new ActionFileError(`${source}: intentId ${j.intentId} differs from the signed intentId ${f.intentId}`, {
      fix: "the file was changed; ask the preparer for a new one",
    });
  }
  const digest = digestOf(f);
  if (digest.toLowerCase() !== j.digest.toLowerCase()) {
    throw new ActionFileError(`${source}: the digest does not match the typed data (the action was changed after it was prepared)`, {
      details: [`digest in the file: ${j.digest}`, `digest of its typed data: ${digest}`],
      fix: "do not sign it; ask the preparer for a fresh file",
    });
  }
  return f;
}

/** A signature checked offline: the signer (or the Safe owner) recovered from the signature itself. */
export interface CheckedSignature {
  entry: CollectedSignature;
  /** the address recovered from the signature (a Safe owner for kind "safe") */
  recovered: Address;
}

/**
 * Recovers every signature in the file and refuses the file if one was not made by who it names over exactly
 * this action (a signature for another wallet, chain, nonce, deadline or set of calls recovers to someone else).
 * Safe owners' signatures are recovered over the Safe message. Empty signatures (a Safe that approved the message
 * on-chain) are left to the on-chain check.
 */
export async function checkSignatures(f: ActionFile, source: string): Promise<CheckedSignature[]> {
  const digest = digestOf(f);
  const out: CheckedSignature[] = [];
  for (const [i, s] of f.signatures.entries()) {
    if (s.signature === "0x") {
      out.push({ entry: s, recovered: s.signer });
      continue;
    }
    let recovered: Address;
    try {
      recovered =
        s.kind === "eoa"
          ? await recoverTypedDataAddress({ ...(typedDataOf(f) as Parameters<typeof hashTypedData>[0]), signature: s.signature })
          : await recoverSafeOwner({ chainId: f.chainId, safe: s.signer, digest, signature: s.signature });
    } catch (e) {
      throw new ActionFileError(`${source}: signature ${i + 1} (by ${s.signer}) is malformed`, { cause: e, fix: "remove it and sign again" });
    }
    const claimed = s.kind === "eoa" ? s.signer : s.owner;
    if (recovered.toLowerCase() !== claimed.toLowerCase()) {
      throw new ActionFileError(
        `${source}: signature ${i + 1} claims to be by ${claimed}${s.kind === "safe" ? ` (for Safe ${s.signer})` : ""} but was not made by it over this action`,
        {
          details: [
            "it was made over different data: another wallet, chain, nonce, deadline or calls, or the file was edited after signing",
          ],
          fix: "do not submit it; remove that entry and have the owner sign this file again",
        },
      );
    }
    out.push({ entry: s, recovered });
  }
  return out;
}

/** Adds (or replaces, for the same signer) a signature. */
export function withSignature<F extends ActionFile>(f: F, s: CollectedSignature): F {
  const key = (x: CollectedSignature) => `${x.signer.toLowerCase()}/${x.kind === "safe" ? x.owner.toLowerCase() : ""}`;
  return { ...f, signatures: [...f.signatures.filter((x) => key(x) !== key(s)), s] };
}

/** Combines copies of one action signed by different owners; refuses files for different actions. */
export function mergeActionFiles(files: readonly { file: ActionFile; source: string }[]): ActionFile {
  if (!files.length) throw new ActionFileError("no files to combine", { fix: "pass at least one file" });
  const [first, ...rest] = files;
  const digest = digestOf(first.file);
  let merged = first.file;
  for (const r of rest) {
    if (digestOf(r.file) !== digest) {
      throw new ActionFileError(`${r.source} is for a different action than ${first.source}`, {
        details: [`${first.source}: ${summaryOf(first.file).join("; ")}`, `${r.source}: ${summaryOf(r.file).join("; ")}`],
        fix: "combine only copies of the same prepared file",
      });
    }
    for (const s of r.file.signatures) merged = withSignature(merged, s);
  }
  return merged;
}
