/**
 * One process per PGlite data directory. PGlite is PostgreSQL compiled to WebAssembly running inside the process:
 * two processes on one directory each believe they own it, and their writes corrupt it. `acquireLock` creates
 * `tierguard.lock` (holding the pid) exclusively; a lock left by a process that no longer runs is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { IndexerStoreError } from "../errors";

export const LOCK_FILE = "tierguard.lock";

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Takes the directory's lock for this process; returns the release function. */
export function acquireLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          if (readFileSync(file, "utf8").trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let pid = NaN;
      try {
        pid = Number(readFileSync(file, "utf8").trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(pid) && pid > 0 && running(pid)) {
        throw new IndexerStoreError(`the store ${dataDir} is in use by another process (pid ${pid})`, {
          details: [`lock file: ${file}`],
          fix:
            pid === process.pid
              ? "Close the store opened earlier in this process before opening it again."
              : `A PGlite store serves one process at a time: stop process ${pid} (e.g. the running tierguard audit follow or serve; audit serve follows the chain itself), or use PostgreSQL (--db postgres://...) to share a store between processes.`,
        });
      }
      // left by a process that is gone (killed): take it over
      try {
        unlinkSync(file);
      } catch {
        // someone else took it over first: the next attempt sees their lock
      }
    }
  }
  throw new IndexerStoreError(`cannot take the lock of the store ${dataDir}`, {
    fix: `Remove ${file} if no tierguard process uses this directory.`,
  });
}
