/**
 * Names for what the chain only knows by address or id: agents (their id decoded as text), recipients and
 * tokens the policy file names (`recipients[].label`, `tokens.<SYMBOL>`), and the reference currency. Without a
 * policy, addresses stay addresses and token amounts use the decimals the wallet recorded for the token.
 */
import { getAddress, zeroAddress, type Address, type Hex } from "viem";
import type { Policy } from "../../policy/schema";
import type { WalletState } from "../model/state";
import { agentLabel } from "./format";

export interface Labels {
  /** the reference currency values are in (the policy's `reference.currency`; default USD) */
  readonly currency: string;
  agent(agentId: Hex): string;
  /** the policy's label for an address, or null */
  address(a: Address): string | null;
  /** a token's symbol (ETH for the zero address; the policy's name; else the address) and decimals when known */
  token(token: Address, state?: WalletState): { symbol: string; decimals?: number };
}

export interface LabelSource {
  policy?: Pick<Policy, "recipients" | "tokens" | "reference">;
  /** agent id -> name (default: the id decoded as text when printable) */
  agents?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** extra address labels (owners, guardians), lower-case or checksummed keys */
  addresses?: Readonly<Record<string, string>>;
}

const lookup = (m: LabelSource["agents"], k: string): string | undefined =>
  m instanceof Map ? m.get(k) : (m as Record<string, string> | undefined)?.[k];

export function createLabels(src: LabelSource = {}): Labels {
  const byAddress = new Map<string, string>();
  for (const [a, label] of Object.entries(src.addresses ?? {})) byAddress.set(a.toLowerCase(), label);
  for (const r of src.policy?.recipients ?? []) if (r.label) byAddress.set(r.address.toLowerCase(), r.label);
  const tokens = new Map<string, string>();
  for (const [symbol, t] of Object.entries(src.policy?.tokens ?? {})) tokens.set(t.address.toLowerCase(), symbol);
  return {
    currency: src.policy?.reference.currency ?? "USD",
    agent: (id) => lookup(src.agents, id) ?? lookup(src.agents, id.toLowerCase()) ?? agentLabel(id),
    address: (a) => byAddress.get(a.toLowerCase()) ?? null,
    token(token, state) {
      if (token.toLowerCase() === zeroAddress) return { symbol: "ETH", decimals: 18 };
      const decimals = state?.tokens.find((t) => t.token.toLowerCase() === token.toLowerCase())?.config.decimals;
      return { symbol: tokens.get(token.toLowerCase()) ?? getAddress(token), decimals };
    },
  };
}
