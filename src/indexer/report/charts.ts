/**
 * Inline SVG charts for the HTML report (no script, no external resource): horizontal bars and stacked
 * columns. Every bar is a `<rect class="bar">` with `data-series`, `data-label` and `data-value` attributes, so
 * tests and tools can find them.
 */

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

export const TIER_COLORS: Record<string, string> = {
  autonomous: "#2e7d32",
  supervised: "#1565c0",
  collaborative: "#6a1b9a",
  prohibited: "#c62828",
};

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
