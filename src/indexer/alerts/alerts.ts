/**
 * Alerts on newly indexed activity: a blocked (prohibited) attempt, "immediate_to_owner" in the article, and a
 * veto. Built from trail steps (`alertsFromTrails`, with a cursor so that only steps after the last seen log
 * alert), from a batch of new logs (`alertsFromLogs`), or straight from a store (`collectAlerts`).
 *
 * Sinks: `stdoutSink` (one line per alert) and `webhookSink` (POST JSON to a URL with a timeout).
 * `dispatchAlerts` sends to every sink and reports failures in its result: it never throws.
 */
import type { Address, Hex } from "viem";
import type { TierName } from "../../client/intents";
import type { Store, StoredLog } from "../store/types";
import { buildTrails, loadTrails, type IntentTrail, type TrailStep } from "../model/trail";
import { agentLabel, formatReferenceUnits, isoUtc, type CategoryNames } from "../report/report";

export type AlertKind = "blocked" | "vetoed";

export interface Alert {
  kind: AlertKind;
  /** blocked: critical (the article's `alert: 'immediate_to_owner'`); vetoed: warning */
  severity: "critical" | "warning";
  intentId: Hex;
  agentId: Hex;
  agent: string;
  tier: TierName | null;
  recipient: Address | null;
  categoryId: number | null;
  category: string | null;
  /** reference units, 6 decimals (null when the submission is not known) */
  value: string | null;
  /** blocked: the prohibition reason */
  reason: string | null;
  /** vetoed: the owner or guardian who vetoed */
  by: Address | null;
  justification: string | null;
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  timestamp: number;
  at: string;
  message: string;
}

/** Position of a log in the chain: alerts are produced for steps strictly after it. */
export interface AlertCursor {
  blockNumber: bigint;
  logIndex: number;
}

export interface AlertOptions {
  categories?: CategoryNames;
  /** only steps after this log */
  after?: AlertCursor;
}

const isAfter = (s: { blockNumber: bigint; logIndex: number }, c?: AlertCursor) =>
  !c || s.blockNumber > c.blockNumber || (s.blockNumber === c.blockNumber && s.logIndex > c.logIndex);

const categoryName = (names: CategoryNames | undefined, id: number) => {
  const n = names instanceof Map ? names.get(id) : (names as Record<number, string> | undefined)?.[id];
  return n ?? `#${id}`;
};

function alertFor(t: IntentTrail, step: TrailStep, opts: AlertOptions): Alert | undefined {
  if (step.kind !== "blocked" && step.kind !== "vetoed") return undefined;
  const s = t.submitted;
  const agent = agentLabel(t.agentId);
  const category = s ? categoryName(opts.categories, s.category) : null;
  const value = s ? formatReferenceUnits(s.value) : null;
  const base = {
    intentId: t.intentId,
    agentId: t.agentId,
    agent,
    tier: s?.tier ?? t.tier ?? null,
    recipient: s?.recipient ?? null,
    categoryId: s?.category ?? null,
    category,
    value,
    justification: s?.justification ?? null,
    txHash: step.txHash,
    blockNumber: step.blockNumber,
    logIndex: step.logIndex,
    timestamp: step.timestamp,
    at: isoUtc(step.timestamp),
  };
  if (step.kind === "blocked") {
    const reason = s?.reason ?? null;
    return {
      ...base,
      kind: "blocked",
      severity: "critical",
      reason,
      by: null,
      message: `blocked attempt by agent ${agent}: ${value ?? "?"} to ${s?.recipient ?? "?"} in ${category ?? "?"} (${reason ?? "?"})`,
    };
  }
  return {
    ...base,
    kind: "vetoed",
    severity: "warning",
    reason: null,
    by: step.by,
    message: `veto by ${step.by} of agent ${agent}'s ${value ?? "?"} to ${s?.recipient ?? "?"} in ${category ?? "?"}`,
  };
}

/** Alerts for the blocked and vetoed steps of the trails (after `opts.after`), in chain order. */
export function alertsFromTrails(trails: readonly IntentTrail[], opts: AlertOptions = {}): Alert[] {
  const out: Alert[] = [];
  for (const t of trails) {
    for (const step of t.steps) {
      if (!isAfter(step, opts.after)) continue;
      const a = alertFor(t, step, opts);
      if (a) out.push(a);
    }
  }
  return out.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
}

/**
 * Alerts for a batch of newly indexed logs (chain order). A veto's intent was usually submitted in an earlier
 * batch: pass `known` trails (e.g. `loadTrails`) to describe it; without them the alert has no value/category.
 */
export function alertsFromLogs(
  logs: readonly StoredLog[],
  opts: AlertOptions & { known?: readonly IntentTrail[] } = {},
): Alert[] {
  const known = new Map((opts.known ?? []).map((t) => [t.intentId.toLowerCase(), t]));
  const fresh = buildTrails(logs).map((t) => {
    const k = known.get(t.intentId.toLowerCase());
    return t.submitted || !k?.submitted ? t : { ...t, submitted: k.submitted, tier: k.tier, complete: true };
  });
  return alertsFromTrails(fresh, opts);
}

/**
 * Alerts from the store for everything after `after` (all when omitted), and the cursor to pass next time
 * (the last stored lifecycle log, or `after` when there is nothing new).
 */
export async function collectAlerts(
  store: Store,
  wallet: Address,
  opts: AlertOptions = {},
): Promise<{ alerts: Alert[]; cursor: AlertCursor | undefined }> {
  const trails = await loadTrails(store, wallet);
  const alerts = alertsFromTrails(trails, opts);
  let cursor = opts.after;
  for (const t of trails) {
    for (const s of t.steps)
      if (!cursor || isAfter(s, cursor)) cursor = { blockNumber: s.blockNumber, logIndex: s.logIndex };
  }
  return { alerts, cursor };
}

// --- sinks --------------------------------------------------------------------------------------------------

export interface SinkResult {
  sink: string;
  ok: boolean;
  /** alerts delivered */
  delivered: number;
  /** HTTP status, for the webhook */
  status?: number;
  error?: string;
}

export interface AlertSink {
  name: string;
  send(alerts: readonly Alert[]): Promise<SinkResult>;
}

/** One line of text per alert, without control characters (agent-written text is untrusted). */
export function formatAlertLine(a: Alert): string {
  const clean = (v: unknown) => String(v ?? "-").replace(/[\u0000-\u001f\u007f]+/g, " ");
  const fields: [string, unknown][] = [
    ["agent", a.agent],
    ["category", a.category],
    ["value", a.value],
    ["recipient", a.recipient],
    a.kind === "blocked" ? ["reason", a.reason] : ["by", a.by],
    ["intent", a.intentId],
    ["tx", a.txHash],
    ["block", a.blockNumber],
  ];
  return `${a.at} ALERT ${a.severity.toUpperCase()} ${a.kind} ${fields
    .map(([k, v]) => `${k}=${/\s/.test(clean(v)) ? JSON.stringify(clean(v)) : clean(v)}`)
    .join(" ")}`;
}

/** Writes one line per alert (default: to process.stdout). */
export function stdoutSink(write: (line: string) => void = (l) => void process.stdout.write(l)): AlertSink {
  return {
    name: "stdout",
    async send(alerts) {
      try {
        for (const a of alerts) write(`${formatAlertLine(a)}\n`);
        return { sink: "stdout", ok: true, delivered: alerts.length };
      } catch (e) {
        return { sink: "stdout", ok: false, delivered: 0, error: (e as Error).message ?? String(e) };
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

/** The webhook body: `{ source: "tierguard", wallet, alerts }` (bigints as strings). */
export const webhookPayload = (alerts: readonly Alert[], wallet?: Address): string =>
  JSON.stringify({ source: "tierguard", wallet: wallet ?? null, count: alerts.length, alerts }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );

/** POSTs the alerts of each batch as one JSON document. A non-2xx answer, a timeout or a network error is reported in the result. */
export function webhookSink(opts: WebhookOptions): AlertSink {
  const name = `webhook ${redact(opts.url)}`;
  return {
    name,
    async send(alerts) {
      if (alerts.length === 0) return { sink: name, ok: true, delivered: 0 };
      const timeoutMs = opts.timeoutMs ?? 5000;
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), timeoutMs);
      try {
        const res = await (opts.fetch ?? fetch)(opts.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...opts.headers },
          body: webhookPayload(alerts, opts.wallet),
          signal: ctl.signal,
        });
        // drain the body so that the connection is released
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) return { sink: name, ok: false, delivered: 0, status: res.status, error: `HTTP ${res.status}` };
        return { sink: name, ok: true, delivered: alerts.length, status: res.status };
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        const message = ctl.signal.aborted
          ? `timed out after ${timeoutMs} ms`
          : [err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(": ");
        return { sink: name, ok: false, delivered: 0, error: message };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The URL without credentials or query (which may hold a token). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

/** Sends the alerts to every sink in parallel; never throws (a sink that throws is reported as failed). */
export async function dispatchAlerts(alerts: readonly Alert[], sinks: readonly AlertSink[]): Promise<SinkResult[]> {
  return Promise.all(
    sinks.map(async (s) => {
      try {
        return await s.send(alerts);
      } catch (e) {
        return { sink: s.name, ok: false, delivered: 0, error: (e as Error)?.message ?? String(e) };
      }
    }),
  );
}
