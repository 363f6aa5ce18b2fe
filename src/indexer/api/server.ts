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
 * Per checkpoint (the store changes only when a sync commits), the API keeps the policy history, the list totals
 * and the stored log count (`views.ts`), computed when it starts and when the checkpoint moves, so a page costs one
 * keyset query however large the store. Lists, totals and /health describe the same checkpoint.
 *
 * Every request may name the wallet with `?wallet=`; the default is `wallet` from the options, else the only
 * wallet the store has a checkpoint for. Bigints are serialised as decimal strings. Nothing is written.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isAddress, type Address, type Hex, type PublicClient } from "viem";
import { TIER_NAMES } from "../../client/intents";
import { TRAIL_STATUSES, loadTrail, loadTrails, type IntentTrail } from "../model/trail";
import type { PolicyHistory } from "../report/history";
import { toJson } from "../store/sql";
import type { IntentQuery, IntentRow, LogPosition, Store } from "../store/types";
import { CheckpointViews } from "./views";

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
  /**
   * Set when this process is the store's writer and calls `refresh()` after each commit (`audit serve` runs its
   * follower in-process): requests then answer from the views of the last commit without reading the checkpoint,
   * so /health answers from memory even while a commit holds the database. Default: every request checks the
   * stored checkpoint first (another process may write the store).
   */
  refreshedByWriter?: boolean;
}

export interface ApiServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  host: string;
  server: http.Server;
  /** Re-reads the checkpoints and recomputes what moved (call after a commit; see `refreshedByWriter`). */
  refresh(): Promise<void>;
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

/**
 * The list view of an intent (the full trail is at /intents/:id), labelled as of its submission block. One object
 * per row, copied from the row (bigints as decimal strings, the decision fields grouped under `decision`; the
 * flat ones are left undefined, which JSON omits): a page then serialises on JSON.stringify's fast path, and a
 * request allocates little enough that the young-generation GC seldom runs.
 */
function summary(r: IntentRow, history: PolicyHistory) {
  return {
    ...r,
    nonce: r.nonce.toString(),
    amount: r.amount?.toString() ?? null,
    value: r.value?.toString() ?? null,
    blockNumber: r.blockNumber.toString(),
    decisionKind: undefined,
    decisionTx: undefined,
    decisionBlock: undefined,
    decisionTimestamp: undefined,
    categoryName: r.category === null ? null : history.categoryName(r.category, r.blockNumber, r.logIndex),
    decision: r.decisionKind
      ? { kind: r.decisionKind, txHash: r.decisionTx, blockNumber: r.decisionBlock?.toString() ?? null, timestamp: r.decisionTimestamp }
      : null,
  };
}

/** JSON with bigints as decimal strings; bodies without bigints (list pages) skip the replacer, which costs the most. */
function serialise(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (e) {
    if (e instanceof TypeError) return toJson(body);
    throw e;
  }
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

  // What only changes when a sync commits: computed now and when the checkpoint moves, not inside a request.
  const views = new CheckpointViews(store);
  await views.refresh();
  await views.refresh(opts.wallet ? [opts.wallet] : (views.wallets() as Address[]));

  const walletFor = (q: URLSearchParams): Address => {
    const w = q.get("wallet");
    if (w) {
      if (!isAddress(w, { strict: false })) throw new HttpError(400, `wallet must be an address, got "${w}"`);
      return w as Address;
    }
    if (opts.wallet) return opts.wallet;
    const wallets = views.wallets();
    if (wallets.length === 1) return wallets[0] as Address;
    throw new HttpError(
      400,
      wallets.length === 0 ? "the store has no synced wallet yet" : "the store holds several wallets: pass ?wallet=",
    );
  };

  const routes = async (path: string, q: URLSearchParams): Promise<unknown> => {
    if (!opts.refreshedByWriter) await views.refresh();
    if (path === "/health") {
      let wallet: Address | undefined;
      try {
        wallet = walletFor(q);
      } catch {
        wallet = undefined;
      }
      const view = wallet ? await views.view(wallet) : undefined;
      const checkpoint = view?.checkpoint ?? null;
      const follower = opts.follower?.();
      const out: Record<string, unknown> = {
        ok: follower ? follower.running && !follower.lastError : true,
        wallet: wallet ?? null,
        checkpoint,
        logs: view ? view.logs : null,
        wallets: views.wallets(),
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
      const wallet = walletFor(q);
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
      // Lists stop at the view's checkpoint, so the page and its total describe the same block.
      const view = await views.view(wallet);
      const bounded = CheckpointViews.bounded(view, query);
      const filter = toJson(query);
      const [rows, total] = await Promise.all([
        offset > 0 && !after
          ? store.intents(wallet, bounded, offset + limit).then((r) => r.slice(offset))
          : store.intents(wallet, { ...bounded, after }, limit),
        filter === "{}" ? view.intents : views.count(view, filter, () => store.countIntents(wallet, bounded)),
      ]);
      const last = rows[rows.length - 1];
      const next = rows.length === limit && last ? `${last.blockNumber}-${last.logIndex}` : null;
      const intents = rows.map((r) => summary(r, view.history));
      return { wallet, total, limit, offset, after: q.get("after") ?? null, next, intents };
    }

    const one = /^\/intents\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]);
      if (!BYTES32.test(id)) throw new HttpError(400, `an intent id is 32 bytes of hex, got "${id}"`);
      const wallet = walletFor(q);
      const [trail, { history }] = await Promise.all([loadTrail(store, wallet, id as Hex), views.view(wallet)]);
      if (!trail) throw new HttpError(404, `no stored log of intent ${id}`);
      const s = trail.submitted;
      // the policy in force at the submission block: later renames or removals do not relabel it
      const asOf = s ? { categoryName: history.categoryName(s.category, s.blockNumber, s.logIndex), policyVersion: s.policyVersion } : null;
      return { wallet, trail, asOf };
    }

    if (path === "/approvals") {
      const wallet = walletFor(q);
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
      const bytes = Buffer.from(serialise(body));
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": bytes.length,
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : bytes);
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
    refresh: () => views.refresh(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}
