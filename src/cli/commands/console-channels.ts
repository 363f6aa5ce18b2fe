/**
 * Notification channels for `tierguard console`, from the environment only (a Slack webhook URL and a bot token
 * are secrets: never on the command line, never printed):
 *
 *   TIERGUARD_SLACK_WEBHOOK_URL       a Slack incoming webhook (https://hooks.slack.com/services/...)
 *   TIERGUARD_TELEGRAM_BOT_TOKEN      a Telegram bot's token, with
 *   TIERGUARD_TELEGRAM_CHAT_ID        the chat to post to (a numeric id, or @channelusername)
 *   TIERGUARD_NOTIFY_WEBHOOK_URL      any URL that takes one JSON document per notice
 */
import type { Address } from "viem";
import { TierGuardError } from "../../errors";
import { noticeWebhookChannel, slackChannel, telegramChannel, type NoticeChannel } from "../../console/notify/channels";

export const CHANNEL_ENV = {
  slack: "TIERGUARD_SLACK_WEBHOOK_URL",
  telegramToken: "TIERGUARD_TELEGRAM_BOT_TOKEN",
  telegramChat: "TIERGUARD_TELEGRAM_CHAT_ID",
  webhook: "TIERGUARD_NOTIFY_WEBHOOK_URL",
} as const;

const httpUrl = (name: string, v: string) => {
  if (!/^https?:\/\/\S+$/.test(v)) {
    throw new TierGuardError(`${name} must be an http(s):// URL`, { fix: `set ${name} to the URL your provider gave you, e.g. export ${name}=https://...` });
  }
  return v;
};

export function channelsFromEnv(env: Record<string, string | undefined>, wallet: Address): NoticeChannel[] {
  const out: NoticeChannel[] = [];
  const slack = env[CHANNEL_ENV.slack]?.trim();
  if (slack) out.push(slackChannel({ webhookUrl: httpUrl(CHANNEL_ENV.slack, slack) }));
  const token = env[CHANNEL_ENV.telegramToken]?.trim();
  const chat = env[CHANNEL_ENV.telegramChat]?.trim();
  if (token || chat) {
    if (!token || !chat) {
      throw new TierGuardError("a Telegram channel needs both the bot token and the chat id", {
        fix: `set ${CHANNEL_ENV.telegramToken} (from @BotFather) and ${CHANNEL_ENV.telegramChat} (a numeric chat id or @channelusername)`,
      });
    }
    if (!/^\d+:[A-Za-z0-9_-]+$/.test(token)) {
      throw new TierGuardError(`${CHANNEL_ENV.telegramToken} does not look like a bot token (digits, a colon, then letters)`, {
        fix: "copy the token @BotFather gave you, e.g. 123456789:AA...",
      });
    }
    if (!/^(-?\d+|@[A-Za-z0-9_]{5,})$/.test(chat)) {
      throw new TierGuardError(`${CHANNEL_ENV.telegramChat} must be a numeric chat id or @channelusername, got "${chat}"`, {
        fix: "use the chat's numeric id (e.g. -1001234567890) or the channel's @username",
      });
    }
    out.push(telegramChannel({ botToken: token, chatId: /^-?\d+$/.test(chat) ? Number(chat) : chat }));
  }
  const hook = env[CHANNEL_ENV.webhook]?.trim();
  if (hook) out.push(noticeWebhookChannel({ url: httpUrl(CHANNEL_ENV.webhook, hook), wallet }));
  return out;
}
