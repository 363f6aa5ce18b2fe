/**
 * Approval signatures collected by the console, stored next to the indexer's data (table
 * `console_signatures`), so that owners on different machines each sign when they can and whoever completes
 * M submits them in one `approveBySignatures` call.
 *
 * Each signature is verified on arrival, before it is stored: the intent must still wait for approvals, the
 * signer must be an owner now, and the signature must be that owner's over the EIP-712 `Approval` of this
 * intent on this wallet and chain (ECDSA recovery for an EOA; `isValidSignature` through the node for a
 * contract owner). A signature for another intent, wallet or chain, a tampered one, a second one from the
 * same owner, or one for an owner who already approved on-chain is refused with the reason.
 */
import {
  getAddress,
  isAddress,
  isHex,
  recoverTypedDataAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { approvalTypedData } from "../client/signing";
import type { SqlDatabase } from "../indexer";
import type { ConsoleView } from "./view";

export interface CollectedSignature {
  intentId: Hex;
  signer: Address;
  signature: Hex;
  /** unix seconds (server clock) */
  receivedAt: number;
}

/** A signature the console refused: `status` is the HTTP status, the message says why and what to do. */
export class SignatureRefused extends Error {
  override name = "SignatureRefused";
  constructor(
    message: string,
    readonly status = 422,
  ) {
    super(message);
  }
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS console_signatures (
     wallet text NOT NULL,
     intent_id text NOT NULL,
     signer text NOT NULL,
     signature text NOT NULL,
     received_at bigint NOT NULL,
     PRIMARY KEY (wallet, intent_id, signer)
   )`,
];

export class SignatureBook {
  private byIntent = new Map<string, CollectedSignature[]>();

  private constructor(
    private readonly db: SqlDatabase,
    private readonly wallet: Address,
  ) {}

  /** Creates the table if needed and loads the wallet's collected signatures. */
  static async open(db: SqlDatabase, wallet: Address): Promise<SignatureBook> {
    for (const s of SCHEMA) await db.query(s);
    const book = new SignatureBook(db, wallet);
    const { rows } = await db.query<{ intent_id: string; signer: string; signature: string; received_at: unknown }>(
      "SELECT intent_id, signer, signature, received_at FROM console_signatures WHERE wallet = $1 ORDER BY received_at",
      [wallet.toLowerCase()],
    );
    for (const r of rows) {
      book.remember({
        intentId: r.intent_id as Hex,
        signer: getAddress(r.signer),
        signature: r.signature as Hex,
        receivedAt: Number(r.received_at),
      });
    }
    return book;
  }

  private remember(s: CollectedSignature) {
    const k = s.intentId.toLowerCase();
    const list = this.byIntent.get(k) ?? [];
    list.push(s);
    this.byIntent.set(k, list);
  }

  forIntent(intentId: Hex): CollectedSignature[] {
    return this.byIntent.get(intentId.toLowerCase()) ?? [];
  }

  /**
   * Verifies and stores one owner's approval signature. Returns every signature collected for the intent.
   * Throws `SignatureRefused` with the reason when it cannot be used.
   */
  async add(p: {
    view: ConsoleView;
    publicClient: PublicClient;
    chainId: number;
    intentId: Hex;
    signer: unknown;
    signature: unknown;
  }): Promise<CollectedSignature[]> {
    const { view, intentId } = p;
    if (typeof p.signer !== "string" || !isAddress(p.signer, { strict: false }))
      throw new SignatureRefused('"signer" must be the signing owner\'s address (0x followed by 40 hex digits)', 400);
    if (typeof p.signature !== "string" || !isHex(p.signature) || p.signature.length < 4)
      throw new SignatureRefused('"signature" must be the hex signature eth_signTypedData_v4 returned', 400);
    const signer = getAddress(p.signer);
    const signature = p.signature as Hex;

    const trail = await view.trail(intentId);
    if (!trail) throw new SignatureRefused(`no intent ${intentId} on wallet ${view.wallet}`, 404);
    if (trail.tier !== "collaborative")
      throw new SignatureRefused(`intent ${intentId} is ${trail.tier ?? "unknown"}: only collaborative intents take approvals`);
    if (trail.decided || !trail.pending)
      throw new SignatureRefused(`intent ${intentId} no longer waits for approvals (it is ${trail.status}): nothing to sign`, 409);
    const owners = view.state().owners;
    if (!owners.some((o) => o.toLowerCase() === signer.toLowerCase()))
      throw new SignatureRefused(`${signer} is not an owner of wallet ${view.wallet}; owners: ${owners.join(", ")}`, 403);
    if (trail.approvals.some((a) => !a.voided && a.owner.toLowerCase() === signer.toLowerCase()))
      throw new SignatureRefused(`${signer} already approved intent ${intentId} on-chain`, 409);
    if (this.forIntent(intentId).some((s) => s.signer.toLowerCase() === signer.toLowerCase()))
      throw new SignatureRefused(`a signature of ${signer} for intent ${intentId} is already collected (replays are refused)`, 409);

    const typedData = approvalTypedData({ chainId: p.chainId, wallet: view.wallet, intentId: trail.intentId, intent: trail.pending });
    let valid = false;
    try {
      valid = (await recoverTypedDataAddress({ ...typedData, signature })).toLowerCase() === signer.toLowerCase();
    } catch {
      valid = false;
    }
    if (!valid) {
      const code = await p.publicClient.getCode({ address: signer }).catch(() => undefined);
      if (code && code !== "0x") {
        valid = await p.publicClient.verifyTypedData({ address: signer, ...typedData, signature }).catch(() => false);
      }
    }
    if (!valid) {
      throw new SignatureRefused(
        `the signature is not ${signer}'s over the Approval of intent ${intentId} on wallet ${view.wallet}, chain ${p.chainId}: ` +
          "sign again from the intent's page (a signature for another intent, wallet or chain, or an altered one, is refused)",
      );
    }

    const s: CollectedSignature = { intentId: trail.intentId, signer, signature, receivedAt: Math.floor(Date.now() / 1000) };
    const { rows } = await this.db.query(
      `INSERT INTO console_signatures (wallet, intent_id, signer, signature, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING signer`,
      [view.wallet.toLowerCase(), intentId.toLowerCase(), signer.toLowerCase(), signature, s.receivedAt],
    );
    if (rows.length === 0)
      throw new SignatureRefused(`a signature of ${signer} for intent ${intentId} is already collected (replays are refused)`, 409);
    this.remember(s);
    return this.forIntent(intentId);
  }
}
