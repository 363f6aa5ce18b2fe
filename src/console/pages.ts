/**
 * Server-rendered pages (escaped by Hono's `html` template): the queue, the wallet, the activity and one
 * intent's lifecycle. Buttons for actions are rendered hidden with the roles that may take them; the client
 * script (assets/console.js) shows those the connected address's role allows, runs the countdowns and
 * refreshes the main section.
 */
import { html } from "hono/html";
import type { Hex } from "viem";
import type { IntentTrail, TrailStep } from "../indexer";
import { ACTION_ROLES, type ActionName, type QueueItem } from "./model";
import type { ConsoleModel } from "./model";

type Html = ReturnType<typeof html>;

export interface Banner {
  level: "ok" | "warn";
  text: string;
}

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
const LABELS: Record<ActionName | "pause", string> = {
  approve: "Approve (sign)",
  reject: "Reject",
  veto: "Veto",
  execute: "Execute",
  expire: "Expire",
  submit: "Submit approvals",
  pause: "Pause all spending",
};

const button = (action: ActionName | "pause", intentId?: Hex) =>
  html`<button class="act act-${action}" data-action="${action}" data-intent="${intentId ?? ""}" data-roles="${ACTION_ROLES[action].join(" ")}" hidden>${LABELS[action]}</button>`;

const countdown = (c: QueueItem["countdown"]) =>
  c ? html`<span class="countdown" data-until="${c.until}" data-label="${c.label}" title="${iso(c.until)}">${c.label} ${iso(c.until)}</span>` : html`—`;

const approvals = (i: QueueItem) =>
  i.tier === "collaborative"
    ? html`<span class="approvals">${i.approvals.count} of ${i.approvals.threshold}</span>${i.approvals.by.length
        ? html`<span class="by">by ${i.approvals.by.map((b, n) => html`${n ? ", " : ""}<code title="${b.owner}">${short(b.owner)}</code> (${b.via === "chain" ? "on-chain" : "signed"})`)}</span>`
        : ""}`
    : html`—`;

export function layout(p: {
  title: string;
  active: "queue" | "wallet" | "activity" | "intent" | "owner-actions";
  banner: Banner[];
  now: number;
  wallet: string;
  chainId: number;
  paused: boolean;
  body: Html;
}): Html {
  const nav = (href: string, name: string, key: string) =>
    html`<a href="${href}" class="${p.active === key ? "on" : ""}">${name}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · TierGuard console</title>
<link rel="stylesheet" href="/assets/console.css">
</head>
<body data-now="${p.now}" data-wallet="${p.wallet}" data-chain-id="${p.chainId}">
<header>
  <strong>TierGuard</strong>
  <nav>${nav("/", "Queue", "queue")} ${nav("/owner-actions", "Owner actions", "owner-actions")} ${nav("/wallet", "Wallet", "wallet")} ${nav("/activity", "Activity", "activity")}</nav>
  <span class="wallet">wallet <code>${p.wallet}</code> · chain ${p.chainId}</span>
  <span id="account"><button id="connect">Connect wallet</button></span>
</header>
<main id="main">
<div id="banners">${p.banner.map((b) => html`<div class="banner banner-${b.level}" role="status">${b.text}</div>`)}${
    p.paused ? html`<div class="banner banner-warn" role="status">The wallet is paused: agents cannot spend and nothing executes until M owners unpause it.</div>` : ""
  }</div>
${p.body}
</main>
<div id="message" role="alert" aria-live="polite"></div>
<script src="/assets/console.js"></script>
</body>
</html>`;
}

export function queueBody(items: QueueItem[], m: { paused: boolean; threshold: number; owners: number; policyVersion: number }): Html {
  return html`<section>
<h1>Waiting intents <small>(${items.length})</small></h1>
<p class="meta">${m.threshold} of ${m.owners} owners approve collaborative intents · policy version ${m.policyVersion} ${m.paused ? "" : button("pause")}</p>
${items.length === 0
    ? html`<p class="empty">Nothing waits for the owners.</p>`
    : html`<table class="queue">
<thead><tr><th>tier</th><th>amount</th><th>agent</th><th>recipient</th><th>category</th><th>justification</th><th>policy</th><th>why this tier</th><th>deadline</th><th>approvals</th><th>actions</th></tr></thead>
<tbody>${items.map(
        (i) => html`<tr class="intent tier-${i.tier}" data-intent="${i.intentId}">
<td><span class="tier">${i.tier}</span></td>
<td class="num"><a href="/intents/${i.intentId}">${i.amount} ${i.symbol}</a><br><small>${i.value} ${i.currency}</small></td>
<td>${i.agent}</td>
<td>${i.recipientLabel ?? html`<code title="${i.recipient}">${short(i.recipient)}</code>`}<br><small>${i.recipientTrust}</small></td>
<td>${i.categoryName}</td>
<td class="just">${i.justification}</td>
<td>v${i.policyVersion}</td>
<td class="why">${i.why}</td>
<td>${countdown(i.countdown)}</td>
<td>${approvals(i)}</td>
<td class="actions">${i.actions.map((a) => button(a, i.intentId))}</td>
</tr>`,
      )}</tbody></table>`}
</section>`;
}

function stepText(s: TrailStep): string {
  switch (s.kind) {
    case "submitted":
      return "submitted by the agent";
    case "queued":
      return s.status === "queued" ? "queued for its veto window" : "awaiting owner approvals";
    case "approved":
      return `approved by ${s.owner}`;
    case "approvals_voided":
      return `approvals voided (owner ${s.removedOwner} removed)`;
    case "executed":
      return s.by ? `executed by ${s.by}` : "paid at once";
    case "vetoed":
      return `vetoed by ${s.by}`;
    case "rejected":
      return `rejected by ${s.by}`;
    case "expired":
      return "expired unanswered";
    case "stale":
      return "went stale (not executed in its grace period)";
    case "refused":
      return `refused at execution: ${s.refusal}${s.closed ? "" : " (can be retried)"}`;
    case "blocked":
      return "blocked and recorded (prohibited)";
  }
}

export function intentBody(item: QueueItem | null, trail: IntentTrail, collected: { signer: string; receivedAt: number }[]): Html {
  const facts: [string, unknown][] = item
    ? [
        ["audit id", item.auditId],
        ["tier", item.tier],
        ["status", trail.status ?? "unknown"],
        ["amount", `${item.amount} ${item.symbol} (${item.value} ${item.currency})`],
        ["agent", `${item.agent}`],
        ["recipient", `${item.recipientLabel ? `${item.recipientLabel} ` : ""}${item.recipient} (${item.recipientTrust})`],
        ["category", item.categoryName],
        ["justification", item.justification],
        ["policy version", `v${item.policyVersion}`],
        ["why this tier", item.why],
      ]
    : [["status", trail.status ?? "unknown (the store lacks its submission)"]];
  return html`<section class="intent-page" data-intent="${trail.intentId}">
<h1>Intent <code>${trail.intentId}</code></h1>
<dl>${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
${item?.countdown ? html`<dt>deadline</dt><dd>${countdown(item.countdown)}</dd>` : ""}
${item && item.tier === "collaborative" ? html`<dt>approvals</dt><dd>${approvals(item)}</dd>` : ""}
</dl>
<p class="actions">${(item?.actions ?? []).map((a) => button(a, trail.intentId))}</p>
<h2>Lifecycle</h2>
<ol class="steps">${trail.steps.map(
    (s) => html`<li><span class="step step-${s.kind}">${stepText(s)}</span> <small>${iso(s.timestamp)} · block ${s.blockNumber.toString()} · tx <code>${s.txHash}</code></small></li>`,
  )}</ol>
${collected.length
    ? html`<h2>Approval signatures collected by the console</h2>
<ul class="signatures">${collected.map((c) => html`<li>signed by <code>${c.signer}</code> <small>${iso(c.receivedAt)}</small></li>`)}</ul>`
    : ""}
</section>`;
}

export function walletBody(w: Awaited<ReturnType<ConsoleModel["wallet"]>>): Html {
  const keyRow = (a: (typeof w.agents)[number]) =>
    a.keys.map(
      (k) => html`<tr><td>${a.agent}</td><td><code>${k.key}</code></td><td>${k.validUntil >= 2 ** 40 - 1 ? "never" : iso(k.validUntil)}</td><td>${k.expired ? "expired" : "active"}</td></tr>`,
    );
  return html`<section>
<h1>Wallet</h1>
<p class="meta">${w.paused ? "paused" : "active"} · ${w.threshold} of ${w.owners.length} owners · policy version ${w.policyVersion}</p>
<h2>Balances</h2>
<table><thead><tr><th>token</th><th>balance</th></tr></thead><tbody>${w.balances.map(
    (b) => html`<tr><td>${b.symbol} <small><code>${b.token}</code></small></td><td class="num">${b.formatted}</td></tr>`,
  )}</tbody></table>
<h2>Tiers and budgets</h2>
<table><thead><tr><th>tier</th><th>max per intent</th><th>categories</th><th>min trust</th><th>frequency per agent</th><th>budget used / max</th></tr></thead>
<tbody>${w.rules.map((r, i) => {
    const b = w.budgets[i];
    return html`<tr><td>${r.tier}</td><td class="num">${r.maxValue}</td><td>${r.categories.join(", ")}</td><td>${r.minTrust}</td><td>${r.frequency ? `${r.frequency.max} per ${r.frequency.per}s` : "—"}</td><td>${b && b.max > 0n ? `${b.spentFormatted} / ${b.maxFormatted} per ${b.period}s` : "no budget"}</td></tr>`;
  })}</tbody></table>
<h2>Owners and guardians</h2>
<ul>${w.owners.map((o, i) => html`<li>owner ${i + 1}: <code>${o}</code></li>`)}${w.guardians.map((g) => html`<li>guardian: <code>${g}</code></li>`)}</ul>
<h2>Agents and session keys</h2>
<table><thead><tr><th>agent</th><th>key</th><th>valid until</th><th>state</th></tr></thead><tbody>${w.agents.map(keyRow)}</tbody></table>
<h2>Recipients</h2>
<table><thead><tr><th>recipient</th><th>label</th><th>trust</th></tr></thead><tbody>${w.recipients.map(
    (r) => html`<tr><td><code>${r.recipient}</code></td><td>${r.label ?? ""}</td><td>${r.trust}</td></tr>`,
  )}</tbody></table>
<h2>Policy history</h2>
<table><thead><tr><th>time</th><th>version</th><th>change</th></tr></thead><tbody>${w.history.map(
    (h) => html`<tr><td>${iso(h.timestamp)}</td><td>v${h.policyVersion}</td><td>${h.summary}</td></tr>`,
  )}</tbody></table>
</section>`;
}

export function activityBody(items: ReturnType<ConsoleModel["activity"]>): Html {
  return html`<section>
<h1>Activity</h1>
<table class="activity"><thead><tr><th>time</th><th>what</th><th>intent</th><th>by</th><th>tx</th></tr></thead>
<tbody>${items.map(
    (a) => html`<tr class="act-${a.kind}"><td>${iso(a.timestamp)}</td><td>${a.kind.replace("_", " ")}${a.tier ? ` (${a.tier})` : ""}</td><td>${
      a.intentId ? html`<a href="/intents/${a.intentId}"><code>${short(a.intentId)}</code></a>` : ""
    }</td><td>${a.by ? html`${a.label ?? ""} <code>${short(a.by)}</code>` : ""}</td><td><code>${short(a.txHash)}</code></td></tr>`,
  )}</tbody></table>
</section>`;
}
