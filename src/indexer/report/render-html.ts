/**
 * The audit report as ONE self-contained HTML file: inline CSS, inline SVG charts (`charts.ts`), no script, no
 * external resource (a Content-Security-Policy meta tag forbids them). Built for size: every table comes from
 * the one table model (`columns.ts`), split in pages of `pageSize` rows, each a collapsible `<details>` (only
 * the first open, so a browser lays out little); beyond `maxRows` rows a table says how many more the CSV and
 * JSON hold. Tables take the page's width and wrap their cells: no horizontal scrolling.
 */
import { TIER_COLORS, escapeHtml, horizontalBarChart, stackedColumnChart } from "./charts";
import { plain, tableList, type Cell, type Column, type Table } from "./columns";
import { parseReferenceUnits } from "./format";
import type { CollaborativeRecord, RecordList, ReportView } from "./model";
import { metaRows } from "./render-text";

export interface HtmlOptions {
  /** rows per page (default 100) */
  pageSize?: number;
  /** rows per table written to the HTML at most (default 2000); the rest are in the CSV and JSON files */
  maxRows?: number;
}

const units = (s: string) => Number(parseReferenceUnits(s)) / 1e6;
const mono = (v: unknown) => `<span class="mono">${escapeHtml(v)}</span>`;

function cell<R>(c: Column<R>, r: R): string {
  const v = c.value(r);
  const cls = c.kind === "num" || c.kind === "money" ? ' class="num"' : "";
  let html: string;
  if (Array.isArray(v)) html = v.map((x) => (c.key === "tx_hashes" || c.key === "signers" || c.key === "by" ? mono(x) : escapeHtml(x))).join("<br>");
  else if (c.kind === "address") {
    const label = c.label?.(r);
    html = v ? `${label ? `<span class="label">${escapeHtml(label)}</span><br>` : ""}${mono(v)}` : "";
  } else if (c.kind === "hash") html = v ? mono(v) : "";
  else if (c.kind === "outcome") html = `<span class="outcome ${escapeHtml(v)}">${escapeHtml(v)}</span>`;
  else html = escapeHtml(plain(v as Cell));
  return `<td${cls}>${html}</td>`;
}

/** Up to `n` items of `xs`. */
function* take<T>(xs: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const x of xs) {
    yield x;
    if (++i >= n) return;
  }
}

function* pagedTable<R>(t: Table<R>, rows: RecordList<R>, o: Required<HtmlOptions>): Generator<string> {
  if (rows.length === 0) {
    yield `<p class="none" id="${escapeHtml(t.id)}-table">None in the period.</p>`;
    return;
  }
  const head = `<thead><tr>${t.columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join("")}</tr></thead>`;
  const shown = Math.min(rows.length, o.maxRows);
  let page: R[] = [];
  let i = 0;
  const flush = () => {
    const body = page.map((r) => `<tr>${t.columns.map((c) => cell(c, r)).join("")}</tr>`).join("");
    const table = `<table id="${escapeHtml(t.id)}-table${i === 0 ? "" : `-${i / o.pageSize + 1}`}">${head}<tbody>${body}</tbody></table>`;
    const out =
      shown <= o.pageSize
        ? table
        : `<details class="page"${i === 0 ? " open" : ""}><summary>rows ${i + 1}–${i + page.length} of ${rows.length}</summary>${table}</details>`;
    i += page.length;
    page = [];
    return out;
  };
  for (const r of take(rows, shown)) {
    page.push(r);
    if (page.length === o.pageSize) yield flush();
  }
  if (page.length > 0) yield flush();
  if (rows.length > shown) {
    yield `<p class="more">${rows.length - shown} more rows are in ${escapeHtml(t.id)}.csv and report.json.</p>`;
  }
}

function lifecycle(r: CollaborativeRecord): string {
  const rows = r.chain
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.kind)}</td><td>${escapeHtml(s.atUtc)}</td><td>${s.actor ? mono(s.actor) : ""}</td><td>${escapeHtml(s.detail)}</td><td>${mono(s.txHash)}</td><td class="num">${escapeHtml(s.blockNumber)}</td></tr>`,
    )
    .join("");
  return `<details><summary>${escapeHtml(r.auditId)}: full chain (${r.chain.length} steps)</summary><table id="chain-${escapeHtml(r.intentId)}"><thead><tr><th>Step</th><th>Time (UTC)</th><th>Actor</th><th>Detail</th><th>Transaction</th><th>Block</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function charts(report: ReportView): string {
  const cur = report.meta.currency;
  const paying = report.totals.filter((t) => t.tier !== "prohibited");
  const perCategory = new Map<string, number>();
  for (const b of report.blocked) perCategory.set(b.category, (perCategory.get(b.category) ?? 0) + 1);
  const blockedByCategory = [...perCategory].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const list = [
    {
      caption: `Paid per tier (${cur}; blocked attempts are never paid and are shown apart)`,
      svg: horizontalBarChart({
        id: "chart-tier",
        title: "Paid per tier",
        unit: cur,
        series: [{ name: "executed", color: TIER_COLORS.supervised }],
        legend: paying.map((t) => ({ name: t.tier, color: TIER_COLORS[t.tier] })),
        rows: paying.map((t) => ({ label: t.tier, values: [units(t.executedValue)], display: [t.executedValue], color: TIER_COLORS[t.tier] })),
      }),
    },
    {
      caption: `Paid per category (${cur})`,
      svg: horizontalBarChart({
        id: "chart-category",
        title: "Paid per category",
        unit: cur,
        series: [{ name: "executed", color: "#00838f" }],
        rows: report.spendByCategory.map((c) => ({ label: c.category, values: [units(c.total)], display: [c.total] })),
      }),
    },
    {
      caption: `Paid per day (UTC, ${cur}, by tier)`,
      svg: stackedColumnChart({
        id: "chart-day",
        title: "Paid per day",
        unit: cur,
        series: (["autonomous", "supervised", "collaborative"] as const).map((t) => ({ name: t, color: TIER_COLORS[t] })),
        rows: report.spendByDay.map((d) => ({
          label: d.day,
          values: [units(d.autonomous), units(d.supervised), units(d.collaborative)],
          display: [d.autonomous, d.supervised, d.collaborative],
        })),
      }),
    },
    {
      caption: "Approvals, vetoes and rejections per account",
      svg: horizontalBarChart({
        id: "chart-approvals",
        title: "Approvals and vetoes",
        series: [
          { name: "approvals", color: TIER_COLORS.collaborative },
          { name: "vetoes", color: "#ef6c00" },
          { name: "rejections", color: TIER_COLORS.prohibited },
        ],
        rows: report.actors
          .filter((a) => a.approvals + a.vetoes + a.rejections > 0)
          .map((a) => ({ label: a.label ?? `${a.address.slice(0, 8)}…${a.address.slice(-6)}`, values: [a.approvals, a.vetoes, a.rejections] })),
      }),
    },
    {
      caption: "Blocked attempts per category (count, not spend)",
      svg: horizontalBarChart({
        id: "chart-blocked",
        title: "Blocked attempts",
        series: [{ name: "attempts", color: TIER_COLORS.prohibited }],
        rows: blockedByCategory.map(([label, n]) => ({ label, values: [n] })),
      }),
    },
  ];
  return list.map((c) => `<figure><figcaption>${escapeHtml(c.caption)}</figcaption>${c.svg}</figure>`).join("");
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#fff;--head:#f3f5f9}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:24px 32px;max-width:1400px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;color:var(--muted);margin:0 0 16px}dl.meta dd{margin:0;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:170px}
.card .n{font-size:20px;font-weight:600}.card .t{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px;max-width:100%}
figcaption{font-weight:600;margin-bottom:6px}
svg.chart{display:block;font-size:12px;max-width:100%;height:auto}
svg .label,svg .legend-text{fill:var(--fg)}svg .value,svg .tick{fill:var(--muted)}
svg .axis{stroke:#8a93a3}svg .grid{stroke:#eceff4}svg .empty{fill:var(--muted);font-style:italic}
table{border-collapse:collapse;margin:6px 0 12px;font-size:12px;width:100%;table-layout:fixed}
th,td{border:1px solid var(--line);padding:3px 5px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--head)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:11px;word-break:break-all}
.label{font-weight:600}
.outcome{padding:1px 6px;border-radius:8px;font-weight:600;font-size:11px}
.outcome.executed{background:#e3f2e5;color:#1b5e20}.outcome.vetoed,.outcome.rejected,.outcome.blocked{background:#fde7e7;color:#b71c1c}
.outcome.stale,.outcome.expired,.outcome.refused{background:#fff3dc;color:#8a5300}.outcome.pending{background:#e8eefc;color:#1a3d8f}
.none,.more{color:var(--muted);font-style:italic}
details{margin:4px 0 10px}summary{cursor:pointer;color:var(--muted)}
@media print{body{padding:0}figure{break-inside:avoid}}
`;

/** The report as one self-contained HTML document (UTF-8), in text chunks. */
export function* reportHtmlChunks(report: ReportView, options: HtmlOptions = {}): Generator<string> {
  const o: Required<HtmlOptions> = { pageSize: options.pageSize ?? 100, maxRows: options.maxRows ?? 2000 };
  const m = report.meta;
  const g = report.governance;
  const cards = report.totals
    .map(
      (t) =>
        `<div class="card" style="border-left:4px solid ${TIER_COLORS[t.tier]}"><div class="t">${escapeHtml(t.tier)} · ${escapeHtml(t.auditDepth)}</div><div class="n">${
          t.tier === "prohibited" ? `${t.blocked} blocked` : `${escapeHtml(t.executedValue)} ${escapeHtml(m.currency)}`
        }</div><div>${t.submitted} submitted${t.tier === "prohibited" ? `, ${escapeHtml(t.blockedValue)} ${escapeHtml(m.currency)} refused` : `, ${t.executed} paid`}</div></div>`,
    )
    .join("");
  const who = (a: { address: string; label: string | null }) => `${a.label ? `${escapeHtml(a.label)} ` : ""}${mono(a.address)}`;
  // Lines of the document: each chunk but the first starts a new line.
  yield [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(m.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(m.title)}</h1>`,
    `<dl class="meta">${metaRows(report)
      .filter(([, v]) => v)
      .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${k === "wallet" || k === "content hash" ? mono(v) : escapeHtml(v)}</dd>`)
      .join("")}</dl>`,
    `<section id="summary"><h2>Totals per tier</h2><div class="cards">${cards}</div></section>`,
    `<section id="owners"><h2>Owners and guardians</h2><p>${g.threshold}-of-${g.owners.length} owners: ${g.owners.map(who).join(", ")}. Guardians: ${
      g.guardians.map(who).join(", ") || "none"
    }. Policy version ${g.policyVersion}; ${g.paused ? "<strong>paused</strong>" : "not paused"} at the end of the period.</p></section>`,
    `<section id="charts"><h2>Charts</h2><div class="charts">${charts(report)}</div></section>`,
  ].join("\n");
  for (const t of tableList(report)) {
    const rows = t.rows(report);
    yield `\n<section id="${escapeHtml(t.id)}"><h2>${escapeHtml(t.title)} (${rows.length})</h2>\n`;
    yield* pagedTable(t, rows, o);
    if (t.id === "collaborative") {
      yield "\n";
      for (const r of take(report.collaborative, o.pageSize)) yield lifecycle(r);
    }
    yield "\n</section>";
  }
  if (report.incomplete.length > 0) {
    yield `\n<section id="incomplete"><h2>Incomplete trails</h2><p>Submission not indexed (the sync started after it):</p><ul>${report.incomplete
      .map((id) => `<li class="mono">${escapeHtml(id)}</li>`)
      .join("")}</ul></section>`;
  }
  yield "\n</body></html>\n";
}

/** The report as one self-contained HTML document (UTF-8). */
export function renderReportHtml(report: ReportView, options: HtmlOptions = {}): string {
  return [...reportHtmlChunks(report, options)].join("");
}
