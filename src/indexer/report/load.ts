/** The report from a store: trails, the configuration and fund logs, then `buildReport`. */
import type { Address } from "viem";
import { CONFIG_EVENTS } from "../model/state";
import { loadTrails } from "../model/trail";
import type { Store } from "../store/types";
import { buildReport, type ReportInput } from "./build";
import { GOVERNANCE_FUND_EVENTS } from "./governance";
import type { AuditReport } from "./model";

export interface LoadReportOptions extends Omit<ReportInput, "trails" | "configLogs" | "categories" | "wallet"> {
  store: Store;
  wallet: Address;
}

/** Builds the report of `[from, to)` from what the store holds for `wallet`. */
export async function loadReport(opts: LoadReportOptions): Promise<AuditReport> {
  const { store, wallet, ...rest } = opts;
  const [trails, configLogs] = await Promise.all([
    loadTrails(store, wallet),
    store.logs(wallet, { events: [...CONFIG_EVENTS, ...GOVERNANCE_FUND_EVENTS] }),
  ]);
  return buildReport({ ...rest, trails, configLogs, wallet });
}
