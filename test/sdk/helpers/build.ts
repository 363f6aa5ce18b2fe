/**
 * The built package (dist/) for tests that run it as a user does: rebuilt when any source is newer than the
 * build, so a test never runs yesterday's JavaScript.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../../..");
const INPUTS = ["src", "package.json", "tsup.config.ts", "tsup.cli.config.ts", "tsconfig.build.json"];

function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((n) => newest(path.join(p, n))));
}

const stale = (output: string) => {
  const out = path.join(ROOT, output);
  return !existsSync(out) || statSync(out).mtimeMs < Math.max(...INPUTS.map((i) => newest(path.join(ROOT, i))));
};

/**
 * `cli`: the CLI bundle, only if one was built before and is out of date (without a build, `bin/tierguard.js`
 * runs the sources). `all`: the library and the CLI, whenever out of date or missing.
 */
export function ensureBuilt(what: "cli" | "all"): void {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  if (what === "cli") {
    const main = "dist/cli/main.mjs";
    if (existsSync(path.join(ROOT, main)) && stale(main)) {
      execFileSync("npx", ["tsup", "--silent", "--config", "tsup.cli.config.ts"], { cwd: ROOT, stdio: "inherit" });
    }
    return;
  }
  if (stale("dist/index.d.ts") || stale("dist/cli/main.mjs")) execFileSync(npm, ["run", "--silent", "build:js"], { cwd: ROOT, stdio: "inherit" });
}
