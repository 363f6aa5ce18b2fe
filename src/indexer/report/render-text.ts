/**
 * The report's text renderers over the one table model (`columns.ts`): JSON, CSV (one file per table, plus
 * `meta.csv`) and Markdown.
 */
import { plain, tableList, type Cell, type Column, type Table } from "./columns";
import type { AuditReport } from "./model";

// --- JSON ---------------------------------------------------------------------------------------------------

/** The report as JSON: bigints as decimal strings, 2-space indentation, keys in a fixed order, final newline. */
export function renderReportJson(report: AuditReport): string {
  return `${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
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
export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

const csvCells = <R>(t: Table<R>, r: R): Cell[] =>
  t.columns.map((c: Column<R>) => {
    const v = c.value(r);
    return Array.isArray(v) ? v.join(c.key === "approvers" || c.key === "changes" ? "; " : " ") : (v as Cell);
  });

/** One CSV per table (`totals.csv`, `supervised.csv`, `governance.csv`, ...) and `meta.csv` (the report's metadata). */
export function renderReportCsv(report: AuditReport): Record<string, string> {
  const out: Record<string, string> = { "meta.csv": toCsv(["field", "value"], metaRows(report)) };
  for (const t of tableList(report)) out[`${t.id}.csv`] = toCsv(t.columns.map((c) => c.key), t.rows(report).map((r) => csvCells(t, r)));
  return out;
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
export function metaRows(report: AuditReport): [string, string][] {
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
  if (rows.length === 0) return "_none_\n";
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}

/** The report as Markdown: the metadata, the governance summary, then one table per section. */
export function renderReportMarkdown(report: AuditReport): string {
  const m = report.meta;
  const g = report.governance;
  const out: string[] = [`# ${mdCell(m.title)}`, ""];
  for (const [k, v] of metaRows(report)) if (v) out.push(`- ${k[0].toUpperCase()}${k.slice(1)}: ${k === "wallet" || k === "content hash" ? code(v) : mdCell(v)}`);
  out.push(
    "",
    `Owners (${g.threshold}-of-${g.owners.length}): ${g.owners.map((o) => `${o.label ? `${mdCell(o.label)} ` : ""}${code(o.address)}`).join(", ")}; ` +
      `guardians: ${g.guardians.map((x) => code(x.address)).join(", ") || "none"}; policy version ${g.policyVersion}; ${g.paused ? "**paused**" : "not paused"} at the end of the period.`,
    "",
  );
  for (const t of tableList(report)) {
    out.push(`## ${mdCell(t.title)}`, "");
    out.push(mdTable(t.columns.map((c) => c.header), t.rows(report).map((r) => t.columns.map((c) => mdValue(c, r)))));
  }
  for (const r of report.collaborative) {
    out.push(`### ${mdCell(r.auditId)}: lifecycle`, "");
    out.push(
      mdTable(
        ["Step", "Time", "Actor", "Detail", "Transaction", "Block", "Log index"],
        r.chain.map((s) => [mdCell(s.kind), mdCell(s.atUtc), code(s.actor), mdCell(s.detail), code(s.txHash), mdCell(s.blockNumber), mdCell(s.logIndex)]),
      ),
    );
  }
  if (report.incomplete.length > 0) {
    out.push("## Incomplete trails", "", "Submission not indexed (the sync started after it):", "");
    for (const id of report.incomplete) out.push(`- ${code(id)}`);
    out.push("");
  }
  return out.join("\n");
}
