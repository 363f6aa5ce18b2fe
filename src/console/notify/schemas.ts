/**
 * The payloads' documented shapes, as zod schemas, so that a message is checked before it is sent (and in
 * tests). Written from the platforms' reference pages:
 *
 * - Slack incoming webhooks take a message `{ text, blocks }`; `text` is the notification fallback. Block Kit
 *   limits used here: at most 50 blocks; `header` text is plain_text up to 150 characters; a `section` has
 *   `text` (up to 3000 characters) and/or up to 10 `fields` (up to 2000 each); a `context` block has 1 to 10
 *   elements; an `actions` block has 1 to 25 elements; a `button` has plain_text up to 75 characters, an
 *   optional `url` up to 3000 characters, `action_id` up to 255 and `style` primary or danger.
 * - Telegram Bot API `sendMessage`: `chat_id` (integer, or "@channelusername"), `text` of 1 to 4096 characters,
 *   `parse_mode` HTML / MarkdownV2 / Markdown, `link_preview_options`, `disable_notification`, and
 *   `reply_markup.inline_keyboard`, rows of buttons each with `text` and (here) an http(s) `url`. It answers
 *   `{ ok: true, result }` or `{ ok: false, error_code, description }`.
 */
import { z } from "zod";

const plain = (max: number) => z.object({ type: z.literal("plain_text"), text: z.string().min(1).max(max), emoji: z.boolean().optional() }).strict();
const mrkdwn = (max: number) => z.object({ type: z.literal("mrkdwn"), text: z.string().min(1).max(max), verbatim: z.boolean().optional() }).strict();
const textObject = (max: number) => z.union([plain(max), mrkdwn(max)]);

const httpUrl = (max: number) => z.string().max(max).regex(/^https?:\/\/\S+$/, { message: "must be an http(s) URL" });

export const slackButton = z
  .object({
    type: z.literal("button"),
    text: plain(75),
    url: httpUrl(3000).optional(),
    action_id: z.string().max(255).optional(),
    value: z.string().max(2000).optional(),
    style: z.enum(["primary", "danger"]).optional(),
  })
  .strict();

export const slackBlock = z.discriminatedUnion("type", [
  z.object({ type: z.literal("header"), text: plain(150), block_id: z.string().max(255).optional() }).strict(),
  z
    .object({
      type: z.literal("section"),
      text: textObject(3000).optional(),
      fields: z.array(textObject(2000)).min(1).max(10).optional(),
      block_id: z.string().max(255).optional(),
    })
    .strict()
    .refine((b) => b.text !== undefined || b.fields !== undefined, { message: "a section needs text or fields" }),
  z.object({ type: z.literal("context"), elements: z.array(textObject(3000)).min(1).max(10), block_id: z.string().max(255).optional() }).strict(),
  z.object({ type: z.literal("actions"), elements: z.array(slackButton).min(1).max(25), block_id: z.string().max(255).optional() }).strict(),
  z.object({ type: z.literal("divider"), block_id: z.string().max(255).optional() }).strict(),
]);

/** A message for a Slack incoming webhook. */
export const slackMessage = z.object({ text: z.string().min(1).max(40_000), blocks: z.array(slackBlock).min(1).max(50) }).strict();
export type SlackMessage = z.infer<typeof slackMessage>;

const telegramButton = z.object({ text: z.string().min(1), url: httpUrl(2048) }).strict();

/** The body of a Telegram Bot API `sendMessage` call. */
export const telegramSendMessage = z
  .object({
    chat_id: z.union([z.number().int(), z.string().regex(/^(@[A-Za-z0-9_]{5,}|-?\d+)$/, { message: 'must be a chat id or "@channelusername"' })]),
    text: z.string().min(1).max(4096),
    parse_mode: z.enum(["HTML", "MarkdownV2", "Markdown"]).optional(),
    link_preview_options: z.object({ is_disabled: z.boolean().optional() }).strict().optional(),
    disable_notification: z.boolean().optional(),
    reply_markup: z.object({ inline_keyboard: z.array(z.array(telegramButton).min(1)).min(1) }).strict().optional(),
  })
  .strict();
export type TelegramSendMessage = z.infer<typeof telegramSendMessage>;

/** Telegram's answer. */
export const telegramResponse = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error_code: z.number().optional(), description: z.string().optional() }),
]);

/** The generic JSON webhook's body: one notice per request. */
export const webhookNotice = z
  .object({
    source: z.literal("tierguard"),
    type: z.literal("notice"),
    key: z.string().min(1),
    kind: z.string().min(1),
    wallet: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    title: z.string(),
    link: z.string().nullable(),
    deadline: z.number().int().nullable(),
    notice: z.record(z.string(), z.unknown()),
  })
  .strict();
export type WebhookNotice = z.infer<typeof webhookNotice>;
