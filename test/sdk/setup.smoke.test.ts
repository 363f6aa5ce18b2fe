import { describe, expect, inject, it } from "vitest";
import { createPublicClient, http } from "viem";
import { hardhat } from "viem/chains";

describe("test chain", () => {
  it("serves JSON-RPC on 127.0.0.1 with Hardhat's chain id", async () => {
    const url = inject("rpcUrl");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createPublicClient({ chain: hardhat, transport: http(url) });
    expect(await client.getChainId()).toBe(31337);
  });
});
