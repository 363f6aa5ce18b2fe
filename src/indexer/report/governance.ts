/**
 * The report's governance section, from the stored configuration and fund events alone: who changed what
 * (each owner action with its signers and a readable diff of the configuration before and after it), owners
 * and threshold, guardians, pauses and unpauses and who made them, session keys granted and revoked, and ETH
 * deposits and withdrawals of any token.
 */
import { formatUnits, zeroAddress, type Address, type Hex } from "viem";
import { decodeStoredLog } from "../model/state";
import type { StoredLog } from "../store/types";
import { describeChanges, type PolicyHistory } from "./history";
import { agentLabel, isoUtc } from "./format";
import type { Labels } from "./labels";

export interface GovernanceAction {
  at: number;
  atUtc: string;
  txHash: Hex;
  blockNumber: bigint;
  /** `owner action #n` (M-of-N signed), a single-owner call (pause, key revocation), `wallet deployment`, or an automatic trust promotion */
  action: string;
  /** owner-action nonce, null for a single-owner call */
  nonce: string | null;
  /** who authorised it: the owner action's signers, or the caller */
  signers: Address[];
  /** policy version after the transaction */
  policyVersion: number;
  /** readable changes, e.g. `set tier supervised maxValue 50.00 -> 40.00`, `grant key 0x.. to agent a` */
  changes: string[];
}

export interface FundMovement {
  kind: "deposit" | "withdrawal";
  at: number;
  atUtc: string;
  txHash: Hex;
  blockNumber: bigint;
  /** zero address: ETH */
  token: Address;
  /** the token's symbol when known (ETH, or the label the policy gives it), else its address */
  currency: string;
  /** smallest units */
  amount: bigint;
  /** in whole units, e.g. `250000.0` */
  amountFormatted: string;
  /** depositor or withdrawal recipient */
  counterparty: Address;
  counterpartyLabel: string | null;
}

export interface Governance {
  /** as of the end of the period */
  owners: { address: Address; label: string | null }[];
  threshold: number;
  guardians: { address: Address; label: string | null }[];
  paused: boolean;
  policyVersion: number;
  /** configuration transactions in the period, in chain order */
  actions: GovernanceAction[];
  pauses: { kind: "paused" | "unpaused"; by: Address[]; at: number; atUtc: string; txHash: Hex }[];
  /** session keys granted and revoked, and agents frozen (every key revoked, queued intents voided) and unfrozen */
  keys: {
    kind: "granted" | "revoked" | "agent frozen" | "agent unfrozen";
    agentId: Hex;
    agent: string;
    key: Address | null;
    validUntilUtc: string | null;
    by: Address[];
    at: number;
    atUtc: string;
    txHash: Hex;
  }[];
  funds: FundMovement[];
}

/** Events the governance section reads. */
export const GOVERNANCE_FUND_EVENTS = ["Deposited", "Withdrawn"] as const;

const inOrder = (a: StoredLog, b: StoredLog) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;

/**
 * Builds the governance section of `[from, to)` from a wallet's configuration and fund logs (chain order not
 * required) and its policy history.
 */
export function buildGovernance(opts: {
  logs: readonly StoredLog[];
  history: PolicyHistory;
  from: number;
  to: number;
  labels: Labels;
}): Governance {
  const { history, labels } = opts;
  const inPeriod = (l: StoredLog) => l.timestamp >= opts.from && l.timestamp < opts.to;
  const sorted = [...opts.logs].sort(inOrder);
  const byTx = new Map<string, StoredLog[]>();
  for (const l of sorted) {
    if (!inPeriod(l)) continue;
    const k = l.txHash.toLowerCase();
    byTx.set(k, [...(byTx.get(k) ?? []), l]);
  }

  const actions: GovernanceAction[] = [];
  const pauses: Governance["pauses"] = [];
  const keys: Governance["keys"] = [];
  const funds: FundMovement[] = [];
  for (const group of byTx.values()) {
    const first = group[0];
    const last = group[group.length - 1];
    const decoded = group.map((l) => ({ l, ...decodeStoredLog(l) }));
    const action = decoded.find((d) => d.eventName === "OwnerActionExecuted");
    const signers = action ? [...(action.args.signers as Address[])] : [];
    const changes: string[] = [];
    let single: Address | undefined;
    for (const d of decoded) {
      const a = d.args;
      const at = { at: d.l.timestamp, atUtc: isoUtc(d.l.timestamp), txHash: d.l.txHash };
      switch (d.eventName) {
        case "Paused":
          single = a.by as Address;
          pauses.push({ kind: "paused", by: action ? signers : [a.by as Address], ...at });
          changes.push("pause agent spending");
          break;
        case "Unpaused":
          pauses.push({ kind: "unpaused", by: signers, ...at });
          changes.push("unpause agent spending");
          break;
        case "SessionKeyGranted": {
          const agentId = a.agentId as Hex;
          keys.push({ kind: "granted", agentId, agent: labels.agent(agentId), key: a.key as Address, validUntilUtc: isoUtc(Number(a.validUntil)), by: signers, ...at });
          changes.push(`grant session key ${a.key} to agent ${labels.agent(agentId)} until ${isoUtc(Number(a.validUntil))}`);
          break;
        }
        case "SessionKeyRevoked": {
          const agentId = a.agentId as Hex;
          if (!action) single = a.by as Address;
          keys.push({ kind: "revoked", agentId, agent: labels.agent(agentId), key: a.key as Address, validUntilUtc: null, by: action ? signers : [a.by as Address], ...at });
          changes.push(`revoke session key ${a.key} of agent ${labels.agent(agentId)}`);
          break;
        }
        case "AgentFrozen": {
          const agentId = a.agentId as Hex;
          if (!action) single = a.by as Address;
          keys.push({ kind: "agent frozen", agentId, agent: labels.agent(agentId), key: null, validUntilUtc: null, by: action ? signers : [a.by as Address], ...at });
          changes.push(`freeze agent ${labels.agent(agentId)}: ${a.keysRevoked} keys revoked, ${a.intentsVoided} queued intents voided`);
          break;
        }
        case "AgentUnfrozen": {
          const agentId = a.agentId as Hex;
          keys.push({ kind: "agent unfrozen", agentId, agent: labels.agent(agentId), key: null, validUntilUtc: null, by: signers, ...at });
          changes.push(`unfreeze agent ${labels.agent(agentId)}`);
          break;
        }
        case "Deposited":
        case "Withdrawn": {
          const token = (d.eventName === "Deposited" ? zeroAddress : a.token) as Address;
          const amount = BigInt(a.amount as bigint);
          const counterparty = (d.eventName === "Deposited" ? a.from : a.to) as Address;
          const t = labels.token(token, history.at(d.l.blockNumber, d.l.logIndex).state);
          funds.push({
            kind: d.eventName === "Deposited" ? "deposit" : "withdrawal",
            ...at,
            blockNumber: d.l.blockNumber,
            token,
            currency: t.symbol,
            amount,
            amountFormatted: t.decimals === undefined ? amount.toString() : formatUnits(amount, t.decimals),
            counterparty,
            counterpartyLabel: labels.address(counterparty),
          });
          if (d.eventName === "Withdrawn") changes.push(`withdraw ${t.decimals === undefined ? amount : formatUnits(amount, t.decimals)} ${t.symbol} to ${counterparty}`);
          break;
        }
        default:
          break;
      }
    }
    if (decoded.every((d) => d.eventName === "Deposited")) continue; // a deposit is no governance act
    const before = history.at(first.blockNumber, first.logIndex - 1).state;
    const after = history.at(last.blockNumber, last.logIndex).state;
    changes.unshift(...describeChanges(before, after));
    actions.push({
      at: first.timestamp,
      atUtc: isoUtc(first.timestamp),
      txHash: first.txHash,
      blockNumber: first.blockNumber,
      action: action
        ? `owner action #${action.args.nonce}`
        : single
          ? `single-owner call by ${single}`
          : decoded.some((d) => d.eventName === "OwnerAdded")
            ? "wallet deployment"
            : decoded.every((d) => d.eventName === "RecipientTrustSet" && d.args.automatic)
              ? "automatic trust promotion (an approved payment)"
              : "call",
      nonce: action ? String(action.args.nonce) : null,
      signers: action ? signers : single ? [single] : [],
      policyVersion: after.policyVersion,
      changes,
    });
  }

  const endState = [...history.snapshots].reverse().find((s) => s.timestamp < opts.to)?.state ?? history.snapshots[0].state;
  const withLabel = (address: Address) => ({ address, label: labels.address(address) });
  const lastPause = sorted.filter((l) => (l.event === "Paused" || l.event === "Unpaused") && l.timestamp < opts.to).at(-1);
  return {
    owners: endState.owners.map(withLabel),
    threshold: endState.threshold,
    guardians: endState.guardians.map(withLabel),
    paused: lastPause?.event === "Paused",
    policyVersion: endState.policyVersion,
    actions,
    pauses,
    keys,
    funds,
  };
}
