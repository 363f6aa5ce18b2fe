/**
 * The one place that owns output, errors and exit codes. `run(argv, io)` never throws and never calls
 * `process.exit`: it returns the exit code, so tests can run the CLI in-process.
 *
 * - user errors (TierGuard errors, zod errors): one line, the details (e.g. one per policy problem), `Fix: ...`;
 *   exit 1, or 2 for usage errors; no stack trace unless `--verbose`.
 * - `--json`: the result (or `{ ok: false, error }`) as one JSON document on stdout.
 */
import { ZodError } from "zod";
import { TierGuardError } from "../errors";
import type { Env } from "./connection";
import { EXIT, UsageError } from "./errors";
import { helpText } from "./help";
import { parseArgs, type ParseResult } from "./parse";

export const VERSION = "0.1.0";

export interface Io {
  env: Env;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** JSON with bigints as decimal strings. */
export const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2);

/** Any thrown value -> a user-facing description. `internal` marks bugs (not the user's doing). */
export function describeError(e: unknown): {
  name: string;
  message: string;
  details: string[];
  fix?: string;
  exitCode: number;
  internal: boolean;
  extra?: Record<string, unknown>;
} {
  if (e instanceof TierGuardError) {
    const extra: Record<string, unknown> = {};
    // By shape, not by class: importing the classes would load viem's clients before any command runs.
    if ("problems" in e) extra.problems = e.problems; // PolicyError
    if ("errorName" in e && "args" in e) Object.assign(extra, { errorName: e.errorName, args: e.args }); // ContractError
    return {
      name: e.name,
      message: e.shortMessage,
      details: e.details,
      fix: e.fix,
      exitCode: e instanceof UsageError ? EXIT.usage : EXIT.error,
      internal: false,
      extra,
    };
  }
  if (e instanceof ZodError) {
    return {
      name: "ValidationError",
      message: `${e.issues.length} invalid value${e.issues.length === 1 ? "" : "s"}`,
      details: e.issues.map((i) => `${i.path.join(".") || "(value)"}: ${i.message}`),
      fix: "correct the values listed above",
      exitCode: EXIT.error,
      internal: false,
    };
  }
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return {
    name: e instanceof Error ? e.name : "Error",
    message: `unexpected error: ${message}`,
    details: [],
    fix: "run again with --verbose for the stack trace, and report it if it persists",
    exitCode: EXIT.error,
    internal: true,
  };
}

function causeChain(e: unknown): string[] {
  const out: string[] = [];
  let cur = (e as { cause?: unknown })?.cause;
  for (let depth = 0; cur !== undefined && depth < 5; depth++) {
    const msg = cur instanceof Error ? `${cur.name}: ${(cur as { shortMessage?: string }).shortMessage ?? cur.message}` : String(cur);
    out.push(`caused by ${msg.split("\n")[0]}`);
    cur = (cur as { cause?: unknown })?.cause;
  }
  return out;
}

/** Best effort: are `--json` / `--verbose` on, even when parsing failed? */
const flagIn = (argv: readonly string[], flag: string, short?: string) =>
  argv.some((a) => a === `--${flag}` || (short !== undefined && a === `-${short}`));

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let json = flagIn(argv, "json");
  let verbose = flagIn(argv, "verbose", "v");
  try {
    const parsed: ParseResult = parseArgs(argv);
    json = parsed.globals.json;
    verbose = parsed.globals.verbose;
    if (parsed.kind === "help") {
      io.stdout(`${helpText(parsed.topic)}\n`);
      return EXIT.ok;
    }
    if (parsed.kind === "version") {
      io.stdout(json ? `${toJson({ version: VERSION })}\n` : `tierguard ${VERSION}\n`);
      return EXIT.ok;
    }
    // Loaded here, not at the top: `--help` and `--version` never pay for the SDK, viem's clients or the indexer.
    const [{ Context }, { execute }] = await Promise.all([import("./context"), import("./commands/index")]);
    const ctx = new Context(parsed.globals, io.env, io.cwd);
    let out;
    try {
      out = await execute(parsed, ctx);
    } finally {
      if (ctx.warnings.length) io.stderr(`${ctx.warnings.map((w) => `warning: ${w}`).join("\n")}\n`);
    }
    if (out.silent) return EXIT.ok;
    io.stdout(json ? `${toJson({ ok: true, command: parsed.name, result: out.json })}\n` : `${out.text.join("\n")}\n`);
    return EXIT.ok;
  } catch (e) {
    const d = describeError(e);
    if (json) {
      io.stdout(
        `${toJson({ ok: false, error: { name: d.name, message: d.message, details: d.details, fix: d.fix ?? null, ...d.extra } })}\n`,
      );
    } else {
      const lines = [`error: ${d.message}`, ...d.details.map((l) => `  - ${l}`)];
      if (d.fix) lines.push(`Fix: ${d.fix}`);
      io.stderr(`${lines.join("\n")}\n`);
    }
    if (verbose) {
      const extra = [...causeChain(e)];
      if (e instanceof Error && e.stack) extra.push(e.stack);
      io.stderr(`${extra.join("\n")}\n`);
    }
    return d.exitCode;
  }
}
