/** `--help` texts, generated from the grammar in `spec.ts`. */
import { COMMANDS, GLOBAL_OPTIONS, GROUPS, subcommandsOf, type CommandName, type CommandSpec, type OptionSpec } from "./spec";

const optionLines = (opts: Record<string, OptionSpec>) => {
  const entries = Object.entries(opts).map(([name, o]) => [`${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`, o.desc]);
  const w = Math.max(0, ...entries.map(([l]) => l.length)) + 2;
  return entries.map(([l, d]) => `  ${l.padEnd(w)}${d}`);
};

function commandHelp(name: CommandName): string[] {
  const spec = COMMANDS[name] as CommandSpec;
  const pos = spec.positionals.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`) + (p.variadic ? "..." : "")).join(" ");
  const lines = [`tierguard ${name}${pos ? ` ${pos}` : ""}${Object.keys(spec.options).length ? " [options]" : ""}`, "", spec.summary];
  if (spec.details) lines.push("", ...spec.details);
  if (spec.positionals.length) {
    lines.push("", "Arguments:", ...spec.positionals.map((p) => `  <${p.name}>  ${p.desc}`));
  }
  if (Object.keys(spec.options).length) lines.push("", "Options:", ...optionLines(spec.options));
  if (spec.needs.length) lines.push("", `Needs: ${spec.needs.join(", ")} (see "tierguard --help")`);
  lines.push("", spec.examples.length === 1 ? "Example:" : "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return lines;
}

function groupHelp(group: keyof typeof GROUPS): string[] {
  const subs = subcommandsOf(group);
  const w = Math.max(...subs.map((s) => s.length)) + 2;
  return [
    `tierguard ${group} <command>`,
    "",
    GROUPS[group],
    "",
    "Commands:",
    ...subs.map((s) => `  ${s.padEnd(w)}${(COMMANDS[`${group} ${s}` as CommandName] as CommandSpec).summary}`),
    "",
    `Run "tierguard ${group} <command> --help" for its options and an example.`,
  ];
}

function generalHelp(): string[] {
  const names = Object.keys(COMMANDS) as CommandName[];
  const w = Math.max(...names.map((n) => n.length)) + 2;
  return [
    "tierguard: autonomy tiers for AI agents' payments (TierGuard wallet CLI)",
    "",
    "Usage: tierguard <command> [arguments] [options]",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(w)}${(COMMANDS[n] as CommandSpec).summary}`),
    "",
    "Global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "Connection and keys (flags > environment > config file):",
    "  TIERGUARD_RPC_URL      JSON-RPC URL (--rpc)",
    "  TIERGUARD_WALLET       wallet address (--wallet)",
    "  TIERGUARD_CONFIG       config file (--config); ./tierguard.json is read when present",
    "  TIERGUARD_AGENT_KEY    the agent's session key (private key)",
    "  TIERGUARD_OWNER_KEYS   owners' private keys, comma-separated",
    "  TIERGUARD_RELAYER_KEY  the relayer's gas account (private key), for `tierguard relayer`",
    "  Keys are read from the environment or from --key-file only, and never printed.",
    "",
    "Exit codes: 0 ok, 1 error (the message says how to fix it), 2 usage error.",
    "",
    "Example:",
    "  TIERGUARD_OWNER_KEYS=0x..,0x.. tierguard deploy --rpc http://127.0.0.1:8545 --threshold 2 --local-mocks --save tierguard.json",
    "  tierguard policy plan examples/policy.yaml",
  ];
}

/** Help for `topic`: [] (everything), [group] or a command's words. */
export function helpText(topic: readonly string[]): string {
  const key = topic.join(" ");
  if (key in COMMANDS) return commandHelp(key as CommandName).join("\n");
  if (topic.length === 1 && topic[0] in GROUPS) return groupHelp(topic[0] as keyof typeof GROUPS).join("\n");
  return generalHelp().join("\n");
}
