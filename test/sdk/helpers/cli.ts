/** Runs the `tierguard` CLI as a separate process, as a user would, with only the given TIERGUARD_* variables. */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";

const exec = promisify(execFile);
export const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin/tierguard.js");
const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const MAIN = path.join(ROOT, "src/cli/main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { env?: Record<string, string>; cwd: string; tsx?: boolean }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TIERGUARD_")));
  const argv = opts.tsx ? [TSX, MAIN, ...args] : [BIN, ...args];
  try {
    const { stdout, stderr } = await exec(process.execPath, argv, { cwd: opts.cwd, env: { ...env, ...opts.env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code?: number; stdout: string; stderr: string };
    return { code: typeof x.code === "number" ? x.code : -1, stdout: x.stdout, stderr: x.stderr };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (r: { stdout: string }) => JSON.parse(r.stdout) as { ok: boolean; result: Record<string, any> };
export const noStack = (r: { stderr: string }) => expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
