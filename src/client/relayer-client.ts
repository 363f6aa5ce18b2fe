/** The agent's side of a relayer: posts a signed intent, turns the relayer's refusals into TierGuard errors. */
import type { Hex } from "viem";
import { TierGuardError } from "../errors";
import { decodeRevertData } from "./errors";
import { signedIntentToJson, type SignedIntent } from "./signed-intents";

/** The relayer refused or could not be reached (a refusal by the wallet comes out as `ContractError`). */
export class RelayerError extends TierGuardError {
  override name = "RelayerError";
  /** HTTP status (0: no answer) */
  readonly status: number;
  /** for 429: seconds until the agent may relay again */
  readonly retryAfter?: number;
  constructor(message: string, opts: { status: number; fix?: string; retryAfter?: number; cause?: unknown }) {
    super(message, { fix: opts.fix, cause: opts.cause });
    this.status = opts.status;
    this.retryAfter = opts.retryAfter;
  }
}

/** What the relayer answers for a submitted intent. */
export interface RelayResponse {
  txHash: Hex;
  intentId: Hex;
  tier: number;
  status: number;
}

/** Posts a signed intent to `${relayer}/v1/intents` and returns the transaction that submitted it. */
export async function relayIntent(relayer: string, signed: SignedIntent): Promise<RelayResponse> {
  const url = `${relayer.replace(/\/+$/, "")}/v1/intents`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(signedIntentToJson(signed)),
    });
  } catch (e) {
    throw new RelayerError(`the relayer at ${url} did not answer`, {
      status: 0,
      fix: "Check the relayer URL and that `tierguard relayer` is running.",
      cause: e,
    });
  }
  const body = (await res.json().catch(() => ({}))) as Partial<RelayResponse> & {
    error?: string;
    message?: string;
    fix?: string;
    data?: Hex;
  };
  if (res.ok && body.txHash) return body as RelayResponse;
  // The wallet would refuse it: the same error as if the agent had sent it itself.
  const contractError = body.data ? decodeRevertData(body.data, "spendSigned") : undefined;
  if (contractError) throw contractError;
  const retryAfter = Number(res.headers.get("retry-after") ?? "") || undefined;
  throw new RelayerError(`relayer refused the intent (HTTP ${res.status}): ${body.message ?? res.statusText}`, {
    status: res.status,
    fix: body.fix,
    retryAfter,
  });
}
