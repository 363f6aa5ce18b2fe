#!/usr/bin/env node
// Launcher: runs the compiled CLI (dist/cli/main.mjs, built by `npm run build:js`, which `npm install` runs).
// In a source checkout that has not been built yet, it runs the TypeScript sources in a child with tsx's loader.
"use strict";
const path = require("node:path");
const { existsSync } = require("node:fs");

const compiled = path.join(__dirname, "..", "dist", "cli", "main.mjs");
if (existsSync(compiled)) {
  import(require("node:url").pathToFileURL(compiled).href);
} else {
  let loader;
  try {
    // tsx's loader (what `node --import tsx` loads), resolved from this package, not from the working directory
    const root = path.dirname(require.resolve("tsx/package.json"));
    loader = require("node:url").pathToFileURL(path.join(root, require("tsx/package.json").exports["."])).href;
  } catch {
    process.stderr.write("error: the TierGuard CLI is not built (dist/cli/main.mjs is missing)\nFix: run \"npm run build:js\" in the TierGuard package\n");
    process.exit(1);
  }
  // A child with tsx's loader for both module systems: the CLI loads its commands with dynamic import(), which
  // tsx's CommonJS hook alone does not resolve.
  const { spawnSync } = require("node:child_process");
  const main = path.join(__dirname, "..", "src", "cli", "main.ts");
  const r = spawnSync(process.execPath, ["--import", loader, main, ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.error) throw r.error;
  process.exit(r.status ?? (r.signal ? 1 : 0));
}
