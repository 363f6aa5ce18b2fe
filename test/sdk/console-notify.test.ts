/**
 * Notification payloads: Slack Block Kit, Telegram sendMessage and the generic JSON webhook, each checked
 * against the documented shape (src/console/notify/schemas.ts).
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { slackPayload, telegramPayload, webhookBody } from "../../src/console/notify/format";
import { slackMessage, telegramSendMessage, webhookNotice } from "../../src/console/notify/schemas";
import type { Notice } from "../../src/console/notify/notice";

const RECIPIENT = "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097";
const WALLET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const INTENT = `0x${"70726f637572656d656e742d6167656e742d70726f64".padEnd(64, "0")}` as Hex;

const hire: Notice = {
  key: "intent_queued:0xabc:3:0xdef",
  kind: "intent_queued",
  intentId: INTENT,
  agent: "procurement-agent-prod",
  tier: "collaborative",
  recipient: RECIPIENT,
  category: "agent_hire",
  value: "89.000000",
  reason: null,
  by: null,
  justification: "EURC liquidity analysis for <MiCA> & compliance report",
  details: { amount: "89.00", symbol: "USDC", deadline: 1_795_953_209, deadlineLabel: "Approve before" },
  txHash: `0x${"ab".repeat(32)}`,
  timestamp: 1_795_938_809,
  message: "collaborative intent waiting for 2 of 3 owners",
};
const ctx = { consoleUrl: "http://127.0.0.1:8788", label: (a: string) => (a === RECIPIENT ? "analysis-agent-beta" : null) };

describe("notification payloads", () => {
  it("slack: a Block Kit message with amount, agent, recipient, tier, deadline and a link to the intent page", () => {
    const m = slackPayload(hire, ctx);
    expect(slackMessage.safeParse(m).success).toBe(true);
    const text = JSON.stringify(m.blocks);
    for (const s of ["89.00 USDC", "89.00 USD", "procurement-agent-prod", "analysis-agent-beta", "collaborative", "2026-11-29T11:53:29Z"])
      expect(text).toContain(s);
    expect(text).toContain("&lt;MiCA&gt; &amp; compliance");
    const actions = m.blocks.find((b) => b.type === "actions");
    expect(actions).toMatchObject({ elements: [{ type: "button", url: `http://127.0.0.1:8788/intents/${INTENT}` }] });
    expect(m.text).toMatch(/^Payment waiting for the owners: /);
  });

  it("slack: the schema refuses what Slack refuses (too many blocks, an over-long header, a section without text)", () => {
    const m = slackPayload(hire, ctx);
    expect(slackMessage.safeParse({ ...m, blocks: Array(51).fill({ type: "divider" }) }).success).toBe(false);
    expect(slackMessage.safeParse({ ...m, blocks: [{ type: "header", text: { type: "plain_text", text: "x".repeat(151) } }] }).success).toBe(false);
    expect(slackMessage.safeParse({ ...m, blocks: [{ type: "section" }] }).success).toBe(false);
  });

  it("telegram: HTML sendMessage with the facts escaped; a button only for a console URL a phone can open", () => {
    const local = telegramPayload(hire, -1001234567890, ctx);
    expect(telegramSendMessage.safeParse(local).success).toBe(true);
    expect(local.parse_mode).toBe("HTML");
    expect(local.text).toContain("<b>Amount:</b> 89.00 USDC · 89.00 USD");
    expect(local.text).toContain("&lt;MiCA&gt; &amp; compliance");
    expect(local.text).toContain(`<a href="http://127.0.0.1:8788/intents/${INTENT}">`);
    expect(local.reply_markup).toBeUndefined();
    const remote = telegramPayload(hire, "@tierguard_owners", { ...ctx, consoleUrl: "https://console.example.com" });
    expect(remote.reply_markup?.inline_keyboard[0][0].url).toBe(`https://console.example.com/intents/${INTENT}`);
  });

  it("telegram: a justification of any length still fits the 4096-character limit", () => {
    const long = telegramPayload({ ...hire, justification: "<".repeat(10_000) }, 42, ctx);
    expect(long.text.length).toBeLessThanOrEqual(4096);
    expect(telegramSendMessage.safeParse({ chat_id: 42, text: "" }).success).toBe(false);
  });

  it("webhook: one JSON document per notice with its key, title, link and deadline", () => {
    const b = webhookBody(hire, WALLET, ctx);
    expect(webhookNotice.safeParse(b).success).toBe(true);
    expect(b).toMatchObject({ source: "tierguard", kind: "intent_queued", key: hire.key, deadline: 1_795_953_209, link: `http://127.0.0.1:8788/intents/${INTENT}` });
  });
});
