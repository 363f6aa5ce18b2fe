/**
 * The console's HTTP routes (Hono): pages, the JSON API under /api/* that the page uses, and the static client
 * assets. Nothing here holds a key or sends a transaction: the API prepares what the owner's own wallet signs
 * or sends, and collects approval signatures after verifying them.
 *
 *   GET  /                                  the queue        GET /wallet, /activity, /intents/:id   pages
 *   GET  /api/status                        checkpoint, head, lag, banner, chain id, chain time
 *   GET  /api/queue                         waiting intents (QueueItem[])
 *   GET  /api/wallet | /api/activity        the wallet; recent activity
 *   GET  /api/intents/:id                   one intent: its item and whole trail, collected signatures
 *   GET  /api/role?address=                 owner | guardian | none, and the actions that role may take
 *   GET  /api/intents/:id/approval          the EIP-712 Approval for eth_signTypedData_v4
 *   POST /api/intents/:id/signatures        { signer, signature }: verified, stored; 4xx with the reason if refused
 *   GET  /api/intents/:id/tx/:action        { to, data } for veto | reject | execute | expire | submit
 *   GET  /api/tx/pause                      { to, data } for pause
 *   /owner-actions, /api/owner-actions/*    owner actions (owner-routes.ts)
 */
import fs from "node:fs";
import path from "node:path";
import { Hono, type Context } from "hono";
import { raw } from "hono/html";
import type { Hex, PublicClient } from "viem";
import { toJson } from "../indexer";
import { approvalRequest, intentTx, pauseTx } from "./actions";
import { ACTION_ROLES, chainNow, type ConsoleModel } from "./model";
import { activityBody, intentBody, layout, queueBody, walletBody, type Banner } from "./pages";
import { SignatureRefused } from "./signatures";
import type { OwnerActionBook } from "./owner-actions";
import { ownerRoutes } from "./owner-routes";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const INTENT_ACTIONS = new Set(["veto", "reject", "execute", "expire", "submit"]);

export interface AppOptions {
  model: ConsoleModel;
  /** owner actions loaded into the console */
  ownerActions: OwnerActionBook;
  /** a directory of owner-action files to list */
  actionsDir?: string;
  publicClient: PublicClient;
  chainId: number;
  /** the banner warns when the store is more than this many blocks behind the head (default 3) */
  maxLagBlocks?: number;
  /** the follower's last error, if its last poll failed */
  syncError?: () => string | undefined;
}

class ApiError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

const json = (c: Context, body: unknown, status = 200) =>
  c.body(toJson(body), status as 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });

function asset(name: string): string {
  return fs.readFileSync(path.join(__dirname, "assets", name), "utf8");
}

export function createApp(opts: AppOptions): Hono {
  const { model, chainId } = opts;
  const view = model.view;
  const app = new Hono();
  const assets = { js: asset("console.js"), css: asset("console.css") };

  const status = async () => {
    const chain = await model.snapshot();
    const cp = view.at;
    const lag = chain.head !== null && cp ? chain.head - cp.blockNumber : null;
    const banner: Banner[] = [];
    if (chain.error) banner.push({ level: "warn", text: `The chain is unreachable (${chain.error}): figures may be out of date.` });
    if (!cp) banner.push({ level: "warn", text: "The store has not synced this wallet yet: nothing to show until the first range is indexed." });
    else if (lag !== null && lag > BigInt(opts.maxLagBlocks ?? 3))
      banner.push({ level: "warn", text: `The store is ${lag} blocks behind the chain (at block ${cp.blockNumber}, head ${chain.head}): recent intents may be missing.` });
    const syncError = opts.syncError?.();
    if (syncError) banner.push({ level: "warn", text: `Syncing the store failed: ${syncError}. Retrying.` });
    return {
      wallet: view.wallet,
      chainId,
      checkpoint: cp ? { blockNumber: cp.blockNumber, blockHash: cp.blockHash } : null,
      head: chain.head,
      lag,
      now: chainNow(chain),
      paused: view.state().paused,
      // changes whenever the view or the owner actions do (the page reloads its main section then)
      version: view.version + opts.ownerActions.version,
      banner,
    };
  };

  const idParam = (c: Context): Hex => {
    const id = c.req.param("id") ?? "";
    if (!BYTES32.test(id)) throw new ApiError(400, `an intent id is 0x followed by 64 hex digits, got "${id}"`);
    return id.toLowerCase() as Hex;
  };
  const waitingTrail = async (id: Hex) => {
    const t = await view.trail(id);
    if (!t) throw new ApiError(404, `no intent ${id} on wallet ${view.wallet}`);
    if (t.decided || !t.pending) throw new ApiError(409, `intent ${id} no longer waits (it is ${t.status})`);
    return t;
  };

  app.onError((e, c) => {
    if (e instanceof ApiError || e instanceof SignatureRefused) return json(c, { error: e.message }, (e as ApiError).status);
    return json(c, { error: e.message }, 500);
  });

  app.get("/assets/console.js", (c) => c.body(assets.js, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/assets/console.css", (c) => c.body(assets.css, 200, { "content-type": "text/css; charset=utf-8" }));

  const page = async (c: Context, title: string, active: Parameters<typeof layout>[0]["active"], body: Parameters<typeof layout>[0]["body"]) => {
    const st = await status();
    return c.html(layout({ title, active, banner: st.banner, now: st.now, wallet: view.wallet, chainId, paused: st.paused, body }));
  };

  // The queue's items change only with the view or a passed deadline (see ConsoleModel.queue): render and
  // serialise each items array once; the whole page once per second of chain time (its clock) and banner.
  const rendered = new WeakMap<object, { html?: string; json?: Buffer; page?: { key: string; body: Buffer } }>();
  const renderedFor = (items: object) => {
    let r = rendered.get(items);
    if (!r) rendered.set(items, (r = {}));
    return r;
  };
  const HTML = { "content-type": "text/html; charset=utf-8" };
  app.get("/", async (c) => {
    const [q, st] = await Promise.all([model.queue(), status()]);
    const r = renderedFor(q.items);
    const key = JSON.stringify([st.now, st.paused, st.banner]);
    if (r.page?.key !== key) {
      const s = view.state();
      r.html ??= String(await queueBody(q.items, { paused: s.paused, threshold: s.threshold, owners: s.owners.length, policyVersion: s.policyVersion }));
      const body = raw(r.html) as Parameters<typeof layout>[0]["body"];
      const html = String(await layout({ title: "Queue", active: "queue", banner: st.banner, now: st.now, wallet: view.wallet, chainId, paused: st.paused, body }));
      r.page = { key, body: Buffer.from(html) };
    }
    return c.body(r.page.body as unknown as ArrayBuffer, 200, HTML);
  });
  app.get("/wallet", async (c) => page(c, "Wallet", "wallet", walletBody(await model.wallet())));
  app.get("/activity", async (c) => page(c, "Activity", "activity", activityBody(model.activity())));
  app.get("/intents/:id", async (c) => {
    const id = idParam(c);
    const got = await model.intent(id);
    if (!got) throw new ApiError(404, `no intent ${id} on wallet ${view.wallet}`);
    return page(c, `Intent ${id.slice(0, 10)}…`, "intent", intentBody(got.item, got.trail, model.signatures.forIntent(id)));
  });

  app.get("/api/status", async (c) => json(c, await status()));
  app.get("/api/queue", async (c) => {
    const q = await model.queue();
    const r = renderedFor(q.items);
    r.json ??= Buffer.from(toJson(q.items));
    const body = Buffer.concat([Buffer.from(`{"now":${q.now},"items":`), r.json, Buffer.from("}")]);
    return c.body(body as unknown as ArrayBuffer, 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  });
  app.get("/api/wallet", async (c) => json(c, await model.wallet()));
  app.get("/api/activity", (c) => json(c, { items: model.activity() }));
  app.get("/api/intents/:id", async (c) => {
    const id = idParam(c);
    const got = await model.intent(id);
    if (!got) throw new ApiError(404, `no intent ${id} on wallet ${view.wallet}`);
    return json(c, { ...got, signatures: model.signatures.forIntent(id) });
  });
  app.get("/api/role", (c) => {
    const address = c.req.query("address") ?? "";
    if (!ADDRESS.test(address)) throw new ApiError(400, `address must be 0x followed by 40 hex digits, got "${address}"`);
    const role = model.roleOf(address);
    const actions = Object.entries(ACTION_ROLES).filter(([, roles]) => roles.includes(role)).map(([a]) => a);
    return json(c, { address, role, actions });
  });
  app.get("/api/intents/:id/approval", async (c) => {
    const t = await waitingTrail(idParam(c));
    if (t.tier !== "collaborative") throw new ApiError(409, `intent ${t.intentId} is ${t.tier}: only collaborative intents take approvals`);
    return json(c, approvalRequest({ chainId, wallet: view.wallet, trail: t }));
  });
  app.post("/api/intents/:id/signatures", async (c) => {
    const id = idParam(c);
    const body = (await c.req.json().catch(() => {
      throw new ApiError(400, 'the body must be JSON: { "signer": "0x...", "signature": "0x..." }');
    })) as Record<string, unknown>;
    const collected = await model.signatures.add({
      view,
      publicClient: opts.publicClient,
      chainId,
      intentId: id,
      signer: body?.signer,
      signature: body?.signature,
    });
    view.version++;
    const trail = (await view.trail(id))!;
    const approvals = model.approvalsOf(trail);
    return json(c, { collected, approvals, complete: approvals.count >= approvals.threshold }, 201);
  });
  app.get("/api/intents/:id/tx/:action", async (c) => {
    const action = c.req.param("action");
    if (!INTENT_ACTIONS.has(action)) throw new ApiError(400, `action must be one of ${[...INTENT_ACTIONS].join(", ")}, got "${action}"`);
    const t = await waitingTrail(idParam(c));
    const signatures = model.signatures.forIntent(t.intentId).filter((s) => model.roleOf(s.signer) === "owner");
    if (action === "submit") {
      const a = model.approvalsOf(t);
      if (a.count < a.threshold) throw new ApiError(409, `only ${a.count} of ${a.threshold} approvals are in: collect more signatures first`);
    }
    return json(c, intentTx({ wallet: view.wallet, action: action as "veto", trail: t, signatures }));
  });
  app.get("/api/tx/pause", (c) => json(c, pauseTx(view.wallet)));
  ownerRoutes(app, { model, book: opts.ownerActions, publicClient: opts.publicClient, chainId, actionsDir: opts.actionsDir, json, page });

  return app;
}
