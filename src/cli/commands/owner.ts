/** `tierguard owner ...`: what owners (and guardians) do with waiting intents and the pause switch. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { getAddress, isAddress, zeroAddress, type Hex } from "viem";
import { formatDecimal } from "../../policy/units";
import type { OwnerSignature } from "../../client/signing";
import { anyAccount } from "../connection";
import { ownerClientFor, ownerSigners, requireIntent, type Context, type Output } from "../context";
import { ConfigError } from "../errors";
import { settleLines } from "../format";
import type { CommandArgs } from "../spec";

export async function ownerPending(_args: CommandArgs<"owner pending">, ctx: Context): Promise<Output> {
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

export async function ownerApprove(args: CommandArgs<"owner approve">, ctx: Context): Promise<Output> {
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

export async function ownerSign(args: CommandArgs<"owner sign">, ctx: Context): Promise<Output> {
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

export async function ownerSubmitSignatures(args: CommandArgs<"owner submit-signatures">, ctx: Context): Promise<Output> {
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

export const closer = (fn: "veto" | "reject", guardians: boolean) =>
  async (args: { intentId: Hex }, ctx: Context): Promise<Output> => {
    await requireIntent(ctx, args.intentId);
    const { accounts } = await ownerSigners(ctx, { guardians });
    const { txHash } = await (await ownerClientFor(ctx, accounts[0]))[fn](args.intentId);
    const done = fn === "veto" ? "vetoed" : "rejected";
    return { text: [`${done} ${args.intentId} (by ${accounts[0].address})`, `tx: ${txHash}`], json: { intentId: args.intentId, decision: done, by: accounts[0].address, txHash } };
  };

export async function ownerPause(_args: CommandArgs<"owner pause">, ctx: Context): Promise<Output> {
  const { accounts } = await ownerSigners(ctx, { guardians: true });
  const { txHash } = await (await ownerClientFor(ctx, accounts[0])).pause();
  return { text: ["wallet paused: agents cannot spend and nothing executes until M owners unpause", `tx: ${txHash}`], json: { paused: true, txHash } };
}

export async function ownerUnpause(_args: CommandArgs<"owner unpause">, ctx: Context): Promise<Output> {
  const { accounts, threshold } = await ownerSigners(ctx, { min: "threshold" });
  const c = await ctx.conn();
  const signers = accounts.slice(0, threshold);
  const owner = await ownerClientFor(ctx, signers[0]);
  const { txHash } = await owner.applyCalls(owner.unpauseCalls(), signers.map((s) => c.walletClient(s)));
  return { text: ["wallet unpaused", `tx: ${txHash}`], json: { paused: false, txHash } };
}
