/**
 * Vitest global setup: starts a `hardhat node` on 127.0.0.1 (a free port) for the SDK tests and stops it
 * afterwards. Tests read its URL with `inject("rpcUrl")`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ensureBuilt } from "../helpers/build";

declare module "vitest" {
  export interface ProvidedContext {
    rpcUrl: string;
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

async function waitForRpc(url: string, child: ChildProcess, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`hardhat node did not answer at ${url} within ${ms} ms`);
}

export default async function setup(project: TestProject) {
  // Tests spawn bin/tierguard.js, which runs the compiled CLI when there is one: never a stale one.
  ensureBuilt("cli");
  const port = await freePort();
  const root = path.resolve(__dirname, "../../..");
  const bin = path.join(root, "node_modules", ".bin", "hardhat");
  const child = spawn(bin, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(url, child, 60_000);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  project.provide("rpcUrl", url);
  return async () => {
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    if (child.exitCode === null) child.kill("SIGKILL");
  };
}
