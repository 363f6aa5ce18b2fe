/** PGlite: embedded PostgreSQL in a data directory or in memory, run on a worker thread (`pglite-worker.ts`). */
import { checkSchema } from "./location";
import { acquireLock } from "./lock";
import { openPgliteWorker } from "./pglite-worker";
import type { OpenStoreOptions, OpenedDatabase } from "./types";

export async function openPglite(opts: OpenStoreOptions): Promise<OpenedDatabase> {
  const schema = checkSchema(opts.schema);
  const release = opts.dataDir ? acquireLock(opts.dataDir) : () => undefined;
  let pg: Awaited<ReturnType<typeof openPgliteWorker>>;
  try {
    pg = await openPgliteWorker({ dataDir: opts.dataDir, schema });
  } catch (e) {
    release();
    throw e;
  }
  return {
    kind: "pglite",
    location: opts.dataDir ?? "memory://",
    query: pg.query,
    transaction: pg.transaction,
    close: async () => {
      try {
        await pg.close();
      } finally {
        release();
      }
    },
  };
}
