/**
 * What an owner action would change, against the wallet as the store knows it now: one "before -> after" line
 * per changed setting, computed from the signed calls (decoded with the wallet's ABI) and the current state, so
 * an owner reviewing a policy change sees the difference and not only the new values. Calls the console has no
 * current value for are described by the summary alone.
 */
import { decodeFunctionData, formatUnits, type Address, type Hex } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { TRUST_NAMES, type WalletState } from "../indexer";

const TIERS = ["autonomous", "supervised", "collaborative", "prohibited"];
const REF_DECIMALS = 6;
const ref = (x: bigint) => formatUnits(x, REF_DECIMALS);
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function categoryNames(mask: bigint, state: WalletState): string {
  const names: string[] = [];
  for (let i = 0; i < 64; i++) if ((mask >> BigInt(i)) & 1n) names.push(state.categories.find((c) => c.id === i)?.label ?? `#${i}`);
  return names.length ? names.join(", ") : "none";
}

/** One line per changed field: "field: before -> after" (nothing when a call sets what is already there). */
function fields(prefix: string, before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after)
    .filter((k) => before[k] !== after[k])
    .map((k) => `${prefix}${k}: ${before[k] ?? "unset"} -> ${after[k]}`);
}

/** The changes one call makes to `state` (and applies them to it, so later calls of the action compare right). */
function changesOf(data: Hex, state: WalletState): string[] {
  let d: { functionName: string; args?: readonly unknown[] };
  try {
    d = decodeFunctionData({ abi: tierGuardWalletAbi, data }) as typeof d;
  } catch {
    return [];
  }
  const a = (d.args ?? []) as readonly unknown[];
  switch (d.functionName) {
    case "unpause":
      return [`paused: ${state.paused ? "yes" : "no"} -> no`];
    case "setThreshold": {
      const line = `owner threshold: ${state.threshold} of ${state.owners.length} -> ${a[0]} of ${state.owners.length}`;
      state.threshold = Number(a[0]);
      return [line];
    }
    case "addOwner":
    case "removeOwner": {
      const add = d.functionName === "addOwner";
      const n = state.owners.length;
      const owner = a[0] as Address;
      state.owners = add ? [...state.owners, owner] : state.owners.filter((o) => !same(o, owner));
      return [`owners: ${n} -> ${state.owners.length} (${add ? "adds" : "removes"} ${owner}); threshold ${state.threshold}`];
    }
    case "setGuardian": {
      const g = a[0] as Address;
      const was = state.guardians.some((x) => same(x, g));
      return [`guardian ${g}: ${was ? "yes" : "no"} -> ${a[1] ? "yes" : "no"}`];
    }
    case "setRecipientTrust": {
      const r = a[0] as Address;
      const now = state.recipients.find((x) => same(x.recipient, r))?.trust ?? 0;
      return [`recipient ${r} trust: ${TRUST_NAMES[now]} -> ${TRUST_NAMES[Number(a[1])]}`];
    }
    case "setTierRules": {
      const tier = Number(a[0]);
      const next = a[1] as { categories: bigint; maxValue: bigint; maxCount: number; period: number; window: number; grace: number; minTrust: number };
      const cur = state.tierRules[tier];
      const show = (r: typeof next) => ({
        "max per intent": ref(BigInt(r.maxValue)),
        categories: categoryNames(BigInt(r.categories), state),
        "min trust": TRUST_NAMES[Number(r.minTrust)] ?? String(r.minTrust),
        frequency: Number(r.period) > 0 ? `${r.maxCount} per ${r.period}s` : "no limit",
        window: `${r.window}s`,
        grace: `${r.grace}s`,
      });
      return fields(`${TIERS[tier]} `, cur ? show(cur as typeof next) : {}, show(next));
    }
    case "setBudget": {
      const tier = Number(a[0]);
      const cur = state.budgets[tier];
      const show = (max: bigint, period: number) => (max > 0n ? `${ref(max)} per ${period}s` : "no budget");
      return [`${TIERS[tier]} budget: ${cur ? show(cur.max, cur.period) : "unset"} -> ${show(BigInt(a[1] as bigint), Number(a[2]))}`];
    }
    case "setProhibitions":
      return [`prohibited categories: ${categoryNames(state.prohibitions.categories, state)} -> ${categoryNames(BigInt(a[0] as bigint), state)}`];
    case "grantSessionKey":
    case "revokeSessionKey": {
      const key = a[0] as Address;
      const has = state.sessionKeys.some((k) => same(k.key, key));
      return [`session key ${key}: ${has ? "granted" : "none"} -> ${d.functionName === "grantSessionKey" ? "granted" : "revoked"}`];
    }
    default:
      return [];
  }
}

/** Every change the action's calls make, in order, against a copy of `state`. */
export function actionChanges(calls: readonly Hex[], state: WalletState): string[] {
  const copy: WalletState = { ...state, owners: [...state.owners] };
  return calls.flatMap((c) => changesOf(c, copy));
}
