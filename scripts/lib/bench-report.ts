/**
 * Child process of `bench:audit`: builds and renders the audit report (JSON, CSV, Markdown, HTML) of a PGlite
 * store (or a PostgreSQL URL) and prints {"ms": n, "peakRssMb": n} on stdout. Run in its own process so that its
 * peak resident memory is the report's alone.
 */
import { loadReport, openStore, renderReportCsv, renderReportHtml, renderReportJson, renderReportMarkdown } from "../../src/indexer";
import type { Address } from "viem";

async function main() {
  const [where, wallet, schema] = process.argv.slice(2);
  const store = where.startsWith("postgres")
    ? await openStore({ url: where, schema })
    : await openStore({ dataDir: where });
  try {
    const t = performance.now();
    const report = await loadReport({ store, wallet: wallet as Address, from: 0, to: 4_102_444_800 } as never);
    let bytes = renderReportJson(report).length + renderReportMarkdown(report).length + renderReportHtml(report).length;
    for (const v of Object.values(renderReportCsv(report))) bytes += v.length;
    const ms = performance.now() - t;
    process.stdout.write(`${JSON.stringify({ ms, bytes, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  } finally {
    await store.close();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
