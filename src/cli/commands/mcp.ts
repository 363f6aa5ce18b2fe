/** `tierguard mcp`: the agent's payment tools as an MCP server on stdin/stdout. */
import { agentAccount } from "../connection";
import type { Context, Output } from "../context";
import type { CommandArgs } from "../spec";
import { VERSION } from "../runner";
import { resolveToken } from "./agent";

export async function mcp(args: CommandArgs<"mcp">, ctx: Context): Promise<Output> {
  const key = agentAccount(ctx.settings, ctx.env);
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const token = await resolveToken(ctx, args.token);
  const { serveStdio } = await import("../../mcp/stdio");
  const via = args.relayer ? `, relayer ${args.relayer}` : "";
  process.stderr.write(`tierguard MCP server on stdio: wallet ${wallet}, agent key ${key.address}, token ${token}${via}\n`);
  await serveStdio({
    publicClient: c.publicClient,
    walletClient: c.walletClient(key),
    wallet,
    token,
    fromBlock: ctx.settings.fromBlock,
    version: VERSION,
    relayer: args.relayer,
  });
  return { text: [], json: null, silent: true };
}
