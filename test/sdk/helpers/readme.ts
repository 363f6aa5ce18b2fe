/**
 * The README's runnable examples: fenced blocks whose info string has `run` (```ts run, ```js run, ```sh run),
 * with an optional `file=NAME` that other blocks import.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./build";

export interface ReadmeBlock {
  lang: "ts" | "js" | "sh";
  /** `file=...`, or `example-N.<ext>` (N counts from 1 in README order) */
  file: string;
  code: string;
  /** 1-based line of the opening fence */
  line: number;
}

const EXT = { ts: "ts", js: "cjs", sh: "sh" } as const;

export function readmeBlocks(readme = path.join(ROOT, "README.md")): ReadmeBlock[] {
  const lines = readFileSync(readme, "utf8").split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w+)\s+(.*)$/.exec(lines[i]);
    if (!m || !/(^|\s)run(\s|$)/.test(m[2])) continue;
    const lang = m[1] as ReadmeBlock["lang"];
    if (!(lang in EXT)) throw new Error(`README.md:${i + 1}: runnable blocks are ts, js or sh, not ${lang}`);
    const end = lines.indexOf("```", i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed block`);
    const named = /file=(\S+)/.exec(m[2])?.[1];
    blocks.push({ lang, file: named ?? `example-${blocks.length + 1}.${EXT[lang]}`, code: lines.slice(i + 1, end).join("\n") + "\n", line: i + 1 });
    i = end;
  }
  return blocks;
}
