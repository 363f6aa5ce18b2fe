/**
 * Turns an indexer alert into the notice the console sends: the token amount with its symbol, the recipient's
 * label, the deadline owners act by (the end of a supervised intent's veto window, a collaborative intent's
 * approval timeout) and the link to the intent's page.
 */
import { formatUnits, type Address } from "viem";
import type { Alert } from "../../indexer";
import { money, type ConsoleModel } from "../model";
import type { Notice } from "./notice";

export function noticeEnricher(model: ConsoleModel, consoleUrl: string): (a: Alert) => Promise<Notice> {
  const base = consoleUrl.replace(/\/+$/, "");
  return async (a) => {
    const d: Record<string, unknown> = { ...a.details };
    if (a.intentId) d.link = `${base}/intents/${a.intentId}`;
    if (a.recipient) d.recipientLabel = model.recipientLabel(a.recipient) ?? undefined;
    if (a.kind === "intent_queued" && typeof d.token === "string" && d.amount !== undefined) {
      const token = d.token as Address;
      const decimals = model.view.state().tokens.find((t) => t.token.toLowerCase() === token.toLowerCase())?.config.decimals;
      const meta = await model.chain.tokenMeta(token, decimals);
      d.amount = money(formatUnits(BigInt(String(d.amount)), meta.decimals));
      d.symbol = meta.symbol;
      if (a.tier === "supervised") Object.assign(d, { deadline: d.notBefore, deadlineLabel: "Veto window ends" });
      else Object.assign(d, { deadlineLabel: "Approve before" });
    }
    return { ...a, details: d } as Notice;
  };
}
