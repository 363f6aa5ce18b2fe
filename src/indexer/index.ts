/** TierGuard indexer: wallet logs into SQL (PGlite or node-postgres), reorg-safe, and audit trails rebuilt from them. */
export {
  openStore,
  migrate,
  MIGRATIONS,
  IndexerStoreError,
  toJson,
  type Checkpoint,
  type LogQuery,
  type Migration,
  type RangeCommit,
  type SqlClient,
  type SqlDatabase,
  type SqlResult,
  type Store,
  type StoredBlock,
  type StoredLog,
} from "./store";
export {
  syncOnce,
  isRangeError,
  IndexerDecodeError,
  IndexerRpcError,
  type ReorgInfo,
  type SyncFault,
  type SyncOptions,
  type SyncProgress,
  type SyncResult,
} from "./sync";
export {
  buildTrails,
  loadTrail,
  loadTrails,
  type Approval,
  type IntentTrail,
  type LogRef,
  type TrailStatus,
  type TrailStep,
} from "./trail";
