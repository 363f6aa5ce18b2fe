/** TierGuard indexer: wallet logs into SQL (PGlite or node-postgres), reorg-safe, and audit trails rebuilt from them. */
export { openStore } from "./store/store";
export { migrate, MIGRATIONS } from "./store/migrations";
export { toJson } from "./store/sql";
export {
  IndexerStoreError,
  IndexerDecodeError,
  IndexerRpcError,
  isRangeError,
} from "./errors";
export type {
  Checkpoint,
  LogQuery,
  Migration,
  OwnedStore,
  RangeCommit,
  SqlClient,
  SqlDatabase,
  SqlResult,
  Store,
  StoredBlock,
  StoredLog,
  OpenStoreOptions,
  OpenedDatabase,
} from "./store/types";
export {
  syncOnce,
  type ReorgInfo,
  type SyncFault,
  type SyncOptions,
  type SyncProgress,
  type SyncResult,
} from "./sync/historical";
export {
  buildTrails,
  loadTrail,
  loadTrails,
  type Approval,
  type IntentTrail,
  type LogRef,
  type TrailStatus,
  type TrailStep,
} from "./model/trail";
export {
  follow,
  type FollowLogsInfo,
  type FollowOptions,
  type FollowPhase,
  type FollowResult,
} from "./sync/follow";
export { startApi, type ApiOptions, type ApiServer } from "./api/server";
export { openDatabase } from "./store/database";
export { isPostgresUrl, redactUrl } from "./store/location";
export {
  buildState,
  loadState,
  buildConfigHistory,
  configHistory,
  decodeStoredLog,
  categoryLabel,
  CONFIG_EVENTS,
  INTENT_EVENTS,
  TIERS,
  TRUST_NAMES,
  PRICE_KINDS,
  type BudgetConfig,
  type ConfigChange,
  type ConfigEventName,
  type IntentState,
  type SessionKeyState,
  type TierRulesConfig,
  type TokenConfigState,
  type WalletState,
} from "./model/state";
export { verify, type Difference, type VerifyOptions, type VerifyResult } from "./verify/verify";
export {
  buildReport,
  renderReportJson,
  renderReportCsv,
  renderReportMarkdown,
  categoryNamesFromLogs,
  loadCategoryNames,
  formatReferenceUnits,
  parseReferenceUnits,
  parseCsv,
  agentLabel,
  AUDIT_DEPTH,
  type AuditReport,
  type ReportInput,
  type ReportTime,
  type CategoryNames,
  type AutonomousDay,
  type SupervisedRecord,
  type CollaborativeRecord,
  type BlockedRecord,
  type TierTotals,
  type ActorTotals,
} from "./report/report";
export { renderReportHtml } from "./report/html";
export {
  alertsFromTrails,
  alertsFromLogs,
  collectAlerts,
  dispatchAlerts,
  stdoutSink,
  webhookSink,
  formatAlertLine,
  webhookPayload,
  type Alert,
  type AlertCursor,
  type AlertKind,
  type AlertSink,
  type SinkResult,
  type WebhookOptions,
} from "./alerts/alerts";
