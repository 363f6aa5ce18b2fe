/** `tierguard keys grant|revoke|list`: session keys of agents. */
import type { Address, Hex } from "viem";
import { ownerCalls } from "../../client/owner";
import { withRetry } from "../../client/errors";
import { ownerClientFor, ownerSigners, readWallet, simulateWalletCall, type Context, type Output } from "../context";
import { UsageError } from "../errors";
import { bytes32Name, iso } from "../format";
import type { CommandArgs } from "../spec";
import { ownerAction } from "./actions";

export async function keysGrant(args: CommandArgs<"keys grant">, ctx: Context): Promise<Output> {
  const c = await ctx.conn();
  const now = Number((await withRetry(() => c.publicClient.getBlock({ blockTag: "latest" }))).timestamp);
  const validUntil = args.validUntil ?? now + (args.validFor ?? 30 * 86_400);
  if (validUntil <= now) throw new UsageError(`--valid-until ${iso(validUntil)} is in the past (chain time ${iso(now)})`, { fix: "give a future time" });
  const out = await ownerAction(
    ctx,
    {
      calls: [ownerCalls.grantSessionKey(args.key, args.agent, validUntil)],
      title: `grant session key ${args.key} to agent ${args.agent}`,
      done: `granted session key ${args.key} to agent ${args.agent} until ${iso(validUntil)}`,
    },
    args,
  );
  return { text: out.text, json: { key: args.key, agent: args.agent, validUntil, ...(out.json as object) } };
}

export async function keysRevoke(args: CommandArgs<"keys revoke">, ctx: Context): Promise<Output> {
  const { accounts } = await ownerSigners(ctx);
  if (args.dryRun) {
    await simulateWalletCall(ctx, accounts[0].address, "revokeSessionKey", [args.key]);
    return { text: [`dry run: ${accounts[0].address} may revoke session key ${args.key} (simulated; nothing sent)`], json: { dryRun: true, key: args.key } };
  }
  const owner = await ownerClientFor(ctx, accounts[0]);
  const { txHash } = await owner.revokeKey(args.key);
  return { text: [`revoked session key ${args.key}`, `tx: ${txHash}`], json: { key: args.key, txHash } };
}

export async function keysList(_args: CommandArgs<"keys list">, ctx: Context): Promise<Output> {
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
