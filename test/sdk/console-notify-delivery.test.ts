/**
 * Notifications from the console through the store's durable outbox to a local receiver that plays a Slack
 * incoming webhook, Telegram's Bot API and a JSON webhook: down for the first attempt, each message arrives
 * exactly once after it comes back, and a restarted console does not send it again.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type OwnedStore } from "../../src/indexer";
import { startConsole, type ConsoleServer } from "../../src/console";
import { noticeWebhookChannel, slackChannel, telegramChannel } from "../../src/console/notify/channels";
import { slackMessage, telegramSendMessage, webhookNotice } from "../../src/console/notify/schemas";
import { setupArticleWallet, type ArticleWallet } from "./helpers/article-scenario";

interface Received {
  path: string;
  key: string;
  body: Record<string, unknown>;
  status: number;
}

let s: ArticleWallet;
let store: OwnedStore;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
let failuresLeft = 0;

beforeAll(async () => {
  s = await setupArticleWallet();
  store = await openStore();
  receiver = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const status = failuresLeft > 0 ? 503 : 200;
      if (failuresLeft > 0) failuresLeft--;
      received.push({ path: req.url ?? "", key: String(req.headers["idempotency-key"]), body: JSON.parse(text), status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(req.url?.startsWith("/tg/") && status === 200 ? JSON.stringify({ ok: true, result: { message_id: received.length } }) : "ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await store?.close();
  await new Promise((r) => receiver?.close(r));
});

const channels = () => [
  slackChannel({ webhookUrl: `${receiverUrl}/slack/T000/B000/XXXX` }),
  telegramChannel({ botToken: "123456:TEST", chatId: -1001234567890, apiBase: `${receiverUrl}/tg` }),
  noticeWebhookChannel({ url: `${receiverUrl}/hook`, wallet: s.wallet }),
];

async function start(): Promise<ConsoleServer> {
  const server = await startConsole({
    store,
    publicClient: s.c.publicClient,
    wallet: s.wallet,
    fromBlock: s.fromBlock,
    pollIntervalMs: 200,
    channels: channels(),
    notifyBackoff: { baseMs: 300, maxMs: 1000 },
    labels: { [s.recipients.analysisAgent]: "analysis-agent-beta" },
  });
  await server.notificationsReady();
  return server;
}

/** Successful deliveries whose body has `text` (a kind for the JSON webhook, a title for the chats). */
const delivered = (...texts: string[]) => received.filter((r) => r.status === 200 && texts.some((t) => JSON.stringify(r.body).includes(t)));

describe("console notifications", () => {
  it("a receiver down for the first attempt gets each message exactly once after it comes back, and never again after a restart", async () => {
    let server = await start();
    failuresLeft = 3; // the first attempt on each of the three channels fails
    const hire = await s.agentClient().authorize({
      amount: "89.00",
      category: "agent_hire",
      recipient: s.recipients.analysisAgent,
      justification: "EURC liquidity analysis for MiCA compliance report",
    });
    await expect.poll(() => received.filter((r) => r.status === 200).length, { timeout: 30_000, interval: 100 }).toBe(3);
    expect(received.filter((r) => r.status === 503)).toHaveLength(3);

    const ok = received.filter((r) => r.status === 200);
    const slack = ok.find((r) => r.path.startsWith("/slack/"))!;
    const tg = ok.find((r) => r.path === "/tg/bot123456:TEST/sendMessage")!;
    const hook = ok.find((r) => r.path === "/hook")!;
    expect(slackMessage.safeParse(slack.body).success).toBe(true);
    expect(telegramSendMessage.safeParse(tg.body).success).toBe(true);
    expect(webhookNotice.safeParse(hook.body).success).toBe(true);
    const link = `${server.url}/intents/${hire.intentId}`;
    for (const r of [slack, tg]) {
      const text = JSON.stringify(r.body);
      for (const part of ["89.00 USDC", "procurement-agent-prod", "analysis-agent-beta", "collaborative", "Approve before", link]) expect(text).toContain(part);
    }
    expect(hook.body).toMatchObject({
      kind: "intent_queued",
      link,
      notice: { agent: "procurement-agent-prod", tier: "collaborative", details: { amount: "89.00", symbol: "USDC", recipientLabel: "analysis-agent-beta" } },
    });
    // the failed and the successful attempt carried the same idempotency key
    expect(new Set(received.filter((r) => r.path === "/hook").map((r) => r.key)).size).toBe(1);

    await server.close();
    server = await start();
    await s.agentClient().authorize({ amount: "10.00", category: "gambling", recipient: s.recipients.casino, justification: "feeling lucky" });
    await expect.poll(() => delivered('"blocked"', "Blocked payment attempt").length, { timeout: 30_000, interval: 100 }).toBe(3);
    await new Promise((r) => setTimeout(r, 1000));
    expect(delivered('"intent_queued"', "Payment waiting for the owners")).toHaveLength(3);
    expect(received.filter((r) => r.status === 200)).toHaveLength(6);
    await server.close();
  });
});
