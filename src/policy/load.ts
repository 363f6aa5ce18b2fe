/**
 * Reading policy files: YAML or JSON text -> `${VAR}` substitution -> validated `Policy`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument, type Tags } from "yaml";
import { PolicyError, validatePolicy, type Policy, type PolicyProblem } from "./schema";

export type PolicyFormat = "yaml" | "json";

export interface ParseOptions {
  /** values for `${NAME}` placeholders in the text (e.g. addresses known only after deployment) */
  vars?: Record<string, string>;
  /** names the file in error messages */
  source?: string;
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` placeholders with `vars`; a placeholder without a value is an error (all listed at once).
 * Lines that are YAML comments are left alone.
 */
export function substituteVars(text: string, vars: Record<string, string> = {}, source?: string): string {
  const missing: PolicyProblem[] = [];
  const lines = text.split("\n");
  const out = lines.map((line, i) =>
    // whole-line YAML comments keep their placeholders (commented-out examples need no value)
    /^\s*#/.test(line) ? line : line.replace(PLACEHOLDER, (whole, name: string) => {
      const v = vars[name];
      if (v === undefined) {
        missing.push({
          path: `line ${i + 1}`,
          message: `placeholder ${whole} has no value; pass it in vars (e.g. { vars: { ${name}: "0x..." } }) or write the value in the file`,
        });
        return whole;
      }
      return v;
    }),
  );
  if (missing.length > 0) throw new PolicyError(missing, { source });
  return out.join("\n");
}

/**
 * YAML 1.2's core schema reads `0x...` as a hexadecimal integer, which would turn an unquoted address into a
 * (lossy) number. Policies are full of addresses, so hex and octal integers stay strings.
 */
const customTags = (tags: Tags): Tags =>
  tags.filter((t) => !(typeof t === "object" && t.tag === "tag:yaml.org,2002:int" && (t.format === "HEX" || t.format === "OCT")));

function parseText(text: string, format: PolicyFormat, source?: string): unknown {
  if (format === "json") {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new PolicyError([{ path: "", message: `not valid JSON: ${(e as Error).message}` }], { source, cause: e, fix: "fix the JSON syntax" });
    }
  }
  const doc = parseDocument(text, { customTags, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: pos ? `line ${pos.line}, column ${pos.col}` : "", message: `YAML syntax: ${e.message.split("\n")[0]}` };
    });
    throw new PolicyError(problems, { source, fix: "fix the YAML syntax" });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Policy text -> plain data (placeholders substituted, not yet validated). Throws `PolicyError` on syntax errors. */
export function readPolicyData(text: string, format: PolicyFormat = "yaml", options: ParseOptions = {}): unknown {
  return parseText(substituteVars(text, options.vars, options.source), format, options.source);
}

/** Parses and validates policy text. Throws `PolicyError` listing every problem. */
export function parsePolicy(text: string, format: PolicyFormat = "yaml", options: ParseOptions = {}): Policy {
  return validatePolicy(readPolicyData(text, format, options), { source: options.source });
}

export function formatOf(file: string): PolicyFormat {
  return path.extname(file).toLowerCase() === ".json" ? "json" : "yaml";
}

/**
 * Reads a `.yaml`/`.yml` or `.json` policy file, fills `${NAME}` placeholders from `vars`, and validates it.
 * Throws one `PolicyError` listing every problem with its path and the fix.
 *
 * @example
 * ```ts
 * const policy = await loadPolicyFile("examples/policy.yaml", { vars: { USDC: usdc, EURC: eurc, EURC_USD_FEED: feed } });
 * ```
 */
export async function loadPolicyFile(file: string, options: Omit<ParseOptions, "source"> = {}): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new PolicyError([{ path: "", message: `cannot read the file: ${(e as Error).message}` }], {
      source: file,
      cause: e,
      fix: "check the path",
    });
  }
  return parsePolicy(text, formatOf(file), { ...options, source: file });
}
