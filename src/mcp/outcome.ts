/** An agent's payment as an MCP tool reports it: one status word, a sentence for the model, and the facts. */
import type { Hex } from "viem";
import type { AuthorizeResult } from "../client/agent";
import type { Decision, Miss } from "../client/intents";
import { formatDecimal } from "../policy/units";

export type PaymentState = "executed" | "awaiting_veto_window" | "executable" | "awaiting_approval" | Exclude<Decision, "executed">;

export interface PaymentOutcome {
  status: PaymentState;
  /** one sentence for the model: what happened and what happens next */
  summary: string;
  intentId: Hex;
  tier: string;
  reason: string;
  /** reference currency (e.g. USD), decimal */
  value: string;
  /** ISO time: end of the veto window (supervised), or the approval deadline (collaborative) */
  until?: string;
  approvals?: { have: number; need: number };
  txHash?: Hex;
  auditId?: string;
  misses?: { tier: string; reason: string }[];
  /** true when the idempotency key already named this payment: nothing new was paid */
  replayed?: boolean;
}

export const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const missesOf = (m: Miss[]) => m.map((x) => ({ tier: x.tier, reason: x.reason }));

/** The outcome of a fresh `authorize`. */
export function outcomeOfPayment(r: AuthorizeResult, threshold: number): PaymentOutcome {
  const base = {
    intentId: r.intentId,
    tier: r.tier,
    reason: r.reason,
    value: formatDecimal(r.value),
    txHash: r.txHash,
    auditId: r.auditId,
    misses: missesOf(r.misses),
    ...(r.replayed ? { replayed: true } : {}),
  };
  switch (r.status) {
    case "executed":
      return { ...base, status: "executed", summary: `executed: paid ${base.value} (autonomous) in transaction ${r.txHash}` };
    case "awaiting_veto_window": {
      const until = iso(r.pending!.notBefore);
      return {
        ...base,
        status: "awaiting_veto_window",
        until,
        summary: `awaiting veto window until ${until}: an owner may veto it until then; after it, anyone may execute it (before ${iso(r.pending!.deadline)})`,
      };
    }
    case "awaiting_approval": {
      const until = iso(r.pending!.deadline);
      return {
        ...base,
        status: "awaiting_approval",
        until,
        approvals: { have: 0, need: threshold },
        summary: `awaiting approval 0 of ${threshold} until ${until}: owners must approve it; it is not paid before`,
      };
    }
    default:
      return { ...base, status: "blocked", summary: `blocked: ${r.reason}; nothing was paid (the attempt is recorded on-chain)` };
  }
}
