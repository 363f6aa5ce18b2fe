/** `tierguard relayer`: submits gasless agents' signed intents with the relayer's own gas account. */
import type { Context, Output } from "../context";
import type { CommandArgs } from "../spec";

export async function relayer(args: CommandArgs<"relayer">, ctx: Context): Promise<Output> {
  const key = await ctx.relayerAccount();
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const { createRelayer } = await import("../../relayer");
  const r = createRelayer({ publicClient: c.publicClient, walletClient: c.walletClient(key), wallets: [wallet], rateLimit: args.rateLimit });
  const { url, close } = await r.serve({ port: args.port, host: args.host });
  process.stderr.write(
    `tierguard relayer on ${url} (POST /v1/intents): wallet ${wallet}, gas account ${key.address}, at most ${args.rateLimit.max} intents per agent per ${args.rateLimit.windowMs / 1000} s\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return { text: [], json: null, silent: true };
}
