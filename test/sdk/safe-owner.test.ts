/**
 * A real Safe 1.4.1 (canonical artifacts, 2-of-2 of EOAs, CompatibilityFallbackHandler) as a TierGuard owner,
 * through the SDK: off-chain (its owners sign the Safe message of the TierGuard digest; the signatures are
 * concatenated) and on-chain (the Safe approves the message with SignMessageLib; the owner signature is empty).
 * A raw ECDSA signature of the digest by a Safe owner (what `erc1271Signer` makes) is refused by the Safe.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { getAddress, type Address } from "viem";
import { tierGuardWalletAbi } from "../../src/abi/TierGuardWallet";
import { createOwnerClient, ownerCalls } from "../../src/client/owner";
import { erc1271Signer } from "../../src/client/signing";
import { ContractError } from "../../src/client/errors";
import { checkActionFile, prepareOwnerAction, signActionFile, submitActionFile } from "../../src/owners/collect";
import { digestOf, withSignature } from "../../src/owners/file";
import { safeMessageHash, safeSigner, signMessageLibCalldata } from "../../src/owners/safe";
import { account, clients, deployWallet, snapshot } from "./helpers/chain";
import { deploySafe, deploySafeSingletons, execSafeTransaction } from "./helpers/safe";

describe("a Safe 1.4.1 as an owner", () => {
  const c = clients();
  const [eoa, s1, s2] = [account(1), account(8), account(9)];
  let safe: Address;
  let wallet: Address;
  let signMessageLib: Address;
  beforeAll(async () => {
    const restore = await snapshot(c);
    const singletons = await deploySafeSingletons(c);
    signMessageLib = singletons.signMessageLib;
    safe = await deploySafe(c, singletons, [s1.address, s2.address], 2);
    wallet = await deployWallet(c, [eoa.address, safe], 2);
    return () => restore();
  });

  const owner = () => createOwnerClient({ publicClient: c.publicClient, walletClient: c.walletFor(eoa), wallet });
  const guardianCall = (i: number) => [ownerCalls.setGuardian(account(10 + i).address, true)];
  const isGuardian = (i: number) =>
    c.publicClient.readContract({ address: wallet, abi: tierGuardWalletAbi, functionName: "isGuardian", args: [account(10 + i).address] });

  it("refuses a Safe owner's raw signature of the digest (the old erc1271Signer), naming the Safe", async () => {
    const err = await owner()
      .applyCalls(guardianCall(0), [c.walletFor(eoa), erc1271Signer(safe, s1)])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect((err as ContractError).errorName).toBe("TierGuardInvalidSignature");
    expect((err as ContractError).args).toMatchObject({ signer: getAddress(safe) });
  });

  it("accepts the Safe's owners' signatures over the Safe message (safeSigner), with an EOA owner", async () => {
    await owner().applyCalls(guardianCall(1), [c.walletFor(eoa), safeSigner(safe, [s1, s2])]);
    expect(await isGuardian(1)).toBe(true);
  });

  it("refuses the Safe with one of its two owners' signatures", async () => {
    const err = await owner()
      .applyCalls(guardianCall(2), [c.walletFor(eoa), safeSigner(safe, [s2])])
      .catch((e: unknown) => e);
    expect((err as ContractError).errorName).toBe("TierGuardInvalidSignature");
  });

  it("accepts a Safe that approved the message on-chain (SignMessageLib) with an empty signature", async () => {
    let file = await prepareOwnerAction({ publicClient: c.publicClient, wallet, calls: guardianCall(3), title: "guardian" });
    const digest = digestOf(file);
    await execSafeTransaction(c, safe, { to: signMessageLib, data: signMessageLibCalldata(digest), operation: 1 }, [s1, s2]);
    const chainId = await c.publicClient.getChainId();
    const signed = await c.publicClient.readContract({
      address: safe,
      abi: [{ type: "function", name: "signedMessages", stateMutability: "view", inputs: [{ type: "bytes32" }], outputs: [{ type: "uint256" }] }],
      functionName: "signedMessages",
      args: [safeMessageHash({ chainId, safe, digest })],
    });
    expect(signed).toBe(1n);
    file = await signActionFile(file, eoa);
    file = withSignature(file, { kind: "safe", signer: safe, owner: safe, signature: "0x" });
    const status = await checkActionFile(c.publicClient, file, "file");
    expect(status.ready).toBe(true);
    await submitActionFile({ publicClient: c.publicClient, walletClient: c.walletFor(eoa), status });
    expect(await isGuardian(3)).toBe(true);
  });
});
