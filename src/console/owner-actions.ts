/**
 * Owner actions in the console: action files prepared by `tierguard ... --prepare` (format
 * `tierguard-owner-action/1`) loaded by upload or paste, or listed from a directory given at start, then signed
 * by each owner from their browser wallet and submitted once M are in. Stored next to the indexer's data (table
 * `console_owner_actions`: the file as JSON, with the signatures collected so far).
 *
 * Nothing is trusted as given: the file is read and checked with the same code the CLI uses
 * (`readActionFile`: digest against typed data; `checkActionFile`: chain, wallet, nonce, deadline, every
 * signature), and a file for another wallet or chain, a stale nonce, a passed deadline or a changed action is
 * refused. A signature is verified on arrival: an owner's EIP-712 signature must recover to that owner over
 * exactly this action; a Safe owner's must be accepted by the Safe's own `isValidSignature` (ERC-1271) before it
 * is stored.
 */
import { encodeFunctionData, getAddress, isAddress, isHex, type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import type { SqlDatabase } from "../indexer";
import { addSignature, checkActionFile, ownerSignaturesFor, type ActionStatus } from "../owners/collect";
import {
  ActionFileError,
  digestOf,
  mergeActionFiles,
  readActionFile,
  summaryOf,
  writeActionFile,
  type CollectedSignature,
  type OwnerActionFile,
} from "../owners/file";
import { recoverSafeOwner, safeAccepts, safeMessageHash, safeMessageTypedData } from "../owners/safe";
import { SignatureRefused } from "./signatures";

const SCHEMA = `CREATE TABLE IF NOT EXISTS console_owner_actions (
  wallet text NOT NULL,
  digest text NOT NULL,
  file text NOT NULL,
  source text NOT NULL,
  added_at bigint NOT NULL,
  PRIMARY KEY (wallet, digest)
)`;

export interface StoredAction {
  digest: Hex;
  file: OwnerActionFile;
  /** where it came from: "upload", or the file's name in the actions directory */
  source: string;
  /** unix seconds (server clock) */
  addedAt: number;
}

/** Where an action stands now, as the wallet would judge it. */
export type ActionStanding =
  | { state: "open"; status: ActionStatus }
  | { state: "executed"; txHash: Hex; blockNumber: bigint }
  | { state: "closed"; reason: string };

export interface ActionContext {
  publicClient: PublicClient;
  chainId: number;
  wallet: Address;
  /** lowercase owner addresses as the store knows them now */
  owners: readonly string[];
}

/** One line for the page: what is wrong, why, and what to do. */
export const errorLine = (e: ActionFileError): string =>
  [e.shortMessage, ...e.details].join("; ") + (e.fix ? `. Fix: ${e.fix}` : "");

const refused = (e: unknown, status = 422): never => {
  if (e instanceof ActionFileError) throw new SignatureRefused(errorLine(e), status);
  throw e;
};

export class OwnerActionBook {
  private actions = new Map<string, StoredAction>();

  private constructor(
    private readonly db: SqlDatabase,
    private readonly wallet: Address,
  ) {}

  static async open(db: SqlDatabase, wallet: Address): Promise<OwnerActionBook> {
    await db.query(SCHEMA);
    const book = new OwnerActionBook(db, wallet);
    const { rows } = await db.query<{ digest: string; file: string; source: string; added_at: unknown }>(
      "SELECT digest, file, source, added_at FROM console_owner_actions WHERE wallet = $1 ORDER BY added_at",
      [wallet.toLowerCase()],
    );
    for (const r of rows) {
      const file = readActionFile(r.file, r.source) as OwnerActionFile;
      book.actions.set(r.digest, { digest: r.digest as Hex, file, source: r.source, addedAt: Number(r.added_at) });
    }
    return book;
  }

  list(): StoredAction[] {
    return [...this.actions.values()].sort((a, b) => (a.file.nonce === b.file.nonce ? a.addedAt - b.addedAt : a.file.nonce < b.file.nonce ? -1 : 1));
  }

  get(digest: string): StoredAction | undefined {
    return this.actions.get(digest.toLowerCase());
  }

  /** Every change to the book (pages and the API cache on it). */
  version = 0;

  private async save(a: StoredAction): Promise<void> {
    await this.db.query(
      `INSERT INTO console_owner_actions (wallet, digest, file, source, added_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (wallet, digest) DO UPDATE SET file = EXCLUDED.file`,
      [this.wallet.toLowerCase(), a.digest, writeActionFile(a.file), a.source, a.addedAt],
    );
    this.actions.set(a.digest, a);
    this.version++;
  }

  /**
   * Reads and checks an action file (its text as `tierguard` wrote it) and stores it, merging its signatures
   * with a copy already loaded. Refuses (SignatureRefused, with the reason) a file that is not an owner action
   * for this wallet and chain, is stale, expired, or carries a signature not made over it.
   */
  async load(text: string, source: string, ctx: ActionContext): Promise<StoredAction> {
    let f: OwnerActionFile;
    try {
      const read = readActionFile(text, source);
      if (read.kind !== "owner-action")
        throw new SignatureRefused(`${source} is the approval of intent ${read.intentId}: sign it from the intent's page (/intents/${read.intentId})`, 400);
      f = read;
    } catch (e) {
      return refused(e, 400);
    }
    if (f.wallet.toLowerCase() !== ctx.wallet.toLowerCase())
      throw new SignatureRefused(`${source} is for wallet ${f.wallet}; this console shows wallet ${ctx.wallet}`, 422);
    if (f.chainId !== ctx.chainId) throw new SignatureRefused(`${source} is for chain ${f.chainId}; this console follows chain ${ctx.chainId}`, 422);
    const digest = digestOf(f).toLowerCase() as Hex;
    const known = this.actions.get(digest);
    const merged = known ? (mergeActionFiles([{ file: known.file, source: known.source }, { file: f, source }]) as OwnerActionFile) : f;
    await checkActionFile(ctx.publicClient, merged, source).catch((e) => refused(e));
    const a: StoredAction = { digest, file: merged, source: known?.source ?? source, addedAt: known?.addedAt ?? Math.floor(Date.now() / 1000) };
    await this.save(a);
    return a;
  }

  /**
   * Verifies one signature and stores it with the action. `signer` + `signature`: an owner's EIP-712 signature
   * (eth_signTypedData_v4 of the action's typed data). `safe` + `signature`: the signature a Safe that is an
   * owner gives for the action's digest (its owners' signatures over the SafeMessage, concatenated, or "0x"
   * once the Safe approved the message on-chain), stored only if the Safe's isValidSignature accepts it.
   */
  async addSignature(digest: string, body: Record<string, unknown>, ctx: ActionContext): Promise<StoredAction> {
    const a = this.get(digest);
    if (!a) throw new SignatureRefused(`no owner action ${digest} in this console: load its file first`, 404);
    const { signature } = body;
    if (typeof signature !== "string" || !isHex(signature))
      throw new SignatureRefused('"signature" must be hex: what eth_signTypedData_v4 (or the Safe) returned', 400);
    const isOwner = (x: string) => ctx.owners.includes(x.toLowerCase());
    let entries: CollectedSignature[];
    if (body.safe !== undefined) {
      if (typeof body.safe !== "string" || !isAddress(body.safe, { strict: false }))
        throw new SignatureRefused('"safe" must be the Safe\'s address (0x followed by 40 hex digits)', 400);
      const safe = getAddress(body.safe);
      if (!isOwner(safe)) throw new SignatureRefused(`Safe ${safe} is not an owner of wallet ${ctx.wallet}`, 403);
      entries = await this.safeEntries(a, safe, signature as Hex, ctx);
    } else {
      if (typeof body.signer !== "string" || !isAddress(body.signer, { strict: false }))
        throw new SignatureRefused('"signer" must be the signing owner\'s address (0x followed by 40 hex digits)', 400);
      const signer = getAddress(body.signer);
      if (!isOwner(signer)) throw new SignatureRefused(`${signer} is not an owner of wallet ${ctx.wallet}; only owners sign owner actions`, 403);
      if (a.file.signatures.some((s) => s.kind === "eoa" && s.signer.toLowerCase() === signer.toLowerCase()))
        throw new SignatureRefused(`a signature of ${signer} for this action is already collected (replays are refused)`, 409);
      entries = [{ kind: "eoa", signer, signature: signature as Hex }];
    }
    let file = a.file;
    for (const e of entries) ({ file } = await addSignature(ctx.publicClient, file, e, { source: a.source }).catch((x) => refused(x)));
    const next = { ...a, file };
    await this.save(next);
    return next;
  }

  /** The Safe's signature split into its owners' entries, after the Safe itself accepted it. */
  private async safeEntries(a: StoredAction, safe: Address, signature: Hex, ctx: ActionContext): Promise<CollectedSignature[]> {
    const digest = digestOf(a.file);
    if (!(await safeAccepts(ctx.publicClient, safe, digest, signature))) {
      throw new SignatureRefused(
        `Safe ${safe} does not accept this signature for the action's digest ${digest} (its isValidSignature refused it): ` +
          "sign the SafeMessage shown on the action's page with enough of the Safe's owners, or approve the message on-chain first",
        422,
      );
    }
    if (signature === "0x") return [{ kind: "safe", signer: safe, owner: safe, signature }];
    const bytes = (signature.length - 2) / 2;
    if (bytes % 65 !== 0) throw new SignatureRefused("the Safe's signature must be its owners' 65-byte signatures, concatenated", 422);
    const out: CollectedSignature[] = [];
    for (let i = 0; i < bytes / 65; i++) {
      const part = `0x${signature.slice(2 + i * 130, 2 + (i + 1) * 130)}` as Hex;
      const v = parseInt(part.slice(-2), 16);
      if (v !== 27 && v !== 28)
        throw new SignatureRefused(
          `part ${i + 1} of the Safe's signature is not an owner's EIP-712 signature (v = ${v}): the console stores SafeMessage signatures of the Safe's owners, or "0x" once the Safe approved the message on-chain`,
          422,
        );
      const owner = await recoverSafeOwner({ chainId: ctx.chainId, safe, digest, signature: part });
      out.push({ kind: "safe", signer: safe, owner, signature: part });
    }
    return out;
  }

  /** What a Safe owner signs in its Safe for this action, and the hashes to compare. */
  safeRequest(a: StoredAction, safe: Address) {
    const digest = digestOf(a.file);
    const p = { chainId: a.file.chainId, safe, digest };
    return { safe, digest, safeMessageHash: safeMessageHash(p), typedData: safeMessageTypedData(p) };
  }

  /** The action's standing now: open (with every signature's standing), executed, or closed with the reason. */
  async standing(a: StoredAction, ctx: ActionContext, executed: { txHash: Hex; blockNumber: bigint } | undefined): Promise<ActionStanding> {
    if (executed) return { state: "executed", ...executed };
    try {
      return { state: "open", status: await checkActionFile(ctx.publicClient, a.file, a.source) };
    } catch (e) {
      if (e instanceof ActionFileError) return { state: "closed", reason: errorLine(e) };
      throw e;
    }
  }

  /** The `ownerAction` transaction for a ready action, for the browser wallet to send. */
  submitTx(a: StoredAction, status: ActionStatus): { to: Address; data: Hex; summary: string } {
    if (!status.ready)
      throw new SignatureRefused(`only ${status.accepted.length} of the ${status.threshold} owner signatures are in: collect more first`, 409);
    const sigs = ownerSignaturesFor(status).slice(0, Math.max(status.threshold, 1));
    const data = encodeFunctionData({ abi: tierGuardWalletAbi, functionName: "ownerAction", args: [a.file.calls, a.file.deadline, sigs] });
    return { to: a.file.wallet, data, summary: `owner action "${a.file.title}" with ${sigs.length} signatures: ${summaryOf(a.file).join("; ")}` };
  }
}
