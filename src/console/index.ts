/** The owners' console: a local web app over the indexer's store, acting through the owner's browser wallet. */
export { startConsole, type ConsoleOptions, type ConsoleServer } from "./server";
export { createApp, type AppOptions } from "./app";
export { ConsoleView, type ActivityItem, type ActivityKind, type ViewEvent, type ViewOptions } from "./view";
export { ConsoleModel, ACTION_ROLES, type ActionName, type QueueItem, type Role } from "./model";
export { SignatureBook, SignatureRefused, type CollectedSignature } from "./signatures";
export { approvalRequest, intentTx, pauseTx, type PreparedTx, type TxAction } from "./actions";
