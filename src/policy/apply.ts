import type { Address, Hex, PublicClient } from "viem";
import type { OwnerClient } from "../client/owner";
import type { OwnerSigner } from "../client/signing";
import { planPolicy } from "./plan";
import type { Policy } from "./schema";

export interface ApplyPolicyArgs {
  publicClient: PublicClient;
  /** an owner client of the wallet (it submits the owner action) */
  owner: OwnerClient;
  policy: Policy;
  /** M owners' signers (viem wallet clients, local accounts or ERC-1271 signers) */
  signers: readonly OwnerSigner[];
  /** only plan: send nothing */
  dryRun?: boolean;
  /** allow removing categories the policy no longer lists (see `PlanPolicyArgs.allowRemoveCategories`) */
  allowRemoveCategories?: boolean;
}

export interface ApplyPolicyResult {
  /** one human-readable line per change */
  changes: string[];
  calls: Hex[];
  /** the owner action's transaction, unless there was nothing to do or `dryRun` */
  txHash?: Hex;
}

/**
 * Plans a policy against the live wallet and applies only the changes, as one M-of-N owner action.
 * Applying the same policy twice changes nothing the second time.
 *
 * @example
 * ```ts
 * const policy = await loadPolicyFile("examples/policy.yaml", { vars: { USDC, EURC, EURC_USD_FEED } });
 * const owner = createOwnerClient({ publicClient, walletClient: alice, wallet });
 * const { changes, txHash } = await applyPolicy({ publicClient, owner, policy, signers: [alice, bob] });
 * ```
 */
export async function applyPolicy(args: ApplyPolicyArgs): Promise<ApplyPolicyResult> {
  const wallet: Address = args.owner.wallet;
  const plan = await planPolicy({
    publicClient: args.publicClient,
    wallet,
    policy: args.policy,
    allowRemoveCategories: args.allowRemoveCategories,
  });
  if (plan.empty || args.dryRun) return { changes: plan.changes, calls: plan.calls };
  const result = await args.owner.applyCalls(plan.calls, args.signers);
  return { changes: plan.changes, calls: plan.calls, txHash: result.txHash };
}
