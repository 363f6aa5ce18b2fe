/** `tierguard policy validate|plan|apply|show`: a policy file against the wallet. */
import { getAddress } from "viem";
import { planPolicy, readWalletConfig } from "../../policy/plan";
import { formatDecimal, formatDuration } from "../../policy/units";
import { TIER_ID, TRUST_NAME_OF } from "../../policy/compile";
import { loadPolicy, readWallet, type Context, type Output } from "../context";
import { rows } from "../format";
import type { CommandArgs } from "../spec";
import { ownerAction } from "./actions";
import { simulateFromStore } from "./simulation";
import { simulationLines } from "../../policy/simulate";

export async function policyValidate(args: CommandArgs<"policy validate">, ctx: Context): Promise<Output> {
  const policy = await loadPolicy(ctx, args.file, args.var);
  const summary = {
    categories: policy.categories.length,
    tiers: policy.tiers.map((t) => t.name),
    tokens: Object.keys(policy.tokens),
    recipients: policy.recipients.length,
    owners: policy.owners?.length ?? null,
    threshold: policy.threshold ?? null,
  };
  return {
    text: [
      `${args.file}: valid`,
      ...rows([
        ["tiers", summary.tiers.join(", ")],
        ["categories", String(summary.categories)],
        ["tokens", summary.tokens.join(", ") || "none"],
        ["recipients", String(summary.recipients)],
        ["owners", policy.owners ? `${policy.threshold}-of-${policy.owners.length}` : "not managed by this policy"],
      ]),
    ],
    json: { valid: true, file: args.file, ...summary },
  };
}

interface PlanArgs {
  file: string;
  var: Record<string, string>;
  allowRemoveCategories: boolean;
  store?: string;
  /** default 30 */
  days?: number;
}

/** The plan and, with `--store`, its replay over the wallet's recorded intents of the last `--days`. */
async function plan(ctx: Context, args: PlanArgs) {
  const policy = await loadPolicy(ctx, args.file, args.var);
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const p = await planPolicy({ publicClient: c.publicClient, wallet, policy, allowRemoveCategories: args.allowRemoveCategories, fromBlock: ctx.settings.fromBlock });
  const simulation = args.store ? await simulateFromStore(ctx, p.target, { db: args.store, days: args.days ?? 30 }) : undefined;
  return { wallet, plan: p, simulation };
}

export async function policyPlan(args: CommandArgs<"policy plan">, ctx: Context): Promise<Output> {
  const { wallet, plan: p, simulation } = await plan(ctx, args);
  const text = p.empty
    ? [`nothing to change: wallet ${wallet} matches ${args.file}`]
    : [`${p.changes.length} change${p.changes.length === 1 ? "" : "s"} to make wallet ${wallet} match ${args.file}:`, ...p.changes.map((ch) => `  ~ ${ch}`)];
  if (simulation) text.push(...simulationLines(simulation), `  (last ${simulation.days} days from ${simulation.store}; approximations: --json)`);
  if (!p.empty) text.push(`apply with: tierguard policy apply ${args.file}${args.store ? ` --store ${args.store}` : ""} --prepare <file>`);
  return { text, json: { wallet, file: args.file, empty: p.empty, changes: p.changes, calls: p.calls, simulation: simulation ?? null } };
}

export async function policyApply(args: CommandArgs<"policy apply">, ctx: Context): Promise<Output> {
  const { wallet, plan: p, simulation } = await plan(ctx, args);
  if (p.empty) {
    return { text: [`nothing to change: wallet ${wallet} matches ${args.file}`], json: { wallet, file: args.file, empty: true, changes: [], txHash: null } };
  }
  const n = `${p.changes.length} change${p.changes.length === 1 ? "" : "s"}`;
  const out = await ownerAction(
    ctx,
    {
      calls: p.calls,
      title: `apply ${args.file} (${n})`,
      notes: ["policy plan:", ...p.changes.map((ch) => `  ~ ${ch}`)],
      simulation,
      done: `applied ${n} of ${args.file}`,
      doneLines: p.changes.map((ch) => `  ~ ${ch}`),
    },
    args,
  );
  return { text: out.text, json: { wallet, file: args.file, empty: false, changes: p.changes, ...(out.json as object) } };
}

export async function policyShow(_args: CommandArgs<"policy show">, ctx: Context): Promise<Output> {
  const [c, wallet] = await Promise.all([ctx.conn(), ctx.wallet()]);
  const [cfg, settings] = await Promise.all([
    readWalletConfig(c.publicClient, wallet),
    readWallet<{ paused: boolean; policyVersion: number }>(ctx, "settings"),
  ]);
  const catNames = (mask: bigint) => cfg.categories.filter((x) => (mask >> BigInt(x.id)) & 1n).map((x) => x.name).join(", ") || "none";
  const text = [
    ...rows([
      ["wallet", wallet],
      ["paused", String(settings.paused)],
      ["policyVersion", String(settings.policyVersion)],
      ["owners", `${cfg.owners?.join(", ")} (threshold ${cfg.threshold})`],
      ["categories", cfg.categories.map((x) => `${x.id}:${x.name}`).join(" ") || "none"],
    ]),
    "tiers:",
    ...(["autonomous", "supervised", "collaborative"] as const).map((t) => {
      const r = cfg.tiers[t];
      const b = cfg.budgets[t];
      if (r.categories === 0n) return `  ${t}: off`;
      return `  ${t}: max ${formatDecimal(r.maxValue)}, ${catNames(r.categories)}, min trust ${TRUST_NAME_OF[r.minTrust]}` +
        (r.period ? `, ${r.maxCount} per ${formatDuration(r.period)}` : "") +
        (t === "supervised" ? `, veto ${formatDuration(r.window)}, grace ${formatDuration(r.grace)}` : "") +
        (t === "collaborative" ? `, timeout ${formatDuration(r.window)}` : "") +
        (b.max ? `, budget ${formatDecimal(b.max)} per ${formatDuration(b.period)}` : "");
    }),
    `  prohibited: ${catNames(cfg.prohibitions.categories)}; trust ${[0, 1, 2].filter((i) => (cfg.prohibitions.trustMask >> i) & 1).map((i) => TRUST_NAME_OF[i]).concat("blocked").join(", ")}`,
    `  unmatched -> ${cfg.unmatchedTier === TIER_ID.prohibited ? "prohibited" : "collaborative"}; autoPromote ${cfg.autoPromote}`,
    `tokens:${cfg.tokens.length ? "" : " none"}`,
    ...cfg.tokens.map((t) => `  ${t.address} ${t.kind === 1 ? `fixed ${formatDecimal(t.source, 18)}` : `feed ${getAddress(`0x${t.source.toString(16).padStart(40, "0")}`)} max age ${formatDuration(t.maxStaleness)}`}`),
    `recipients:${cfg.recipients.length ? "" : " none"}`,
    ...cfg.recipients.map((r) => `  ${r.address} ${TRUST_NAME_OF[r.trust]}`),
  ];
  return { text, json: { wallet, paused: settings.paused, policyVersion: settings.policyVersion, ...cfg } };
}
