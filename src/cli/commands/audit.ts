/**
 * `tierguard audit ...`: the indexer behind the CLI. sync (backfill with progress on stderr), report (files on
 * disk), verify (events vs. contract views), follow (alerts as they are indexed) and serve (read-only JSON API).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address, PublicClient } from "viem";
import { TierGuardError } from "../../errors";
import {
  buildReport,
  collectAlerts,
  dispatchAlerts,
  follow,
  isPostgresUrl,
  loadCategoryNames,
  loadTrails,
  openStore,
  redactUrl,
  renderReportCsv,
  renderReportHtml,
  renderReportJson,
  renderReportMarkdown,
  startApi,
  stdoutSink,
  syncOnce,
  verify,
  webhookSink,
  type AlertCursor,
  type AlertSink,
  type AuditReport,
  type OwnedStore,
  type Store,
  type SyncProgress,
  type SyncResult,
  type VerifyResult,
} from "../../indexer";
import type { Context, Output } from "../context";
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

/** Report files for the formats asked for, written to `dir`; returns their absolute paths. */
export function writeReportFiles(report: AuditReport, dir: string, formats: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    files.push(f);
  };
  if (formats.includes("html")) put("report.html", renderReportHtml(report));
  if (formats.includes("json")) put("report.json", renderReportJson(report));
  if (formats.includes("csv")) for (const [name, text] of Object.entries(renderReportCsv(report))) put(name, text);
  if (formats.includes("md")) put("report.md", renderReportMarkdown(report));
  return files;
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

/** Builds the report from the store for [from, to) (defaults: everything up to the latest block). */
export async function reportFromStore(opts: {
  publicClient: PublicClient;
  store: Store;
  wallet: Address;
  from?: number;
  to?: number;
  title?: string;
}): Promise<AuditReport> {
  const to = opts.to ?? Number((await opts.publicClient.getBlock({ blockTag: "latest" })).timestamp) + 1;
  const [trails, categories] = await Promise.all([loadTrails(opts.store, opts.wallet), loadCategoryNames(opts.store, opts.wallet)]);
  return buildReport({ trails, categories, wallet: opts.wallet, from: opts.from ?? 0, to, title: opts.title });
}

export async function auditReport(args: CommandArgs<"audit report">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  if (args.from !== undefined && args.to !== undefined && args.to <= args.from) {
    throw new TierGuardError(`--to ${iso(args.to)} is not after --from ${iso(args.from)}`, { fix: "give a period whose end is after its start" });
  }
  return withStore(ctx, args.db, async ({ store }) => {
    if (!args.noSync) await syncStore({ publicClient: c.publicClient, wallet, store, fromBlock: ctx.settings.fromBlock });
    const report = await reportFromStore({ publicClient: c.publicClient, store, wallet, from: args.from, to: args.to });
    const dir = ctx.resolvePath(args.out);
    const files = writeReportFiles(report, dir, args.format);
    const t = (name: string) => report.totals.find((x) => x.tier === name);
    return {
      text: [
        `audit report for ${wallet}, ${report.meta.period.fromUtc} to ${report.meta.period.toUtc}:`,
        `  ${report.totals.reduce((n, x) => n + x.submitted, 0)} intents; executed: ${["autonomous", "supervised", "collaborative"].map((n) => `${n} ${t(n)?.executed ?? 0}`).join(", ")}; vetoed ${t("supervised")?.vetoed ?? 0}; expired ${t("collaborative")?.expired ?? 0}; blocked ${report.blocked.length}`,
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
    if (!r.ok) {
      throw new TierGuardError(`${r.differences.length} difference${r.differences.length === 1 ? "" : "s"} between the indexed events and the contract at block ${r.blockNumber}`, {
        details: r.differences.map((d) => d.message),
        fix: "re-sync from the deployment block into a fresh --db; if it persists, the store or the node is inconsistent",
      });
    }
    return {
      text: [`verified wallet ${wallet} at block ${r.blockNumber}: ${r.checked} values match the contract, no differences`],
      json: { wallet, ok: true, blockNumber: r.blockNumber, checked: r.checked, differences: [] },
    };
  });
}

export async function auditFollow(args: CommandArgs<"audit follow">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const json = ctx.globals.json;
  const sinks: AlertSink[] = json ? [] : [stdoutSink()];
  if (args.webhook) sinks.push(webhookSink({ url: args.webhook }));
  return withStore(ctx, args.db, async ({ store, where }) => {
    const { signal } = untilInterrupted();
    let cursor: AlertCursor | undefined;
    let alerts = 0;
    stderr(`following wallet ${wallet} into ${where}; Ctrl-C stops\n`);
    const categories = await loadCategoryNames(store, wallet);
    const r = await follow({
      publicClient: c.publicClient,
      wallet,
      store,
      fromBlock: ctx.settings.fromBlock,
      confirmations: args.confirmations,
      pollIntervalMs: 1000,
      signal,
      onLogs: async (logs, info) => {
        if (logs.length === 0) return;
        const got = await collectAlerts(store, wallet, { after: cursor, categories });
        cursor = got.cursor;
        if (got.alerts.length === 0) return;
        alerts += got.alerts.length;
        if (json) for (const a of got.alerts) process.stdout.write(`${JSON.stringify(a, (_k, x) => (typeof x === "bigint" ? x.toString() : x))}\n`);
        for (const res of await dispatchAlerts(got.alerts, sinks)) {
          if (!res.ok) stderr(`alert sink ${res.sink} failed: ${res.error}\n`);
        }
        void info;
      },
      onSyncError: (e, n) => stderr(`follow: ${e.shortMessage} (${n} in a row)\n`),
    });
    return {
      text: [`stopped at block ${r.checkpoint ?? "none"}: ${r.events} events indexed, ${alerts} alert${alerts === 1 ? "" : "s"}`],
      json: { wallet, checkpoint: r.checkpoint ?? null, events: r.events, alerts, runs: r.runs, reorgs: r.reorgs },
    };
  });
}

export async function auditServe(args: CommandArgs<"audit serve">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  return withStore(ctx, args.db, async ({ store }) => {
    await syncStore({ publicClient: c.publicClient, wallet, store, fromBlock: ctx.settings.fromBlock, quiet: true });
    const { done } = untilInterrupted();
    const api = await startApi({ store, wallet, port: args.port, host: "127.0.0.1", publicClient: c.publicClient });
    stderr(`serving the audit API for ${wallet} at ${api.url} (read-only); Ctrl-C stops\n`);
    process.stdout.write(`${api.url}\n`);
    await done;
    await api.close();
    return { text: ["stopped"], json: { url: api.url, stopped: true } };
  });
}
