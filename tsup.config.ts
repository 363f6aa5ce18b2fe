/**
 * Build of the library (`npm run build:js`, also run by `prepare` on install and by `npm pack`): the SDK, the
 * indexer, the MCP server and the x402 client as ESM (`.mjs`) and CommonJS (`.cjs`) with type declarations; dependencies are
 * left to the installer. The CLI has its own build: tsup.cli.config.ts.
 */
import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      "indexer/index": "src/indexer/index.ts",
      "mcp/index": "src/mcp/index.ts",
      "x402/index": "src/x402/index.ts",
    },
    outDir: "dist",
    format: ["esm", "cjs"],
    outExtension: ({ format }) => ({ js: format === "esm" ? ".mjs" : ".cjs" }),
    dts: { compilerOptions: { composite: false } },
    tsconfig: "tsconfig.build.json",
    target: "node20",
    platform: "node",
    sourcemap: false,
    clean: true,
    splitting: true,
    shims: true,
  },
]);
