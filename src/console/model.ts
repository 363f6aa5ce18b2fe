/**
 * The console's data, shaped once for both the JSON API and the server-rendered pages: the queue, the wallet,
 * the activity and one intent's lifecycle. Amounts are formatted strings next to their raw values; times are
 * unix seconds on the chain's clock (countdowns run on it, not on the browser's).
 */
import { formatUnits, type Address, type Hex } from "viem";
import { agentLabel, formatReferenceUnits, TRUST_NAMES, type IntentTrail } from "../indexer";
import { auditIdFor, type TierName } from "../client/intents";
import type { ChainReader, ChainSnapshot } from "./chain";
import type { ConsoleView, ActivityItem } from "./view";
import type { SignatureBook } from "./signatures";

export type Role = "owner" | "guardian" | "none";
export type ActionName = "approve" | "reject" | "veto" | "execute" | "expire" | "submit";

/** Who may take each action (the contract enforces the same; the page only hides what would revert). */
export const ACTION_ROLES: Record<ActionName | "pause", Role[]> = {
  approve: ["owner"],
  reject: ["owner"],
  veto: ["owner", "guardian"],
  execute: ["owner", "guardian"],
  expire: ["owner", "guardian"],
  submit: ["owner", "guardian"],
  pause: ["owner", "guardian"],
};

export interface Labels {
  /** lowercase address -> label */
  recipients: Map<string, string>;
}

export interface ApprovalBy {
  owner: Address;
  via: "chain" | "signature";
  at?: number;
}

export interface QueueItem {
  intentId: Hex;
  auditId: string;
  agentId: Hex;
  agent: string;
  tier: TierName;
  status: string;
  token: Address;
  symbol: string;
  amount: string;
  amountRaw: bigint;
  /** value in the reference currency */
  value: string;
  currency: string;
  recipient: Address;
  recipientLabel: string | null;
  recipientTrust: string;
  category: number;
  categoryName: string;
  justification: string;
  policyVersion: number;
  /** why it got its tier */
  why: string;
  submittedAt: number;
  notBefore: number;
  deadline: number;
  /** what the countdown counts to */
  countdown: { label: string; until: number } | null;
  approvals: { count: number; threshold: number; by: ApprovalBy[] };
  /** actions that the intent admits now (the page shows those the connected address's role may take) */
  actions: ActionName[];
  txHash: Hex;
}

const TIER_RULE_NAMES = ["autonomous", "supervised", "collaborative"] as const;

/** A decimal amount with at least two decimals and no trailing zeros beyond them: "89" -> "89.00", "0.020000" -> "0.02". */
export function money(s: string): string {
  const [w, f = ""] = s.split(".");
  return `${w}.${f.replace(/0+$/, "").padEnd(2, "0")}`;
}

/** The chain's time now, from the last head read plus the time since it was read. */
export const chainNow = (chain: ChainSnapshot): number =>
  chain.headTime === null ? Math.floor(Date.now() / 1000) : chain.headTime + Math.floor((Date.now() - chain.headSeenAt) / 1000);

function whyText(t: IntentTrail): string {
  const s = t.submitted!;
  const misses = s.misses.map((m) => `not ${m.tier}: ${m.reason}`);
  const head =
    s.reason === "Matched"
      ? `matched the ${s.tier} tier's conditions`
      : `${s.reason}: went to ${s.tier}${s.reason === "NoTierMatched" ? " (the policy's tier for unmatched intents)" : ""}`;
  return [head, ...misses].join("; ");
}

export class ConsoleModel {
  constructor(
    readonly view: ConsoleView,
    readonly chain: ChainReader,
    readonly signatures: SignatureBook,
    readonly labels: Labels,
    readonly currency = "USD",
  ) {}

  async snapshot(): Promise<ChainSnapshot> {
    const state = this.view.state();
    return this.chain.snapshot(state.tokens.map((t) => ({ token: t.token, decimals: t.config.decimals })));
  }

  roleOf(address: string | undefined | null): Role {
    if (!address) return "none";
    const a = address.toLowerCase();
    const s = this.view.state();
    if (s.owners.some((o) => o.toLowerCase() === a)) return "owner";
    if (s.guardians.some((g) => g.toLowerCase() === a)) return "guardian";
    return "none";
  }

  recipientLabel(a: Address): string | null {
    return this.labels.recipients.get(a.toLowerCase()) ?? null;
  }

  trustOf(a: Address): string {
    const r = this.view.state().recipients.find((x) => x.recipient.toLowerCase() === a.toLowerCase());
    return TRUST_NAMES[r?.trust ?? 0] ?? "Unknown";
  }

  /** Approvals that count: on-chain ones from the trail plus signatures collected for a waiting intent. */
  approvalsOf(t: IntentTrail): { count: number; threshold: number; by: ApprovalBy[] } {
    const by: ApprovalBy[] = t.approvals.filter((a) => !a.voided).map((a) => ({ owner: a.owner, via: "chain" as const, at: a.timestamp }));
    if (!t.decided) {
      const owners = new Set(this.view.state().owners.map((o) => o.toLowerCase()));
      for (const s of this.signatures.forIntent(t.intentId)) {
        if (!owners.has(s.signer.toLowerCase())) continue;
        if (by.some((b) => b.owner.toLowerCase() === s.signer.toLowerCase())) continue;
        by.push({ owner: s.signer, via: "signature", at: s.receivedAt });
      }
    }
    return { count: by.length, threshold: this.view.state().threshold, by };
  }

  private actionsFor(t: IntentTrail, now: number, approvals: number, threshold: number): ActionName[] {
    const p = t.pending;
    if (t.decided || !p) return [];
    if (t.tier === "supervised") {
      if (now < p.notBefore) return ["veto"];
      if (now < p.deadline) return ["execute"];
      return ["expire"];
    }
    if (now >= p.deadline) return ["expire"];
    return approvals >= threshold ? ["submit", "reject"] : ["approve", "reject"];
  }

  async item(t: IntentTrail, chain: ChainSnapshot): Promise<QueueItem> {
    const s = t.submitted!;
    const state = this.view.state();
    const decimals = state.tokens.find((x) => x.token.toLowerCase() === s.token.toLowerCase())?.config.decimals;
    const meta = await this.chain.tokenMeta(s.token, decimals);
    const now = chainNow(chain);
    const approvals = this.approvalsOf(t);
    let countdown: QueueItem["countdown"] = null;
    if (!t.decided && t.pending) {
      if (t.tier === "supervised") {
        countdown =
          now < s.notBefore
            ? { label: "veto window ends", until: s.notBefore }
            : { label: "goes stale", until: s.deadline };
      } else countdown = { label: "approval timeout", until: s.deadline };
    }
    return {
      intentId: t.intentId,
      auditId: auditIdFor(t.intentId, s.timestamp),
      agentId: t.agentId,
      agent: agentLabel(t.agentId),
      tier: s.tier,
      status: t.status ?? "unknown",
      token: s.token,
      symbol: meta.symbol,
      amount: money(formatUnits(s.amount, meta.decimals)),
      amountRaw: s.amount,
      value: money(formatReferenceUnits(s.value)),
      currency: this.currency,
      recipient: s.recipient,
      recipientLabel: this.recipientLabel(s.recipient),
      recipientTrust: this.trustOf(s.recipient),
      category: s.category,
      categoryName: this.view.categoryName(s.category),
      justification: s.justification,
      policyVersion: s.policyVersion,
      why: whyText(t),
      submittedAt: s.timestamp,
      notBefore: s.notBefore,
      deadline: s.deadline,
      countdown,
      approvals,
      actions: this.actionsFor(t, now, approvals.count, approvals.threshold),
      txHash: s.txHash,
    };
  }

  private queueCache: { version: number; validUntil: number; items: Promise<QueueItem[]> } | undefined;

  /**
   * Every waiting intent, the soonest deadline first. The items are rebuilt only when the view changes (a new
   * range, a collected signature) or the chain's clock passes one of their deadlines (which changes the actions
   * they admit); between those, every request gets the same array (pages and the API cache what they render
   * from it).
   */
  async queue(): Promise<{ now: number; items: QueueItem[] }> {
    const chain = await this.snapshot();
    const now = chainNow(chain);
    const c = this.queueCache;
    if (!c || c.version !== this.view.version || now >= c.validUntil) {
      const entry = { version: this.view.version, validUntil: Number.POSITIVE_INFINITY, items: this.buildQueue(chain) };
      entry.items.then(
        (items) => {
          for (const i of items) if (i.countdown && i.countdown.until > now) entry.validUntil = Math.min(entry.validUntil, i.countdown.until);
        },
        () => {
          entry.validUntil = 0;
        },
      );
      this.queueCache = entry;
    }
    return { now, items: await this.queueCache!.items };
  }

  private async buildQueue(chain: ChainSnapshot): Promise<QueueItem[]> {
    const items = await Promise.all(this.view.waiting().filter((t) => t.submitted).map((t) => this.item(t, chain)));
    items.sort((a, b) => (a.countdown?.until ?? 0) - (b.countdown?.until ?? 0));
    return items;
  }

  async intent(intentId: Hex) {
    const trail = await this.view.trail(intentId);
    if (!trail) return undefined;
    const chain = await this.snapshot();
    return {
      now: chainNow(chain),
      item: trail.submitted ? await this.item(trail, chain) : null,
      trail,
    };
  }

  async wallet() {
    const chain = await this.snapshot();
    const s = this.view.state();
    const now = chainNow(chain);
    return {
      wallet: this.view.wallet,
      paused: s.paused,
      threshold: s.threshold,
      owners: s.owners,
      guardians: s.guardians,
      policyVersion: s.policyVersion,
      balances: chain.balances.map((b) => ({ ...b, formatted: formatUnits(b.balance, b.decimals) })),
      budgets: chain.budgets.map((b) => ({
        ...b,
        maxFormatted: money(formatReferenceUnits(b.max)),
        spentFormatted: money(formatReferenceUnits(b.spent)),
        windowEnds: b.period > 0 ? b.windowStart + b.period : null,
      })),
      rules: TIER_RULE_NAMES.map((tier, i) => {
        const r = s.tierRules[i];
        return {
          tier,
          maxValue: money(formatReferenceUnits(r.maxValue)),
          categories: s.categories.filter((c) => (r.categories >> BigInt(c.id)) & 1n).map((c) => c.label),
          minTrust: TRUST_NAMES[r.minTrust] ?? String(r.minTrust),
          frequency: r.maxCount > 0 ? { max: r.maxCount, per: r.period } : null,
          window: r.window,
          grace: r.grace,
        };
      }),
      agents: groupKeys(s.sessionKeys, now),
      recipients: s.recipients.map((r) => ({
        recipient: r.recipient,
        label: this.recipientLabel(r.recipient),
        trust: TRUST_NAMES[r.trust] ?? String(r.trust),
      })),
      categories: s.categories.map((c) => ({ id: c.id, name: c.label })),
      history: this.view.history().slice(0, 200),
      counters: this.view.counters,
    };
  }

  activity(limit = 100): (ActivityItem & { label: string | null })[] {
    return this.view.activity(limit).map((a) => ({ ...a, label: a.by ? this.ownerLabel(a.by) : null }));
  }

  ownerLabel(a: Address): string | null {
    const s = this.view.state();
    const i = s.owners.findIndex((o) => o.toLowerCase() === a.toLowerCase());
    if (i >= 0) return `owner ${i + 1}`;
    if (s.guardians.some((g) => g.toLowerCase() === a.toLowerCase())) return "guardian";
    return null;
  }
}

function groupKeys(keys: { key: Address; agentId: Hex; validUntil: number }[], now: number) {
  const agents = new Map<string, { agentId: Hex; agent: string; keys: { key: Address; validUntil: number; expired: boolean }[] }>();
  for (const k of keys) {
    const id = k.agentId.toLowerCase();
    if (!agents.has(id)) agents.set(id, { agentId: k.agentId, agent: agentLabel(k.agentId), keys: [] });
    agents.get(id)!.keys.push({ key: k.key, validUntil: k.validUntil, expired: k.validUntil <= now });
  }
  return [...agents.values()];
}
