/**
 * `tierguard/x402`: pay x402 APIs from a TierGuard wallet, through its tiers, with the official x402 packages.
 *
 * @example
 * ```ts
 * import { createX402Fetch } from "tierguard/x402";
 * const x402Fetch = createX402Fetch({ publicClient, walletClient: sessionKeyClient, wallet });
 * const r = await x402Fetch("https://api.example.com/weather", undefined, { category: "api_calls", justification: "forecast" });
 * if (r.status === "ok") console.log(await r.response.json());
 * if (r.status === "pending") console.log(`retry after ${r.until.toISOString()} (intent ${r.intentId})`);
 * ```
 */
export { createX402Fetch } from "./fetch";
export type { X402Fetch, X402FetchConfig, X402FetchResult, X402PaymentInfo, X402PendingStore, PendingX402Payment } from "./fetch";
export { tierGuardX402Signer, X402PaymentPendingError, X402PaymentRefusedError } from "./signer";
export type { TierGuardX402SignerOptions } from "./signer";
export { submitX402Authorization, readX402Record, releaseX402Authorization } from "./authorization";
export type { X402Authorization, X402Submission, X402RecordStatus } from "./authorization";
