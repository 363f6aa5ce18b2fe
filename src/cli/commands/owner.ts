/** `tierguard owner ...`: what owners (and guardians) do with waiting intents and the pause switch. */
import { getAddress, zeroAddress, type Address, type Hex } from "viem";
import { formatDecimal } from "../../policy/units";
import { prepareApproval } from "../../owners/collect";
import { withSignature, type ActionFile } from "../../owners/file";
import { ownerClientFor, ownerSigners, requireIntent, simulateWalletCall, type Context, type Output } from "../context";
import { ConfigError } from "../errors";
import { settleLines } from "../format";
import type { CommandArgs } from "../spec";
import { addSignatureToFile, inspectFiles, loadActionFile, signTarget, submitFiles } from "./actions";

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

/** `--dry-run` of a single-owner call on an intent: simulated from the first key given, nothing sent. */
async function dryRunIntentCall(ctx: Context, fn: "approve" | "veto" | "reject", intentId: Hex, from: Address): Promise<Output> {
  const p = await (await ownerClientFor(ctx, from)).pendingIntent(intentId);
  await simulateWalletCall(ctx, from, fn, [intentId, p]);
  return { text: [`dry run: ${from} may ${fn} ${intentId} (simulated; nothing sent)`], json: { dryRun: true, intentId, action: fn, by: from } };
}

export async function ownerApprove(args: CommandArgs<"owner approve">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const { accounts } = await ownerSigners(ctx);
  if (args.dryRun) return dryRunIntentCall(ctx, "approve", args.intentId, accounts[0].address);
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

export const ownerSign = (args: CommandArgs<"owner sign">, ctx: Context): Promise<Output> => signTarget(ctx, args);

export const ownerInspect = (args: CommandArgs<"owner inspect">, ctx: Context): Promise<Output> =>
  inspectFiles(ctx, args.files, { typedData: args.typedData });

export const ownerAddSignature = (args: CommandArgs<"owner add-signature">, ctx: Context): Promise<Output> =>
  addSignatureToFile(ctx, { ...args, signature: args.signature as Hex });

export const ownerSubmit = (args: CommandArgs<"owner submit">, ctx: Context): Promise<Output> =>
  submitFiles(ctx, args.files, { dryRun: args.dryRun });

/** The approval files given, plus inline `--sig signer:signature` entries (EOA owners), submitted together. */
export async function ownerSubmitSignatures(args: CommandArgs<"owner submit-signatures">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const c = await ctx.conn();
  let f: ActionFile = await prepareApproval({ publicClient: c.publicClient, wallet: await ctx.wallet(), intentId: args.intentId, fromBlock: ctx.settings.fromBlock });
  for (const s of args.sig) {
    const [signer, signature] = s.split(":");
    f = withSignature(f, { kind: "eoa", signer: getAddress(signer), signature: signature as Hex });
  }
  for (const file of args.signatures) {
    const g = loadActionFile(ctx, file);
    if (g.kind !== "approval" || g.intentId.toLowerCase() !== args.intentId) {
      throw new ConfigError(`${file} is not an approval of intent ${args.intentId}`, { fix: "pass the file signed for this intent (owner sign <intentId> --out <file>)" });
    }
  }
  return submitFiles(ctx, args.signatures, { dryRun: args.dryRun, extra: f });
}

export const closer = (fn: "veto" | "reject", guardians: boolean) =>
  async (args: { intentId: Hex; dryRun: boolean }, ctx: Context): Promise<Output> => {
    await requireIntent(ctx, args.intentId);
    const { accounts } = await ownerSigners(ctx, { guardians });
    if (args.dryRun) return dryRunIntentCall(ctx, fn, args.intentId, accounts[0].address);
    const { txHash } = await (await ownerClientFor(ctx, accounts[0]))[fn](args.intentId);
    const done = fn === "veto" ? "vetoed" : "rejected";
    return { text: [`${done} ${args.intentId} (by ${accounts[0].address})`, `tx: ${txHash}`], json: { intentId: args.intentId, decision: done, by: accounts[0].address, txHash } };
  };

export async function ownerPause(args: CommandArgs<"owner pause">, ctx: Context): Promise<Output> {
  const { accounts } = await ownerSigners(ctx, { guardians: true });
  if (args.dryRun) {
    await simulateWalletCall(ctx, accounts[0].address, "pause", []);
    return { text: [`dry run: ${accounts[0].address} may pause the wallet (simulated; nothing sent)`], json: { dryRun: true, by: accounts[0].address } };
  }
  const { txHash } = await (await ownerClientFor(ctx, accounts[0])).pause();
  return { text: ["wallet paused: agents cannot spend and nothing executes until M owners unpause", `tx: ${txHash}`], json: { paused: true, txHash } };
}
