/**
 * TierGuard SDK: policy files, an exact off-chain classifier, and agent and owner clients for the TierGuard
 * wallet. Every public name is exported here explicitly (a test snapshots the list).
 *
 * @example
 * ```ts
 * import { createAgentClient } from "tierguard";
 * const agent = createAgentClient({ publicClient, walletClient, wallet, token: usdc });
 * const payment = await agent.authorize({ amount: "89.00", category: "agent_hire", recipient, justification });
 * payment.tier;   // "collaborative"
 * payment.status; // "awaiting_approval"
 * ```
 */

// Errors
export { TierGuardError, type TierGuardErrorOptions } from "./errors";
export { PolicyError, type PolicyProblem } from "./policy/schema";
export { ClassifyError } from "./classify/classify";
export { ContractError, RpcError, InvalidInputError, WaitTimeoutError, decodeError, withRetry } from "./client/errors";
export type { RetryOptions, TierGuardErrorName } from "./client/errors";

// ABI
export { tierGuardWalletAbi } from "./abi/TierGuardWallet";

// Policy files
export { policySchema, validatePolicy, type Policy } from "./policy/schema";
export { parsePolicy, loadPolicyFile, type ParseOptions, type PolicyFormat } from "./policy/load";
export { compilePolicy, type WalletConfig } from "./policy/compile";
export { planPolicy, diffConfig, readWalletConfig, type PolicyPlan, type PlanPolicyArgs } from "./policy/plan";
export { applyPolicy, type ApplyPolicyArgs, type ApplyPolicyResult } from "./policy/apply";
export { parseDecimal, parseDuration, formatDecimal, formatDuration } from "./policy/units";

// Classification
export { classify } from "./classify/classify";
export { readClassifierState, type ReadClassifierStateOptions } from "./classify/state";
export { Tier, Reason, Trust, PriceKind } from "./classify/types";
export type { ClassifyInput, ClassifyResult, ClassifierState, ClassifyErrorCode } from "./classify/types";

// Clients
export { createAgentClient } from "./client/agent";
export type { AgentClient, AgentClientConfig, AuthorizeParams, AuthorizeResult, PreviewResult } from "./client/agent";
export { parseAmount, toAgentId } from "./client/agent";
export { idempotencyKeyOf, signedSpendTypedData, signedIntentToJson } from "./client/signed-intents";
export type { SignedIntent, SignedIntentJson, SignedSpend } from "./client/signed-intents";
export { RelayerError, relayIntent, type RelayResponse } from "./client/relayer-client";
export { createRelayer, type Relayer, type RelayerConfig, type RelayAnswer } from "./relayer";
export { createOwnerClient, ownerCalls, encodeWalletCall } from "./client/owner";
export type { OwnerClient, OwnerClientConfig, PendingItem } from "./client/owner";
export {
  auditIdFor,
  decodeDetails,
  decodeMisses,
  findSubmission,
  intentIdFor,
  listSubmissions,
  pendingIntentFrom,
  readIntentStatus,
  REASON_NAMES,
  STATUS_NAMES,
  TIER_NAMES,
} from "./client/intents";
export {
  approvalTypedData,
  erc1271Signer,
  ownerActionTypedData,
  signWith,
  sortSignatures,
} from "./client/signing";
export { measureAuthorizeLatency } from "./client/bench";

// Owners on separate machines: action files, Safe owners, keystores
export {
  prepareOwnerAction,
  prepareApproval,
  checkActionFile,
  signActionFile,
  submitActionFile,
  type ActionStatus,
  type SignatureStatus,
} from "./owners/collect";
export {
  ActionFileError,
  readActionFile,
  writeActionFile,
  mergeActionFiles,
  summaryOf,
  digestOf,
  type ActionFile,
  type OwnerActionFile,
  type ApprovalFile,
  type CollectedSignature,
} from "./owners/file";
export {
  safeSigner,
  signAsSafeOwner,
  combineSafeSignatures,
  safeMessageHash,
  safeMessageTypedData,
  signMessageLibCalldata,
  type SafeOwnerSignature,
} from "./owners/safe";
export { decryptKeystore, encryptKeystore, KeystoreError } from "./owners/keystore";
