/**
 * Operational faults: a second process on one PGlite directory is refused (lock file with the holder's pid), a
 * lock left by a killed process is taken over, and the CLI's RPC probe retries a node that fails transiently.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { openStore } from "../../src/indexer";
import { probeChainId } from "../../src/cli/connection";
import { startFlakyProxy } from "./helpers/flaky-proxy";

const tmp = mkdtempSync(path.join(os.tmpdir(), "tierguard-ops-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("one writer per PGlite directory", () => {
  it("refuses a second process with a message naming its pid, and takes over the lock of a process that is gone", async () => {
    const dataDir = path.join(tmp, "store");
    const lock = path.join(dataDir, "tierguard.lock");
    const store = await openStore({ dataDir });
    expect(readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    await store.close();
    expect(existsSync(lock)).toBe(false);

    // another live process holds the directory
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      writeFileSync(lock, `${other.pid}\n`);
      const refused = openStore({ dataDir });
      await expect(refused).rejects.toThrow(new RegExp(`in use by another process \\(pid ${other.pid}\\)`));
      await expect(openStore({ dataDir })).rejects.toThrow(/stop process \d+ .*audit follow or serve/);
    } finally {
      other.kill("SIGKILL");
      await new Promise((r) => other.once("exit", r));
    }
    // the holder was killed: its lock is stale and is taken over
    const again = await openStore({ dataDir });
    expect(readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    await again.close();
  }, 60_000);
});

describe("the RPC probe", () => {
  it("retries a node that fails twice with HTTP 500 before answering", async () => {
    const proxy = await startFlakyProxy({ target: inject("rpcUrl"), seed: 3, p500: 1, p429: 0, maxDelayMs: 0, maxFaultsPerRequest: 2 });
    try {
      await expect(probeChainId(proxy.url, { attempts: 1, backoffMs: 1 })).rejects.toThrow();
      expect(await probeChainId(proxy.url, { attempts: 4, backoffMs: 1 })).toBe(31337);
    } finally {
      await proxy.close();
    }
  });
});
