/**
 * `tierguard audit ...`: the indexer behind the CLI. sync (backfill with progress on stderr), report (files on
 * disk), verify (events vs. contract views), follow (alerts as they are indexed) and serve (read-only JSON API).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Address, PublicClient } from "viem";
import { TierGuardError } from "../../errors";
import type { Policy } from "../../policy/schema";
import {
  createLabels,
  follow,
  type FollowOptions,
  isPostgresUrl,
  loadReport,
  openAlertOutbox,
  openStore,
  redactUrl,
  startApi,
  streamReport,
  stdoutChannel,
  syncOnce,
  verify,
  webhookChannel,
  type AlertChannel,
  type AuditReport,
  type LoadReportOptions,
  type OwnedStore,
  type Store,
  type SyncProgress,
  type SyncResult,
  type VerifyResult,
} from "../../indexer";
import { loadPolicy, type Context, type Output } from "../context";
import { VERSION } from "../runner";
import type { CommandArgs } from "../spec";

export const DEFAULT_DB = ".tierguard/db";

const iso = (unixSeconds: number | bigint) => new Date(Number(unixSeconds) * 1000).toISOString().replace(".000Z", "Z");
const stderr = (s: string) => void process.stderr.write(s);

/** Opens the store: a postgres:// URL, else a PGlite data directory (relative to the working directory). */
export async function openAuditStore(ctx: Context, db: string | undefined): Promise<{ store: OwnedStore; where: string }> {
  const target = db ?? DEFAULT_DB;
  if (isPostgresUrl(target)) return { store: await openStore({ url: target }), where: redactUrl(target) };
  const dataDir = ctx.resolvePath(target);
  mkdirSync(dataDir, { recursive: true });
  return { store: await openStore({ dataDir }), where: target };
}

export const formatProgress = (p: SyncProgress): string => {
  const pct = p.blocksTotal > 0n ? Number((p.blocksDone * 100n) / p.blocksTotal) : 100;
  const eta = p.etaSeconds === undefined ? "?" : `${Math.ceil(p.etaSeconds)}s`;
  const filled = Math.round((Math.min(100, Math.max(0, pct)) / 100) * 20);
  const bar = `[${"#".repeat(filled)}${"-".repeat(20 - filled)}]`;
  return `sync ${bar} blocks ${p.blocksDone}/${p.blocksTotal} (${pct}%), ${p.events} events, ${p.eventsPerSecond.toFixed(0)} events/s, ETA ${eta}`;
};

/** One backfill run with progress lines on stderr (unless `quiet`). */
export async function syncStore(opts: {
  publicClient: PublicClient;
  wallet: Address;
  store: Store;
  fromBlock: bigint;
  confirmations?: number;
  quiet?: boolean;
}): Promise<SyncResult & { elapsedMs: number }> {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let printed = false;
  const r = await syncOnce({
    publicClient: opts.publicClient,
    wallet: opts.wallet,
    store: opts.store,
    fromBlock: opts.fromBlock,
    confirmations: opts.confirmations ?? 0,
    onProgress: opts.quiet
      ? undefined
      : (p) => {
          printed = true;
          stderr(tty ? `\r${formatProgress(p)}\x1b[K` : `${formatProgress(p)}\n`);
        },
    onError: opts.quiet
      ? undefined
      : (f) => stderr(`${tty && printed ? "\n" : ""}sync: ${f.operation} failed (attempt ${f.attempt}): ${f.error.shortMessage}${f.willRetry ? `; retrying in ${f.delayMs} ms` : ""}\n`),
    onReorg: opts.quiet ? undefined : (x) => stderr(`sync: reorg below block ${x.checkpoint}; rewound to ${x.ancestor ?? "nothing"} (${x.logsDeleted} logs dropped)\n`),
  });
  if (tty && printed) stderr("\n");
  return { ...r, elapsedMs: Date.now() - started };
}

async function withStore<T>(ctx: Context, db: string | undefined, fn: (s: { store: OwnedStore; where: string }) => Promise<T>): Promise<T> {
  const opened = await openAuditStore(ctx, db);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close().catch(() => undefined);
  }
}

/** Resolves when SIGINT/SIGTERM arrives (the returned signal aborts then too). */
export function untilInterrupted(): { signal: AbortSignal; done: Promise<void> } {
  const ctl = new AbortController();
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      ctl.abort();
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return { signal: ctl.signal, done };
}

/*//////////////////////////////////////////////////////////////
                              COMMANDS
//////////////////////////////////////////////////////////////*/

export async function auditSync(args: CommandArgs<"audit sync">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return withStore(ctx, args.db, async ({ store, where }) => {
    const r = await syncStore({ publicClient: c.publicClient, wallet, store, fromBlock: ctx.settings.fromBlock, confirmations: args.confirmations });
    const total = await store.countLogs(wallet);
    return {
      text: [
        `synced wallet ${wallet} into ${where} (${store.kind})`,
        `checkpoint: block ${r.checkpoint ?? "none"} (target ${r.target})`,
        `events: ${r.events} new, ${total} stored; ${r.ranges} range${r.ranges === 1 ? "" : "s"}, ${r.reorgs} reorg${r.reorgs === 1 ? "" : "s"}, ${(r.elapsedMs / 1000).toFixed(1)} s`,
      ],
      json: { wallet, db: where, kind: store.kind, checkpoint: r.checkpoint ?? null, target: r.target, events: r.events, stored: total, ranges: r.ranges, reorgs: r.reorgs, elapsedMs: r.elapsedMs },
    };
  });
}

/**
 * The report's options for the store's [from, to) (defaults: from the first record to just after the latest
 * block), labelled with the policy's names for recipients and tokens when a policy is given.
 */
async function reportOptions(opts: {
  publicClient: PublicClient;
  store: Store;
  wallet: Address;
  from?: number;
  to?: number;
  title?: string;
  policy?: Policy;
}): Promise<LoadReportOptions> {
  const [head, chainId] = await Promise.all([opts.publicClient.getBlock({ blockTag: "latest" }), opts.publicClient.getChainId()]);
  const to = opts.to ?? Number(head.timestamp) + 1;
  return {
    store: opts.store,
    wallet: opts.wallet,
    from: opts.from,
    to,
    title: opts.title,
    chainId,
    labels: createLabels({ policy: opts.policy }),
    toolVersion: VERSION,
  };
}

/** Builds the report (in memory) from the store, as `audit report` does. */
export async function reportFromStore(opts: Parameters<typeof reportOptions>[0]): Promise<AuditReport> {
  return loadReport(await reportOptions(opts));
}

export async function auditReport(args: CommandArgs<"audit report">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  if (args.from !== undefined && args.to !== undefined && args.to <= args.from) {
    throw new TierGuardError(`--to ${iso(args.to)} is not after --from ${iso(args.from)}`, { fix: "give a period whose end is after its start" });
  }
  return withStore(ctx, args.db, async ({ store }) => {
    if (!args.noSync) await syncStore({ publicClient: c.publicClient, wallet, store, fromBlock: ctx.settings.fromBlock });
    const policy = args.policy ? await loadPolicy(ctx, args.policy, args.var) : undefined;
    const options = await reportOptions({ publicClient: c.publicClient, store, wallet, from: args.from, to: args.to, policy });
    // Streamed: the per-record tables go through temporary files, the outputs are written chunk by chunk.
    const report = await streamReport({ ...options, dir: ctx.resolvePath(args.out), formats: args.format });
    const { files } = report;
    const t = (name: string) => report.totals.find((x) => x.tier === name);
    return {
      text: [
        `audit report for ${wallet}, ${report.meta.period.fromUtc} to ${report.meta.period.toUtc}:`,
        `  ${report.totals.reduce((n, x) => n + x.submitted, 0)} intents; executed: ${["autonomous", "supervised", "collaborative"].map((n) => `${n} ${t(n)?.executed ?? 0}`).join(", ")}; vetoed ${t("supervised")?.vetoed ?? 0}; expired ${t("collaborative")?.expired ?? 0}; blocked ${report.records.blocked}`,
        "files:",
        ...files.map((f) => `  ${f}`),
      ],
      json: { wallet, period: report.meta.period, files, totals: report.totals },
    };
  });
}

export async function auditVerify(args: CommandArgs<"audit verify">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return withStore(ctx, args.db, async ({ store }) => {
    await syncStore({ publicClient: c.publicClient, wallet, store, fromBlock: ctx.settings.fromBlock, quiet: true });
    const r: VerifyResult = await verify({ publicClient: c.publicClient, wallet, store, blockNumber: args.block });
    const checked = r.checks.map((c) => `checked ${c.name}: ${c.count} (${c.detail})`);
    if (!r.ok) {
      throw new TierGuardError(`${r.differences.length} difference${r.differences.length === 1 ? "" : "s"} between the indexed events and the chain at block ${r.blockNumber}`, {
        details: [...r.differences.map((d) => d.message), ...checked],
        fix: "re-sync from the deployment block into a fresh --db; if it persists, the store or the node is inconsistent",
      });
    }
    return {
      text: [
        ...checked,
        `verified wallet ${wallet} at block ${r.blockNumber}: ${r.checked} values match the chain, no differences`,
      ],
      json: { wallet, ok: true, blockNumber: r.blockNumber, checked: r.checked, checks: r.checks, differences: [] },
    };
  });
}

/** Follows the head into the store with the CLI's settings (1 s polls, faults on stderr) until `signal` aborts. */
function followStore(ctx: Context, o: Omit<FollowOptions, "fromBlock" | "pollIntervalMs">) {
  return follow({
    ...o,
    fromBlock: ctx.settings.fromBlock,
    pollIntervalMs: 1000,
    onSyncError: (e, n) => {
      o.onSyncError?.(e, n);
      stderr(`follow: ${e.shortMessage} (${n} in a row)\n`);
    },
  });
}

/**
 * Follows the head; alerts go through the store's outbox: produced once per log, delivered to each channel
 * (stdout, and the webhook if given) until it accepts them, retried with backoff, never re-sent on a restart.
 */
export async function auditFollow(args: CommandArgs<"audit follow">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const channels: AlertChannel[] = [stdoutChannel({ format: ctx.globals.json ? "json" : "text" })];
  if (args.webhook) channels.push(webhookChannel({ url: args.webhook, wallet }));
  return withStore(ctx, args.db, async ({ store, where }) => {
    const { signal } = untilInterrupted();
    const outbox = await openAlertOutbox(store, wallet);
    await outbox.registerChannels(channels.map((ch) => ch.name));
    await outbox.start(args.from);
    let produced = 0;
    let delivered = 0;
    const failing = new Set<string>();
    // one alert pass at a time: after each committed range, and every second for due retries
    let pass = Promise.resolve();
    const alertPass = () =>
      (pass = pass.then(async () => {
        produced += (await outbox.produce()).produced.length;
        for (const r of await outbox.deliver(channels)) {
          delivered += r.delivered;
          if (r.failed > 0 && !failing.has(r.channel)) stderr(`alerts: ${r.channel} failed (${r.error}); retrying with backoff\n`);
          if (r.failed > 0) failing.add(r.channel);
          else if (r.delivered > 0) failing.delete(r.channel);
        }
      }));
    const timer = setInterval(() => void alertPass().catch((e) => stderr(`alerts: ${(e as Error).message}\n`)), 1000);
    stderr(`following wallet ${wallet} into ${where}; alerts from ${args.from}; Ctrl-C stops\n`);
    try {
      const r = await followStore(ctx, {
        publicClient: c.publicClient, wallet, store, confirmations: args.confirmations, signal,
        onLogs: async () => alertPass(),
        // once the history is indexed and its alerts handed to the channels, say so (scripts wait for this line)
        onSync: (res, phase) => {
          if (phase === "backfill") void alertPass().then(() => stderr(`caught up at block ${res.checkpoint ?? "none"}; following the head\n`));
        },
      });
      clearInterval(timer);
      await alertPass();
      return {
        text: [`stopped at block ${r.checkpoint ?? "none"}: ${r.events} events indexed, ${produced} new alert${produced === 1 ? "" : "s"}, ${delivered} deliver${delivered === 1 ? "y" : "ies"}`],
        json: { wallet, checkpoint: r.checkpoint ?? null, events: r.events, alerts: produced, delivered, runs: r.runs, reorgs: r.reorgs },
      };
    } finally {
      clearInterval(timer);
      await pass.catch(() => undefined);
    }
  });
}

/** Serves the API at once and follows the head into the store (its one writer) until interrupted. */
export async function auditServe(args: CommandArgs<"audit serve">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return withStore(ctx, args.db, async ({ store }) => {
    const { signal } = untilInterrupted();
    const state: { running: boolean; lastError?: string } = { running: true };
    // this process is the store's one writer: the API's views move with each commit, not on each request
    const api = await startApi({
      store, wallet, port: args.port, host: "127.0.0.1", publicClient: c.publicClient, follower: () => state, refreshedByWriter: true,
    });
    // a failed refresh leaves the previous checkpoint's views in place; the next commit tries again
    const refresh = () => api.refresh().catch((e: unknown) => stderr(`serve: ${(e as Error).message}\n`));
    stderr(`serving the audit API for ${wallet} at ${api.url} (read-only), following the head; Ctrl-C stops\n`);
    process.stdout.write(`${api.url}\n`);
    try {
      const r = await followStore(ctx, {
        publicClient: c.publicClient, wallet, store, confirmations: args.confirmations, signal,
        onProgress: () => refresh(),
        onReorg: () => void refresh(),
        onSync: () => {
          state.lastError = undefined;
          void refresh();
        },
        onSyncError: (e) => void (state.lastError = e.shortMessage),
      });
      return { text: ["stopped"], json: { url: api.url, stopped: true, checkpoint: r.checkpoint ?? null, events: r.events } };
    } finally {
      state.running = false;
      await api.close();
    }
  });
}
