/**
 * The audit report as ONE self-contained HTML file: inline CSS, inline SVG charts drawn here (no script, no
 * external resource, no network; a Content-Security-Policy meta tag forbids them), then the tables. It opens
 * from disk with any browser.
 *
 * Charts: spend per tier, spend per category, spend per day (stacked by tier), approvals / vetoes / rejections
 * per account, blocked attempts per category. Every bar is a `<rect class="bar">` with `data-series`,
 * `data-label` and `data-value` attributes, so tests and tools can find them.
 */
import type { AuditReport, CollaborativeRecord } from "./report";
import { parseReferenceUnits, COLUMNS } from "./report";

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (v: unknown): string =>
  v === null || v === undefined
    ? ""
    : String(v)
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&#39;");

const TIER_COLORS: Record<string, string> = {
  autonomous: "#2e7d32",
  supervised: "#1565c0",
  collaborative: "#6a1b9a",
  prohibited: "#c62828",
};

const units = (s: string) => Number(parseReferenceUnits(s)) / 1e6;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const trunc = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const r2 = (n: number) => Math.round(n * 100) / 100;

export interface ChartSeries {
  name: string;
  color: string;
}

export interface ChartRow {
  label: string;
  /** one value per series */
  values: number[];
  /** text shown after each bar (default: the value) */
  display?: string[];
  /** single-series charts: this row's colour and series name instead of the series' */
  color?: string;
  seriesName?: string;
}

/** A horizontal bar chart: one group per row, one bar per series. */
export function horizontalBarChart(opts: {
  id: string;
  title: string;
  series: ChartSeries[];
  rows: ChartRow[];
  unit?: string;
  /** legend entries (default: the series, when there are several) */
  legend?: ChartSeries[];
}): string {
  const { id, title, series, rows } = opts;
  const legendItems = opts.legend ?? (series.length > 1 ? series : []);
  const labelW = 170;
  const plotW = 380;
  const valueW = 110;
  const barH = 16;
  const gap = 3;
  const groupGap = 10;
  const top = 8;
  const legendH = legendItems.length > 0 ? 22 : 0;
  const groupH = series.length * (barH + gap) - gap;
  const height = Math.max(40, top + rows.length * (groupH + groupGap) + legendH + 4);
  const width = labelW + plotW + valueW;
  const max = Math.max(0, ...rows.flatMap((r) => r.values));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeHtml(title)}</title>`,
  );
  if (rows.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="empty">no data in the period</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y0 = top + i * (groupH + groupGap);
    parts.push(
      `<text x="${labelW - 8}" y="${r2(y0 + groupH / 2 + 4)}" text-anchor="end" class="label"><title>${escapeHtml(row.label)}</title>${escapeHtml(trunc(row.label, 24))}</text>`,
    );
    series.forEach((s, j) => {
      const v = row.values[j] ?? 0;
      const w = max > 0 && v > 0 ? Math.max(1, (v / max) * plotW) : 0;
      const y = y0 + j * (barH + gap);
      const shown = row.display?.[j] ?? fmt(v);
      const name = (series.length === 1 && row.seriesName) || s.name;
      const color = (series.length === 1 && row.color) || s.color;
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(name)}" data-label="${escapeHtml(row.label)}" data-value="${escapeHtml(shown)}" x="${labelW}" y="${r2(y)}" width="${r2(w)}" height="${barH}" fill="${color}"><title>${escapeHtml(`${row.label} · ${name}: ${shown}${opts.unit ? ` ${opts.unit}` : ""}`)}</title></rect>`,
        `<text x="${r2(labelW + w + 6)}" y="${r2(y + barH - 4)}" class="value">${escapeHtml(shown)}</text>`,
      );
    });
  });
  parts.push(`<line x1="${labelW}" y1="${top - 4}" x2="${labelW}" y2="${height - legendH - 2}" class="axis"/>`);
  if (legendH > 0) parts.push(legend(legendItems, 8, height - 8));
  parts.push("</svg>");
  return parts.join("");
}

function legend(series: ChartSeries[], x: number, y: number): string {
  let cx = x;
  return series
    .map((s) => {
      const item = `<rect class="legend" x="${cx}" y="${y - 10}" width="12" height="12" fill="${s.color}"/><text x="${cx + 16}" y="${y}" class="legend-text">${escapeHtml(s.name)}</text>`;
      cx += 24 + s.name.length * 7;
      return item;
    })
    .join("");
}

/** A vertical stacked bar chart: one column per row (e.g. per day), stacked by series. */
export function stackedColumnChart(opts: {
  id: string;
  title: string;
  series: ChartSeries[];
  rows: ChartRow[];
  unit?: string;
}): string {
  const { id, title, series, rows } = opts;
  const left = 70;
  const top = 14;
  const plotH = 200;
  const colW = 36;
  const colGap = 22;
  const bottom = 46;
  const width = Math.max(360, left + rows.length * (colW + colGap) + colGap);
  const height = top + plotH + bottom;
  const totals = rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const max = Math.max(0, ...totals);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeHtml(title)}</title>`,
  );
  // axis and 4 grid lines
  for (let k = 0; k <= 4; k++) {
    const y = top + plotH - (k / 4) * plotH;
    parts.push(
      `<line x1="${left}" y1="${r2(y)}" x2="${width - 6}" y2="${r2(y)}" class="grid"/>`,
      `<text x="${left - 6}" y="${r2(y + 4)}" text-anchor="end" class="tick">${escapeHtml(fmt((max * k) / 4))}</text>`,
    );
  }
  if (rows.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${top + plotH / 2}" text-anchor="middle" class="empty">no data in the period</text>`,
    );
  }
  rows.forEach((row, i) => {
    const x = left + colGap + i * (colW + colGap);
    let y = top + plotH;
    series.forEach((s, j) => {
      const v = row.values[j] ?? 0;
      const h = max > 0 && v > 0 ? Math.max(1, (v / max) * plotH) : 0;
      y -= h;
      const shown = row.display?.[j] ?? fmt(v);
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(s.name)}" data-label="${escapeHtml(row.label)}" data-value="${escapeHtml(shown)}" x="${x}" y="${r2(y)}" width="${colW}" height="${r2(h)}" fill="${s.color}"><title>${escapeHtml(`${row.label} · ${s.name}: ${shown}${opts.unit ? ` ${opts.unit}` : ""}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${x + colW / 2}" y="${r2(y - 4)}" text-anchor="middle" class="value">${escapeHtml(fmt(totals[i]))}</text>`,
      `<text x="${x + colW / 2}" y="${top + plotH + 16}" text-anchor="middle" class="label">${escapeHtml(row.label)}</text>`,
    );
  });
  parts.push(legend(series, left, height - 8));
  parts.push("</svg>");
  return parts.join("");
}

// --- tables -------------------------------------------------------------------------------------------------

const td = (v: unknown, cls?: string) => `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(v)}</td>`;
const tdCode = (v: unknown) => `<td class="mono">${escapeHtml(v)}</td>`;
const tdHtml = (html: string, cls?: string) => `<td${cls ? ` class="${cls}"` : ""}>${html}</td>`;

function table(id: string, header: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p class="none" id="${escapeHtml(id)}">None in the period.</p>`;
  return `<div class="scroll"><table id="${escapeHtml(id)}"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.join("")}</tr>`)
    .join("")}</tbody></table></div>`;
}

const outcomeCell = (o: string) => tdHtml(`<span class="outcome ${escapeHtml(o)}">${escapeHtml(o)}</span>`);
const txList = (hashes: readonly string[]) =>
  tdHtml(hashes.map((h) => `<span class="mono">${escapeHtml(h)}</span>`).join("<br>"));

function lifecycle(r: CollaborativeRecord): string {
  return `<details open><summary>${escapeHtml(r.auditId)}: full chain (${r.chain.length} steps)</summary>${table(
    `chain-${r.intentId}`,
    ["Step", "Time (UTC)", "Actor", "Detail", "Transaction", "Block", "Log index"],
    r.chain.map((s) => [
      td(s.kind),
      td(s.atUtc),
      tdCode(s.actor),
      td(s.detail),
      tdCode(s.txHash),
      td(s.blockNumber),
      td(s.logIndex),
    ]),
  )}</details>`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#fff;--head:#f3f5f9}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1400px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0 0 16px}.meta span{margin-right:18px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:170px}
.card .n{font-size:20px;font-weight:600}.card .t{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}
svg.chart{display:block;font-size:12px}
svg .label,svg .legend-text{fill:var(--fg)}svg .value,svg .tick{fill:var(--muted)}
svg .axis{stroke:#8a93a3}svg .grid{stroke:#eceff4}svg .empty{fill:var(--muted);font-style:italic}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
th{background:var(--head);white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:11.5px;word-break:break-all}
.outcome{padding:1px 6px;border-radius:8px;font-weight:600;font-size:11.5px;white-space:nowrap}
.outcome.executed{background:#e3f2e5;color:#1b5e20}.outcome.vetoed,.outcome.rejected,.outcome.blocked{background:#fde7e7;color:#b71c1c}
.outcome.stale,.outcome.expired,.outcome.refused{background:#fff3dc;color:#8a5300}.outcome.pending{background:#e8eefc;color:#1a3d8f}
.none{color:var(--muted);font-style:italic}
details{margin:4px 0 10px}summary{cursor:pointer;color:var(--muted)}
@media print{body{padding:0}details{display:block}figure{break-inside:avoid}}
`;

/** The report as one self-contained HTML document (UTF-8). */
export function renderReportHtml(report: AuditReport): string {
  const m = report.meta;
  const tiers = report.totals;
  const paying = tiers.filter((t) => t.tier !== "prohibited");
  const prohibited = tiers.find((t) => t.tier === "prohibited");

  const charts = [
    {
      caption: "Spend per tier (reference units)",
      svg: horizontalBarChart({
        id: "chart-tier",
        title: "Spend per tier",
        unit: "ref. units",
        series: [{ name: "executed", color: TIER_COLORS.supervised }],
        legend: [
          ...paying.map((t) => ({ name: t.tier, color: TIER_COLORS[t.tier] })),
          { name: "prohibited (blocked)", color: TIER_COLORS.prohibited },
        ],
        rows: [
          ...paying.map((t) => ({
            label: t.tier,
            values: [units(t.executedValue)],
            display: [t.executedValue],
            color: TIER_COLORS[t.tier],
          })),
          ...(prohibited
            ? [
                {
                  label: "prohibited",
                  values: [units(prohibited.submittedValue)],
                  display: [prohibited.submittedValue],
                  color: TIER_COLORS.prohibited,
                  seriesName: "blocked (not paid)",
                },
              ]
            : []),
        ],
      }),
    },
    {
      caption: "Spend per category (executed, reference units)",
      svg: horizontalBarChart({
        id: "chart-category",
        title: "Spend per category",
        unit: "ref. units",
        series: [{ name: "executed", color: "#00838f" }],
        rows: report.spendByCategory.map((c) => ({ label: c.category, values: [units(c.total)], display: [c.total] })),
      }),
    },
    {
      caption: "Spend per day (UTC, executed, by tier)",
      svg: stackedColumnChart({
        id: "chart-day",
        title: "Spend per day",
        unit: "ref. units",
        series: (["autonomous", "supervised", "collaborative"] as const).map((t) => ({
          name: t,
          color: TIER_COLORS[t],
        })),
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
          .map((a) => ({
            label: `${a.address.slice(0, 8)}…${a.address.slice(-6)}`,
            values: [a.approvals, a.vetoes, a.rejections],
          })),
      }),
    },
    {
      caption: "Blocked attempts per category",
      svg: horizontalBarChart({
        id: "chart-blocked",
        title: "Blocked attempts",
        series: [{ name: "attempts", color: TIER_COLORS.prohibited }],
        rows: [
          ...report.blocked.reduce(
            (acc, b) => acc.set(b.category, (acc.get(b.category) ?? 0) + 1),
            new Map<string, number>(),
          ),
        ]
          .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
          .map(([label, n]) => ({ label, values: [n] })),
      }),
    },
  ];

  const cards = tiers
    .map(
      (t) =>
        `<div class="card" style="border-left:4px solid ${TIER_COLORS[t.tier]}"><div class="t">${escapeHtml(t.tier)} · ${escapeHtml(t.auditDepth)}</div><div class="n">${
          t.tier === "prohibited" ? `${t.blocked} blocked` : escapeHtml(t.executedValue)
        }</div><div>${t.submitted} submitted${t.tier === "prohibited" ? "" : `, ${t.executed} executed`}</div></div>`,
    )
    .join("");

  const s: string[] = [];
  s.push(
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(m.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(m.title)}</h1>`,
    `<p class="meta"><span>Period: ${escapeHtml(m.period.fromUtc)} to ${escapeHtml(m.period.toUtc)} (end exclusive)</span>${
      m.wallet ? `<span>Wallet: <span class="mono">${escapeHtml(m.wallet)}</span></span>` : ""
    }${m.generatedAt ? `<span>Generated: ${escapeHtml(m.generatedAt)}</span>` : ""}<span>Values in reference units, 6 decimals</span></p>`,
    `<section id="totals"><h2>Totals per tier</h2><div class="cards">${cards}</div>`,
    table(
      "totals-table",
      [...COLUMNS.totals],
      tiers.map((t) => [
        td(t.tier),
        td(t.auditDepth),
        td(t.submitted, "num"),
        td(t.submittedValue, "num"),
        td(t.executed, "num"),
        td(t.executedValue, "num"),
        td(t.vetoed, "num"),
        td(t.rejected, "num"),
        td(t.expired, "num"),
        td(t.stale, "num"),
        td(t.refused, "num"),
        td(t.blocked, "num"),
        td(t.pending, "num"),
      ]),
    ),
    "</section>",
    `<section id="charts"><h2>Charts</h2><div class="charts">${charts
      .map((c) => `<figure><figcaption>${escapeHtml(c.caption)}</figcaption>${c.svg}</figure>`)
      .join("")}</div></section>`,
    `<section id="autonomous"><h2>Autonomous payments: daily batch (batch_daily)</h2>`,
    table(
      "autonomous-table",
      ["Day (UTC)", "Dimension", "Key", "Count", "Total"],
      report.autonomousDaily.flatMap((d) => [
        [td(d.day), td("all"), td(""), td(d.count, "num"), td(d.total, "num")],
        ...d.byCategory.map((c) => [td(d.day), td("category"), td(c.label), td(c.count, "num"), td(c.total, "num")]),
        ...d.byAgent.map((a) => [td(d.day), td("agent"), td(a.label), td(a.count, "num"), td(a.total, "num")]),
      ]),
    ),
    "</section>",
    `<section id="supervised"><h2>Supervised payments (per_transaction)</h2>`,
    table(
      "supervised-table",
      [...COLUMNS.supervised],
      report.supervised.map((r) => [
        td(r.auditId),
        td(r.agent),
        td(r.category),
        tdCode(r.recipient),
        td(r.value, "num"),
        td(r.justification),
        td(r.submittedAtUtc),
        td(r.vetoWindowEndUtc),
        td(r.deadlineUtc),
        outcomeCell(r.outcome),
        tdCode(r.by),
        td(r.decidedAtUtc),
        txList(r.txHashes),
      ]),
    ),
    "</section>",
    `<section id="collaborative"><h2>Collaborative payments (per_transaction_enhanced)</h2>`,
    table(
      "collaborative-table",
      [...COLUMNS.collaborative],
      report.collaborative.map((r) => [
        td(r.auditId),
        td(r.agent),
        td(r.category),
        tdCode(r.recipient),
        td(r.value, "num"),
        td(r.justification),
        td(r.submittedAtUtc),
        td(r.deadlineUtc),
        tdHtml(
          r.approvals
            .map(
              (a) =>
                `<span class="mono">${escapeHtml(a.owner)}</span> at ${escapeHtml(a.atUtc)}${a.voided ? " (voided)" : ""}`,
            )
            .join("<br>"),
        ),
        outcomeCell(r.outcome),
        tdCode(r.by),
        td(r.decidedAtUtc),
        txList(r.txHashes),
      ]),
    ),
    report.collaborative.map(lifecycle).join(""),
    "</section>",
    `<section id="blocked"><h2>Blocked attempts (attempt_logged)</h2>`,
    table(
      "blocked-table",
      [...COLUMNS.blocked],
      report.blocked.map((r) => [
        td(r.auditId),
        td(r.agent),
        tdCode(r.recipient),
        td(r.category),
        td(r.value, "num"),
        td(r.reason),
        td(r.justification),
        td(r.attemptedAtUtc),
        tdCode(r.txHash),
      ]),
    ),
    "</section>",
    `<section id="actors"><h2>Approvals, vetoes and rejections per account</h2>`,
    table(
      "actors-table",
      [...COLUMNS.actors],
      report.actors.map((a) => [
        tdCode(a.address),
        td(a.approvals, "num"),
        td(a.vetoes, "num"),
        td(a.rejections, "num"),
        td(a.executions, "num"),
      ]),
    ),
    "</section>",
  );
  if (report.incomplete.length > 0) {
    s.push(
      `<section id="incomplete"><h2>Incomplete trails</h2><p>Submission not indexed (the sync started after it):</p><ul>${report.incomplete
        .map((id) => `<li class="mono">${escapeHtml(id)}</li>`)
        .join("")}</ul></section>`,
    );
  }
  s.push("</body></html>", "");
  return s.join("\n");
}
