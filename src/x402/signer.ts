/**
 * A signer for x402's `exact` EVM client (`@x402/evm`) whose address is the TierGuard wallet. "Signing" an
 * authorization submits it to the wallet with the agent's session key; the wallet classifies it through the tiers
 * and records it, and the signature returned is what the token will pass to the wallet's ERC-1271
 * `isValidSignature` (the intent id). Only an autonomous payment returns a signature at once: a queued one throws
 * `X402PaymentPendingError`, a prohibited one `X402PaymentRefusedError`.
 */
import { domainSeparator, getAddress, isAddressEqual, type Address, type Hex, type TypedDataDomain } from "viem";
import type { ClientEvmSigner } from "@x402/evm";
import { TierGuardError } from "../errors";
import { InvalidInputError, withRetry } from "../client/errors";
import type { TxContext } from "../client/tx";
import { submitX402Authorization, type X402Authorization, type X402Submission } from "./authorization";

const DOMAIN_SEPARATOR_ABI = [
  {
    type: "function",
    name: "DOMAIN_SEPARATOR",
    stateMutability: "view",
    inputs: [],
    outputs: [{ name: "", type: "bytes32" }],
  },
] as const;

/** A queued (supervised or collaborative) x402 payment: it settles once the owners let it through. */
export class X402PaymentPendingError extends TierGuardError {
  override name = "X402PaymentPendingError";
  constructor(readonly submission: X402Submission) {
    super(`x402 payment ${submission.intentId} is ${submission.status.replace(/_/g, " ")} (${submission.tier})`, {
      fix: "Retry the request once the intent has executed, before the authorization's validBefore.",
    });
  }
}

/** A prohibited x402 payment: recorded as blocked by the wallet, nothing can settle. */
export class X402PaymentRefusedError extends TierGuardError {
  override name = "X402PaymentRefusedError";
  constructor(
    readonly reason: string,
    readonly submission?: X402Submission,
  ) {
    super(`x402 payment refused: ${reason}`, {
      fix: "The wallet's policy prohibits this payment; the attempt is recorded for the owners.",
    });
  }
}

export interface TierGuardX402SignerOptions {
  /** the agent's session key client and the wallet */
  ctx: TxContext;
  /** category id the payment is classified under */
  category: number;
  justification: string;
  /** called with the wallet's decision, whatever it is */
  onSubmitted?: (s: X402Submission) => void;
}

/** The `ClientEvmSigner` for `@x402/evm`'s `ExactEvmScheme`: its `address` is the TierGuard wallet. */
export function tierGuardX402Signer(o: TierGuardX402SignerOptions): ClientEvmSigner {
  const { ctx } = o;
  return {
    address: getAddress(ctx.wallet),
    async signTypedData({ domain, primaryType, message }) {
      if (primaryType !== "TransferWithAuthorization")
        throw new InvalidInputError(
          "primaryType",
          `the TierGuard wallet only signs x402 TransferWithAuthorization, not ${primaryType}`,
          "Use an EIP-3009 (assetTransferMethod eip3009) payment option; Permit2 is not supported.",
        );
      const m = message as { from: string; to: string; value: bigint; validAfter: bigint; validBefore: bigint; nonce: Hex };
      if (!isAddressEqual(m.from as Address, ctx.wallet))
        throw new InvalidInputError("from", `the authorization is from ${m.from}, not the wallet ${ctx.wallet}`);
      const token = getAddress(String(domain.verifyingContract));
      // The wallet hashes under the token's own domain: a server advertising another name/version would get an
      // authorization its facilitator cannot verify, after the wallet counted it. Refuse before submitting.
      const separator = await withRetry(
        () => ctx.publicClient.readContract({ address: token, abi: DOMAIN_SEPARATOR_ABI, functionName: "DOMAIN_SEPARATOR" }),
        ctx.retry,
      );
      if (domainSeparator({ domain: domain as TypedDataDomain }) !== separator)
        throw new InvalidInputError(
          "extra",
          `the payment requirements' EIP-712 domain (name "${String(domain.name)}", version "${String(domain.version)}") is not token ${token}'s`,
          "The API advertises a wrong token name or version in `extra`; ask its operator to fix it.",
        );
      const auth: X402Authorization = {
        token,
        to: getAddress(m.to),
        value: BigInt(m.value),
        validAfter: BigInt(m.validAfter),
        validBefore: BigInt(m.validBefore),
        nonce: m.nonce,
      };
      const s = await submitX402Authorization(ctx, auth, o.category, o.justification);
      o.onSubmitted?.(s);
      if (s.tier === "autonomous") return s.signature;
      if (s.tier === "prohibited") throw new X402PaymentRefusedError(`${s.reason} (blocked, intent ${s.intentId})`, s);
      throw new X402PaymentPendingError(s);
    },
  };
}
