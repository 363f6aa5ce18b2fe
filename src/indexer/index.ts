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
  IntentRow,
  IntentQuery,
  LogPosition,
  SyncHints,
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
  X402_EVENTS,
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
export { buildReport, contentHashOf, type ReportInput } from "./report/build";
export { loadReport, type LoadReportOptions } from "./report/load";
export { PolicyHistory, describeChanges, type PolicySnapshot } from "./report/history";
export { buildGovernance, type Governance, type GovernanceAction, type FundMovement } from "./report/governance";
export { createLabels, type Labels, type LabelSource } from "./report/labels";
export { formatReferenceUnits, parseReferenceUnits, agentLabel, isoUtc, type ReportTime } from "./report/format";
export { reportTables, type Column, type ColumnKind, type Table } from "./report/columns";
export {
  renderReportJson,
  renderReportCsv,
  renderReportMarkdown,
  reportJsonChunks,
  reportCsvFiles,
  reportMarkdownChunks,
  parseCsv,
  csvField,
  mdCell,
} from "./report/render-text";
export { renderReportHtml, reportHtmlChunks, type HtmlOptions } from "./report/render-html";
export { writeReportFiles, streamReport, REPORT_FORMATS, type ReportFormat, type StreamedReport } from "./report/write";
export type { VerifyCheck } from "./verify/reconcile";
export {
  AUDIT_DEPTH,
  type AuditReport,
  type ReportView,
  type RecordList,
  type ReportMeta,
  type CategoryNames,
  type AutonomousDay,
  type IntentIdentity,
  type IntentRecord,
  type SupervisedRecord,
  type CollaborativeRecord,
  type BlockedRecord,
  type TierTotals,
  type ActorTotals,
} from "./report/model";
export {
  detectAlerts,
  initialDetectorState,
  BUDGET_THRESHOLDS,
  type Alert,
  type AlertKind,
  type AlertSeverity,
  type DetectorState,
} from "./alerts/detect";
export {
  openAlertOutbox,
  backoffMs,
  ALERT_MIGRATIONS,
  type AlertOutbox,
  type AlertChannel,
  type AlertCursor,
  type ChannelResult,
  type DeliveryResult,
  type DeliveryStatus,
  type ProduceResult,
  type BackoffOptions,
} from "./alerts/outbox";
export {
  stdoutChannel,
  webhookChannel,
  webhookPayload,
  formatAlertLine,
  type WebhookOptions,
} from "./alerts/channels";
