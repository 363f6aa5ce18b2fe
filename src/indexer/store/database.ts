/**
 * Database handles for the indexer store: node-postgres (a connection `Pool`) when a `postgres://` URL is given,
 * PGlite (embedded PostgreSQL: a data directory, or in memory) otherwise. Both speak the same SQL, so the store's
 * one schema and its migrations apply unchanged to either.
 *
 * `pg` and `@electric-sql/pglite` are loaded on demand: a process that only uses one of them never loads the other.
 */
import { IndexerStoreError } from "../errors";
import { isPostgresUrl, redactUrl } from "./location";
import { openPglite } from "./pglite";
import { openPostgres } from "./postgres";
import type { OpenStoreOptions, OpenedDatabase } from "./types";

/**
 * Opens the database an indexer store lives in: node-postgres for a `postgres://` URL, PGlite otherwise (the
 * data directory `dataDir`, or in memory). Any other URL scheme is refused.
 */
export async function openDatabase(opts: OpenStoreOptions = {}): Promise<OpenedDatabase> {
  if (opts.url !== undefined && opts.url !== "") {
    if (!isPostgresUrl(opts.url)) {
      throw new IndexerStoreError(`unsupported database URL ${redactUrl(opts.url)}`, {
        fix: "Give a postgres:// (or postgresql://) URL for PostgreSQL, or no URL and a data directory (dataDir) for PGlite.",
      });
    }
    return openPostgres({ ...opts, url: opts.url });
  }
  return openPglite(opts);
}
