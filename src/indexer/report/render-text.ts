/**
 * The report's text renderers over the one table model (`columns.ts`): JSON, CSV (one file per table, plus
 * `meta.csv`) and Markdown. Each is a generator of text chunks, so that a report streamed from a store is
 * written to its files without the whole text (or every record) in memory; `renderReport*` join the chunks.
 */
import { plain, tableList, type Cell, type Column, type Table } from "./columns";
import type { ReportView } from "./model";

const bigintsAsText = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
/** The per-record tables, written item by item. */
const LISTS = new Set(["supervised", "collaborative", "blocked"]);

// --- JSON ---------------------------------------------------------------------------------------------------

/**
 * The report as JSON text chunks, exactly `JSON.stringify(report, bigints as strings, space)` (space 0: compact,
 * as the content hash reads it), with the per-record tables written one record at a time.
 */
export function* reportJsonChunks(report: ReportView, space: 0 | 2): Generator<string> {
  const nl = space ? "\n" : "";
  const pad = (depth: number) => " ".repeat(depth * space);
  const text = (v: unknown, depth: number) => {
    const t = JSON.stringify(v, bigintsAsText, space || undefined);
    return space ? t.replace(/\n/g, `\n${pad(depth)}`) : t;
  };
  let first = true;
  for (const [k, v] of Object.entries(report)) {
    if (v === undefined) continue;
    yield `${first ? "{" : ","}${nl}${pad(1)}${JSON.stringify(k)}:${space ? " " : ""}`;
    first = false;
    if (LISTS.has(k)) {
      let n = 0;
      for (const item of v as Iterable<unknown>) yield `${n++ === 0 ? "[" : ","}${nl}${pad(2)}${text(item, 2)}`;
      yield n === 0 ? "[]" : `${nl}${pad(1)}]`;
    } else yield text(v, 1);
  }
  yield first ? "{}" : `${nl}}`;
}

/** The report as JSON: bigints as decimal strings, 2-space indentation, keys in a fixed order, final newline. */
export function renderReportJson(report: ReportView): string {
  return `${[...reportJsonChunks(report, 2)].join("")}\n`;
}

// --- CSV ----------------------------------------------------------------------------------------------------

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR, LF or surrounding spaces; quotes doubled.
 * Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed
 * with `'`: justifications are written by agents, not trusted.
 */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return "";
  let s = typeof v === "string" ? v : String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV text: header row + rows, CRLF line ends, final CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  return [...csvLines(header, rows)].join("");
}

function* csvLines(header: readonly string[], rows: Iterable<readonly Cell[]>): Generator<string> {
  yield `${header.map(csvField).join(",")}\r\n`;
  for (const r of rows) yield `${r.map(csvField).join(",")}\r\n`;
}

const csvCells = <R>(t: Table<R>, r: R): Cell[] =>
  t.columns.map((c: Column<R>) => {
    const v = c.value(r);
    return Array.isArray(v) ? v.join(c.key === "approvers" || c.key === "changes" ? "; " : " ") : (v as Cell);
  });

function* mapped<T, U>(xs: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of xs) yield f(x);
}

/** The CSV files (`meta.csv`, then one per table: `totals.csv`, `supervised.csv`, ...) as name and text chunks. */
export function reportCsvFiles(report: ReportView): [string, () => Iterable<string>][] {
  return [
    ["meta.csv", () => csvLines(["field", "value"], metaRows(report))],
    ...tableList(report).map(
      (t): [string, () => Iterable<string>] => [`${t.id}.csv`, () => csvLines(t.columns.map((c) => c.key), mapped(t.rows(report), (r) => csvCells(t, r)))],
    ),
  ];
}

/** One CSV per table (`totals.csv`, `supervised.csv`, `governance.csv`, ...) and `meta.csv` (the report's metadata). */
export function renderReportCsv(report: ReportView): Record<string, string> {
  return Object.fromEntries(reportCsvFiles(report).map(([name, chunks]) => [name, [...chunks()].join("")]));
}

/** Parses CSV text written by `toCsv` (RFC 4180 quoting) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The metadata as field/value pairs, shared by every renderer. */
export function metaRows(report: ReportView): [string, string][] {
  const m = report.meta;
  return [
    ["title", m.title],
    ["wallet", m.wallet ?? ""],
    ["chain id", m.chainId === null ? "" : String(m.chainId)],
    ["blocks", m.blockRange ? `${m.blockRange.from} to ${m.blockRange.to}` : ""],
    ["period", `${m.period.fromUtc} to ${m.period.toUtc} (end exclusive)`],
    ["currency", `${m.currency} (reference currency, 6 decimals)`],
    ["generated at", m.generatedAt ?? ""],
    ["tool", `tierguard ${m.toolVersion}`],
    ["content hash", m.contentHash],
  ];
}

// --- Markdown -----------------------------------------------------------------------------------------------

/** Escapes text for a Markdown table cell: no line breaks, `|` and Markdown/HTML syntax escaped. */
export function mdCell(v: Cell): string {
  if (v === null || v === undefined || v === "") return "";
  return String(v)
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

const code = (v: string | null | undefined) => (v ? `\`${v}\`` : "");

function mdValue<R>(c: Column<R>, r: R): string {
  const v = c.value(r);
  if (Array.isArray(v)) return v.map((x) => (c.key === "tx_hashes" || c.key === "signers" || c.key === "by" ? code(x) : mdCell(x))).join("<br>");
  if (c.kind === "address") {
    const label = c.label?.(r);
    return v ? `${label ? `${mdCell(label)} ` : ""}${code(plain(v as Cell))}` : "";
  }
  if (c.kind === "hash") return code(plain(v as Cell));
  return mdCell(v as Cell);
}

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [...mdTableChunks(header, rows)].join("");
}

function* mdTableChunks(header: readonly string[], rows: RecordListOf<readonly string[]>): Generator<string> {
  if (rows.length === 0) {
    yield "_none_\n";
    return;
  }
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  yield `${line(header)}\n${line(header.map(() => "---"))}`;
  for (const r of rows) yield `\n${line(r)}`;
  yield "\n";
}

type RecordListOf<T> = Iterable<T> & { readonly length: number };
/** `xs` mapped lazily, keeping its length. */
const lazyRows = <T, U>(xs: RecordListOf<T>, f: (x: T) => U): RecordListOf<U> => ({ length: xs.length, [Symbol.iterator]: () => mapped(xs, f) });

/** The report as Markdown chunks: the metadata, the governance summary, then one table per section. */
export function* reportMarkdownChunks(report: ReportView): Generator<string> {
  const m = report.meta;
  const g = report.governance;
  // Parts are separated by a line break (as the lines of a document joined with "\n").
  let first = true;
  const part = function* (chunks: string | Iterable<string>): Generator<string> {
    if (!first) yield "\n";
    first = false;
    if (typeof chunks === "string") yield chunks;
    else yield* chunks;
  };
  yield* part(`# ${mdCell(m.title)}`);
  yield* part("");
  for (const [k, v] of metaRows(report)) if (v) yield* part(`- ${k[0].toUpperCase()}${k.slice(1)}: ${k === "wallet" || k === "content hash" ? code(v) : mdCell(v)}`);
  yield* part("");
  yield* part(
    `Owners (${g.threshold}-of-${g.owners.length}): ${g.owners.map((o) => `${o.label ? `${mdCell(o.label)} ` : ""}${code(o.address)}`).join(", ")}; ` +
      `guardians: ${g.guardians.map((x) => code(x.address)).join(", ") || "none"}; policy version ${g.policyVersion}; ${g.paused ? "**paused**" : "not paused"} at the end of the period.`,
  );
  yield* part("");
  for (const t of tableList(report)) {
    yield* part(`## ${mdCell(t.title)}`);
    yield* part("");
    yield* part(mdTableChunks(t.columns.map((c) => c.header), lazyRows(t.rows(report), (r) => t.columns.map((c) => mdValue(c, r)))));
  }
  for (const r of report.collaborative) {
    yield* part(`### ${mdCell(r.auditId)}: lifecycle`);
    yield* part("");
    yield* part(
      mdTableChunks(
        ["Step", "Time", "Actor", "Detail", "Transaction", "Block", "Log index"],
        r.chain.map((s) => [mdCell(s.kind), mdCell(s.atUtc), code(s.actor), mdCell(s.detail), code(s.txHash), mdCell(s.blockNumber), mdCell(s.logIndex)]),
      ),
    );
  }
  if (report.incomplete.length > 0) {
    for (const line of ["## Incomplete trails", "", "Submission not indexed (the sync started after it):", ""]) yield* part(line);
    for (const id of report.incomplete) yield* part(`- ${code(id)}`);
    yield* part("");
  }
}

/** The report as Markdown: the metadata, the governance summary, then one table per section. */
export function renderReportMarkdown(report: ReportView): string {
  return [...reportMarkdownChunks(report)].join("");
}
