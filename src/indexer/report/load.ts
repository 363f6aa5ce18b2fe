/**
 * The report from a store, streamed: the configuration and fund logs (the policy history and the governance
 * section) are read once, through the store's index of logs without an intent id. The autonomous payments are
 * summed in SQL per UTC day, category and agent over the materialised `intents` table (no row per payment
 * crosses into JavaScript). The other intents (queued tiers, blocked attempts, intents whose submission is not
 * stored) are read in keyset pages of ids, and their logs by intent id are made into trails. Memory holds one
 * page and the report's own tables, not the history.
 */
import type { Address } from "viem";
import { CONFIG_EVENTS } from "../model/state";
import { buildTrails, type TrailLog } from "../model/trail";
import { autonomousGroups, bareIntentLogs, firstIntentTime, trailIntentPage } from "../store/report-reads";
import type { LogPosition, Store } from "../store/types";
import { reportBuilder, type RecordSinks, type ReportInput } from "./build";
import { GOVERNANCE_FUND_EVENTS } from "./governance";
import type { AuditReport, ReportView } from "./model";

export interface LoadReportOptions extends Omit<ReportInput, "trails" | "configLogs" | "categories" | "wallet"> {
  store: Store;
  wallet: Address;
  /** intents read per page (default 2000) */
  pageSize?: number;
}

const inOrder = (a: TrailLog, b: TrailLog) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;

/** Builds the report of `[from, to)` from what the store holds for `wallet`. */
export async function loadReport(opts: LoadReportOptions): Promise<AuditReport> {
  return (await loadReportView(opts)) as AuditReport; // records kept in memory: arrays
}

/** The report of a store, its per-record tables kept in `records` (default: in memory). */
export async function loadReportView(opts: LoadReportOptions, records?: RecordSinks): Promise<ReportView> {
  const { store, wallet, pageSize = 2000, ...rest } = opts;
  const db = store.db;
  const configLogs = await store.logs(wallet, { withoutIntent: true, events: [...CONFIG_EVENTS, ...GOVERNANCE_FUND_EVENTS] });
  const firstRecord = await firstIntentTime(db, wallet);
  // An owner removal voids the approvals of the intents open at that moment: each page's trails need them.
  const removals = configLogs.filter((l) => l.event === "OwnerRemoved");
  const builder = reportBuilder({ ...rest, configLogs, wallet, firstRecord, records });
  const { from, to } = builder.period;

  for (const g of await autonomousGroups(db, wallet, from, to)) builder.addAutonomousGroup(g);

  let after: LogPosition | undefined;
  for (;;) {
    const page = await trailIntentPage(db, wallet, after, pageSize);
    if (page.length > 0) {
      const logs = await bareIntentLogs(db, wallet, page.map((p) => p.intentId));
      for (const t of buildTrails([...logs, ...removals].sort(inOrder))) builder.addTrail(t);
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1].position;
  }
  return builder.finish();
}
