/**
 * The console's notifications, delivered from the indexer's durable alert outbox (shared with `audit follow`):
 * alerts are produced once from the stored logs (new supervised and collaborative intents, blocked attempts,
 * pauses, policy changes, ...), and each channel (Slack, Telegram, a JSON webhook) gets each alert once, retried
 * with exponential backoff while it fails, never dropped, and not sent again after a restart (the outbox
 * records every delivery in the store).
 *
 * Deliveries go one alert per batch, so a failure never repeats a message another request already delivered.
 * Alerts of kinds the console does not notify about are marked delivered without a message.
 */
import type { Address } from "viem";
import { openAlertOutbox, type Alert, type AlertChannel, type BackoffOptions, type DeliveryResult, type Store } from "../../indexer";
import type { NoticeChannel } from "./channels";
import type { Notice } from "./notice";

/** What owners are told about (the list, plus the outbox's retractions after a reorg). */
export const NOTIFIED_KINDS: ReadonlySet<string> = new Set(["intent_queued", "blocked", "paused", "policy_changed", "vetoed", "unpaused", "retracted"]);

export interface NotifierOptions {
  store: Store;
  wallet: Address;
  channels: readonly NoticeChannel[];
  /** adds what only the console knows (token amount and symbol, the deadline's label) */
  enrich?: (a: Alert) => Notice | Promise<Notice>;
  backoff?: BackoffOptions;
  /** retry due deliveries this often (default 1000 ms) */
  intervalMs?: number;
  onDelivery?: (results: DeliveryResult[]) => void;
  onError?: (e: Error) => void;
}

export interface Notifier {
  /** produce alerts from newly stored logs, then deliver what is due; runs are serialised */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export async function startNotifier(opts: NotifierOptions): Promise<Notifier> {
  const outbox = await openAlertOutbox(opts.store, opts.wallet, { queued: true });
  await outbox.registerChannels(opts.channels.map((c) => c.name));
  // A console started on an existing store tells owners about what happens from now on, not the past.
  await outbox.start("now");
  const enrich = opts.enrich ?? ((a: Alert) => a as Notice);
  const channels: AlertChannel[] = opts.channels.map((c) => ({
    name: c.name,
    async send(alerts) {
      const due = alerts.filter((a) => NOTIFIED_KINDS.has(a.kind));
      if (due.length === 0) return { ok: true };
      return c.send(await Promise.all(due.map(enrich)));
    },
  }));

  let running = Promise.resolve();
  let closed = false;
  const tick = () => {
    running = running
      .then(async () => {
        if (closed) return;
        await outbox.produce();
        const results = await outbox.deliver(channels, { batchSize: 1, backoff: opts.backoff });
        if (results.some((r) => r.delivered > 0 || r.failed > 0)) opts.onDelivery?.(results);
      })
      .catch((e) => opts.onError?.(e instanceof Error ? e : new Error(String(e))));
    return running;
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 1000);
  return {
    tick,
    close: async () => {
      clearInterval(timer);
      await running;
      closed = true;
    },
  };
}
