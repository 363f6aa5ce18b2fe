/** `tierguard intent show|execute|expire`: one intent, its history, and the calls anyone may make on it. */
import { getAbiItem, type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { formatDecimal } from "../../policy/units";
import { decisionFrom, decodeMisses, lifecycleLogs, readIntentStatus, REASON_NAMES, SUBMIT_STATUS } from "../../client/intents";
import { ownerClientFor, readWallet, requireIntent, type Context, type Output } from "../context";
import { bytes32Name, iso, rows, settleLines } from "../format";
import type { CommandArgs } from "../spec";

/**
 * A category's name as it was at `block`: the latest `CategoryDefined` of that id up to the block (the name
 * may have changed since; the record keeps the one it was submitted under). Falls back to today's name.
 */
async function categoryNameAt(ctx: Context, publicClient: PublicClient, wallet: Address, id: number, block: bigint): Promise<string> {
  try {
    const logs = await publicClient.getLogs({
      address: wallet,
      event: getAbiItem({ abi: tierGuardWalletAbi, name: "CategoryDefined" }),
      args: { category: id },
      fromBlock: ctx.settings.fromBlock,
      toBlock: block,
    });
    const last = logs.at(-1);
    if (last?.args.name) return bytes32Name(last.args.name);
  } catch {
    // a node that refuses the range: today's name below
  }
  return readWallet<Hex>(ctx, "categoryName", [id]).then(bytes32Name, () => String(id));
}

export async function intentShow(args: CommandArgs<"intent show">, ctx: Context): Promise<Output> {
  const sub = await requireIntent(ctx, args.intentId);
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const d = sub.details;
  const [events, status, categoryName] = await Promise.all([
    lifecycleLogs(c.publicClient, wallet, { intentId: args.intentId, fromBlock: sub.blockNumber }),
    readIntentStatus(c.publicClient, wallet, args.intentId),
    categoryNameAt(ctx, c.publicClient, wallet, d.category, sub.blockNumber),
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
      ["category", `${categoryName} (${d.category}, as named at block ${sub.blockNumber})`],
      ["policy version", String(d.policyVersion)],
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
      policyVersion: d.policyVersion,
      reason: REASON_NAMES[d.reason],
      misses: decodeMisses(d.misses),
      justification: sub.args.justification,
      submittedAt: sub.blockTimestamp,
      pending: sub.pending ?? null,
      history,
    },
  };
}

export async function intentExecute(args: CommandArgs<"intent execute">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const r = await (await ownerClientFor(ctx, await ctx.anyAccount())).execute(args.intentId);
  return { text: settleLines(r, args.intentId), json: { intentId: args.intentId, ...r } };
}

export async function intentExpire(args: CommandArgs<"intent expire">, ctx: Context): Promise<Output> {
  await requireIntent(ctx, args.intentId);
  const { txHash } = await (await ownerClientFor(ctx, await ctx.anyAccount())).expire(args.intentId);
  return { text: [`expired ${args.intentId}`, `tx: ${txHash}`], json: { intentId: args.intentId, txHash } };
}
