/**
 * The owner-action routes: the page, loading files (upload, paste, or the actions directory), what to sign
 * (an owner's EIP-712 `OwnerAction`, a Safe owner's `SafeMessage`), collecting signatures and the `ownerAction`
 * transaction once M are in.
 *
 *   GET  /owner-actions                              the page
 *   GET  /api/owner-actions                          every loaded action with its standing (and directory errors)
 *   POST /api/owner-actions                          body: the action file's JSON; checked, stored (201) or 4xx
 *   GET  /api/owner-actions/:digest                  one action: summary, changes, notes, standing, typed data
 *   GET  /api/owner-actions/:digest/safe?safe=0x..   what the Safe's owners sign (SafeMessage) and its hash
 *   POST /api/owner-actions/:digest/signatures       { signer, signature } or { safe, signature }
 *   GET  /api/owner-actions/:digest/tx               { to, data, summary } of ownerAction, once ready
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { Context, Hono } from "hono";
import { getAddress, isAddress, type Address, type PublicClient } from "viem";
import { toJson } from "../indexer";
import { summaryOf, typedDataOf, typedDataV4 } from "../owners/file";
import { actionChanges } from "./owner-diff";
import { OwnerActionBook, type ActionContext, type ActionStanding, type StoredAction } from "./owner-actions";
import { ownerActionsBody, type ActionView } from "./owner-pages";
import { SignatureRefused } from "./signatures";
import type { ConsoleModel } from "./model";
import type { layout } from "./pages";

const DIGEST = /^0x[0-9a-fA-F]{64}$/;

export interface OwnerRoutesOptions {
  model: ConsoleModel;
  book: OwnerActionBook;
  publicClient: PublicClient;
  chainId: number;
  /** a directory of action files to list (read on every listing; a changed file is read again) */
  actionsDir?: string;
  json: (c: Context, body: unknown, status?: number) => Response;
  page: (c: Context, title: string, active: "owner-actions", body: Parameters<typeof layout>[0]["body"]) => Promise<Response>;
}

export function ownerRoutes(app: Hono, o: OwnerRoutesOptions): void {
  const { model, book } = o;
  const view = model.view;
  const ctx = (): ActionContext => ({
    publicClient: o.publicClient,
    chainId: o.chainId,
    wallet: view.wallet,
    owners: view.state().owners.map((x) => x.toLowerCase()),
  });

  // The actions directory: each file read again only when it changed; what it could not load is listed.
  const seen = new Map<string, number>();
  const dirErrors = new Map<string, string>();
  const scan = async () => {
    if (!o.actionsDir) return;
    const names = (await fs.readdir(o.actionsDir).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort();
    for (const name of names) {
      const file = path.join(o.actionsDir, name);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st || seen.get(name) === st.mtimeMs) continue;
      seen.set(name, st.mtimeMs);
      try {
        await book.load(await fs.readFile(file, "utf8"), name, ctx());
        dirErrors.delete(name);
      } catch (e) {
        dirErrors.set(name, (e as Error).message);
      }
    }
  };

  // Standing needs the chain (owners, nonce, deadline, Safes): computed once per change of the book or the view.
  let standings: { key: string; value: Promise<ActionView[]> } | undefined;
  const viewOf = async (a: StoredAction): Promise<ActionView> => {
    const standing: ActionStanding = await book.standing(a, ctx(), view.executedOwnerActions().get(a.digest));
    return {
      digest: a.digest,
      title: a.file.title,
      source: a.source,
      nonce: a.file.nonce,
      deadline: Number(a.file.deadline),
      summary: summaryOf(a.file),
      changes: actionChanges(a.file.calls, view.state()),
      notes: a.file.notes,
      signatures: a.file.signatures.map((s) => ({ kind: s.kind, signer: s.signer, owner: s.kind === "safe" ? s.owner : s.signer })),
      standing,
    };
  };
  const all = async () => {
    await scan();
    const key = `${book.version}:${view.version}`;
    if (standings?.key !== key) standings = { key, value: Promise.all(book.list().map(viewOf)) };
    return standings.value;
  };
  const actionParam = (c: Context): StoredAction => {
    const d = c.req.param("digest") ?? "";
    if (!DIGEST.test(d)) throw new SignatureRefused(`an owner action is named by its digest: 0x followed by 64 hex digits, got "${d}"`, 400);
    const a = book.get(d);
    if (!a) throw new SignatureRefused(`no owner action ${d} in this console: load its file first`, 404);
    return a;
  };
  const body = async (c: Context) =>
    (await c.req.json().catch(() => {
      throw new SignatureRefused("the body must be JSON", 400);
    })) as Record<string, unknown>;

  app.get("/owner-actions", async (c) => o.page(c, "Owner actions", "owner-actions", ownerActionsBody(await all(), [...dirErrors], o.actionsDir)));
  app.get("/api/owner-actions", async (c) => o.json(c, { actions: await all(), directory: o.actionsDir ?? null, errors: Object.fromEntries(dirErrors) }));
  app.post("/api/owner-actions", async (c) => {
    const text = await c.req.text();
    const a = await book.load(text, "the uploaded file", ctx());
    return o.json(c, await viewOf(a), 201);
  });
  app.get("/api/owner-actions/:digest", async (c) => {
    const a = actionParam(c);
    const td = JSON.parse(typedDataV4(a.file)) as unknown;
    return o.json(c, { ...(await viewOf(a)), typedData: td, calls: a.file.calls, wallet: a.file.wallet, chainId: a.file.chainId, primaryType: typedDataOf(a.file).primaryType });
  });
  app.get("/api/owner-actions/:digest/safe", (c) => {
    const a = actionParam(c);
    const safe = c.req.query("safe") ?? "";
    if (!isAddress(safe, { strict: false })) throw new SignatureRefused(`safe must be the Safe's address (0x followed by 40 hex digits), got "${safe}"`, 400);
    const addr: Address = getAddress(safe);
    if (!ctx().owners.includes(addr.toLowerCase())) throw new SignatureRefused(`Safe ${addr} is not an owner of wallet ${view.wallet}`, 403);
    return c.body(toJson(book.safeRequest(a, addr)), 200, { "content-type": "application/json; charset=utf-8" });
  });
  app.post("/api/owner-actions/:digest/signatures", async (c) => {
    const a = await book.addSignature(actionParam(c).digest, await body(c), ctx());
    const v = await viewOf(a);
    const st = v.standing.state === "open" ? v.standing.status : undefined;
    return o.json(c, { ...v, accepted: st?.accepted.length ?? 0, threshold: st?.threshold ?? view.state().threshold, complete: st?.ready ?? false }, 201);
  });
  app.get("/api/owner-actions/:digest/tx", async (c) => {
    const a = actionParam(c);
    const s = await book.standing(a, ctx(), view.executedOwnerActions().get(a.digest));
    if (s.state === "executed") throw new SignatureRefused(`this owner action already ran (tx ${s.txHash})`, 409);
    if (s.state === "closed") throw new SignatureRefused(s.reason, 409);
    return o.json(c, book.submitTx(a, s.status));
  });
}
