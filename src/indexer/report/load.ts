/**
 * The report from a store, streamed: the configuration and fund logs (the policy history and the governance
 * section) are read once; the intents are read from the materialised `intents` table in keyset pages. An
 * autonomous payment is complete in its row; the logs of the other intents of a page are read by intent id and
 * made into trails. Memory holds one page and the report's own tables, not the history.
 */
import type { Address } from "viem";
import { CONFIG_EVENTS } from "../model/state";
import { buildTrails, type IntentTrail } from "../model/trail";
import type { IntentRow, LogPosition, Store, StoredLog } from "../store/types";
import { reportBuilder, type ReportInput } from "./build";
import { GOVERNANCE_FUND_EVENTS } from "./governance";
import type { AuditReport } from "./model";

export interface LoadReportOptions extends Omit<ReportInput, "trails" | "configLogs" | "categories" | "wallet"> {
  store: Store;
  wallet: Address;
  /** intents read per page (default 2000) */
  pageSize?: number;
}

const inOrder = (a: StoredLog, b: StoredLog) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;

/** Paid in the submission transaction and known completely from the row. */
const paidAtSubmission = (r: IntentRow) => r.complete && r.tier === "autonomous" && r.value !== null && r.category !== null;

/** Builds the report of `[from, to)` from what the store holds for `wallet`. */
export async function loadReport(opts: LoadReportOptions): Promise<AuditReport> {
  const { store, wallet, pageSize = 2000, ...rest } = opts;
  const [configLogs, first] = await Promise.all([
    store.logs(wallet, { events: [...CONFIG_EVENTS, ...GOVERNANCE_FUND_EVENTS] }),
    store.intents(wallet, {}, 1),
  ]);
  // An owner removal voids the approvals of the intents open at that moment: each page's trails need them.
  const removals = configLogs.filter((l) => l.event === "OwnerRemoved");
  const builder = reportBuilder({ ...rest, configLogs, wallet, firstRecord: first[0]?.timestamp });

  let after: LogPosition | undefined;
  for (;;) {
    const page = await store.intents(wallet, { after }, pageSize);
    const others = page.filter((r) => !paidAtSubmission(r)).map((r) => r.intentId);
    const trails = new Map<string, IntentTrail>();
    if (others.length > 0) {
      const logs = await store.logs(wallet, { intentIds: others });
      for (const t of buildTrails([...logs, ...removals].sort(inOrder))) trails.set(t.intentId.toLowerCase(), t);
    }
    for (const r of page) {
      if (paidAtSubmission(r)) {
        builder.addAutonomous({ ...r, value: r.value!, category: r.category! });
      } else {
        const t = trails.get(r.intentId.toLowerCase());
        if (t) builder.addTrail(t);
      }
    }
    if (page.length < pageSize) break;
    const last = page[page.length - 1];
    after = { blockNumber: last.blockNumber, logIndex: last.logIndex };
  }
  return builder.finish();
}
