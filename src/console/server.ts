/**
 * `startConsole`: the owners' console for one wallet, served on 127.0.0.1 by default. It follows the chain
 * into the indexer's store in the background (or, with `sync: false`, reads a store another indexer writes),
 * keeps its read model up to date after every committed range, and hands each newly stored log to `onEvents`
 * (notifications).
 */
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { getAddress, type Address, type PublicClient } from "viem";
import { follow, type Store } from "../indexer";
import { createApp } from "./app";
import { ChainReader } from "./chain";
import { ConsoleModel, type Labels } from "./model";
import { SignatureBook } from "./signatures";
import { TierGuardError } from "../errors";
import { OwnerActionBook } from "./owner-actions";
import { ConsoleView, type ViewEvent } from "./view";
import type { NoticeChannel } from "./notify/channels";
import { noticeEnricher } from "./notify/enrich";
import { startNotifier, type Notifier } from "./notify/notifier";
import type { BackoffOptions, DeliveryResult } from "../indexer";

export interface ConsoleOptions {
  store: Store;
  publicClient: PublicClient;
  wallet: Address;
  /** default "127.0.0.1"; anything else must be asked for explicitly (the console has no login) */
  host?: string;
  /** default 0: a free port */
  port?: number;
  /** follow the chain into the store (default true); false: another process syncs the store */
  sync?: boolean;
  /** first block to index when the store has no checkpoint (the deployment block) */
  fromBlock?: bigint;
  confirmations?: number;
  /** chain and store poll interval (default 1000 ms) */
  pollIntervalMs?: number;
  /** a directory of owner-action files (`tierguard ... --prepare <file>`) listed on the owner-actions page */
  actionsDir?: string;
  /** recipient labels by address (e.g. from the policy file) */
  labels?: Record<string, string>;
  /** the banner warns beyond this lag (default 3 blocks) */
  maxLagBlocks?: number;
  /** newly stored logs after the console started, in chain order (notifications); awaited */
  onEvents?: (events: ViewEvent[]) => void | Promise<void>;
  /** notification channels (Slack, Telegram, JSON webhook), fed from the store's durable alert outbox */
  channels?: readonly NoticeChannel[];
  /** the console's URL as owners reach it, for links in notifications (default: the URL it listens on) */
  publicUrl?: string;
  /** retry delays for failed deliveries (default 1 s doubling up to 5 min) */
  notifyBackoff?: BackoffOptions;
  /** after a delivery round that delivered or failed something */
  onDelivery?: (results: DeliveryResult[]) => void;
  /** a background error (sync or notification) that did not stop the console */
  onError?: (e: Error) => void;
}

export interface ConsoleServer {
  url: string;
  port: number;
  view: ConsoleView;
  model: ConsoleModel;
  /** resolves once notifications run (after the first catch-up with the chain); at once without channels */
  notificationsReady(): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function startConsole(opts: ConsoleOptions): Promise<ConsoleServer> {
  const host = opts.host ?? "127.0.0.1";
  if (!host.trim()) throw new RangeError("host must not be empty (default 127.0.0.1)");
  const wallet = getAddress(opts.wallet);
  if (opts.actionsDir !== undefined && !fs.statSync(opts.actionsDir, { throwIfNoEntry: false })?.isDirectory())
    throw new TierGuardError(`actions directory ${opts.actionsDir} does not exist or is not a directory`, {
      fix: "create it, or pass the directory where `tierguard ... --prepare <file>` writes the action files",
    });
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const chainId = await opts.publicClient.getChainId();
  const view = new ConsoleView({ store: opts.store, wallet });
  const signatures = await SignatureBook.open(opts.store.db, wallet);
  const ownerActions = await OwnerActionBook.open(opts.store.db, wallet);
  const labels: Labels = {
    recipients: new Map(Object.entries(opts.labels ?? {}).map(([a, l]) => [a.toLowerCase(), l])),
  };
  const model = new ConsoleModel(view, new ChainReader(opts.publicClient, wallet, Math.max(1000, Math.min(2000, pollIntervalMs))), signatures, labels);
  await view.refresh();

  let syncError: string | undefined;
  const reportError = (e: unknown) => opts.onError?.(e instanceof Error ? e : new Error(String(e)));
  let notifier: Notifier | undefined;
  let chain = Promise.resolve();
  const update = () => {
    // One refresh at a time, in order: notifications see every log once, in chain order.
    chain = chain.then(async () => {
      const events = await view.refresh();
      if (events.length > 0 && opts.onEvents) await opts.onEvents(events);
      if (events.length > 0) await notifier?.tick();
    }).catch(reportError);
    return chain;
  };

  const app = createApp({ model, ownerActions, actionsDir: opts.actionsDir, publicClient: opts.publicClient, chainId, maxLagBlocks: opts.maxLagBlocks, syncError: () => syncError });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: host }, () => resolve(s));
    s.once("error", reject);
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `http://${urlHost}:${addr.port}`;

  // Notifications start once the store has caught up with the chain: a console started on a fresh store tells
  // owners what happens from then on, not the wallet's whole past (a restart resumes at the outbox's cursor).
  let notifierStarting: Promise<void> | undefined;
  const startNotifications = () => {
    if (!opts.channels || opts.channels.length === 0 || notifierStarting) return;
    notifierStarting = startNotifier({
      store: opts.store,
      wallet,
      channels: opts.channels,
      enrich: noticeEnricher(model, opts.publicUrl ?? url),
      backoff: opts.notifyBackoff,
      onDelivery: opts.onDelivery,
      onError: reportError,
    }).then((n) => {
      notifier = n;
    }, reportError);
  };

  const ctl = new AbortController();
  let follower: Promise<unknown> = Promise.resolve();
  if (opts.sync ?? true) {
    follower = follow({
      publicClient: opts.publicClient,
      wallet,
      store: opts.store,
      fromBlock: opts.fromBlock,
      confirmations: opts.confirmations,
      pollIntervalMs,
      signal: ctl.signal,
      onLogs: () => update(),
      onSync: (_r, phase) => {
        syncError = undefined;
        if (phase === "backfill") startNotifications();
      },
      onSyncError: (e) => {
        syncError = e.shortMessage;
      },
    }).catch((e) => {
      syncError = (e as Error).message.split("\n")[0];
      reportError(e);
    });
  } else startNotifications();
  const timer = setInterval(() => void update(), pollIntervalMs);
  if (!LOOPBACK.has(host)) reportError(new Error(`the console listens on ${host}: anyone who reaches it sees the wallet (it has no login)`));

  return {
    url,
    port: addr.port,
    view,
    model,
    notificationsReady: async () => {
      while (opts.channels?.length && !notifierStarting) await new Promise((r) => setTimeout(r, 50));
      await notifierStarting;
    },
    close: async () => {
      clearInterval(timer);
      ctl.abort();
      await follower;
      await chain;
      await notifierStarting;
      await notifier?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
