/** `tierguard console`: the owners' web console on 127.0.0.1, following the chain into the store. */
import { startConsole } from "../../console";
import { loadPolicy, type Context, type Output } from "../context";
import type { CommandArgs } from "../spec";
import { openAuditStore, untilInterrupted } from "./audit";
import { channelsFromEnv } from "./console-channels";

const stderr = (s: string) => void process.stderr.write(s);

export async function consoleCommand(args: CommandArgs<"console">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const labels: Record<string, string> = {};
  if (args.policy) {
    const policy = await loadPolicy(ctx, args.policy, args.var);
    for (const r of policy.recipients) if (r.label) labels[r.address] = r.label;
  }
  const channels = channelsFromEnv(ctx.env, wallet);
  const { store, where } = await openAuditStore(ctx, args.db);
  try {
    const { done } = untilInterrupted();
    const server = await startConsole({
      store,
      publicClient: c.publicClient,
      wallet,
      host: args.host,
      port: args.port,
      fromBlock: ctx.settings.fromBlock,
      confirmations: args.confirmations,
      labels,
      channels,
      publicUrl: args.publicUrl,
      actionsDir: args.actionsDir,
      onDelivery: (results) => {
        for (const r of results) if (r.failed > 0) stderr(`notification to ${r.channel} failed (${r.error ?? "no answer"}); retrying\n`);
      },
      onError: (e) => stderr(`console: ${e.message.split("\n")[0]}\n`),
    });
    stderr(`console for wallet ${wallet} (store ${where}) at ${server.url}; Ctrl-C stops\n`);
    stderr(channels.length > 0 ? `notifications to: ${channels.map((ch) => ch.name).join(", ")}\n` : "notifications: none configured\n");
    process.stdout.write(`${server.url}\n`);
    await done;
    await server.close();
    return { text: ["stopped"], json: { url: server.url, stopped: true } };
  } finally {
    await store.close().catch(() => undefined);
  }
}
