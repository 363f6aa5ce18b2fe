#!/usr/bin/env node
// Launcher: runs the compiled CLI (dist/cli/main.mjs, built by `npm run build:js`, which `npm install` runs).
// In a source checkout that has not been built yet, it runs the TypeScript sources through tsx instead.
"use strict";
const path = require("node:path");
const { existsSync } = require("node:fs");

const compiled = path.join(__dirname, "..", "dist", "cli", "main.mjs");
if (existsSync(compiled)) {
  import(require("node:url").pathToFileURL(compiled).href);
} else {
  let tsx;
  try {
    tsx = require.resolve("tsx/cjs");
  } catch {
    process.stderr.write("error: the TierGuard CLI is not built (dist/cli/main.mjs is missing)\nFix: run \"npm run build:js\" in the TierGuard package\n");
    process.exit(1);
  }
  require(tsx);
  require("../src/cli/main.ts");
}
