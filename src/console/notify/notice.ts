/**
 * What a chat message is made of: the fields of an indexer alert (kind, intent, agent, tier, recipient,
 * category, value, who acted, justification, where it happened) plus what only the console knows: the
 * recipient's label, the deadline owners have to act by, and the link to the intent's page.
 */
import type { Address, Hex } from "viem";

export interface Notice {
  /** stable per alert: receivers may use it to drop a message they already have */
  key: string;
  /** e.g. intent_queued, blocked, vetoed, paused, unpaused, policy_changed, budget_threshold, retracted */
  kind: string;
  severity?: string;
  intentId: Hex | null;
  agent: string | null;
  tier: string | null;
  recipient: Address | null;
  category: string | null;
  /** reference units, decimal string */
  value: string | null;
  reason: string | null;
  by: string | null;
  justification: string | null;
  details: Record<string, unknown>;
  txHash: Hex;
  timestamp: number;
  message: string;
}

export interface NoticeContext {
  /** the console's base URL as owners reach it (links to intent pages); none: no links */
  consoleUrl?: string;
  /** reference currency code (default USD) */
  currency?: string;
  /** recipient label by address */
  label?: (a: Address) => string | null | undefined;
}

export interface NoticeFacts {
  title: string;
  /** label / value pairs, in display order, only those that apply */
  facts: [string, string][];
  /** the intent page, when there is one and a console URL */
  link: string | null;
  /** the deadline owners act by (unix seconds), for queued intents */
  deadline: number | null;
  justification: string | null;
}

const TITLES: Record<string, string> = {
  intent_queued: "Payment waiting for the owners",
  blocked: "Blocked payment attempt",
  vetoed: "Payment vetoed",
  withdrawal: "Withdrawal",
  paused: "Wallet paused",
  unpaused: "Wallet unpaused",
  policy_changed: "Policy changed",
  budget_threshold: "Budget threshold reached",
  retracted: "Earlier alert withdrawn (chain reorganisation)",
};

const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
const num = (v: unknown): number | null => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : null);
const money = (v: string) => {
  const [w, f = ""] = v.split(".");
  return `${w}.${f.replace(/0+$/, "").padEnd(2, "0")}`;
};

/** The facts every channel shows, from one notice. */
export function noticeFacts(n: Notice, ctx: NoticeContext = {}): NoticeFacts {
  const d = n.details;
  const deadline = num(d.deadline);
  const facts: [string, string][] = [];
  const amount = typeof d.amount === "string" && typeof d.symbol === "string" ? `${d.amount} ${d.symbol}` : null;
  if (amount || n.value) facts.push(["Amount", [amount, n.value ? `${money(n.value)} ${ctx.currency ?? "USD"}` : null].filter(Boolean).join(" · ")]);
  if (n.agent) facts.push(["Agent", n.agent]);
  if (n.recipient) {
    const label = ctx.label?.(n.recipient) ?? (typeof d.recipientLabel === "string" ? d.recipientLabel : null);
    facts.push(["Recipient", label ? `${label} (${n.recipient})` : n.recipient]);
  }
  if (n.tier) facts.push(["Tier", n.tier]);
  if (n.category) facts.push(["Category", n.category]);
  if (deadline !== null) facts.push([typeof d.deadlineLabel === "string" ? d.deadlineLabel : "Deadline", iso(deadline)]);
  if (n.reason) facts.push(["Reason", n.reason]);
  if (n.by) facts.push(["By", n.by]);
  const link =
    typeof d.link === "string" ? d.link : n.intentId && ctx.consoleUrl ? `${ctx.consoleUrl.replace(/\/+$/, "")}/intents/${n.intentId}` : null;
  return {
    title: TITLES[n.kind] ?? n.kind,
    facts: facts.length > 0 ? facts : [["What", n.message]],
    link,
    deadline,
    justification: n.justification,
  };
}
