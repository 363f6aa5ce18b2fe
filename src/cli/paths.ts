/** Where the TierGuard package lives, whether this code runs from `src/` (tsx) or from the built `dist/cli/`. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

let cached: string | undefined;

/** The directory of TierGuard's own package.json (its examples/ and node_modules/ are beside it). */
export function packageRoot(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "tierguard") return (cached = dir);
    if (path.dirname(dir) === dir) return (cached = path.resolve(__dirname, "../.."));
  }
}
