/**
 * A read-only HTTP query API over an indexer store (node:http, JSON, loopback only):
 *
 *   GET /intents            intent summaries; filters: agent (bytes32 agent id), tier (autonomous, supervised,
 *                           collaborative, prohibited), status (queued, awaiting_approval, executed, vetoed,
 *                           rejected, expired, stale, refused, blocked), from / to (inclusive; a block number,
 *                           or an ISO 8601 date/time compared with the block time), limit (default 100, max
 *                           1000), after (the `next` cursor of the previous page: keyset pagination), offset
 *   GET /intents/:id        one intent's full audit trail (404 if the store has no log of it)
 *   GET /approvals?intent=  owner approvals of one intent (or of every intent without `intent`)
 *   GET /health             the checkpoint (block, hash, block time, last update), stored log count, whether a
 *                           follower keeps the store up to date (and its last error), and, when a `publicClient`
 *                           is given, the head and the lag in blocks and seconds (head time - indexed block time)
 *
 * Intents carry the category name and policy version in force at their submission block, not today's names.
 * Per checkpoint (the store changes only when a sync commits), the API keeps the policy history and the list
 * totals, so a page costs one keyset query however large the store.
 *
 * Every request may name the wallet with `?wallet=`; the default is `wallet` from the options, else the only
 * wallet the store has a checkpoint for. Bigints are serialised as decimal strings. Nothing is written.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isAddress, type Address, type Hex, type PublicClient } from "viem";
import { CONFIG_EVENTS } from "../model/state";
import { TIER_NAMES } from "../../client/intents";
import { TRAIL_STATUSES, loadTrail, loadTrails, type IntentTrail } from "../model/trail";
import { PolicyHistory } from "../report/history";
import { toJson } from "../store/sql";
import type { IntentQuery, IntentRow, LogPosition, Store } from "../store/types";

export interface ApiOptions {
  store: Store;
  /** default wallet (else the only one with a checkpoint) */
  wallet?: Address;
  /** default 0: a free port */
  port?: number;
  /** loopback only: "127.0.0.1" (default), "::1" or "localhost" */
  host?: "127.0.0.1" | "::1" | "localhost";
  /** adds the head and the lag to /health */
  publicClient?: PublicClient;
  /** the state of the process that keeps the store up to date, if this one runs it (e.g. `audit serve`) */
  follower?: () => { running: boolean; lastError?: string };
}

export interface ApiServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  host: string;
  server: http.Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const TIERS = new Set<string>(TIER_NAMES);
const STATUSES = new Set<string>(TRAIL_STATUSES);
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A `from` / `to` bound: a block number, or a time (unix seconds) from an ISO 8601 string. */
type Bound = { block: bigint } | { time: number };

function parseBound(name: string, v: string | null): Bound | undefined {
  if (v === null || v === "") return undefined;
  if (/^\d+$/.test(v)) return { block: BigInt(v) };
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `${name} must be a block number or an ISO 8601 date, got "${v}"`);
  return { time: Math.floor(t / 1000) };
}

function parseInt10(name: string, v: string | null, dflt: number, max: number): number {
  if (v === null || v === "") return dflt;
  if (!/^\d+$/.test(v)) throw new HttpError(400, `${name} must be a non-negative integer, got "${v}"`);
  return Math.min(Number(v), max);
}

/** `<block>-<logIndex>`: the `next` cursor of a previous page. */
function parseCursor(v: string | null): LogPosition | undefined {
  if (v === null || v === "") return undefined;
  const m = /^(\d+)-(\d+)$/.exec(v);
  if (!m) throw new HttpError(400, `after must be the "next" value of a previous page (<block>-<logIndex>), got "${v}"`);
  return { blockNumber: BigInt(m[1]), logIndex: Number(m[2]) };
}

/** The list view of an intent (the full trail is at /intents/:id), labelled as of its submission block. */
function summary(r: IntentRow, history: PolicyHistory) {
  const { decisionKind, decisionTx, decisionBlock, decisionTimestamp, ...row } = r;
  return {
    ...row,
    categoryName: r.category === null ? null : history.categoryName(r.category, r.blockNumber, r.logIndex),
    decision: decisionKind ? { kind: decisionKind, txHash: decisionTx, blockNumber: decisionBlock, timestamp: decisionTimestamp } : null,
  };
}

/** Starts the API; resolves once it listens. */
export async function startApi(opts: ApiOptions): Promise<ApiServer> {
  const host = opts.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) {
    throw new RangeError(`the indexer API binds to loopback only (127.0.0.1, ::1, localhost), not "${host}"`);
  }
  const { store } = opts;
  // fresh planner statistics: keyset pages must walk the intents index, not sort the table
  await store.analyze?.().catch(() => undefined);

  const walletFor = async (q: URLSearchParams): Promise<Address> => {
    const w = q.get("wallet");
    if (w) {
      if (!isAddress(w, { strict: false })) throw new HttpError(400, `wallet must be an address, got "${w}"`);
      return w as Address;
    }
    if (opts.wallet) return opts.wallet;
    const { rows } = await store.db.query<{ address: string }>("SELECT address FROM checkpoint ORDER BY address LIMIT 2");
    if (rows.length === 1) return rows[0].address as Address;
    throw new HttpError(
      400,
      rows.length === 0 ? "the store has no synced wallet yet" : "the store holds several wallets: pass ?wallet=",
    );
  };

  // What only changes when a sync commits, kept per checkpoint: the policy history, the totals of list queries and
  // the stored log count (a count(*) per request would cost more than the page it describes).
  let cache: { key: string; history?: PolicyHistory; counts: Map<string, number> } | undefined;
  const cached = async (wallet: Address) => {
    const cp = await store.getCheckpoint(wallet);
    const key = `${wallet.toLowerCase()}:${cp?.blockNumber ?? ""}:${cp?.blockHash ?? ""}`;
    if (cache?.key !== key) cache = { key, counts: new Map() };
    return cache;
  };
  const historyOf = async (wallet: Address) => {
    const c = await cached(wallet);
    c.history ??= PolicyHistory.fromLogs(await store.logs(wallet, { events: [...CONFIG_EVENTS] }), wallet);
    return c.history;
  };
  const countOf = async (wallet: Address, what: string, count: () => Promise<number>) => {
    const c = await cached(wallet);
    let n = c.counts.get(what);
    if (n === undefined) c.counts.set(what, (n = await count()));
    return n;
  };

  const routes = async (path: string, q: URLSearchParams): Promise<unknown> => {
    if (path === "/health") {
      const { rows } = await store.db.query<{ address: string; block_number: unknown; block_hash: string; updated_at: unknown }>(
        "SELECT address, block_number, block_hash, updated_at FROM checkpoint ORDER BY address",
      );
      let wallet: Address | undefined;
      try {
        wallet = await walletFor(q);
      } catch {
        wallet = undefined;
      }
      const row = wallet ? rows.find((r) => r.address.toLowerCase() === wallet!.toLowerCase()) : undefined;
      const indexed = row ? await store.getBlock(BigInt(String(row.block_number))) : undefined;
      const checkpoint = row
        ? {
            blockNumber: BigInt(String(row.block_number)),
            blockHash: row.block_hash,
            /** the indexed block's time (unix seconds) */
            timestamp: indexed?.timestamp ?? null,
            updatedAt: new Date(row.updated_at as string | Date).toISOString(),
          }
        : null;
      const follower = opts.follower?.();
      const out: Record<string, unknown> = {
        ok: follower ? follower.running && !follower.lastError : true,
        wallet: wallet ?? null,
        checkpoint,
        logs: wallet ? await countOf(wallet, "logs", () => store.countLogs(wallet!)) : null,
        wallets: rows.map((r) => r.address),
        following: follower ? follower.running : false,
        ...(follower?.lastError ? { followerError: follower.lastError } : {}),
      };
      if (opts.publicClient) {
        try {
          const head = await opts.publicClient.getBlock({ blockTag: "latest" });
          out.head = head.number;
          out.headTimestamp = Number(head.timestamp);
          out.lag = checkpoint ? head.number - checkpoint.blockNumber : null;
          out.lagSeconds = checkpoint?.timestamp != null ? Math.max(0, Number(head.timestamp) - checkpoint.timestamp) : null;
        } catch (e) {
          out.ok = false;
          out.head = null;
          out.headError = (e as Error).message.split("\n")[0];
        }
      }
      return out;
    }

    if (path === "/intents") {
      const wallet = await walletFor(q);
      const agent = q.get("agent");
      if (agent && !BYTES32.test(agent)) throw new HttpError(400, `agent must be a bytes32 agent id, got "${agent}"`);
      const tier = q.get("tier");
      if (tier && !TIERS.has(tier)) throw new HttpError(400, `tier must be one of ${[...TIERS].join(", ")}`);
      const status = q.get("status");
      if (status && !STATUSES.has(status))
        throw new HttpError(400, `status must be one of ${[...STATUSES].join(", ")}`);
      const from = parseBound("from", q.get("from"));
      const to = parseBound("to", q.get("to"));
      const limit = parseInt10("limit", q.get("limit"), 100, 1000);
      const offset = parseInt10("offset", q.get("offset"), 0, Number.MAX_SAFE_INTEGER);
      const after = parseCursor(q.get("after"));
      const query: IntentQuery = {
        agentId: (agent ?? undefined) as Hex | undefined,
        tier: (tier ?? undefined) as IntentQuery["tier"],
        status: (status ?? undefined) as IntentQuery["status"],
        ...(from ? ("block" in from ? { fromBlock: from.block } : { fromTime: from.time }) : {}),
        ...(to ? ("block" in to ? { toBlock: to.block } : { toTime: to.time }) : {}),
      };
      // Keyset pagination from the materialised table: `after` (the `next` of the previous page) costs the same
      // on page 1 and page 1,000; `offset` is kept for small stores.
      const [rows, total, history] = await Promise.all([
        offset > 0 && !after
          ? store.intents(wallet, query, offset + limit).then((r) => r.slice(offset))
          : store.intents(wallet, { ...query, after }, limit),
        countOf(wallet, `intents:${toJson(query)}`, () => store.countIntents(wallet, query)),
        historyOf(wallet),
      ]);
      const last = rows[rows.length - 1];
      const next = rows.length === limit && last ? `${last.blockNumber}-${last.logIndex}` : null;
      const intents = rows.map((r) => summary(r, history));
      return { wallet, total, limit, offset, after: q.get("after") ?? null, next, intents };
    }

    const one = /^\/intents\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]);
      if (!BYTES32.test(id)) throw new HttpError(400, `an intent id is 32 bytes of hex, got "${id}"`);
      const wallet = await walletFor(q);
      const [trail, history] = await Promise.all([loadTrail(store, wallet, id as Hex), historyOf(wallet)]);
      if (!trail) throw new HttpError(404, `no stored log of intent ${id}`);
      const s = trail.submitted;
      // the policy in force at the submission block: later renames or removals do not relabel it
      const asOf = s ? { categoryName: history.categoryName(s.category, s.blockNumber, s.logIndex), policyVersion: s.policyVersion } : null;
      return { wallet, trail, asOf };
    }

    if (path === "/approvals") {
      const wallet = await walletFor(q);
      const intent = q.get("intent");
      if (intent && !BYTES32.test(intent)) throw new HttpError(400, `intent must be 32 bytes of hex, got "${intent}"`);
      const trails = intent
        ? [await loadTrail(store, wallet, intent as Hex)].filter((t): t is IntentTrail => t !== undefined)
        : await loadTrails(store, wallet);
      if (intent && trails.length === 0) throw new HttpError(404, `no stored log of intent ${intent}`);
      const approvals = trails.flatMap((t) => t.approvals.map((a) => ({ intentId: t.intentId, ...a })));
      return { wallet, intent: intent ?? null, approvals };
    }

    throw new HttpError(404, `no route ${path}`);
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = toJson(body);
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : text);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(405, { error: `method ${req.method} not allowed: the API is read-only` });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      send(400, { error: "bad request URL" });
      return;
    }
    const path = url.pathname.replace(/\/+$/, "") || "/";
    routes(path, url.searchParams).then(
      (body) => send(200, body),
      (e: unknown) => {
        if (e instanceof HttpError) send(e.status, { error: e.message });
        else send(500, { error: (e as Error)?.message ?? String(e) });
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${urlHost}:${addr.port}`,
    port: addr.port,
    host: addr.address,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}
