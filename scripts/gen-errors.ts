/**
 * Generates the error reference from the NatSpec of the custom errors in
 * `contracts/interfaces/ITierGuardBase.sol`, the one source of truth:
 *
 * - `docs/errors.md`: everything after the "generated" marker (quick reference and one section per error);
 * - `src/client/error-docs.ts`: the SDK's explanation and fix per error (`as const`), used by `client/errors.ts`.
 *
 * Tags per error: `@notice` (one-line meaning), `@dev` (when it is raised, Markdown), `@param` (each value),
 * `@custom:fix` (what to do, Markdown), `@custom:sdk-message` (the SDK's message, with `{param}` or
 * `{param:time|tier|status|hex}` placeholders), `@custom:sdk-fix` (the SDK's fix, one paragraph) and, on the
 * first error of a group, `@custom:group` (title, then an optional intro paragraph).
 *
 * The Markdown keeps its line breaks, so it is read from the source rather than from solc's devdoc (which joins
 * lines); solc still checks the tags (a `@param` must name a parameter) when compiling.
 *
 *   npm run abi          # write (with the ABIs)
 *   npm run abi:check    # fail when the committed files differ from what the NatSpec gives
 */
import fs from "node:fs";
import path from "node:path";
import { id } from "ethers";

const ROOT = path.resolve(__dirname, "..");
const SOURCE = "contracts/interfaces/ITierGuardBase.sol";
const ARTIFACT = "artifacts/contracts/TierGuardWallet.sol/TierGuardWallet.json";
const DOC = "docs/errors.md";
const MODULE = "src/client/error-docs.ts";
const MARKER =
  "<!-- Generated below from the NatSpec of contracts/interfaces/ITierGuardBase.sol by scripts/gen-errors.ts: edit the NatSpec, then run `npm run abi`. -->";
/** Tags whose text is Markdown: line breaks and indentation are kept. */
const BLOCK_TAGS = new Set(["dev", "custom:fix", "custom:group"]);
const FORMATS = new Set(["time", "tier", "status", "hex"]);

interface ErrorNatSpec {
  name: string;
  params: string[];
  /** parameter types as declared (enums by name) */
  types: string[];
  tags: Record<string, string>;
  paramDocs: Record<string, string>;
}

function parseSource(text: string): ErrorNatSpec[] {
  const lines = text.split("\n");
  const out: ErrorNatSpec[] = [];
  lines.forEach((line, i) => {
    const m = line.match(/^\s*error (\w+)\(([^)]*)\);/);
    if (!m) return;
    const doc: string[] = [];
    for (let j = i - 1; j >= 0 && /^\s*\/\/\//.test(lines[j]); j--) doc.unshift(lines[j].replace(/^\s*\/\/\/ ?/, ""));
    const params = m[2].trim() ? m[2].split(",").map((p) => p.trim().split(/\s+/).pop()!) : [];
    const types = m[2].trim() ? m[2].split(",").map((p) => p.trim().split(/\s+/)[0]) : [];
    const tags: Record<string, string> = {};
    const paramDocs: Record<string, string> = {};
    let key: string | undefined;
    const parts: [string, string[]][] = [];
    for (const l of doc) {
      const t = l.match(/^@(\S+) ?(.*)$/);
      if (t) {
        key = t[1] === "param" ? `param:${t[2].split(" ")[0]}` : t[1];
        parts.push([key, [t[1] === "param" ? t[2].split(" ").slice(1).join(" ") : t[2]]]);
      } else if (key) parts[parts.length - 1][1].push(l);
      else throw new Error(`${SOURCE}: NatSpec of ${m[1]} has text before its first tag`);
    }
    for (const [k, v] of parts) {
      const value = BLOCK_TAGS.has(k) ? v.join("\n").replace(/\s+$/, "") : v.map((x) => x.trim()).join(" ");
      if (k.startsWith("param:")) paramDocs[k.slice(6)] = value;
      else tags[k] = value;
    }
    out.push({ name: m[1], params, types, tags, paramDocs });
  });
  return out;
}

/** Fails with every missing piece, so the NatSpec cannot drift from the errors it documents. */
function validate(errors: ErrorNatSpec[]) {
  const problems: string[] = [];
  for (const e of errors) {
    for (const t of ["notice", "dev", "custom:fix", "custom:sdk-message", "custom:sdk-fix"]) {
      if (!e.tags[t]) problems.push(`${e.name}: missing @${t}`);
    }
    for (const p of e.params) if (!e.paramDocs[p]) problems.push(`${e.name}: missing @param ${p}`);
    for (const [, p, f] of (e.tags["custom:sdk-message"] ?? "").matchAll(/\{(\w+)(?::(\w+))?\}/g)) {
      if (!e.params.includes(p)) problems.push(`${e.name}: @custom:sdk-message names {${p}}, not a parameter`);
      if (f && !FORMATS.has(f)) problems.push(`${e.name}: unknown format {${p}:${f}}`);
    }
  }
  if (problems.length) throw new Error(`${SOURCE}: incomplete error NatSpec:\n  ${problems.join("\n  ")}`);
}

/** Canonical signatures (enums as uint8) from the compiled ABI, so selectors match what the wallet reverts with. */
function signatures(): Map<string, string> {
  const file = path.join(ROOT, ARTIFACT);
  if (!fs.existsSync(file)) throw new Error(`${ARTIFACT} is missing: run \`npx hardhat compile\` first`);
  const abi = JSON.parse(fs.readFileSync(file, "utf8")).abi as {
    type: string;
    name: string;
    inputs: { type: string }[];
  }[];
  return new Map(
    abi.filter((x) => x.type === "error").map((x) => [x.name, `${x.name}(${x.inputs.map((i) => i.type).join(",")})`]),
  );
}

function wrap(prefix: string, text: string, indent = "  ", width = 110): string {
  const lines: string[] = [];
  let line = prefix;
  for (const word of text.split(" ")) {
    if (line.length + 1 + word.length > width && line.trim().length > prefix.trim().length) {
      lines.push(line);
      line = indent + word;
    } else line += (line.endsWith(" ") || line === "" ? "" : " ") + word;
  }
  lines.push(line);
  return lines.join("\n");
}

/** A "- **Label:** text" item; text that starts with a line break (a nested list) starts on the next line. */
const item = (label: string, text: string) => `- **${label}:**${text.startsWith("\n") ? "" : " "}${text}`;

function renderDoc(errors: ErrorNatSpec[], sigs: Map<string, string>): string {
  const sel = (e: ErrorNatSpec) => id(sigs.get(e.name)!).slice(0, 10);
  const anchor = (n: string) => n.toLowerCase();
  const out: string[] = [MARKER, "", "## Quick reference", "", "| Error | Selector | Meaning |", "| --- | --- | --- |"];
  for (const e of errors) {
    const group = e.tags["custom:group"];
    if (group) out.push(`| **${group.split("\n")[0]}** | | |`);
    out.push(`| [\`${e.name}\`](#${anchor(e.name)}) | \`${sel(e)}\` | ${e.tags.notice} |`);
  }
  out.push(
    "",
    "The selectors are the first 4 bytes of the keccak-256 hash of each error's canonical signature (enums as",
    "`uint8`), computed from the current interface. Enum parameters (`Tier`, `Status`) and their numbers are listed",
    'in the [events appendix](events.md#appendix-enum-values). Amounts "in reference units" use 6 decimals:',
    "`1.00` USD = `1_000_000`. Timestamps are unix seconds.",
  );
  for (const e of errors) {
    const group = e.tags["custom:group"];
    if (group) {
      const [title, ...intro] = group.split("\n");
      out.push("", "---", "", `## ${title}`);
      if (intro.join("").trim()) out.push("", ...intro.map((l) => l.trim()));
    }
    const params = e.params.map((p, i) => `${e.types[i]} ${p}`).join(", ");
    out.push("", `### ${e.name}`, "", "```solidity", `error ${e.name}(${params});`, "```", "");
    out.push(item("When", e.tags.dev));
    // a list item right after a table would read as a table row in some renderers
    if (/^\s*\|/.test(e.tags.dev.split("\n").pop()!)) out.push("");
    if (e.params.length) {
      out.push(wrap("- **Parameters:**", e.params.map((p) => `\`${p}\` ${e.paramDocs[p]}.`).join(" ")));
    }
    out.push(item("Fix", e.tags["custom:fix"]));
  }
  return out.join("\n") + "\n";
}

function renderModule(errors: ErrorNatSpec[]): string {
  const entries = Object.fromEntries(
    errors.map((e) => [
      e.name,
      { meaning: e.tags.notice, message: e.tags["custom:sdk-message"], fix: e.tags["custom:sdk-fix"] },
    ]),
  );
  return [
    `// Generated by scripts/gen-errors.ts from the NatSpec of ${SOURCE}. Do not edit: run \`npm run abi\`.`,
    "",
    "/**",
    " * Per custom error: `meaning` (one line), `message` (what happened; `{param}` and `{param:format}` placeholders",
    " * filled from the error's arguments) and `fix` (what to do).",
    " */",
    `export const errorDocs = ${JSON.stringify(entries, null, 2)} as const;`,
    "",
  ].join("\n");
}

function main() {
  const check = process.argv.includes("--check");
  const errors = parseSource(fs.readFileSync(path.join(ROOT, SOURCE), "utf8"));
  validate(errors);
  const sigs = signatures();
  const missing = errors.filter((e) => !sigs.has(e.name)).map((e) => e.name);
  if (missing.length) throw new Error(`errors not in the compiled ABI (recompile?): ${missing.join(", ")}`);
  const docPath = path.join(ROOT, DOC);
  const current = fs.existsSync(docPath) ? fs.readFileSync(docPath, "utf8") : "";
  const at = current.indexOf(MARKER);
  if (at < 0) throw new Error(`${DOC} has no generated-section marker; restore the line:\n${MARKER}`);
  const files: [string, string][] = [
    [DOC, current.slice(0, at) + renderDoc(errors, sigs)],
    [MODULE, renderModule(errors)],
  ];
  const stale: string[] = [];
  for (const [rel, text] of files) {
    const file = path.join(ROOT, rel);
    if (check) {
      if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) stale.push(rel);
    } else fs.writeFileSync(file, text);
  }
  if (stale.length) {
    console.error(`Stale generated error docs: ${stale.join(", ")}. Run \`npm run abi\` and commit the result.`);
    process.exitCode = 1;
  } else {
    console.log(
      check ? `error docs up to date (${errors.length} errors)` : `wrote ${files.map(([f]) => f).join(", ")}`,
    );
  }
}

main();
