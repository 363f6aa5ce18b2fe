/**
 * Test helpers for the classification, intent, pricing and article tests: the article fixture with a few extra
 * accounts, owner actions from (function, args) pairs, submissions at exact timestamps and matchers for the
 * packed `details` of IntentSubmitted.
 */
import hre from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface, Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  ARTICLE_RULES,
  cat,
  decodeDetails,
  deployArticle,
  ownerAction,
  submitIntent,
  usd,
  type Category,
  type PendingIntentStruct,
  type Submitted,
  type TierRulesInput,
} from "../../scripts/lib/article";

/** The article's deployment plus addresses and accounts that play no role in it. */
export async function articleFixture() {
  const d = await deployArticle(hre);
  const signers = await hre.ethers.getSigners();
  return {
    ...d,
    // deployArticle types them as plain Signers; they are Hardhat's accounts (with `.address`)
    owners: d.owners as HardhatEthersSigner[],
    agentKey: d.agentKey as HardhatEthersSigner,
    walletAddress: await d.wallet.getAddress(),
    usdcAddress: await d.usdc.getAddress(),
    eurcAddress: await d.eurc.getAddress(),
    /** a second session key, for the same agent identity or another one */
    otherKey: signers[4],
    /** an account that is neither owner, guardian, agent nor vendor */
    outsider: signers[5],
    /** anyone who relays signatures or executes intents */
    relayer: signers[6],
    guardian: signers[7],
    /** recipients with no trust set (Unknown) */
    newcomers: signers.slice(17, 20).map((s) => s.address),
  };
}
export type Fixture = Awaited<ReturnType<typeof articleFixture>>;

/** A self-call of an owner action: function name and arguments. */
export type Call = [fn: string, args: unknown[]];

/** Runs the calls as one owner action signed by two of the three owners; returns the mined transaction. */
export async function configure(f: Fixture, ...calls: Call[]) {
  const i = f.wallet.interface as unknown as Interface;
  const data = calls.map(([fn, args]) => i.encodeFunctionData(fn, args));
  const tx = await ownerAction(f.wallet, f.owners.slice(0, 2), data);
  await tx.wait();
  return tx;
}

/** The article's rules for a tier with some fields replaced. */
export const rules = (
  tier: "autonomous" | "supervised" | "collaborative",
  changes: Partial<TierRulesInput> = {},
): TierRulesInput => ({ ...ARTICLE_RULES[tier], ...changes });

export interface IntentArgs {
  token: string;
  amount: bigint;
  recipient: string;
  category: number;
  justification?: string;
}

/** A USDC payment (6 decimals, fixed 1.00: amount = value) of `amount` dollars. */
export const usdcPay = (f: Fixture, amount: string, recipient: string, category: Category): IntentArgs => ({
  token: f.usdcAddress,
  amount: usd(amount),
  recipient,
  category: cat(category),
});

/** Sets the next block's timestamp (the next transaction, or the next estimateGas, runs at `ts`). */
export const at = (ts: number) => time.setNextBlockTimestamp(ts);

/** Spends with the agent key (or `key`), optionally at an exact timestamp, and decodes the outcome. */
export async function submit(f: Fixture, args: IntentArgs, opts: { at?: number; key?: Signer } = {}) {
  if (opts.at !== undefined) await at(opts.at);
  return submitIntent(f.wallet, opts.key ?? f.agentKey, args);
}

/** The unsent spend transaction, for revert and event assertions. */
export const submitTx = (f: Fixture, args: IntentArgs, key?: Signer) =>
  f.wallet
    .connect(key ?? f.agentKey)
    .spend(args.token, args.amount, args.recipient, args.category, args.justification ?? "test payment");

/** What spend returns, without sending it. */
export const submitCall = (f: Fixture, args: IntentArgs, key?: Signer) =>
  f.wallet
    .connect(key ?? f.agentKey)
    .spend.staticCall(args.token, args.amount, args.recipient, args.category, args.justification ?? "test payment");

/** preview() for the fixture's agent. */
export const preview = (f: Fixture, args: IntentArgs, agentId?: string) =>
  f.wallet.preview(agentId ?? f.agentId, args.token, args.amount, args.recipient, args.category);

/** quote(): the value of `amount` of `token` in reference units. */
export const quote = (f: Fixture, token: string, amount: bigint): Promise<bigint> => f.wallet.quote(token, amount);

/** Packs `misses` nibbles: reason of tier 0, tier 1, tier 2. */
export const misses = (...reasons: number[]) => reasons.reduce((m, r, t) => m | (r << (4 * t)), 0);

export type Details = ReturnType<typeof decodeDetails>;

/** A withArgs predicate for IntentSubmitted's `details`: every given field must equal the decoded one. */
export const details = (expected: Partial<Details>) => (raw: bigint) => {
  const got = decodeDetails(BigInt(raw));
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, got[k as keyof Details]]));
  expect(picked).to.deep.equal(expected);
  return true;
};

/** The pending intent with some fields replaced (for tampering tests). */
export const tampered = (p: PendingIntentStruct, changes: Partial<PendingIntentStruct>): PendingIntentStruct => ({
  ...p,
  ...changes,
});

/** The policy version the article's deployment leaves (one owner action). */
export const ARTICLE_POLICY_VERSION = 1;

/** Asserts a submission's classification. */
export function expectClassified(
  s: Submitted,
  want: { tier: number; reason: number; misses: number; value: bigint; status: number },
) {
  expect({ tier: s.tier, reason: s.reason, misses: s.misses, value: s.value, status: s.status }).to.deep.equal(want);
}

/** The agent's nonce (number of intents submitted). */
export const nonceOf = async (f: Fixture, agentId?: string) => (await f.wallet.agentState(agentId ?? f.agentId)).nonce;
