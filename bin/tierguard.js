#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx's CommonJS loader (no build step).
"use strict";
require("tsx/cjs");
require("../src/cli/main.ts");
