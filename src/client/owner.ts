/**
 * The owners' client: lists waiting intents, vetoes, approves (on-chain or by EIP-712 signatures), rejects and
 * expires them, pauses the wallet, and runs M-of-N owner actions (unpause, session keys, any configuration).
 */
import { encodeFunctionData, getAddress, isAddress, type Address, type Hex, type PublicClient } from "viem";
import { tierGuardWalletAbi } from "../abi/TierGuardWallet";
import { InvalidInputError, withRetry, type RetryOptions } from "./errors";
import {
  createIntentResolver,
  decisionFrom,
  lifecycleLogs,
  listSubmissions,
  pendingIntentFrom,
  readIntentStatus,
  settleResultFrom,
  type ContractStatusName,
  type PendingIntent,
  type SettleResult,
  type Submission,
  type TierName,
} from "./intents";
import {
  approvalTypedData,
  ownerActionTypedData,
  signerAddress,
  signWith,
  sortSignatures,
  toContractSignatures,
  type OwnerSignature,
  type OwnerSigner,
} from "./signing";
import { sendWalletTx, type AnyWalletClient } from "./tx";
import { toAgentId } from "./agent";

export interface OwnerClientConfig {
  publicClient: PublicClient;
  /** an owner's account (sends on-chain approvals, vetoes, ...) */
  walletClient: AnyWalletClient;
  wallet: Address;
  /** who signs approvals and owner actions (default: `walletClient`); e.g. an ERC-1271 `ContractSigner` */
  signer?: OwnerSigner;
  /** first block to search for the wallet's events (default 0) */
  fromBlock?: bigint;
  retry?: RetryOptions;
}

/** A time: unix seconds (number or bigint) or a Date. */
export type TimeInput = number | bigint | Date;
const toSeconds = (t: TimeInput): bigint => (t instanceof Date ? BigInt(Math.floor(t.getTime() / 1000)) : BigInt(t));

/** An owner's signature over one owner action, with what it was made for. */
export interface SignedOwnerAction extends OwnerSignature {
  calls: Hex[];
  nonce: bigint;
  deadline: bigint;
}

export type PendingStatus = "awaiting_veto_window" | "executable" | "awaiting_approval" | "past_deadline";

export interface PendingItem {
  intentId: Hex;
  tier: TierName;
  /** where it stands now (from the chain's latest block time) */
  status: PendingStatus;
  /** the wallet's stored status */
  contractStatus: ContractStatusName;
  agentId: Hex;
  key: Address;
  token: Address;
  amount: bigint;
  recipient: Address;
  value: bigint;
  category: number;
  justification: string;
  submittedAt: Date;
  /** supervised: end of the veto window; collaborative: = submittedAt */
  notBefore: Date;
  deadline: Date;
  /** owners who approved on-chain (collaborative) */
  approvals: Address[];
  pending: PendingIntent;
  txHash: Hex;
}

/** ABI-encodes a call to one of the wallet's functions, for an owner action's `calls`. */
export const encodeWalletCall = (functionName: string, args: readonly unknown[] = []): Hex =>
  encodeFunctionData({ abi: tierGuardWalletAbi, functionName, args } as never);

/** Encoders for the owner-action calls the client uses most. */
export const ownerCalls = {
  unpause: () => encodeWalletCall("unpause"),
  grantSessionKey: (key: Address, agentId: Hex | string, validUntil: TimeInput) =>
    encodeWalletCall("grantSessionKey", [getAddress(key), toAgentId(agentId), Number(toSeconds(validUntil))]),
  revokeSessionKey: (key: Address) => encodeWalletCall("revokeSessionKey", [getAddress(key)]),
  setRecipientTrust: (recipient: Address, trust: number) =>
    encodeWalletCall("setRecipientTrust", [getAddress(recipient), trust]),
  setThreshold: (m: number) => encodeWalletCall("setThreshold", [m]),
  addOwner: (owner: Address) => encodeWalletCall("addOwner", [getAddress(owner)]),
  removeOwner: (owner: Address) => encodeWalletCall("removeOwner", [getAddress(owner)]),
  setGuardian: (guardian: Address, enabled: boolean) =>
    encodeWalletCall("setGuardian", [getAddress(guardian), enabled]),
  withdraw: (token: Address, to: Address, amount: bigint) =>
    encodeWalletCall("withdraw", [getAddress(token), getAddress(to), amount]),
};

/**
 * A client for one owner: list pending intents, approve on-chain or sign EIP-712 approvals and submit several
 * owners' signatures in one call, veto, reject, expire, pause, and sign or run M-of-N owner actions (policy,
 * keys, unpause). The signer may be any viem account, a JSON-RPC account or an ERC-1271 contract wallet.
 *
 * @example
 * ```ts
 * const alice = createOwnerClient({ publicClient, walletClient: aliceClient, wallet });
 * const bob = createOwnerClient({ publicClient, walletClient: bobClient, wallet });
 * for (const p of await alice.pending()) console.log(p.intentId, p.tier, p.deadline);
 * const sigs = [await alice.signApproval(id), await bob.signApproval(id)];
 * await alice.submitApprovals(id, sigs); // pays the collaborative intent
 * ```
 */
export function createOwnerClient(config: OwnerClientConfig) {
  const { publicClient, walletClient, wallet, retry } = config;
  const signer: OwnerSigner = config.signer ?? walletClient;
  const fromBlock = config.fromBlock ?? 0n;
  const ctx = { publicClient, walletClient, wallet, retry };
  const resolver = createIntentResolver(publicClient, wallet, { fromBlock, retry });
  let chainIdCache: Promise<number> | undefined;

  const chainId = () =>
    (chainIdCache ??=
      walletClient.chain?.id !== undefined
        ? Promise.resolve(walletClient.chain.id)
        : withRetry(() => publicClient.getChainId(), retry));
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    withRetry(
      () =>
        publicClient.readContract({
          address: wallet,
          abi: tierGuardWalletAbi,
          functionName,
          args,
        } as never) as Promise<T>,
      retry,
    );
  const chainNow = async () =>
    Number((await withRetry(() => publicClient.getBlock({ blockTag: "latest" }), retry)).timestamp);

  async function intent(intentId: Hex): Promise<{ sub: Submission; pending: PendingIntent }> {
    const sub = await resolver.get(intentId);
    if (!sub) throw new InvalidInputError("intentId", `no intent ${intentId} was submitted to wallet ${wallet}`);
    return { sub, pending: sub.pending ?? pendingIntentFrom(sub.args, sub.blockTimestamp) };
  }

  /** Intents still waiting (supervised in or after their veto window, collaborative awaiting approval). */
  async function pending(opts: { agentId?: Hex } = {}): Promise<PendingItem[]> {
    const [subs, events, now] = await Promise.all([
      listSubmissions(publicClient, wallet, { fromBlock, agentId: opts.agentId, retry }),
      lifecycleLogs(publicClient, wallet, { fromBlock, retry }),
      chainNow(),
    ]);
    const decided = new Set<string>();
    for (const ev of events) {
      const id = (ev.args as { intentId: Hex }).intentId;
      if (decisionFrom([ev], id)) decided.add(id.toLowerCase());
    }
    const queued = subs.filter((s) => s.pending && !decided.has(s.args.intentId.toLowerCase()));
    for (const s of queued) resolver.remember(s);
    const items = await Promise.all(
      queued.map(async (s) => {
        const [contractStatus, approvals] = await Promise.all([
          readIntentStatus(publicClient, wallet, s.args.intentId, retry),
          s.tier === "collaborative"
            ? read<readonly Address[]>("approvals", [s.args.intentId])
            : Promise.resolve([] as readonly Address[]),
        ]);
        const p = s.pending!;
        const status: PendingStatus =
          now >= p.deadline
            ? "past_deadline"
            : s.tier === "supervised"
              ? now < p.notBefore
                ? "awaiting_veto_window"
                : "executable"
              : "awaiting_approval";
        const item: PendingItem = {
          intentId: s.args.intentId,
          tier: s.tier,
          status,
          contractStatus,
          agentId: s.args.agentId,
          key: s.args.key,
          token: s.args.token,
          amount: s.args.amount,
          recipient: s.args.recipient,
          value: p.value,
          category: p.category,
          justification: s.args.justification,
          submittedAt: new Date(p.submittedAt * 1000),
          notBefore: new Date(p.notBefore * 1000),
          deadline: new Date(p.deadline * 1000),
          approvals: [...approvals],
          pending: p,
          txHash: s.txHash,
        };
        return item;
      }),
    );
    // Confirmed with the wallet's storage: decided intents read `None`.
    return items.filter((i) => i.contractStatus === "Queued" || i.contractStatus === "AwaitingApproval");
  }

  async function closeCall(fn: "veto" | "reject" | "expire", intentId: Hex) {
    const { pending: p } = await intent(intentId);
    const { hash } = await sendWalletTx(ctx, fn, [intentId, p]);
    return { txHash: hash };
  }

  /** Approves a collaborative intent on-chain; the approval reaching M also executes it. */
  async function approve(intentId: Hex): Promise<SettleResult> {
    const { pending: p } = await intent(intentId);
    const { receipt } = await sendWalletTx(ctx, "approve", [intentId, p]);
    return settleResultFrom(receipt, wallet);
  }

  /** This owner's EIP-712 approval of a collaborative intent (to be combined with others' and submitted). */
  async function signApproval(intentId: Hex, opts: { signer?: OwnerSigner } = {}): Promise<OwnerSignature> {
    const { pending: p } = await intent(intentId);
    return signWith(
      opts.signer ?? signer,
      approvalTypedData({ chainId: await chainId(), wallet, intentId, intent: p }),
    );
  }

  /** Submits owners' approval signatures (combined, de-duplicated and sorted); executes at the threshold. */
  async function submitApprovals(intentId: Hex, signatures: readonly OwnerSignature[]): Promise<SettleResult> {
    if (!signatures.length) throw new InvalidInputError("signatures", "no signatures to submit");
    const { pending: p } = await intent(intentId);
    const { receipt } = await sendWalletTx(ctx, "approveBySignatures", [intentId, p, toContractSignatures(signatures)]);
    return settleResultFrom(receipt, wallet);
  }

  /** Signs an owner action over `calls` (nonce: the wallet's current one; deadline: default chain time + 1 h). */
  async function signOwnerAction(
    calls: readonly Hex[],
    opts: { nonce?: bigint; deadline?: TimeInput; signer?: OwnerSigner } = {},
  ): Promise<SignedOwnerAction> {
    if (!calls.length) throw new InvalidInputError("calls", "an owner action needs at least one call");
    const [nonce, deadline, id] = await Promise.all([
      opts.nonce ?? read<bigint>("ownerNonce"),
      opts.deadline !== undefined ? toSeconds(opts.deadline) : chainNow().then((t) => BigInt(t + 3600)),
      chainId(),
    ]);
    const sig = await signWith(
      opts.signer ?? signer,
      ownerActionTypedData({ chainId: id, wallet, calls, nonce, deadline }),
    );
    return { ...sig, calls: [...calls], nonce, deadline };
  }

  /** Runs an owner action with collected signatures (sorted for you). */
  async function ownerAction(calls: readonly Hex[], signatures: readonly OwnerSignature[], deadline: TimeInput) {
    if (!calls.length) throw new InvalidInputError("calls", "an owner action needs at least one call");
    const { hash } = await sendWalletTx(ctx, "ownerAction", [
      [...calls],
      toSeconds(deadline),
      toContractSignatures(signatures),
    ]);
    return { txHash: hash };
  }

  function deadlineOf(signatures: readonly (OwnerSignature | SignedOwnerAction)[], deadline?: TimeInput): bigint {
    if (deadline !== undefined) return toSeconds(deadline);
    const ds = new Set(
      signatures
        .map((s) => (s as SignedOwnerAction).deadline)
        .filter((d) => d !== undefined)
        .map(String),
    );
    if (ds.size !== 1)
      throw new InvalidInputError(
        "deadline",
        ds.size === 0
          ? "no deadline given and the signatures do not carry one"
          : "the signatures were made for different deadlines",
        "Pass the deadline the owners signed, or collect signatures from signOwnerAction with one deadline.",
      );
    return BigInt([...ds][0]);
  }

  /** Signs and runs `calls` with several owner signers at once (tests, demos, a custodian holding M keys). */
  async function applyCalls(
    calls: readonly Hex[],
    signers: readonly OwnerSigner[],
    opts: { deadline?: TimeInput } = {},
  ) {
    if (!signers.length) throw new InvalidInputError("signers", "no signers given");
    const [nonce, deadline] = await Promise.all([
      read<bigint>("ownerNonce"),
      opts.deadline !== undefined ? toSeconds(opts.deadline) : chainNow().then((t) => BigInt(t + 3600)),
    ]);
    const sigs = await Promise.all(signers.map((s) => signOwnerAction(calls, { nonce, deadline, signer: s })));
    return ownerAction(calls, sigs, deadline);
  }

  /**
   * Grants (or extends) a session key through an owner action. Without `signatures`, returns the calls (and the
   * current nonce) to sign; with them, runs the action.
   */
  function grantKey(p: { key: Address; agentId: Hex | string; validUntil: TimeInput }): { calls: Hex[] };
  function grantKey(p: {
    key: Address;
    agentId: Hex | string;
    validUntil: TimeInput;
    signatures: readonly (OwnerSignature | SignedOwnerAction)[];
    deadline?: TimeInput;
  }): Promise<{ txHash: Hex }>;
  function grantKey(p: {
    key: Address;
    agentId: Hex | string;
    validUntil: TimeInput;
    signatures?: readonly (OwnerSignature | SignedOwnerAction)[];
    deadline?: TimeInput;
  }): { calls: Hex[] } | Promise<{ txHash: Hex }> {
    if (typeof p.key !== "string" || !isAddress(p.key, { strict: false }))
      throw new InvalidInputError("key", `"${String(p.key)}" is not an address`);
    const calls = [ownerCalls.grantSessionKey(p.key, p.agentId, p.validUntil)];
    if (!p.signatures) return { calls };
    return ownerAction(calls, p.signatures, deadlineOf(p.signatures, p.deadline));
  }

  /**
   * Freezes an agent at once (any single owner): revokes all its session keys and voids every queued intent of
   * it that this client finds (each refused with AgentFrozen, its budget released). Queued intents it misses are
   * refused when someone tries to execute them. Unfreezing takes an owner action (`unfreezeAgent`).
   */
  async function freezeAgent(agentId: Hex | string) {
    const id = toAgentId(agentId);
    const queued = (await pending({ agentId: id })).map((i) => ({ intentId: i.intentId, intent: i.pending }));
    const { hash } = await sendWalletTx(ctx, "freezeAgent", [id, queued]);
    return { txHash: hash, voided: queued.map((q) => q.intentId) };
  }

  return {
    wallet,
    address: signerAddress(signer),
    chainId,
    pending,
    /** The queued intent's `PendingIntent`, rebuilt from its `IntentSubmitted` log. */
    pendingIntent: async (intentId: Hex) => (await intent(intentId)).pending,
    approve,
    signApproval,
    submitApprovals,
    veto: (intentId: Hex) => closeCall("veto", intentId),
    reject: (intentId: Hex) => closeCall("reject", intentId),
    expire: (intentId: Hex) => closeCall("expire", intentId),
    /** Executes a waiting intent (anyone may). */
    execute: async (intentId: Hex): Promise<SettleResult> => {
      const { pending: p } = await intent(intentId);
      return settleResultFrom((await sendWalletTx(ctx, "execute", [intentId, p])).receipt, wallet);
    },
    /** Pauses agent spending at once (any single owner or guardian). */
    pause: async () => ({ txHash: (await sendWalletTx(ctx, "pause", [])).hash }),
    /** Resumes spending with M owners' signatures over `[unpause()]` (see `unpauseCalls`). */
    unpause: (signatures: readonly (OwnerSignature | SignedOwnerAction)[], deadline?: TimeInput) =>
      ownerAction([ownerCalls.unpause()], signatures, deadlineOf(signatures, deadline)),
    unpauseCalls: () => [ownerCalls.unpause()],
    signOwnerAction,
    ownerAction,
    applyCalls,
    grantKey,
    /** Revokes a session key at once (any single owner). */
    revokeKey: async (key: Address) => {
      if (typeof key !== "string" || !isAddress(key, { strict: false }))
        throw new InvalidInputError("key", `"${String(key)}" is not an address`);
      return { txHash: (await sendWalletTx(ctx, "revokeSessionKey", [getAddress(key)])).hash };
    },
    freezeAgent,
    owners: () => read<readonly Address[]>("owners"),
    threshold: async () => (await read<{ threshold: number }>("settings")).threshold,
    sortSignatures,
  };
}

export type OwnerClient = ReturnType<typeof createOwnerClient>;
