/**
 * argv -> a command object. Pure: no environment, no files, no network; every mistake is a `UsageError`.
 *
 * Options may appear anywhere (before or after the command words); `--name value` and `--name=value` both work;
 * `--` ends the options.
 */
import type { z } from "zod";
import { suggest } from "../policy/schema";
import { UsageError } from "./errors";
import {
  COMMANDS,
  GLOBAL_OPTIONS,
  globalsSchema,
  GROUPS,
  subcommandsOf,
  type Command,
  type CommandName,
  type CommandSpec,
  type Globals,
  type OptionSpec,
} from "./spec";

export type ParseResult =
  | Command
  /** `--help` or no command: `topic` is the command words given (possibly none, or just a group) */
  | { kind: "help"; topic: string[]; globals: Globals }
  | { kind: "version"; globals: Globals };

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every option name any command knows, with its type (the same name has the same type everywhere). */
const ALL_OPTIONS: Record<string, OptionSpec> = (() => {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const spec of Object.values(COMMANDS) as CommandSpec[]) {
    for (const [name, o] of Object.entries(spec.options)) {
      if (all[name] && all[name].type !== o.type) throw new Error(`option --${name} has two types`);
      all[name] ??= o;
    }
  }
  return all;
})();
const SHORT: Record<string, string> = Object.fromEntries(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, o]) => o.short)
    .map(([name, o]) => [o.short!, name]),
);

type Raw = Record<string, string | boolean | string[]>;

const helpFix = (words: string[]) => `run "tierguard ${[...words, "--help"].join(" ")}" for usage and an example`;

/** Splits argv into options (by name) and positional words. */
function tokenize(argv: readonly string[]): { opts: Raw; words: string[] } {
  const opts: Raw = {};
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (tok.startsWith("--")) {
      const eq = tok.indexOf("=");
      name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
      inline = eq < 0 ? undefined : tok.slice(eq + 1);
    } else if (/^-[A-Za-z]$/.test(tok)) {
      const long = SHORT[tok[1]];
      if (!long) throw new UsageError(`unknown option ${tok}`, { fix: helpFix([]) });
      name = long;
    } else {
      words.push(tok);
      continue;
    }
    const spec = ALL_OPTIONS[name];
    if (!spec) {
      const s = suggest(name, Object.keys(ALL_OPTIONS));
      throw new UsageError(`unknown option --${name}${s ? `; did you mean --${s}?` : ""}`, { fix: helpFix([]) });
    }
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} is a switch and takes no value (got "${inline}")`);
      opts[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`--${name} needs a value${spec.value ? ` ${spec.value}` : ""}`, { fix: helpFix([]) });
      }
      value = next;
      i++;
    }
    if (spec.type === "list") {
      opts[name] = [...((opts[name] as string[] | undefined) ?? []), value];
    } else {
      if (opts[name] !== undefined) throw new UsageError(`--${name} is given twice`, { fix: "give it once" });
      opts[name] = value;
    }
  }
  return { opts, words };
}

/** The command named by the leading words, and the words left over. */
function resolve(words: string[], wantsHelp: boolean): { name?: CommandName; topic: string[]; rest: string[] } {
  const [first, second] = words;
  if (first === undefined) return { topic: [], rest: [] };
  if (first in COMMANDS) return { name: first as CommandName, topic: [first], rest: words.slice(1) };
  if (first in GROUPS) {
    const subs = subcommandsOf(first);
    if (second !== undefined && subs.includes(second)) {
      return { name: `${first} ${second}` as CommandName, topic: [first, second], rest: words.slice(2) };
    }
    if (wantsHelp && second === undefined) return { topic: [first], rest: [] };
    if (second === undefined) {
      throw new UsageError(`"${first}" needs a subcommand: ${subs.join(", ")}`, { fix: helpFix([first]) });
    }
    const s = suggest(second, subs);
    throw new UsageError(`unknown command "${first} ${second}"${s ? `; did you mean "${first} ${s}"?` : ""}`, {
      fix: helpFix([first]),
    });
  }
  const top = [...Object.keys(GROUPS), ...Object.keys(COMMANDS).filter((n) => !n.includes(" "))];
  const s = suggest(first, top);
  throw new UsageError(`unknown command "${first}"${s ? `; did you mean "${s}"?` : ""}`, { fix: helpFix([]) });
}

/** zod issues -> one usage error naming the flags (`--amount`) or arguments (`<file>`) concerned. */
function usageFromIssues(issues: z.core.$ZodIssue[], spec: CommandSpec | undefined, words: string[]): UsageError {
  const label = (key: PropertyKey | undefined) => {
    if (key === undefined) return "arguments";
    const k = String(key);
    if (spec?.positionals.some((p) => p.name === k)) return `<${k}>`;
    return `--${kebab(k)}`;
  };
  const lines = issues.map((i) => {
    const missing = i.code === "invalid_type" && (i as { input?: unknown }).input === undefined;
    return `${label(i.path[0])} ${missing ? "is required" : i.message}`;
  });
  const example = spec?.examples[0];
  const fix = example ? `${helpFix(words)}; e.g. ${example}` : helpFix(words);
  if (lines.length === 1) return new UsageError(`invalid argument: ${lines[0]}`, { fix });
  return new UsageError(`${lines.length} invalid arguments`, { details: lines, fix });
}

function parseGlobals(opts: Raw): Globals {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(GLOBAL_OPTIONS)) if (opts[name] !== undefined) raw[camel(name)] = opts[name];
  const r = globalsSchema.safeParse(raw);
  if (!r.success) throw usageFromIssues(r.error.issues, undefined, []);
  return r.data;
}

/** Parses a command line (without `node` and the script: `process.argv.slice(2)`). Throws `UsageError`. */
export function parseArgs(argv: readonly string[]): ParseResult {
  const { opts, words } = tokenize(argv);
  const wantsHelp = opts.help === true;
  if (words[0] === "help") return { kind: "help", topic: resolveHelpTopic(words.slice(1)), globals: parseGlobals(opts) };
  const globals = parseGlobals(opts);
  if (opts.version === true && words.length === 0) return { kind: "version", globals };
  const { name, topic, rest } = resolve(words, wantsHelp);
  if (wantsHelp || name === undefined) return { kind: "help", topic, globals };

  const spec = COMMANDS[name] as CommandSpec;
  for (const opt of Object.keys(opts)) {
    if (opt in GLOBAL_OPTIONS || opt in spec.options) continue;
    const s = suggest(opt, Object.keys(spec.options));
    throw new UsageError(`"${name}" has no option --${opt}${s ? `; did you mean --${s}?` : ""}`, { fix: helpFix(topic) });
  }
  const variadic = spec.positionals.at(-1)?.variadic === true;
  if (!variadic && rest.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${rest[spec.positionals.length]}" for "${name}"`, { fix: helpFix(topic) });
  }
  const raw: Record<string, unknown> = {};
  spec.positionals.forEach((p, i) => {
    if (p.variadic) raw[p.name] = rest.slice(i);
    else if (rest[i] !== undefined) raw[p.name] = rest[i];
  });
  for (const opt of Object.keys(spec.options)) if (opts[opt] !== undefined) raw[camel(opt)] = opts[opt];
  const missing = spec.positionals.find((p, i) => !p.optional && rest[i] === undefined);
  if (missing) throw new UsageError(`"${name}" needs <${missing.name}> (${missing.desc})`, { fix: `${helpFix(topic)}; e.g. ${spec.examples[0]}` });
  const r = spec.schema.safeParse(raw);
  if (!r.success) throw usageFromIssues(r.error.issues, spec, topic);
  return { kind: "command", name, args: r.data, globals } as Command;
}

function resolveHelpTopic(words: string[]): string[] {
  try {
    return resolve(words, true).topic;
  } catch {
    return [];
  }
}
