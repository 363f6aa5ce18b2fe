import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/sdk/**/*.test.ts"],
    globalSetup: ["test/sdk/setup/hardhat-node.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One node is shared: files run one at a time so that their chain state does not interleave.
    fileParallelism: false,
  },
});
