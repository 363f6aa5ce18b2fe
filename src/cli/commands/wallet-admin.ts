/**
 * `tierguard owner unpause|withdraw|add-guardian|remove-guardian|set-threshold|add-owner|remove-owner`: the
 * wallet's M-of-N settings, each one owner action (run at once with M keys, or --prepare a file to collect).
 */
import { erc20Abi, zeroAddress, type Address } from "viem";
import { ownerCalls } from "../../client/owner";
import { parseAmount } from "../../client/agent";
import { withRetry } from "../../client/errors";
import type { Context, Output } from "../context";
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
