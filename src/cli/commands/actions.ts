/**
 * M-of-N owner decisions on the command line. Every command that needs M owners (policy apply, keys grant,
 * unpause, withdraw, guardians, threshold and owner changes) runs through `ownerAction`:
 *
 * - `--prepare <file>` writes the action file (EIP-712 typed data, digest, summary) and sends nothing;
 * - with M owner keys at hand it signs and submits at once (`--dry-run`: signs and simulates only);
 *
 * and `owner sign <file>` (each owner, own key), `owner inspect <file...>` and `owner submit <file...>` (anyone)
 * complete the collection. The logic is the SDK's (`src/owners`); this file only wires it to flags and files.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Address, Hex } from "viem";
import {
  addSignature,
  checkActionFile,
  prepareApproval,
  prepareOwnerAction,
  signActionFile,
  submitActionFile,
  type ActionStatus,
} from "../../owners/collect";
import {
  digestOf,
  mergeActionFiles,
  readActionFile,
  typedDataV4,
  writeActionFile,
  type ActionFile,
  type CollectedSignature,
  type SimulationRecord,
} from "../../owners/file";
import { simulationLines, type PolicySimulation } from "../../policy/simulate";
import { readSafe } from "../../owners/safe";
import { formatDuration } from "../../policy/units";
import { ownerSigners, type Context, type Output } from "../context";
import { ConfigError } from "../errors";
import { iso, settleLines } from "../format";

/** The flags every M-of-N command takes. */
export interface ActionFlags {
  prepare?: string;
  dryRun: boolean;
  expiresIn?: number;
}

export function loadActionFile(ctx: Context, file: string): ActionFile {
  let text: string;
  try {
    text = readFileSync(ctx.resolvePath(file), "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      fix: "pass the path of an action file (written with --prepare, or by owner sign <intentId> --out)",
    });
  }
  return readActionFile(text, file);
}

export function saveActionFile(ctx: Context, file: string, f: ActionFile): void {
  writeFileSync(ctx.resolvePath(file), writeActionFile(f));
}

/** Reads and combines several copies of one action. */
export const loadActionFiles = (ctx: Context, files: readonly string[]) =>
  mergeActionFiles(files.map((source) => ({ file: loadActionFile(ctx, source), source })));

/** The file's state for people: what it does, where, nonce, deadline, each signature. */
export function statusLines(s: ActionStatus): string[] {
  const f = s.file;
  const left = Number(f.deadline) - s.chainNow;
  const lines = [
    `${f.kind === "owner-action" ? "owner action" : "approval"}: ${f.title}`,
    ...s.summary.map((l) => `  - ${l}`),
    `wallet:    ${f.wallet} on chain ${f.chainId}`,
  ];
  if (f.kind === "owner-action") lines.push(`nonce:     ${f.nonce} (the wallet is at ${s.walletNonce})`);
  lines.push(
    `deadline:  ${iso(f.deadline)} (${left > 0 ? `in ${formatDuration(left)}` : "passed"})`,
    `digest:    ${s.digest}`,
    `signed:    ${s.accepted.length} of the ${s.threshold} owners needed${s.ready ? " (ready to submit)" : ""}`,
    ...s.signatures.map((x) => `  ${x.ok && !x.problem ? "ok" : "--"} ${x.owner}${x.kind === "safe" ? ` (Safe, signed by its owner ${x.by})` : ""}${x.problem ? `: ${x.problem}` : ""}`),
  );
  if (f.notes.length) lines.push("notes from the preparer (not signed):", ...f.notes.map((n) => `  ${n}`));
  if (f.simulation) {
    lines.push(
      `the preparer's ${simulationLines(f.simulation as PolicySimulation)[0]} (not signed; recompute with policy plan --store)`,
      ...simulationLines(f.simulation as PolicySimulation).slice(1),
    );
  }
  return lines;
}

export function statusJson(s: ActionStatus) {
  const f = s.file;
  return {
    kind: f.kind,
    title: f.title,
    summary: s.summary,
    wallet: f.wallet,
    chainId: f.chainId,
    nonce: f.kind === "owner-action" ? f.nonce : null,
    walletNonce: s.walletNonce ?? null,
    deadline: f.deadline,
    digest: s.digest,
    threshold: s.threshold,
    accepted: s.accepted,
    ready: s.ready,
    signatures: s.signatures,
    notes: f.notes,
    simulation: f.simulation ?? null,
  };
}

/**
 * Runs (or prepares) one owner action over `calls`. Without `--prepare` it needs M owner keys in this process;
 * its error says how to collect signatures from several machines instead.
 */
export async function ownerAction(
  ctx: Context,
  action: { calls: Hex[]; title: string; notes?: string[]; simulation?: SimulationRecord; done: string; doneLines?: string[] },
  flags: ActionFlags,
): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const file = await prepareOwnerAction({
    publicClient: c.publicClient,
    wallet,
    calls: action.calls,
    title: action.title,
    notes: action.notes,
    simulation: action.simulation,
    validFor: flags.expiresIn,
  });
  if (flags.prepare) {
    const out = ctx.resolvePath(flags.prepare);
    if (existsSync(out)) {
      throw new ConfigError(`${flags.prepare} already exists; not overwriting it`, { fix: "remove it or pass another --prepare path" });
    }
    saveActionFile(ctx, flags.prepare, file);
    const status = await checkActionFile(c.publicClient, file, flags.prepare);
    return {
      text: [
        `prepared ${flags.prepare} (nothing sent)`,
        ...statusLines(status),
        `next: each owner runs "tierguard owner sign ${flags.prepare}" with their own key; then anyone runs "tierguard owner submit ${flags.prepare}"`,
      ],
      json: { prepared: flags.prepare, ...statusJson(status) },
    };
  }
  const { accounts, threshold } = await ownerSigners(ctx, { min: "threshold", prepareHint: true });
  let signed: ActionFile = file;
  for (const acc of accounts.slice(0, threshold)) signed = await signActionFile(signed, acc);
  const status = await checkActionFile(c.publicClient, signed, "the action");
  const sender = c.walletClient(accounts[0]);
  const r = await submitActionFile({ publicClient: c.publicClient, walletClient: sender, status, dryRun: flags.dryRun });
  const signers = status.accepted;
  if (flags.dryRun) {
    return {
      text: [`dry run: the wallet accepts this owner action (simulated; nothing sent)`, ...statusLines(status)],
      json: { dryRun: true, ...statusJson(status) },
    };
  }
  return {
    text: [
      `${action.done} (one owner action signed by ${signers.join(", ")})`,
      ...(action.doneLines ?? status.summary.map((l) => `  - ${l}`)),
      `tx: ${r.txHash}`,
    ],
    json: { ...statusJson(status), signers, txHash: r.txHash },
  };
}

/** `owner sign <file|intentId>`: this owner (or this Safe owner) signs; the file is checked first. */
export async function signTarget(
  ctx: Context,
  args: { target: string; out?: string; safe?: Address; dryRun: boolean },
): Promise<Output> {
  const c = await ctx.conn();
  const isIntent = /^0x[0-9a-fA-F]{64}$/.test(args.target);
  let source: string;
  let f: ActionFile;
  if (isIntent) {
    const wallet = await ctx.wallet();
    const fresh = await prepareApproval({ publicClient: c.publicClient, wallet, intentId: args.target.toLowerCase() as Hex, fromBlock: ctx.settings.fromBlock });
    source = args.out ?? "the approval";
    f = args.out && existsSync(ctx.resolvePath(args.out)) ? mergeActionFiles([{ file: fresh, source: "the intent" }, { file: loadActionFile(ctx, args.out), source: args.out }]) : fresh;
  } else {
    source = args.target;
    f = loadActionFile(ctx, args.target);
  }
  // Checked before signing: a stale, expired, foreign or tampered action is refused here.
  const before = await checkActionFile(c.publicClient, f, source, { fromBlock: ctx.settings.fromBlock });
  const accounts = await ctx.ownerAccounts();
  if (args.safe) {
    if (!before.owners.some((o) => o.toLowerCase() === args.safe!.toLowerCase())) {
      throw new ConfigError(`Safe ${args.safe} is not an owner of wallet ${f.wallet}`, { fix: `owners are: ${before.owners.join(", ")}` });
    }
    const safe = await readSafe(c.publicClient, args.safe);
    for (const a of accounts) {
      if (!safe.owners.some((o) => o.toLowerCase() === a.address.toLowerCase())) {
        throw new ConfigError(`the key for ${a.address} is not an owner of Safe ${args.safe}`, { fix: `the Safe's owners are: ${safe.owners.join(", ")}` });
      }
    }
  } else {
    for (const a of accounts) {
      if (!before.owners.some((o) => o.toLowerCase() === a.address.toLowerCase())) {
        throw new ConfigError(`the key for ${a.address} is not an owner of wallet ${f.wallet}; refusing to sign`, {
          fix: `sign with an owner's key (owners: ${before.owners.join(", ")}); a Safe's owner adds --safe <safe address>`,
        });
      }
    }
  }
  if (args.dryRun) {
    return { text: ["dry run: would sign (nothing written)", ...statusLines(before)], json: { dryRun: true, ...statusJson(before) } };
  }
  for (const a of accounts) f = await signActionFile(f, a, { safe: args.safe });
  const after = await checkActionFile(c.publicClient, f, source, { fromBlock: ctx.settings.fromBlock });
  const out = args.out ?? (isIntent ? undefined : args.target);
  if (out) saveActionFile(ctx, out, f);
  const mine = f.signatures.filter((s) => accounts.some((a) => a.address.toLowerCase() === (s.kind === "safe" ? s.owner : s.signer).toLowerCase()));
  return {
    text: [
      ...mine.map((s) => `signed by ${s.kind === "safe" ? `${s.owner} for Safe ${s.signer}` : s.signer}: ${s.signature}`),
      ...statusLines(after),
      ...(out ? [`${out} now holds ${f.signatures.length} signature${f.signatures.length === 1 ? "" : "s"}; submit with: tierguard owner submit ${out}`] : []),
    ],
    json: { file: out ?? null, ...(isIntent ? { intentId: args.target.toLowerCase() } : {}), ...statusJson(after), signed: mine },
  };
}

/** `owner inspect <file...>`: what the files do and where the signatures stand (no key needed). */
export async function inspectFiles(ctx: Context, files: readonly string[], opts: { typedData?: boolean } = {}): Promise<Output> {
  const f = loadActionFiles(ctx, files);
  if (opts.typedData) {
    // Offline: the typed data is rebuilt from the signed fields and its digest checked by readActionFile.
    const text = typedDataV4(f);
    return { text: [text], json: { typedData: JSON.parse(text), digest: digestOf(f) } };
  }
  const c = await ctx.conn();
  const status = await checkActionFile(c.publicClient, f, files.join(" + "), { fromBlock: ctx.settings.fromBlock });
  return { text: statusLines(status), json: statusJson(status) };
}

/** `owner add-signature <file>`: a signature made elsewhere, checked against the file and the wallet, then added. */
export async function addSignatureToFile(
  ctx: Context,
  args: { file: string; signer: Address; signature: Hex; safe?: Address; out?: string; dryRun: boolean },
): Promise<Output> {
  const c = await ctx.conn();
  const f = loadActionFile(ctx, args.file);
  const sig: CollectedSignature = args.safe
    ? { kind: "safe", signer: args.safe, owner: args.signer, signature: args.signature }
    : { kind: "eoa", signer: args.signer, signature: args.signature };
  const { file, status } = await addSignature(c.publicClient, f, sig, { source: args.file, fromBlock: ctx.settings.fromBlock });
  const out = args.out ?? args.file;
  const who = args.safe ? `${args.signer} for Safe ${args.safe}` : args.signer;
  if (args.dryRun) {
    return { text: [`dry run: the signature of ${who} is valid for this action (nothing written)`, ...statusLines(status)], json: { dryRun: true, ...statusJson(status) } };
  }
  saveActionFile(ctx, out, file);
  return {
    text: [`added the signature of ${who}`, ...statusLines(status), `${out} now holds ${file.signatures.length} signature${file.signatures.length === 1 ? "" : "s"}; submit with: tierguard owner submit ${out}`],
    json: { file: out, ...statusJson(status) },
  };
}

/** `owner submit <file...>`: combines, checks and submits (anyone may send it). */
export async function submitFiles(ctx: Context, files: readonly string[], opts: { dryRun: boolean; extra?: ActionFile }): Promise<Output> {
  const c = await ctx.conn();
  let f = files.length ? loadActionFiles(ctx, files) : opts.extra;
  if (!f) throw new ConfigError("no action file given", { fix: "pass the file(s) the owners signed" });
  if (files.length && opts.extra) f = mergeActionFiles([{ file: opts.extra, source: "the intent" }, { file: f, source: files.join(" + ") }]);
  const status = await checkActionFile(c.publicClient, f, files.join(" + "), { fromBlock: ctx.settings.fromBlock });
  const sender = c.walletClient(await ctx.anyAccount());
  const r = await submitActionFile({ publicClient: c.publicClient, walletClient: sender, status, dryRun: opts.dryRun });
  if (opts.dryRun) {
    return { text: ["dry run: the wallet accepts these signatures (simulated; nothing sent)", ...statusLines(status)], json: { dryRun: true, ...statusJson(status) } };
  }
  const text = r.settle ? settleLines(r.settle, `${status.accepted.length} signatures submitted`) : [`submitted: ${f.title}`, ...status.summary.map((l) => `  - ${l}`), `tx: ${r.txHash}`];
  return {
    text,
    json: { ...statusJson(status), ...(f.kind === "approval" ? { intentId: f.intentId } : {}), signers: status.accepted, ...(r.settle ?? { txHash: r.txHash }) },
  };
}
