/**
 * Chat and webhook channels for the alert outbox: each is `{ name, send(notices) }`, sending one HTTP request
 * per notice (deliver them in batches of one, so that a failure never re-sends a message that went through).
 * A 2xx answer (and, for Telegram, `ok: true`) is a delivery; anything else, a timeout or a network error is a
 * failure that the outbox retries with backoff. Secrets (the Slack webhook URL, the bot token) stay out of
 * channel names and error messages.
 */
import type { Address } from "viem";
import { telegramResponse } from "./schemas";
import { slackPayload, telegramPayload, webhookBody } from "./format";
import type { Notice, NoticeContext } from "./notice";

export interface ChannelResult {
  ok: boolean;
  status?: number;
  error?: string;
}

export interface NoticeChannel {
  readonly name: string;
  send(notices: readonly Notice[]): Promise<ChannelResult>;
}

interface HttpOptions {
  /** per request (default 5000 ms) */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

async function post(url: string, body: unknown, key: string, o: HttpOptions, check?: (json: unknown) => string | undefined): Promise<ChannelResult> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await (o.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(body),
      signal: ctl.signal,
    });
    const text = await res.text().catch(() => "");
    if (!res.ok) return { ok: false, status: res.status, error: `HTTP ${res.status}` };
    if (check) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { ok: false, status: res.status, error: "the answer is not JSON" };
      }
      const problem = check(parsed);
      if (problem) return { ok: false, status: res.status, error: problem };
    }
    return { ok: true, status: res.status };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { ok: false, error: ctl.signal.aborted ? `timed out after ${timeoutMs} ms` : [err.message, err.cause?.code].filter(Boolean).join(": ") };
  } finally {
    clearTimeout(timer);
  }
}

async function each(notices: readonly Notice[], one: (n: Notice) => Promise<ChannelResult>): Promise<ChannelResult> {
  for (const n of notices) {
    const r = await one(n);
    if (!r.ok) return r;
  }
  return { ok: true };
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid url)";
  }
};

/** A Slack incoming webhook (`https://hooks.slack.com/services/...`): one Block Kit message per notice. */
export function slackChannel(opts: HttpOptions & { webhookUrl: string; context?: NoticeContext }): NoticeChannel {
  return {
    name: `slack ${hostOf(opts.webhookUrl)}`,
    send: (notices) => each(notices, (n) => post(opts.webhookUrl, slackPayload(n, opts.context), n.key, opts)),
  };
}

/** A Telegram bot (`sendMessage` to one chat). `apiBase` defaults to Telegram's Bot API server. */
export function telegramChannel(
  opts: HttpOptions & { botToken: string; chatId: string | number; apiBase?: string; context?: NoticeContext },
): NoticeChannel {
  const url = `${(opts.apiBase ?? "https://api.telegram.org").replace(/\/+$/, "")}/bot${opts.botToken}/sendMessage`;
  const check = (json: unknown) => {
    const r = telegramResponse.safeParse(json);
    if (!r.success) return "unexpected answer from the Bot API";
    return r.data.ok ? undefined : `Telegram refused the message: ${r.data.description ?? r.data.error_code ?? "no reason given"}`;
  };
  return {
    name: `telegram chat ${opts.chatId}`,
    send: (notices) => each(notices, (n) => post(url, telegramPayload(n, opts.chatId, opts.context), n.key, opts, check)),
  };
}

/** A generic JSON webhook: one `{ source: "tierguard", type: "notice", ... }` document per notice. */
export function noticeWebhookChannel(opts: HttpOptions & { url: string; wallet: Address; context?: NoticeContext }): NoticeChannel {
  const u = (() => {
    try {
      const x = new URL(opts.url);
      return `${x.protocol}//${x.host}${x.pathname}`;
    } catch {
      return "(invalid url)";
    }
  })();
  return {
    name: `notice-webhook ${u}`,
    send: (notices) => each(notices, (n) => post(opts.url, webhookBody(n, opts.wallet, opts.context), n.key, opts)),
  };
}
