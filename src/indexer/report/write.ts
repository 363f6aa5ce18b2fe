/**
 * Report files on disk, written as streams: each renderer yields text chunks that go to the file in 64 KiB
 * writes. `streamReport` builds the report of a store with its per-record tables (supervised, collaborative,
 * blocked) in temporary files instead of memory, so memory stays flat however many intents the period holds.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadReportView, type LoadReportOptions } from "./load";
import type { ReportMeta, ReportView, TierTotals } from "./model";
import { fileRecords } from "./records";
import { reportHtmlChunks } from "./render-html";
import { reportCsvFiles, reportJsonChunks, reportMarkdownChunks } from "./render-text";

/** The formats `writeReportFiles` writes: `report.html`, `report.json`, one CSV per table, `report.md`. */
export const REPORT_FORMATS = ["html", "json", "csv", "md"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

function writeChunks(file: string, chunks: Iterable<string>): void {
  const fd = openSync(file, "w");
  try {
    let buf = "";
    for (const c of chunks) {
      buf += c;
      if (buf.length >= 1 << 16) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    if (buf) writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
}

function* withNewline(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield "\n";
}

/** Report files for the formats asked for, written to `dir` (created if needed); returns their absolute paths. */
export function writeReportFiles(report: ReportView, dir: string, formats: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, chunks: Iterable<string>) => {
    const f = path.resolve(dir, name);
    writeChunks(f, chunks);
    files.push(f);
  };
  if (formats.includes("html")) put("report.html", reportHtmlChunks(report));
  if (formats.includes("json")) put("report.json", withNewline(reportJsonChunks(report, 2)));
  if (formats.includes("csv")) for (const [name, chunks] of reportCsvFiles(report)) put(name, chunks());
  if (formats.includes("md")) put("report.md", reportMarkdownChunks(report));
  return files;
}

/** What `streamReport` wrote: the report's metadata and totals, its record counts, and the files. */
export interface StreamedReport {
  meta: ReportMeta;
  totals: TierTotals[];
  records: { supervised: number; collaborative: number; blocked: number };
  files: string[];
}

/**
 * Builds the report of `[from, to)` from a store and writes its files to `dir`, streamed: the per-record tables
 * go through temporary files (removed before it returns), never all in memory.
 */
export async function streamReport(opts: LoadReportOptions & { dir: string; formats: readonly string[] }): Promise<StreamedReport> {
  const { dir, formats, ...load } = opts;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "tierguard-report-"));
  try {
    const report = await loadReportView(load, {
      supervised: fileRecords(path.join(tmp, "supervised.jsonl")),
      collaborative: fileRecords(path.join(tmp, "collaborative.jsonl")),
      blocked: fileRecords(path.join(tmp, "blocked.jsonl")),
    });
    const files = writeReportFiles(report, dir, formats);
    return {
      meta: report.meta,
      totals: report.totals,
      records: { supervised: report.supervised.length, collaborative: report.collaborative.length, blocked: report.blocked.length },
      files,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
