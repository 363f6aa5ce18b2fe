/**
 * Sign-and-collect against the chain: prepare an action file from the wallet's current nonce, check a file (and
 * every signature in it) against the wallet before anything is signed or sent, sign it with one owner's key
 * (or as one Safe owner), and submit it once enough owners signed. Each owner needs only their own key.
 */
import { getAddress, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { decodeError, withRetry } from "../client/errors";
import {
  findSubmission,
  pendingIntentFrom,
  readIntentStatus,
  settleResultFrom,
  type PendingIntent,
  type SettleResult,
} from "../client/intents";
import { sortSignatures, type OwnerSignature } from "../client/signing";
import { sendWalletTx, type AnyWalletClient } from "../client/tx";
import {
  ActionFileError,
  checkSignatures,
  digestOf,
  summaryOf,
  typedDataOf,
  withSignature,
  type ActionFile,
  type ApprovalFile,
  type OwnerActionFile,
  type SimulationRecord,
  type CollectedSignature,
} from "./file";
import { combineSafeSignatures, readSafe, safeAccepts, signAsSafeOwner } from "./safe";

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

async function chainTime(publicClient: PublicClient): Promise<number> {
  return Number((await withRetry(() => publicClient.getBlock({ blockTag: "latest" }))).timestamp);
}

const readWallet = <T>(publicClient: PublicClient, wallet: Address, functionName: string, args: readonly unknown[] = []) =>
  withRetry(() => publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName, args } as never) as Promise<T>);

/** Prepares an owner action over `calls` at the wallet's current nonce (deadline default: chain time + 24 h). */
export async function prepareOwnerAction(p: {
  publicClient: PublicClient;
  wallet: Address;
  calls: readonly Hex[];
  title: string;
  notes?: string[];
  /** a policy change's replay over the recorded history (`policy plan --store`), carried unsigned */
  simulation?: SimulationRecord;
  /** unix seconds */
  deadline?: number;
  validFor?: number;
}): Promise<OwnerActionFile> {
  if (!p.calls.length) throw new ActionFileError("an owner action needs at least one call");
  const [chainId, nonce, now] = await Promise.all([
    withRetry(() => p.publicClient.getChainId()),
    readWallet<bigint>(p.publicClient, p.wallet, "ownerNonce"),
    chainTime(p.publicClient),
  ]);
  return {
    kind: "owner-action",
    title: p.title,
    wallet: getAddress(p.wallet),
    chainId,
    calls: [...p.calls],
    nonce,
    deadline: BigInt(p.deadline ?? now + (p.validFor ?? 86_400)),
    notes: p.notes ?? [],
    ...(p.simulation ? { simulation: p.simulation } : {}),
    preparedAt: nowIso(),
    signatures: [],
  };
}

/** Prepares the approval of a collaborative intent (its fields read from the intent's submission). */
export async function prepareApproval(p: {
  publicClient: PublicClient;
  wallet: Address;
  intentId: Hex;
  fromBlock?: bigint;
}): Promise<ApprovalFile> {
  const [chainId, sub] = await Promise.all([
    withRetry(() => p.publicClient.getChainId()),
    findSubmission(p.publicClient, p.wallet, p.intentId, { fromBlock: p.fromBlock }),
  ]);
  if (!sub) {
    throw new ActionFileError(`no intent ${p.intentId} was submitted to wallet ${p.wallet}`, {
      fix: "check the id (owner pending lists the waiting ones), the wallet and --from-block",
    });
  }
  if (sub.tier !== "collaborative") {
    throw new ActionFileError(`intent ${p.intentId} is ${sub.tier}; only collaborative intents take owner approvals`);
  }
  const pend = sub.pending ?? pendingIntentFrom(sub.args, sub.blockTimestamp);
  return {
    kind: "approval",
    title: `approve intent ${p.intentId}`,
    wallet: getAddress(p.wallet),
    chainId,
    intentId: p.intentId,
    token: pend.token,
    amount: pend.amount,
    recipient: pend.recipient,
    deadline: BigInt(pend.deadline),
    notes: [`justification: "${sub.args.justification}"`, `submitted at block ${sub.blockNumber} (tx ${sub.txHash})`],
    preparedAt: nowIso(),
    signatures: [],
  };
}

/** One signature as the wallet will judge it. */
export interface SignatureStatus {
  /** the owner it counts for (a Safe for Safe owners' signatures) */
  owner: Address;
  kind: "eoa" | "safe";
  /** the Safe owner who signed (kind "safe") */
  by?: Address;
  ok: boolean;
  problem?: string;
}

export interface ActionStatus {
  file: ActionFile;
  digest: Hex;
  summary: string[];
  owners: Address[];
  threshold: number;
  /** owner actions: the wallet's nonce now */
  walletNonce?: bigint;
  chainNow: number;
  signatures: SignatureStatus[];
  /** distinct owners whose signature the wallet will accept */
  accepted: Address[];
  ready: boolean;
  intent?: PendingIntent;
}

/**
 * Checks a file against the wallet it names, refusing it when it cannot succeed: another chain, no wallet there,
 * a stale nonce (another owner action ran since), a passed deadline, an approval that no longer matches its
 * intent. Reports every signature's standing (owner? valid? a Safe's owners up to its threshold?).
 */
export async function checkActionFile(
  publicClient: PublicClient,
  f: ActionFile,
  source: string,
  opts: { fromBlock?: bigint } = {},
): Promise<ActionStatus> {
  const checked = await checkSignatures(f, source);
  const chainId = await withRetry(() => publicClient.getChainId());
  if (chainId !== f.chainId) {
    throw new ActionFileError(`${source} is for chain ${f.chainId}; the RPC endpoint is chain ${chainId}`, {
      fix: `connect to chain ${f.chainId} (--rpc), or prepare the action again on this chain`,
    });
  }
  const code = await withRetry(() => publicClient.getCode({ address: f.wallet }));
  if (!code || code === "0x") {
    throw new ActionFileError(`${source} is for wallet ${f.wallet}, which has no code on chain ${chainId}`, {
      fix: "check --rpc: the wallet lives on another network",
    });
  }
  const [owners, settings, now] = await Promise.all([
    readWallet<readonly Address[]>(publicClient, f.wallet, "owners"),
    readWallet<{ threshold: number }>(publicClient, f.wallet, "settings"),
    chainTime(publicClient),
  ]);
  const status: ActionStatus = {
    file: f,
    digest: digestOf(f),
    summary: summaryOf(f),
    owners: [...owners],
    threshold: Number(settings.threshold),
    chainNow: now,
    signatures: [],
    accepted: [],
    ready: false,
  };
  if (f.kind === "owner-action") {
    const nonce = await readWallet<bigint>(publicClient, f.wallet, "ownerNonce");
    status.walletNonce = nonce;
    if (f.nonce < nonce) {
      throw new ActionFileError(`${source} is stale: it was prepared for owner nonce ${f.nonce}, and the wallet is at nonce ${nonce}`, {
        details: ["another owner action ran after this one was prepared, so these signatures can never be used"],
        fix: "prepare the action again (the same command with --prepare <file>) and collect new signatures",
      });
    }
    if (f.nonce > nonce) {
      throw new ActionFileError(`${source} is for owner nonce ${f.nonce}, but the wallet is at nonce ${nonce}`, {
        fix: "it can only run after the owner actions before it; prepare it again now",
      });
    }
  } else {
    const sub = await findSubmission(publicClient, f.wallet, f.intentId, { fromBlock: opts.fromBlock });
    if (!sub) throw new ActionFileError(`${source}: intent ${f.intentId} was never submitted to wallet ${f.wallet}`);
    const p = sub.pending ?? pendingIntentFrom(sub.args, sub.blockTimestamp);
    const same =
      p.token.toLowerCase() === f.token.toLowerCase() &&
      p.amount === f.amount &&
      p.recipient.toLowerCase() === f.recipient.toLowerCase() &&
      BigInt(p.deadline) === f.deadline;
    if (!same) {
      throw new ActionFileError(`${source} does not match intent ${f.intentId} as submitted (token, amount, recipient or deadline differ)`, {
        fix: "do not sign it; prepare the approval again with tierguard owner sign <intentId> --out <file>",
      });
    }
    const st = await readIntentStatus(publicClient, f.wallet, f.intentId);
    if (st !== "AwaitingApproval") {
      throw new ActionFileError(`intent ${f.intentId} is no longer waiting for approval (status ${st})`, {
        fix: "nothing to approve: see tierguard intent show <id>",
      });
    }
    status.intent = p;
  }
  if (BigInt(now) >= f.deadline) {
    throw new ActionFileError(
      `${source} expired at ${new Date(Number(f.deadline) * 1000).toISOString()} (chain time ${new Date(now * 1000).toISOString()})`,
      { fix: f.kind === "owner-action" ? "prepare it again with a later deadline (--valid-for)" : "the intent's approval window is over" },
    );
  }
  const isOwner = (a: Address) => owners.some((o) => o.toLowerCase() === a.toLowerCase());
  const safes = new Map<string, { owners: Address[]; threshold: number; by: Address[] }>();
  for (const c of checked) {
    const s = c.entry;
    if (!isOwner(s.signer)) {
      status.signatures.push({ owner: s.signer, kind: s.kind, by: s.kind === "safe" ? s.owner : undefined, ok: false, problem: `${s.signer} is not an owner of the wallet` });
      continue;
    }
    if (s.kind === "eoa") {
      status.signatures.push({ owner: s.signer, kind: "eoa", ok: true });
      continue;
    }
    let safe = safes.get(s.signer.toLowerCase());
    if (!safe) {
      safe = { ...(await readSafe(publicClient, s.signer)), by: [] };
      safes.set(s.signer.toLowerCase(), safe);
    }
    if (s.signature !== "0x" && !safe.owners.some((o) => o.toLowerCase() === s.owner.toLowerCase())) {
      status.signatures.push({ owner: s.signer, kind: "safe", by: s.owner, ok: false, problem: `${s.owner} is not an owner of Safe ${s.signer}` });
      continue;
    }
    safe.by.push(s.owner);
    status.signatures.push({ owner: s.signer, kind: "safe", by: s.owner, ok: true });
  }
  const accepted = new Set<string>();
  for (const s of status.signatures) if (s.ok && s.kind === "eoa") accepted.add(s.owner.toLowerCase());
  for (const [safe, info] of safes) {
    const sig = safeSignatureOf(f, safe as Address);
    if (await safeAccepts(publicClient, getAddress(safe), status.digest, sig)) accepted.add(safe);
    else {
      for (const s of status.signatures)
        if (s.kind === "safe" && s.owner.toLowerCase() === safe && s.ok)
          s.problem = `Safe ${getAddress(safe)} has ${info.by.length} of its ${info.threshold} owner signatures`;
    }
  }
  status.accepted = [...accepted].map((a) => getAddress(a));
  status.ready = status.accepted.length >= status.threshold;
  return status;
}

/**
 * Adds a signature made elsewhere (a browser wallet's `eth_signTypedData_v4`, a hardware wallet, a Safe owner's
 * Safe-message signature) to the file, and refuses it unless it counts: it must recover to the signer it names over
 * exactly this action (another wallet, chain, nonce, deadline or changed calls recover to someone else), the
 * file must still be usable on the chain (chain, nonce, deadline), and the signer must be an owner (or, for kind
 * "safe", an owner of a Safe that is a wallet owner).
 */
export async function addSignature<F extends ActionFile>(
  publicClient: PublicClient,
  f: F,
  sig: CollectedSignature,
  opts: { source?: string; fromBlock?: bigint } = {},
): Promise<{ file: F; status: ActionStatus }> {
  const who = sig.kind === "safe" ? `${sig.owner} (for Safe ${sig.signer})` : sig.signer;
  const source = opts.source ?? "the action file";
  const file = withSignature(f, sig);
  let status: ActionStatus;
  try {
    status = await checkActionFile(publicClient, file, source, { fromBlock: opts.fromBlock });
  } catch (e) {
    if (e instanceof ActionFileError && /claims to be by/.test(e.message)) {
      throw new ActionFileError(`the signature given as ${who}'s was not made by ${who} over this action`, {
        details: ["it was made over another wallet, chain, nonce, deadline or set of calls, by another key, or the file was changed"],
        fix: `have ${who} sign this file's typed data (tierguard owner inspect ${source} --typed-data) and add that signature`,
      });
    }
    throw e;
  }
  const mine = status.signatures.find((s) => s.owner.toLowerCase() === sig.signer.toLowerCase() && (sig.kind === "eoa" || s.by?.toLowerCase() === sig.owner.toLowerCase()));
  if (mine && !mine.ok) throw new ActionFileError(`refusing the signature of ${who}: ${mine.problem}`, { fix: `owners are: ${status.owners.join(", ")}` });
  return { file, status };
}

/** The Safe's combined signature from the file's Safe owners' signatures ("0x" if it approved on-chain). */
function safeSignatureOf(f: ActionFile, safe: Address): Hex {
  const parts = f.signatures.filter(
    (s): s is Extract<typeof s, { kind: "safe" }> => s.kind === "safe" && s.signer.toLowerCase() === safe.toLowerCase() && s.signature !== "0x",
  );
  return combineSafeSignatures(parts.map((p) => ({ safe: p.signer, owner: p.owner, signature: p.signature })));
}

/** Signs the file with one owner's key, or as one owner of a Safe that is a wallet owner (`safe`). */
export async function signActionFile<F extends ActionFile>(f: F, account: LocalAccount, opts: { safe?: Address } = {}): Promise<F> {
  if (opts.safe) {
    const part = await signAsSafeOwner(account, { chainId: f.chainId, safe: opts.safe, digest: digestOf(f) });
    return withSignature(f, { kind: "safe", signer: getAddress(opts.safe), owner: account.address, signature: part.signature });
  }
  if (!account.signTypedData) throw new ActionFileError(`account ${account.address} cannot sign typed data`);
  const signature = await account.signTypedData(typedDataOf(f) as never);
  return withSignature(f, { kind: "eoa", signer: account.address, signature });
}

/** The wallet's `OwnerSignature[]` for the accepted owners (Safe owners' signatures combined), sorted. */
export function ownerSignaturesFor(status: ActionStatus): OwnerSignature[] {
  const out: OwnerSignature[] = [];
  for (const owner of status.accepted) {
    const eoa = status.file.signatures.find((s) => s.kind === "eoa" && s.signer.toLowerCase() === owner.toLowerCase());
    out.push({ signer: owner, signature: eoa ? eoa.signature : safeSignatureOf(status.file, owner) });
  }
  return sortSignatures(out);
}

/**
 * Submits a checked, ready file: `ownerAction(calls, deadline, signatures)` or `approveBySignatures`. Anyone may
 * send it. `dryRun` simulates the call (nothing is sent).
 */
export async function submitActionFile(p: {
  publicClient: PublicClient;
  walletClient: AnyWalletClient;
  status: ActionStatus;
  dryRun?: boolean;
}): Promise<{ txHash: Hex | null; settle?: SettleResult }> {
  const { status } = p;
  const f = status.file;
  if (!status.ready) {
    throw new ActionFileError(`not enough owner signatures: ${status.accepted.length} of the ${status.threshold} the wallet needs`, {
      details: status.signatures.filter((s) => s.problem).map((s) => s.problem!),
      fix: "collect more owners' signatures (tierguard owner sign <file>) and combine the files",
    });
  }
  const sigs = ownerSignaturesFor(status).slice(0, Math.max(status.threshold, 1));
  const args =
    f.kind === "owner-action"
      ? ([f.calls, f.deadline, sigs] as const)
      : ([f.intentId, status.intent!, sigs] as const);
  const functionName = f.kind === "owner-action" ? "ownerAction" : "approveBySignatures";
  if (p.dryRun) {
    const account = p.walletClient.account;
    try {
      await p.publicClient.simulateContract({ address: f.wallet, abi: tierGuardWalletAbi, functionName, args, account } as never);
    } catch (e) {
      throw decodeError(e, functionName);
    }
    return { txHash: null };
  }
  const { hash, receipt } = await sendWalletTx({ publicClient: p.publicClient, walletClient: p.walletClient, wallet: f.wallet }, functionName, args);
  return { txHash: hash, settle: f.kind === "approval" ? settleResultFrom(receipt, f.wallet) : undefined };
}
