/**
 * The `x402_fetch` MCP tool: fetches a URL and, when the API answers 402 (x402), pays it from the TierGuard wallet
 * through its tiers (`tierguard/x402`). A queued payment is reported as pending with when to call again; calling
 * again with the same URL after the owners let it through completes it with the same authorization.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { AgentClientConfig } from "../client/agent";
import { createX402Fetch, type X402FetchResult } from "../x402/fetch";

/** The most of a response body returned to the model. */
const MAX_BODY_CHARS = 64_000;

type Reply = { isError?: boolean; content: { type: "text"; text: string }[] };

async function bodyOf(res: Response): Promise<{ body: string; truncated: boolean }> {
  const text = await res.text();
  return { body: text.slice(0, MAX_BODY_CHARS), truncated: text.length > MAX_BODY_CHARS };
}

async function describe(r: X402FetchResult): Promise<[string, Record<string, unknown>]> {
  switch (r.status) {
    case "ok": {
      const { body, truncated } = await bodyOf(r.response);
      const paid = r.payment ? ` after paying (${r.payment.tier}, intent ${r.payment.intentId}, tx ${r.payment.transaction})` : "";
      return [`HTTP ${r.response.status}${paid}`, { status: "ok", httpStatus: r.response.status, payment: r.payment, body, truncated }];
    }
    case "pending":
      return [
        `payment ${r.intentId} is ${r.tier === "supervised" ? `in its veto window until ${r.until.toISOString()}` : `awaiting the owners' approval (until ${r.until.toISOString()} at the latest)`}; call x402_fetch again with the same url after that`,
        { status: "pending", intentId: r.intentId, tier: r.tier, until: r.until.toISOString() },
      ];
    case "refused":
      return [`refused: ${r.reason}; nothing was paid`, { status: "refused", reason: r.reason, intentId: r.intentId }];
    case "failed": {
      const { body } = await bodyOf(r.response);
      return [`the API still answered HTTP ${r.response.status} after the payment was authorized`, { status: "failed", httpStatus: r.response.status, intentId: r.intentId, error: r.error, body }];
    }
  }
}

/** Registers `x402_fetch` on `server`; `tiers` is the wallet's rules in words (as the other tools show them). */
export function registerX402FetchTool(
  server: McpServer,
  options: AgentClientConfig,
  tiers: string,
  reply: (summary: string, facts: unknown) => Reply,
  failure: (e: unknown) => Reply,
) {
  const x402Fetch = createX402Fetch({
    publicClient: options.publicClient,
    walletClient: options.walletClient,
    wallet: options.wallet,
    categories: options.categories,
    retry: options.retry,
  });
  server.registerTool(
    "x402_fetch",
    {
      title: "Fetch a URL, paying x402 through the TierGuard wallet",
      description: `Fetches an HTTP(S) URL. If the API asks for payment (HTTP 402, x402 \`exact\` scheme, an EIP-3009 token such as USDC), the TierGuard wallet pays it through its tiers: autonomous payments go through at once and you get the response; supervised and collaborative ones return status pending with the intent id and a time: call x402_fetch again with the same url after it (the owners decide; you cannot approve it yourself); prohibited ones are refused with the reason. The payment is classified under \`category\` with your \`justification\`, like \`pay\`.\n${tiers}`,
      inputSchema: {
        url: z.string().url().describe("the http(s) URL to fetch"),
        method: z.enum(["GET", "POST"]).default("GET").describe("HTTP method"),
        body: z.string().optional().describe("request body (POST), sent as is"),
        contentType: z.string().optional().describe("the body's content type, e.g. application/json"),
        category: z.string().describe("the payment's category name if the API asks for payment, e.g. api_calls"),
        justification: z.string().describe("why this paid call is needed (recorded on-chain, at most 512 bytes)"),
      },
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    async ({ url, method, body, contentType, category, justification }) => {
      try {
        if (!/^https?:\/\//i.test(url)) throw new Error(`only http(s) URLs can be fetched, not ${url}`);
        const init: RequestInit = { method, body, headers: contentType ? { "content-type": contentType } : undefined };
        const [summary, facts] = await describe(await x402Fetch(url, init, { category, justification }));
        return reply(summary, facts);
      } catch (e) {
        return failure(e);
      }
    },
  );
}
