/**
 * The planner: reads a wallet's live configuration, compares it with a policy's target configuration and
 * returns the self-calls that make the wallet match, in an order the contract accepts, with one
 * human-readable line per change. Applying the calls is one owner action (M-of-N signatures), which the
 * owner client signs and submits.
 */
import {
  encodeFunctionData,
  getAddress,
  hexToString,
  zeroAddress,
  type Address,
  type Client,
  type ContractFunctionName,
  type EncodeFunctionDataParameters,
  type Hex,
} from "viem";
import { getCode, getContractEvents, readContract } from "viem/actions";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import {
  compilePolicy,
  PriceKind,
  TIER_ID,
  TRUST_NAME_OF,
  Trust,
  type BudgetConfig,
  type CategoryConfig,
  type TierRules,
  type TokenSetting,
  type WalletConfig,
} from "./compile";
import { PolicyError, RULED_TIER_NAMES, type Policy, type PolicyProblem, type RuledTierName } from "./schema";
import { formatDecimal, formatDuration, PRICE_DECIMALS } from "./units";

export interface PolicyPlan {
  /** encoded self-calls for `ownerAction(calls, deadline, signatures)`, in the order they must run */
  calls: Hex[];
  /** what changes, one line per call (e.g. `set tier supervised maxValue 40.00 -> 50.00`) */
  changes: string[];
  /** true when the wallet already matches the policy */
  empty: boolean;
}

/** Says what removing a category does to history; shared by the plan line and the refusal. */
const removalEffect = (c: CategoryConfig) =>
  `id ${c.id} is retired, not renumbered: intents recorded under it keep the name "${c.name}" in audit records, ` +
  `and agents can no longer submit it`;

type WalletAbi = typeof tierGuardWalletAbi;
/** One encoded self-call, type-checked against the wallet's ABI. */
const encode = <F extends ContractFunctionName<WalletAbi>>(call: Omit<EncodeFunctionDataParameters<WalletAbi, F>, "abi">): Hex =>
  encodeFunctionData({ abi: tierGuardWalletAbi, ...call } as never);

/*//////////////////////////////////////////////////////////////
                            READING
//////////////////////////////////////////////////////////////*/

/** Reads a wallet's configuration in the same shape as `compilePolicy` produces. */
export async function readWalletConfig(client: Client, wallet: Address): Promise<WalletConfig> {
  const c = { address: wallet, abi: tierGuardWalletAbi } as const;
  const [settings, owners, tokenList, recipientList, rules, budgets] = await Promise.all([
    readContract(client, { ...c, functionName: "settings" }),
    readContract(client, { ...c, functionName: "owners" }),
    readContract(client, { ...c, functionName: "tokens" }),
    readContract(client, { ...c, functionName: "recipientList" }),
    Promise.all(RULED_TIER_NAMES.map((t) => readContract(client, { ...c, functionName: "tierRules", args: [TIER_ID[t]] }))),
    Promise.all(RULED_TIER_NAMES.map((t) => readContract(client, { ...c, functionName: "budget", args: [TIER_ID[t]] }))),
  ]);
  const ids: number[] = [];
  for (let i = 0; i < 64; i++) if ((settings.categories >> BigInt(i)) & 1n) ids.push(i);
  const [names, tokenConfigs, trusts] = await Promise.all([
    Promise.all(ids.map((i) => readContract(client, { ...c, functionName: "categoryName", args: [i] }))),
    Promise.all(tokenList.map((t) => readContract(client, { ...c, functionName: "tokenConfig", args: [t] }))),
    Promise.all(recipientList.map((r) => readContract(client, { ...c, functionName: "recipientTrust", args: [r] }))),
  ]);
  const byTier = <T>(list: readonly T[]) =>
    Object.fromEntries(RULED_TIER_NAMES.map((t, i) => [t, list[i]])) as Record<RuledTierName, T>;
  return {
    owners: owners.map((o) => getAddress(o)),
    threshold: settings.threshold,
    categories: ids.map((id, i) => ({ id, name: hexToString(names[i], { size: 32 }), name32: names[i] })),
    tiers: byTier(
      rules.map((r) => ({
        categories: r.categories,
        maxValue: r.maxValue,
        maxCount: r.maxCount,
        period: r.period,
        window: r.window,
        grace: r.grace,
        minTrust: r.minTrust,
      })),
    ),
    budgets: byTier(budgets.map((b) => ({ max: b.max, period: b.period }))),
    prohibitions: { categories: settings.prohibitedCategories, trustMask: settings.prohibitedTrust },
    unmatchedTier: settings.unmatchedTier,
    autoPromote: settings.autoPromote,
    maxOpenIntents: settings.maxOpenIntents,
    maxBlockedAttempts: settings.maxBlockedAttempts,
    tokens: tokenList.map((address, i) => ({
      address: getAddress(address),
      kind: tokenConfigs[i].kind,
      source: tokenConfigs[i].source,
      maxStaleness: tokenConfigs[i].maxStaleness,
    })),
    recipients: recipientList.map((address, i) => ({ address: getAddress(address), trust: trusts[i] })),
  };
}

/*//////////////////////////////////////////////////////////////
                            DIFFING
//////////////////////////////////////////////////////////////*/

const TIER_NAME_OF = ["autonomous", "supervised", "collaborative", "prohibited"] as const;

function maskNames(mask: bigint, categories: CategoryConfig[]): string {
  const names: string[] = [];
  for (let i = 0; i < 64; i++) {
    if ((mask >> BigInt(i)) & 1n) names.push(categories.find((c) => c.id === i)?.name ?? `#${i}`);
  }
  return `[${names.join(", ")}]`;
}

const trustMaskNames = (mask: number) =>
  `[${TRUST_NAME_OF.slice(0, 3).filter((_, i) => (mask >> i) & 1).join(", ")}]`;

function describeToken(t: TokenSetting): string {
  if (t.kind === PriceKind.Fixed) return `fixed ${formatDecimal(t.source, PRICE_DECIMALS)}`;
  if (t.kind === PriceKind.Feed) {
    return `feed ${getAddress(`0x${t.source.toString(16).padStart(40, "0")}`)} maxStaleness ${formatDuration(t.maxStaleness)}`;
  }
  return `kind ${t.kind}`;
}

const describeBudget = (b: BudgetConfig) => (b.max === 0n ? "none" : `${formatDecimal(b.max)} per ${formatDuration(b.period)}`);

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The calls (and change lines) that turn `current` into `target`. Pure. Order:
 * owners (adds, then removes; threshold before the removes when it goes down, after them when it goes up) ->
 * categories defined/renamed -> tier rules and prohibitions (a category may not be allowed and prohibited at
 * once, so prohibitions that a tier will take over are lifted first) -> categories no longer listed removed ->
 * budgets -> unmatched tier -> auto-promotion -> tokens -> recipients.
 */
export function diffConfig(current: WalletConfig, target: WalletConfig): PolicyPlan {
  const calls: Hex[] = [];
  const changes: string[] = [];
  const push = (call: Hex, change: string) => {
    calls.push(call);
    changes.push(change);
  };

  // --- owners and threshold
  if (target.owners && target.threshold !== undefined) {
    const cur = current.owners ?? [];
    const curT = current.threshold ?? 0;
    const adds = target.owners.filter((o) => !cur.some((c) => sameAddress(c, o)));
    const removes = cur.filter((c) => !target.owners!.some((o) => sameAddress(c, o)));
    for (const o of adds) push(encode({ functionName: "addOwner", args: [o] }), `add owner ${o}`);
    const setThreshold = () =>
      push(encode({ functionName: "setThreshold", args: [target.threshold!] }), `set threshold ${curT} -> ${target.threshold}`);
    if (target.threshold < curT) setThreshold();
    for (const o of removes) push(encode({ functionName: "removeOwner", args: [o] }), `remove owner ${o}`);
    if (target.threshold > curT) setThreshold();
  }

  // --- guardians (only when the policy lists them)
  if (target.guardians && current.guardians) {
    for (const g of target.guardians.filter((x) => !current.guardians!.some((c) => sameAddress(c, x)))) {
      push(encode({ functionName: "setGuardian", args: [g, true] }), `add guardian ${g}`);
    }
    for (const g of current.guardians.filter((c) => !target.guardians!.some((x) => sameAddress(c, x)))) {
      push(encode({ functionName: "setGuardian", args: [g, false] }), `remove guardian ${g}`);
    }
  }

  // --- categories: define new ones and renames
  for (const t of target.categories) {
    const c = current.categories.find((x) => x.id === t.id);
    if (c && c.name32.toLowerCase() === t.name32.toLowerCase()) continue;
    push(
      encode({ functionName: "defineCategory", args: [t.id, t.name32] }),
      c ? `rename category ${t.id} ${c.name} -> ${t.name}` : `define category ${t.id} ${t.name}`,
    );
  }

  // --- tier rules and prohibitions
  const changedTiers = RULED_TIER_NAMES.filter((t) => {
    const [a, b] = [current.tiers[t], target.tiers[t]];
    return (Object.keys(b) as (keyof TierRules)[]).some((k) => a[k] !== b[k]);
  });
  const curP = current.prohibitions;
  const tgtP = target.prohibitions;
  const incoming = changedTiers.reduce((m, t) => m | target.tiers[t].categories, 0n);
  let setP = curP;
  if ((incoming & curP.categories & ~tgtP.categories) !== 0n) {
    // Lift the prohibitions that a tier takes over before setting that tier.
    setP = { categories: curP.categories & tgtP.categories, trustMask: tgtP.trustMask };
    push(
      encode({ functionName: "setProhibitions", args: [setP.categories, setP.trustMask] }),
      `lift prohibition of ${maskNames(curP.categories & ~tgtP.categories, current.categories)} before the tiers change`,
    );
  }
  for (const t of changedTiers) {
    const [a, b] = [current.tiers[t], target.tiers[t]];
    const diffs: string[] = [];
    const field = (name: string, from: string, to: string) => from !== to && diffs.push(`${name} ${from} -> ${to}`);
    field("categories", maskNames(a.categories, current.categories), maskNames(b.categories, target.categories));
    if (a.categories !== b.categories && diffs.length === 0) diffs.push(`categories ${a.categories} -> ${b.categories}`);
    field("maxValue", formatDecimal(a.maxValue), formatDecimal(b.maxValue));
    field("minTrust", TRUST_NAME_OF[a.minTrust] ?? String(a.minTrust), TRUST_NAME_OF[b.minTrust] ?? String(b.minTrust));
    field("maxCount", String(a.maxCount), String(b.maxCount));
    field("period", formatDuration(a.period), formatDuration(b.period));
    field(t === "collaborative" ? "timeout" : "window", formatDuration(a.window), formatDuration(b.window));
    field("grace", formatDuration(a.grace), formatDuration(b.grace));
    push(encode({ functionName: "setTierRules", args: [TIER_ID[t], b] }), `set tier ${t} ${diffs.join(", ")}`);
  }
  if (setP.categories !== tgtP.categories || setP.trustMask !== tgtP.trustMask) {
    const diffs: string[] = [];
    if (curP.categories !== tgtP.categories) {
      diffs.push(`categories ${maskNames(curP.categories, current.categories)} -> ${maskNames(tgtP.categories, target.categories)}`);
    }
    if (curP.trustMask !== tgtP.trustMask) diffs.push(`trust ${trustMaskNames(curP.trustMask)} -> ${trustMaskNames(tgtP.trustMask)}`);
    push(encode({ functionName: "setProhibitions", args: [tgtP.categories, tgtP.trustMask] }), `set prohibitions ${diffs.join(", ")}`);
  }

  // --- categories no longer listed (no tier or prohibition uses them any more)
  for (const c of current.categories) {
    if (target.categories.some((t) => t.id === c.id)) continue;
    push(encode({ functionName: "undefineCategory", args: [c.id] }), `remove category ${c.id} ${c.name} (${removalEffect(c)})`);
  }

  // --- budgets
  for (const t of RULED_TIER_NAMES) {
    const [a, b] = [current.budgets[t], target.budgets[t]];
    if (a.max === b.max && (b.max === 0n || a.period === b.period)) continue;
    push(
      encode({ functionName: "setBudget", args: [TIER_ID[t], b.max, b.max === 0n ? 0 : b.period] }),
      `set budget ${t} ${describeBudget(a)} -> ${describeBudget(b)}`,
    );
  }

  // --- unmatched intents, auto-promotion
  if (current.unmatchedTier !== target.unmatchedTier) {
    push(
      encode({ functionName: "setUnmatchedTier", args: [target.unmatchedTier] }),
      `set unmatched ${TIER_NAME_OF[current.unmatchedTier] ?? current.unmatchedTier} -> ${TIER_NAME_OF[target.unmatchedTier]}`,
    );
  }
  if (current.autoPromote !== target.autoPromote) {
    push(encode({ functionName: "setAutoPromote", args: [target.autoPromote] }), `set autoPromote ${current.autoPromote} -> ${target.autoPromote}`);
  }
  if (current.maxOpenIntents !== target.maxOpenIntents) {
    push(
      encode({ functionName: "setMaxOpenIntents", args: [target.maxOpenIntents] }),
      `set maxOpenIntentsPerAgent ${current.maxOpenIntents} -> ${target.maxOpenIntents}`,
    );
  }
  if (current.maxBlockedAttempts !== target.maxBlockedAttempts) {
    push(
      encode({ functionName: "setMaxBlockedAttempts", args: [target.maxBlockedAttempts] }),
      `set maxBlockedAttemptsPerDay ${current.maxBlockedAttempts} -> ${target.maxBlockedAttempts}`,
    );
  }

  // --- tokens
  for (const t of target.tokens) {
    const c = current.tokens.find((x) => sameAddress(x.address, t.address));
    if (c && c.kind === t.kind && c.source === t.source && c.maxStaleness === t.maxStaleness) continue;
    const name = `${t.symbol ? `${t.symbol} ` : ""}${t.address}`;
    push(
      encode({ functionName: "configureToken", args: [t.address, t.kind, t.source, t.maxStaleness] }),
      c ? `set token ${name} ${describeToken(c)} -> ${describeToken(t)}` : `add token ${name} ${describeToken(t)}`,
    );
  }
  for (const c of current.tokens) {
    if (target.tokens.some((t) => sameAddress(t.address, c.address))) continue;
    push(encode({ functionName: "removeToken", args: [c.address] }), `remove token ${c.address}`);
  }

  // --- recipients (on-chain trust Unknown = not listed)
  for (const t of target.recipients) {
    const c = current.recipients.find((x) => sameAddress(x.address, t.address));
    const from = c?.trust ?? Trust.Unknown;
    if (from === t.trust) continue;
    push(
      encode({ functionName: "setRecipientTrust", args: [t.address, t.trust] }),
      `set recipient ${t.address}${t.label ? ` (${t.label})` : ""} trust ${TRUST_NAME_OF[from]} -> ${TRUST_NAME_OF[t.trust]}`,
    );
  }
  for (const c of current.recipients) {
    if (c.trust === Trust.Unknown || target.recipients.some((t) => sameAddress(t.address, c.address))) continue;
    push(
      encode({ functionName: "setRecipientTrust", args: [c.address, Trust.Unknown] }),
      `reset recipient ${c.address} trust ${TRUST_NAME_OF[c.trust] ?? c.trust} -> unknown (not in the policy)`,
    );
  }

  return { calls, changes, empty: calls.length === 0 };
}

/*//////////////////////////////////////////////////////////////
                            PLANNING
//////////////////////////////////////////////////////////////*/

export interface PlanPolicyArgs {
  /** any viem client with a transport (a public client is enough) */
  publicClient: Client;
  wallet: Address;
  policy: Policy;
  /**
   * Allow the plan to remove categories the wallet defines but the policy no longer lists. Without it such a
   * plan is refused with a `PolicyError`, since a name missing from the file is as often a typo or a rename.
   */
  allowRemoveCategories?: boolean;
  /** where to start reading GuardianSet events when the policy lists guardians (default: the first block) */
  fromBlock?: bigint;
}

/** The wallet's guardians now, from its GuardianSet events (the wallet keeps no list; `isGuardian` confirms each). */
export async function readGuardians(client: Client, wallet: Address, fromBlock = 0n): Promise<Address[]> {
  const logs = await getContractEvents(client, { address: wallet, abi: tierGuardWalletAbi, eventName: "GuardianSet", fromBlock, toBlock: "latest" });
  const seen = [...new Set(logs.map((l) => getAddress((l.args as { guardian: Address }).guardian)))];
  const live = await Promise.all(seen.map((g) => readContract(client, { address: wallet, abi: tierGuardWalletAbi, functionName: "isGuardian", args: [g] })));
  return seen.filter((_, i) => live[i]);
}

/** The categories on the wallet that the target configuration drops. */
export const removedCategories = (current: WalletConfig, target: WalletConfig): CategoryConfig[] =>
  current.categories.filter((c) => !target.categories.some((t) => t.id === c.id));

/**
 * What the chain says about a policy before it is applied: token and feed addresses without contract code (a
 * policy written for another network), the wallet as a recipient. `tierguard deploy --policy` runs it before
 * deploying, so that a policy for the wrong chain costs no gas.
 */
export async function policyChainProblems(client: Client, wallet: Address, policy: Policy): Promise<PolicyProblem[]> {
  const problems: PolicyProblem[] = [];
  const hasCode = async (a: Address) => ((await getCode(client, { address: a })) ?? "0x") !== "0x";
  await Promise.all(
    Object.entries(policy.tokens).flatMap(([symbol, t]) => [
      (async () => {
        if (t.address !== zeroAddress && !(await hasCode(t.address))) {
          problems.push({ path: `tokens.${symbol}.address`, message: `${t.address} has no contract code on this chain; deploy the token or fix the address` });
        }
      })(),
      (async () => {
        if ("feed" in t.price && !(await hasCode(t.price.feed))) {
          problems.push({ path: `tokens.${symbol}.price.feed`, message: `${t.price.feed} has no contract code on this chain; fix the price feed's address` });
        }
      })(),
    ]),
  );
  policy.recipients.forEach((r, i) => {
    if (sameAddress(r.address, wallet)) {
      problems.push({ path: `recipients[${i}]`, message: `${r.address} is the wallet itself; it cannot be a recipient` });
    }
  });
  return problems.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Reads the live wallet and plans the calls that make it match `policy`. Throws `PolicyError` when the policy
 * names token or feed addresses without code on this chain, or the wallet itself as a recipient.
 */
export async function planPolicy({
  publicClient,
  wallet,
  policy,
  allowRemoveCategories = false,
  fromBlock,
}: PlanPolicyArgs): Promise<PolicyPlan & { current: WalletConfig; target: WalletConfig; removedCategories: CategoryConfig[] }> {
  const problems = await policyChainProblems(publicClient, wallet, policy);
  if (problems.length > 0) throw new PolicyError(problems, { source: `policy for wallet ${wallet}` });
  const current = await readWalletConfig(publicClient, wallet);
  if (policy.guardians) current.guardians = await readGuardians(publicClient, wallet, fromBlock);
  const target = compilePolicy(policy, { existing: current.categories });
  const removed = removedCategories(current, target);
  if (removed.length > 0 && !allowRemoveCategories) {
    throw new PolicyError(
      removed.map((c) => ({
        path: "categories",
        message: `"${c.name}" (id ${c.id}) is defined on the wallet but not listed; removing it needs allowRemoveCategories: ${removalEffect(c)}`,
      })),
      {
        source: `policy for wallet ${wallet}`,
        fix:
          "add the names back to categories (a rename is a removal plus a new category), or confirm the removal " +
          "with allowRemoveCategories (CLI: --allow-remove-categories)",
      },
    );
  }
  return { ...diffConfig(current, target), current, target, removedCategories: removed };
}

