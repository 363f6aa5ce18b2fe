/**
 * One notice as a Slack Block Kit message, a Telegram `sendMessage` body and a generic JSON webhook body.
 * Pure functions; each result is checked against its schema (schemas.ts) before it is returned, so a message
 * that the platform would refuse fails here, with the field named, instead of at delivery.
 *
 * Agent-written text (the justification) is untrusted: it is escaped for each format and cut to fit.
 */
import type { Address } from "viem";
import { noticeFacts, type Notice, type NoticeContext } from "./notice";
import { slackMessage, telegramSendMessage, webhookNotice, type SlackMessage, type TelegramSendMessage, type WebhookNotice } from "./schemas";

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
/** Slack mrkdwn: &, < and > are the only characters to escape. */
const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Telegram HTML parse mode: the same three. */
const htmlEscape = slackEscape;
const isLoopback = (url: string) => {
  try {
    const h = new URL(url).hostname;
    return h === "localhost" || h === "[::1]" || h.startsWith("127.");
  } catch {
    return true;
  }
};

/** A Slack incoming-webhook message: header, fields, justification, deadline and a button to the intent page. */
export function slackPayload(n: Notice, ctx: NoticeContext = {}): SlackMessage {
  const f = noticeFacts(n, ctx);
  const blocks: SlackMessage["blocks"] = [
    { type: "header", text: { type: "plain_text", text: cut(f.title, 150) } },
    { type: "section", fields: f.facts.slice(0, 10).map(([k, v]) => ({ type: "mrkdwn" as const, text: cut(`*${k}*\n${slackEscape(v)}`, 2000) })) },
  ];
  if (f.justification) blocks.push({ type: "section", text: { type: "mrkdwn", text: cut(`*Justification*\n>${slackEscape(f.justification)}`, 3000) } });
  if (f.deadline !== null) {
    // Slack renders <!date^...> in each reader's time zone, with the fallback after the last |
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `Act before <!date^${f.deadline}^{date_short_pretty} {time_secs}|${iso(f.deadline)}>` }] });
  }
  if (f.link) blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in the console" }, url: f.link, style: "primary", action_id: "open_intent" }] });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: cut(`tx ${n.txHash} · ${iso(n.timestamp)}`, 3000) }] });
  const text = cut(`${f.title}: ${f.facts.map(([k, v]) => `${k} ${v}`).join(", ")}`, 3000);
  return slackMessage.parse({ text, blocks });
}

/** A Telegram `sendMessage` body (HTML parse mode). A button only for a console URL a phone can open. */
export function telegramPayload(n: Notice, chatId: string | number, ctx: NoticeContext = {}): TelegramSendMessage {
  const f = noticeFacts(n, ctx);
  const lines = [`<b>${htmlEscape(f.title)}</b>`, ...f.facts.map(([k, v]) => `<b>${htmlEscape(k)}:</b> ${htmlEscape(v)}`)];
  if (f.justification) lines.push(`<i>${htmlEscape(cut(f.justification, 1000))}</i>`);
  if (f.link) lines.push(`<a href="${htmlEscape(f.link)}">Open in the console</a>`);
  const body: TelegramSendMessage = {
    chat_id: chatId,
    text: cut(lines.join("\n"), 4096),
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
  };
  if (f.link && !isLoopback(f.link)) body.reply_markup = { inline_keyboard: [[{ text: "Open in the console", url: f.link }]] };
  return telegramSendMessage.parse(body);
}

/** The generic JSON webhook body: the notice as the indexer produced it, plus title, link and deadline. */
export function webhookBody(n: Notice, wallet: Address, ctx: NoticeContext = {}): WebhookNotice {
  const f = noticeFacts(n, ctx);
  const notice = JSON.parse(JSON.stringify(n, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Record<string, unknown>;
  return webhookNotice.parse({ source: "tierguard", type: "notice", key: n.key, kind: n.kind, wallet, title: f.title, link: f.link, deadline: f.deadline, notice });
}
