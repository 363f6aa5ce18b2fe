/** `tierguard agent authorize`: an agent submits a payment intent with its session key. */
import { getAddress, isAddress, type Address } from "viem";
import { formatDecimal } from "../../policy/units";
import { createAgentClient } from "../../client/agent";
import { readWallet, type Context, type Output } from "../context";
import { ConfigError } from "../errors";
import { iso, rows } from "../format";
import type { CommandArgs } from "../spec";

/** The token a command pays in: --token (an address or a name from the config's vars), the config's, or the wallet's only one. */
export async function resolveToken(ctx: Context, given: string | undefined): Promise<Address> {
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

export async function agentAuthorize(args: CommandArgs<"agent authorize">, ctx: Context): Promise<Output> {
  const key = await ctx.agentAccount();
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const token = await resolveToken(ctx, args.token);
  const agent = createAgentClient({ publicClient: c.publicClient, walletClient: c.walletClient(key), wallet, fromBlock: ctx.settings.fromBlock, relayer: args.relayer });
  const category = /^\d+$/.test(args.category) ? Number(args.category) : args.category;
  const r = await agent.authorize({
    amount: args.amount,
    category,
    recipient: args.recipient,
    justification: args.justification,
    token,
    idempotencyKey: args.idempotencyKey,
    requestId: args.requestId,
  });
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
    ...(r.idempotencyKey ? [["idempotency key", `${r.idempotencyKey}${r.replayed ? " (already used: this is the first payment with it; nothing new was paid)" : ""}`] as [string, string]] : []),
    ...(r.relayed ? [["relayed", "yes (signed by the agent key, submitted by the relayer)"] as [string, string]] : []),
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
      idempotencyKey: r.idempotencyKey ?? null,
      replayed: r.replayed,
      relayed: r.relayed,
    },
  };
}
