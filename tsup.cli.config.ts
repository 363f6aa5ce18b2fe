/**
 * Build of the `tierguard` CLI (dist/cli/): ESM with its dependencies bundled and split into chunks, so
 * `tierguard --help` loads only the argument parser and a command loads what it uses when it runs. Resolving
 * hundreds of dependency files on every start would cost more than the CLI's own work. PGlite and node-postgres
 * stay external (PGlite ships WebAssembly files beside its code; both are loaded only by audit commands).
 */
import { cpSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { main: "src/cli/main.ts" },
  outDir: "dist/cli",
  format: ["esm"],
  outExtension: () => ({ js: ".mjs" }),
  tsconfig: "tsconfig.build.json",
  target: "node20",
  platform: "node",
  noExternal: [/^(?!@electric-sql\/pglite$|pg$)/],
  external: ["@electric-sql/pglite", "pg"],
  splitting: true,
  shims: true,
  clean: true,
  // Bundled CommonJS dependencies may call require(): give the ESM chunks one.
  // The console's page assets are read from beside its code at run time.
  onSuccess: async () => cpSync("src/console/assets", "dist/cli/assets", { recursive: true }),
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
