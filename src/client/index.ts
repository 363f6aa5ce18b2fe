/** TierGuard client SDK: agent and owner clients, intent decoding, EIP-712 signing, error decoding. */
export { createAgentClient, parseAmount, toAgentId, MAX_JUSTIFICATION_BYTES } from "./agent";
export type { AgentClient, AgentClientConfig, AuthorizeParams, AuthorizeResult, PreviewResult } from "./agent";
export { createOwnerClient, encodeWalletCall, ownerCalls } from "./owner";
export type { OwnerClient, OwnerClientConfig, PendingItem, PendingStatus, SignedOwnerAction, TimeInput } from "./owner";
export * from "./intents";
export * from "./signing";
export * from "./signed-intents";
export { RelayerError, relayIntent, type RelayResponse } from "./relayer-client";
export {
  ContractError,
  RpcError,
  InvalidInputError,
  WaitTimeoutError,
  ERROR_DOCS,
  decodeError,
  decodeRevertData,
  withRetry,
} from "./errors";
export type { RetryOptions, TierGuardErrorName } from "./errors";
export { measureAuthorizeLatency } from "./bench";
export type { AuthorizeLatencyOptions, AuthorizeLatencyResult } from "./bench";
