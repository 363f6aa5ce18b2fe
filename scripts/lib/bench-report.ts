/**
 * Child process of `bench:audit`: writes the audit report (JSON, CSV, Markdown, HTML) of a PGlite store (or a
 * PostgreSQL URL) as `audit report` does (`streamReport`: streamed to files in a temporary directory) and prints
 * {"ms": n, "bytes": n, "peakRssMb": n} on stdout. Run in its own process so that its peak resident memory is the
 * report's alone.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Address } from "viem";
import { openStore, REPORT_FORMATS, streamReport } from "../../src/indexer";

async function main() {
  const [where, wallet, schema] = process.argv.slice(2);
  const store = where.startsWith("postgres")
    ? await openStore({ url: where, schema })
    : await openStore({ dataDir: where });
  const dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-bench-report-"));
  try {
    const t = performance.now();
    const { files } = await streamReport({ store, wallet: wallet as Address, from: 0, to: 4_102_444_800, dir, formats: REPORT_FORMATS });
    const ms = performance.now() - t;
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    process.stdout.write(`${JSON.stringify({ ms, bytes, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await store.close();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
