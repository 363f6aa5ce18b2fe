/**
 * Alert channels for the outbox: `stdoutChannel` (one line per alert, or one JSON object per line) and
 * `webhookChannel` (POST one JSON document per batch). A channel is any `{ name, send }` (`AlertChannel`):
 * chat channels plug in the same way.
 */
import type { Address } from "viem";
import type { Alert } from "./detect";
import type { AlertChannel, ChannelResult } from "./outbox";

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

/** One line of text per alert, without control characters (agent-written text is untrusted). */
export function formatAlertLine(a: Alert): string {
  const clean = (v: unknown) => String(v ?? "-").replace(/[\u0000-\u001f\u007f]+/g, " ");
  const fields: [string, unknown][] =
    a.intentId !== null
      ? [
          ["agent", a.agent],
          ["category", a.category],
          ["value", a.value],
          ["recipient", a.recipient],
          a.kind === "blocked" ? ["reason", a.reason] : ["by", a.by],
          ["intent", a.intentId],
        ]
      : [["message", a.message]];
  if (a.retracts) fields.push(["retracts", a.retracts]);
  fields.push(["id", a.id], ["tx", a.txHash], ["block", a.blockNumber]);
  return `${a.at} ALERT ${a.severity.toUpperCase()} ${a.kind} ${fields
    .map(([k, v]) => `${k}=${/\s/.test(clean(v)) ? JSON.stringify(clean(v)) : clean(v)}`)
    .join(" ")}`;
}

/** Writes each alert as a line of text, or (`format: "json"`) as one JSON object per line. */
export function stdoutChannel(
  opts: { format?: "text" | "json"; write?: (line: string) => void } = {},
): AlertChannel {
  const write = opts.write ?? ((l: string) => void process.stdout.write(l));
  return {
    name: "stdout",
    async send(alerts): Promise<ChannelResult> {
      try {
        for (const a of alerts) write(`${opts.format === "json" ? json(a) : formatAlertLine(a)}\n`);
        return { ok: true };
      } catch (e) {
        return { ok: false, error: (e as Error).message ?? String(e) };
      }
    },
  };
}

export interface WebhookOptions {
  url: string;
  /** per request (default 5000 ms) */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** default: the global fetch */
  fetch?: typeof fetch;
  /** wallet address included in the payload */
  wallet?: Address;
}

/** The webhook body: `{ source: "tierguard", wallet, count, alerts }` (bigints as strings). */
export const webhookPayload = (alerts: readonly Alert[], wallet?: Address): string =>
  json({ source: "tierguard", wallet: wallet ?? null, count: alerts.length, alerts });

/** The URL without credentials or query (which may hold a token). */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

/**
 * POSTs each batch as one JSON document, with an `Idempotency-Key` header (the batch's first and last alert
 * ids) so a receiver can drop a batch it already has. A non-2xx answer, a timeout or a network error is a
 * failure the outbox retries.
 */
export function webhookChannel(opts: WebhookOptions): AlertChannel {
  const name = `webhook ${redactWebhookUrl(opts.url)}`;
  return {
    name,
    async send(alerts): Promise<ChannelResult> {
      if (alerts.length === 0) return { ok: true };
      const timeoutMs = opts.timeoutMs ?? 5000;
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), timeoutMs);
      try {
        const res = await (opts.fetch ?? fetch)(opts.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": `tierguard-${alerts[0].id}-${alerts[alerts.length - 1].id}`,
            ...opts.headers,
          },
          body: webhookPayload(alerts, opts.wallet),
          signal: ctl.signal,
        });
        // drain the body so that the connection is released
        await res.arrayBuffer().catch(() => undefined);
        return res.ok ? { ok: true, status: res.status } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        const message = ctl.signal.aborted
          ? `timed out after ${timeoutMs} ms`
          : [err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(": ");
        return { ok: false, error: message };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
