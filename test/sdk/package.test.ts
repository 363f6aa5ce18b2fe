/**
 * The package as a user gets it: `npm pack`, installed into a fresh project, then used from ES modules, CommonJS
 * and TypeScript (`tsc`, NodeNext), with the compiled `tierguard` bin, against the test `hardhat node`. The
 * README's runnable examples are the programs: every ```ts run / ```js run / ```sh run block is written into the
 * project and executed, so the README cannot drift from the package.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { toHex } from "viem";
import { account } from "./helpers/chain";
import { ensureBuilt, ROOT } from "./helpers/build";
import { readmeBlocks, type ReadmeBlock } from "./helpers/readme";

const exec = promisify(execFile);
const key = (i: number) => toHex(account(i).getHdKey().privateKey!);

let dir: string;
let env: NodeJS.ProcessEnv;
const blocks = readmeBlocks();
const run = (cmd: string, args: string[]) => exec(cmd, args, { cwd: dir, env, timeout: 120_000 });
const block = (pred: (b: ReadmeBlock) => boolean, what: string) => {
  const b = blocks.find(pred);
  if (!b) throw new Error(`README.md has no runnable ${what} block`);
  return b;
};
const compiled = (b: ReadmeBlock) => path.join(dir, "build", b.file.replace(/\.ts$/, ".js"));

beforeAll(async () => {
  ensureBuilt("all");
  dir = mkdtempSync(path.join(os.tmpdir(), "tierguard-pkg-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" }));
  const tarball = path.join(dir, packed[0].filename as string);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "fresh-project", private: true, type: "module" }));
  const started = Date.now();
  execFileSync("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "pipe" });
  console.log(`npm install of the packed tarball: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const b of blocks) writeFileSync(path.join(dir, b.file), b.code);
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        outDir: "build",
        skipLibCheck: true,
        typeRoots: [path.join(ROOT, "node_modules/@types")],
        types: ["node"],
      },
      include: ["*.ts"],
    }),
  );
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TIERGUARD_RPC_URL: inject("rpcUrl"),
    TIERGUARD_OWNER_KEYS: [0, 1, 2].map(key).join(","),
    TIERGUARD_AGENT_KEY: key(3),
  };
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed package in a fresh project", () => {
  it("loads as ES modules and CommonJS with the same exports, at the root and the subpaths", async () => {
    const names = "Object.keys(m).sort().join(',')";
    const script = (sub: string) => [
      ["--input-type=module", "-e", `const m = await import("tierguard${sub}"); console.log(${names})`],
      ["-e", `const m = require("tierguard${sub}"); console.log(${names})`],
    ];
    for (const sub of ["", "/indexer", "/mcp", "/x402"]) {
      const [esm, cjs] = await Promise.all(script(sub).map((args) => run(process.execPath, args)));
      expect(esm.stdout.trim().length, `tierguard${sub} exports something`).toBeGreaterThan(0);
      expect(cjs.stdout, `tierguard${sub}: CommonJS exports the same names as ESM`).toBe(esm.stdout);
    }
    const { stdout } = await run(process.execPath, ["-e", 'console.log(typeof require("tierguard").createAgentClient)']);
    expect(stdout.trim()).toBe("function");
  });

  it("runs the compiled tierguard bin, without a TypeScript loader", async () => {
    const { stdout } = await run("npx", ["--no-install", "tierguard", "--version"]);
    expect(stdout.trim()).toBe("tierguard 0.1.0");
    const help = await run("npx", ["--no-install", "tierguard", "--help"]);
    expect(help.stdout).toContain("Usage: tierguard <command>");
  });
});

describe("README examples, run against the packed package", () => {
  it("the CLI block deploys, applies the policy, grants a key and pays autonomously", async () => {
    const sh = block((b) => b.lang === "sh", "sh");
    const { stdout } = await run("bash", ["-euo", "pipefail", sh.file]);
    expect(stdout).toMatch(/nothing to change|no changes/i);
    expect(stdout).toContain("autonomous");
  });

  it("every TypeScript block type-checks with tsc (NodeNext, strict) against the package's declarations", async () => {
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    await run(process.execPath, [tsc, "-p", "tsconfig.json"]).catch((e: { stdout: string }) => {
      throw new Error(`tsc failed:\n${e.stdout}`);
    });
  });

  it("the policy block plans nothing once the CLI applied the policy (top-level await, ESM)", async () => {
    const b = block((x) => x.lang === "ts" && x.code.includes("planPolicy"), "planPolicy");
    const { stdout } = await run(process.execPath, [compiled(b)]);
    expect(stdout.trim().split("\n").at(-1)).toBe("0");
  });

  it("the CommonJS block loads the policy with require and a promise", async () => {
    const b = block((x) => x.lang === "js", "js");
    const { stdout } = await run(process.execPath, [b.file]);
    expect(stdout.trim()).toBe("autonomous, supervised, collaborative, prohibited");
  });

  it("the agents block queues the $89 hire and pays it once two owners sign", async () => {
    const b = block((x) => x.lang === "ts" && x.code.includes("submitApprovals"), "agents");
    const { stdout } = await run(process.execPath, [compiled(b)]);
    expect(stdout).toMatch(/^collaborative awaiting_approval aud-/m);
    expect(stdout.trim().split("\n").at(-1)).toBe("executed");
  });

  it("the idempotency block pays once: the retry returns the first intent", async () => {
    const b = block((x) => x.lang === "ts" && x.code.includes("requestId:"), "idempotency");
    const { stdout } = await run(process.execPath, [compiled(b)]);
    expect(stdout.trim().split("\n").at(-1)).toBe("executed true true");
  });

  it("the gasless block pays through an in-process relayer", async () => {
    const b = block((x) => x.lang === "ts" && x.code.includes("createRelayer"), "gasless");
    const { stdout } = await run(process.execPath, [compiled(b)]);
    expect(stdout.trim().split("\n").at(-1)).toBe("true executed");
  });
});
