/**
 * `tierguard owner unpause|withdraw|add-guardian|remove-guardian|set-threshold|add-owner|remove-owner|
 * unfreeze-agent`: the wallet's M-of-N settings, each one owner action (run at once with M keys, or --prepare a
 * file to collect); and `freeze-agent`, which any single owner may do at once.
 */
import { erc20Abi, zeroAddress, type Address } from "viem";
import { encodeWalletCall, ownerCalls } from "../../client/owner";
import { toAgentId } from "../../client/agent";
import { parseAmount } from "../../client/agent";
import { withRetry } from "../../client/errors";
import { ownerClientFor, ownerSigners, type Context, type Output } from "../context";
import type { CommandArgs } from "../spec";
import { ownerAction, type ActionFlags } from "./actions";
import { resolveToken } from "./agent";

export const ownerUnpause = (args: CommandArgs<"owner unpause">, ctx: Context): Promise<Output> =>
  ownerAction(ctx, { calls: [ownerCalls.unpause()], title: "unpause the wallet", done: "wallet unpaused" }, args);

export async function ownerWithdraw(args: CommandArgs<"owner withdraw">, ctx: Context): Promise<Output> {
  const c = await ctx.conn();
  const eth = args.token === undefined || args.token.toUpperCase() === "ETH";
  const token = eth ? zeroAddress : await resolveToken(ctx, args.token);
  const decimals = eth ? 18 : await withRetry(() => c.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }));
  const amount = parseAmount(args.amount, decimals, "--amount");
  const what = `${args.amount} ${eth ? "ETH" : `of token ${token}`}`;
  return ownerAction(
    ctx,
    { calls: [ownerCalls.withdraw(token, args.to, amount)], title: `withdraw ${what} to ${args.to}`, done: `withdrew ${what} to ${args.to}` },
    args,
  );
}

const guardian = (enabled: boolean) => (args: { address: Address } & ActionFlags, ctx: Context) =>
  ownerAction(
    ctx,
    {
      calls: [ownerCalls.setGuardian(args.address, enabled)],
      title: enabled ? `make ${args.address} a guardian` : `remove guardian ${args.address}`,
      done: enabled ? `${args.address} is a guardian` : `${args.address} is no longer a guardian`,
    },
    args,
  );
export const ownerAddGuardian = guardian(true);
export const ownerRemoveGuardian = guardian(false);

export const ownerSetThreshold = (args: CommandArgs<"owner set-threshold">, ctx: Context): Promise<Output> =>
  ownerAction(ctx, { calls: [ownerCalls.setThreshold(args.threshold)], title: `set the threshold to ${args.threshold}`, done: `threshold set to ${args.threshold}` }, args);

export const ownerAddOwner = (args: CommandArgs<"owner add-owner">, ctx: Context): Promise<Output> =>
  ownerAction(ctx, { calls: [ownerCalls.addOwner(args.address)], title: `add owner ${args.address}`, done: `${args.address} is an owner` }, args);

export const ownerRemoveOwner = (args: CommandArgs<"owner remove-owner">, ctx: Context): Promise<Output> =>
  ownerAction(ctx, { calls: [ownerCalls.removeOwner(args.address)], title: `remove owner ${args.address}`, done: `${args.address} is no longer an owner` }, args);

export const ownerUnfreezeAgent = (args: CommandArgs<"owner unfreeze-agent">, ctx: Context): Promise<Output> =>
  ownerAction(
    ctx,
    { calls: [encodeWalletCall("unfreezeAgent", [toAgentId(args.agent)])], title: `unfreeze agent ${args.agent}`, done: `agent ${args.agent} unfrozen` },
    args,
  );

/** Any single owner: revokes the agent's keys and voids its queued intents in one transaction. */
export async function ownerFreezeAgent(args: CommandArgs<"owner freeze-agent">, ctx: Context): Promise<Output> {
  const { accounts } = await ownerSigners(ctx);
  const owner = await ownerClientFor(ctx, accounts[0]);
  if (args.dryRun) {
    const queued = await owner.pending({ agentId: toAgentId(args.agent) });
    return {
      text: [`dry run: would freeze agent ${args.agent}: revoke its session keys and void ${queued.length} queued intent${queued.length === 1 ? "" : "s"}`],
      json: { dryRun: true, agent: args.agent, voided: queued.map((q) => q.intentId) },
    };
  }
  const r = await owner.freezeAgent(args.agent);
  return {
    text: [`froze agent ${args.agent} (by ${accounts[0].address}): keys revoked, ${r.voided.length} queued intent${r.voided.length === 1 ? "" : "s"} voided`, `tx: ${r.txHash}`],
    json: { agent: args.agent, by: accounts[0].address, ...r },
  };
}
