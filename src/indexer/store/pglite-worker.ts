/**
 * PGlite on a worker thread. PGlite is PostgreSQL compiled to WebAssembly: a query runs on the thread that calls
 * it, and a sync commits megabytes per range. On the main thread that work would stop everything else (decoding
 * the next range, answering the RPC node's responses, serving `/health`); on a worker thread it overlaps them.
 *
 * The worker is one PostgreSQL session. The main thread sends `{ id, sql, params }` and gets `{ id, rows }` or
 * `{ id, error }` back; a transaction is BEGIN ... COMMIT on that session, and `openPgliteWorker` serialises callers
 * so that nothing runs inside another caller's transaction. The worker's code is a string evaluated by
 * `node:worker_threads` (it needs no file of its own beside the bundle): it loads PGlite from the path the main
 * thread resolved.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { inTransaction } from "./sql";
import type { SqlClient, SqlResult } from "./types";

/** Parameters longer than this travel as UTF-8 bytes (binary format) instead of text. */
export const BINARY_PARAM_CHARS = 1 << 16;

/**
 * The worker. Long string parameters of type text or json are sent as bytes: PGlite measures and encodes a text
 * parameter character by character in JavaScript, which costs more than PostgreSQL's own work on a range's JSON;
 * `TextEncoder` does it natively (in the binary format, text and json are their UTF-8 bytes).
 */
const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { PGlite, types } = require(workerData.pglite);
const encoder = new TextEncoder();
const wrap = (fallback) => (x) =>
  typeof x === "string" && x.length > ${BINARY_PARAM_CHARS} ? encoder.encode(x) : fallback(x);
const options = {
  serializers: {
    [types.TEXT]: wrap(types.serializers[types.TEXT] || String),
    [types.JSON]: wrap(types.serializers[types.JSON] || String),
  },
};
const fields = ["code", "detail", "hint", "position", "where", "schema", "table", "column", "dataType", "constraint", "severity"];
const failure = (e) => {
  const out = { name: e && e.name, message: e && e.message !== undefined ? String(e.message) : String(e) };
  for (const f of fields) if (e && e[f] !== undefined) out[f] = e[f];
  return out;
};
(async () => {
  let pg;
  try {
    pg = workerData.dataDir ? new PGlite(workerData.dataDir) : new PGlite();
    await pg.waitReady;
    if (workerData.schema) {
      await pg.query('CREATE SCHEMA IF NOT EXISTS "' + workerData.schema + '"');
      await pg.query('SET search_path TO "' + workerData.schema + '"');
    }
  } catch (e) {
    parentPort.postMessage({ id: 0, error: failure(e) });
    return;
  }
  parentPort.postMessage({ id: 0, rows: [] });
  parentPort.on("message", async (m) => {
    if (m.close) {
      try {
        await pg.close();
        parentPort.postMessage({ id: m.id, rows: [] });
      } catch (e) {
        parentPort.postMessage({ id: m.id, error: failure(e) });
      }
      parentPort.close();
      return;
    }
    try {
      const r = await pg.query(m.sql, m.params, options);
      parentPort.postMessage({ id: m.id, rows: r.rows });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: failure(e) });
    }
  });
})();
`;

type Reply = { id: number; rows?: unknown[]; error?: Record<string, unknown> & { message: string } };

export interface PgliteWorker extends SqlClient {
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The error PGlite raised in the worker, with its fields (`code`, `detail`, ...) as PGlite gives them. */
function rebuild(e: Reply["error"]): Error {
  const err = new Error(e!.message);
  Object.assign(err, e, { name: e!.name && e!.name !== "Error" ? e!.name : "DatabaseError" });
  return err;
}

/** Starts PGlite on a worker thread (in `dataDir`, or in memory) and resolves once it is ready. */
export async function openPgliteWorker(opts: { dataDir?: string; schema?: string }): Promise<PgliteWorker> {
  const pglite = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const worker = new Worker(SOURCE, { eval: true, workerData: { pglite, dataDir: opts.dataDir, schema: opts.schema } });
  const pending = new Map<number, { resolve: (r: unknown[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  worker.on("message", (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(rebuild(m.error));
    else p.resolve(m.rows ?? []);
  });
  const fail = (e: Error) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the PGlite worker stopped (exit code ${code})`)));
  await ready;

  const send = (message: { sql?: string; params?: unknown[]; close?: boolean }) =>
    new Promise<unknown[]>((resolve, reject) => {
      if (dead) return reject(dead);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
  const raw: SqlClient = {
    query: async <R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>> => ({
      rows: (await send({ sql, params })) as R[],
    }),
  };
  // One session: callers take turns, and a transaction holds the turn from BEGIN to COMMIT.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = turn.then(fn, fn);
    turn = run.catch(() => undefined);
    return run;
  };
  return {
    query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => exclusive(() => raw.query<R>(sql, params)),
    transaction: <T>(fn: (tx: SqlClient) => Promise<T>) => exclusive(() => inTransaction(raw, fn)),
    close: () =>
      exclusive(async () => {
        if (dead) return;
        await send({ close: true });
        await worker.terminate();
      }),
  };
}
