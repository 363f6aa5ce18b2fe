/**
 * A flaky JSON-RPC proxy on 127.0.0.1 in front of the test node, for fault tests:
 *
 * - answers some requests with HTTP 500 or HTTP 429 instead of forwarding them;
 * - delays answers (0..maxDelayMs);
 * - answers some `eth_getLogs` calls with an empty result `[]` (a node that silently drops logs);
 * - refuses `eth_getLogs` over more than `maxLogRange` blocks with a JSON-RPC error
 *   `-32005 "query returned more than 10000 results"` (as hosted nodes do);
 * - with `refuseBatches`, answers every JSON-RPC batch with one error object (as endpoints without batch support do).
 *
 * Deterministic and bounded: the fate of a request is a function of the seed, the request (method and params)
 * and how many times that same request was seen before, never of arrival order, so concurrent reads do not change
 * the outcome; and the same request fails at most `maxFaultsPerRequest` times in a row before it goes through.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyProxyOptions {
  /** the node to forward to */
  target: string;
  seed: number;
  /** probability of an HTTP 500 (default 0.15) */
  p500?: number;
  /** probability of an HTTP 429 (default 0.1) */
  p429?: number;
  /** upper bound of the random delay of every answer (default 20 ms) */
  maxDelayMs?: number;
  /** probability that an `eth_getLogs` call is answered `[]` whatever the chain holds (default 0) */
  pEmptyLogs?: number;
  /** widest `eth_getLogs` range accepted, in blocks (default: unlimited) */
  maxLogRange?: number;
  /** the same request fails at most this many times in a row (default 2) */
  maxFaultsPerRequest?: number;
  /** answer JSON-RPC batches with `-32600 "batch requests are not supported"` (default false) */
  refuseBatches?: boolean;
}

export interface FlakyProxyStats {
  requests: number;
  forwarded: number;
  http500: number;
  http429: number;
  rangeRefused: number;
  emptyLogs: number;
  delayed: number;
  /** HTTP requests carrying a JSON-RPC batch */
  batches: number;
  /** HTTP requests carrying eth_getBlockByNumber calls (a batch counts once) */
  blockRequests: number;
}

export interface FlakyProxy {
  url: string;
  stats: FlakyProxyStats;
  close(): Promise<void>;
}

/** FNV-1a over a string, 32 bits. */
function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RpcRequest {
  id?: unknown;
  method?: string;
  params?: unknown[];
}

const blockArg = (x: unknown): bigint | undefined =>
  typeof x === "string" && /^0x[0-9a-f]+$/i.test(x) ? BigInt(x) : undefined;

export async function startFlakyProxy(opts: FlakyProxyOptions): Promise<FlakyProxy> {
  const p500 = opts.p500 ?? 0.15;
  const p429 = opts.p429 ?? 0.1;
  const maxDelayMs = opts.maxDelayMs ?? 20;
  const maxFaults = opts.maxFaultsPerRequest ?? 2;
  const stats: FlakyProxyStats = { requests: 0, forwarded: 0, http500: 0, http429: 0, rangeRefused: 0, emptyLogs: 0, delayed: 0, batches: 0, blockRequests: 0 };
  /** request key -> times seen; consecutive faults per key */
  const seen = new Map<string, number>();
  const faultsInRow = new Map<string, number>();

  const tooWide = (r: RpcRequest) => {
    if (r.method !== "eth_getLogs" || opts.maxLogRange === undefined) return false;
    const f = (r.params?.[0] ?? {}) as { fromBlock?: unknown; toBlock?: unknown };
    const from = blockArg(f.fromBlock);
    const to = blockArg(f.toBlock);
    // open-ended ranges ("latest", "earliest") count as too wide
    if (from === undefined || to === undefined) return true;
    return to - from + 1n > BigInt(opts.maxLogRange);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      stats.requests++;
      let parsed: RpcRequest | RpcRequest[];
      try {
        parsed = JSON.parse(body);
      } catch {
        res.writeHead(400).end("bad json");
        return;
      }
      const list = Array.isArray(parsed) ? parsed : [parsed];
      if (Array.isArray(parsed)) stats.batches++;
      if (list.some((r) => r.method === "eth_getBlockByNumber")) stats.blockRequests++;
      if (Array.isArray(parsed) && opts.refuseBatches) {
        const refusal = { jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch requests are not supported" } };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(refusal));
        return;
      }
      // the request's identity, without its id
      const key = JSON.stringify(list.map((r) => [r.method, r.params]));
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const rand = prng(hash32(`${key}#${n}`, opts.seed));
      const delay = Math.floor(rand() * (maxDelayMs + 1));
      const roll = rand();
      if (delay > 0) {
        stats.delayed++;
        await new Promise((r) => setTimeout(r, delay));
      }
      const inRow = faultsInRow.get(key) ?? 0;
      if (inRow < maxFaults && roll < p500 + p429) {
        faultsInRow.set(key, inRow + 1);
        if (roll < p500) {
          stats.http500++;
          res.writeHead(500, { "content-type": "text/plain" }).end("internal error");
        } else {
          stats.http429++;
          res.writeHead(429, { "content-type": "text/plain", "retry-after": "0" }).end("Too Many Requests");
        }
        return;
      }
      const pEmpty = opts.pEmptyLogs ?? 0;
      if (pEmpty > 0 && inRow < maxFaults && list.every((r) => r.method === "eth_getLogs") && rand() < pEmpty) {
        faultsInRow.set(key, inRow + 1);
        stats.emptyLogs++;
        const empty = (r: RpcRequest) => ({ jsonrpc: "2.0", id: r.id ?? null, result: [] });
        const out = Array.isArray(parsed) ? list.map(empty) : empty(list[0]);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
        return;
      }
      faultsInRow.set(key, 0);
      if (list.some(tooWide)) {
        stats.rangeRefused++;
        const err = (r: RpcRequest) => ({
          jsonrpc: "2.0",
          id: r.id ?? null,
          error: { code: -32005, message: "query returned more than 10000 results" },
        });
        const out = Array.isArray(parsed) ? list.map(err) : err(list[0]);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
        return;
      }
      try {
        const upstream = await fetch(opts.target, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const text = await upstream.text();
        stats.forwarded++;
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
      } catch (e) {
        res.writeHead(502, { "content-type": "text/plain" }).end(`upstream: ${(e as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
