/**
 * The owner-actions page: load an action file (upload or paste), and for each loaded action what signing it
 * does (decoded from the signed calls), what it changes against the wallet now, the preparer's notes (not
 * signed), the signatures so far, and the buttons: sign from the browser wallet (owners), submit once M are in,
 * and, for a Safe that is an owner, what its owners sign in the Safe and a field to bring the signature back.
 */
import { html } from "hono/html";
import type { Hex } from "viem";
import type { ActionStanding } from "./owner-actions";

type Html = ReturnType<typeof html>;

export interface ActionView {
  digest: Hex;
  title: string;
  source: string;
  nonce: bigint;
  deadline: number;
  summary: string[];
  changes: string[];
  notes: string[];
  signatures: { kind: "eoa" | "safe"; signer: string; owner: string }[];
  standing: ActionStanding;
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

function standingText(s: ActionStanding): string {
  if (s.state === "executed") return `executed in block ${s.blockNumber} (tx ${s.txHash})`;
  if (s.state === "closed") return `cannot run: ${s.reason}`;
  const st = s.status;
  return st.ready ? `${st.accepted.length} of ${st.threshold} owners signed: ready to submit` : `${st.accepted.length} of ${st.threshold} owners signed`;
}

function actionCard(a: ActionView): Html {
  const open = a.standing.state === "open";
  const ready = a.standing.state === "open" && a.standing.status.ready;
  const problems = a.standing.state === "open" ? a.standing.status.signatures.filter((s) => s.problem).map((s) => s.problem!) : [];
  return html`<article class="owner-action state-${a.standing.state}" data-digest="${a.digest}">
<h2>${a.title}</h2>
<p class="standing">${standingText(a.standing)}</p>
<dl>
<dt>owner nonce</dt><dd>${a.nonce.toString()}</dd>
<dt>deadline</dt><dd><span class="countdown" data-until="${a.deadline}" data-label="expires" title="${iso(a.deadline)}">expires ${iso(a.deadline)}</span></dd>
<dt>digest</dt><dd><code>${a.digest}</code></dd>
<dt>from</dt><dd>${a.source}</dd>
</dl>
<h3>What signing does <small>(decoded from the signed calls)</small></h3>
<ol class="summary">${a.summary.map((l) => html`<li>${l}</li>`)}</ol>
<h3>Changes against the wallet now</h3>
${a.changes.length ? html`<ul class="changes">${a.changes.map((l) => html`<li><code>${l}</code></li>`)}</ul>` : html`<p class="meta">No setting the console tracks changes; see the calls above.</p>`}
${a.notes.length ? html`<h3>The preparer's notes <small>(not signed: compare with the calls)</small></h3><pre class="notes">${a.notes.join("\n")}</pre>` : ""}
<h3>Signatures</h3>
${a.signatures.length
    ? html`<ul class="signatures">${a.signatures.map((s) => html`<li>${s.kind === "safe" ? html`Safe <code>${s.signer}</code> through its owner <code>${s.owner}</code>` : html`owner <code>${s.signer}</code>`}</li>`)}</ul>`
    : html`<p class="meta">none yet</p>`}
${problems.length ? html`<ul class="problems">${problems.map((p) => html`<li>${p}</li>`)}</ul>` : ""}
${open
    ? html`<p class="actions"><button class="act act-sign-action" data-action="sign-action" data-digest="${a.digest}" data-roles="owner" hidden>Sign (owner)</button>
${ready ? html`<button class="act act-submit-action" data-action="submit-action" data-digest="${a.digest}" data-roles="owner guardian" hidden>Submit (send ownerAction)</button>` : ""}</p>
<details class="safe"><summary>A Safe is the owner: sign it in the Safe</summary>
<p>Each of the Safe's owners signs the Safe's <code>SafeMessage</code> of this action's digest (EIP-712 in the Safe's domain: its address and the chain id), as the Safe app's "sign message" does. Paste the Safe's signature (its owners' signatures concatenated in ascending order of owner address, or <code>0x</code> once the Safe approved the message on-chain through SignMessageLib): the console asks the Safe's <code>isValidSignature</code> before storing it.</p>
<p><label>Safe address <input class="safe-address" size="44" placeholder="0x…"></label> <button class="safe-show" data-digest="${a.digest}">Show what the Safe signs</button></p>
<pre class="safe-request" hidden></pre>
<p><label>The Safe's signature <textarea class="safe-signature" rows="3" cols="70" placeholder="0x…"></textarea></label> <button class="safe-add" data-digest="${a.digest}">Add the Safe's signature</button></p>
</details>`
    : ""}
</article>`;
}

export function ownerActionsBody(actions: ActionView[], dirErrors: [string, string][], dir: string | undefined): Html {
  return html`<section class="owner-actions">
<h1>Owner actions <small>(${actions.length})</small></h1>
<p class="meta">Policy changes, key grants, unpause and the other M-of-N decisions prepared with <code>tierguard … --prepare &lt;file&gt;</code>. Load the file, check what it does, sign it from your wallet; once M owners signed, any owner sends it.${dir ? html` Files in <code>${dir}</code> are listed here.` : ""}</p>
<form id="action-form" onsubmit="return false">
<p><label>Action file (JSON) <input type="file" id="action-upload" accept=".json,application/json"></label></p>
<p><textarea id="action-file" rows="4" cols="100" placeholder='or paste it here: { "format": "tierguard-owner-action/1", … }'></textarea></p>
<p><button id="action-load" type="button">Load the action</button></p>
</form>
${dirErrors.length ? html`<ul class="problems">${dirErrors.map(([n, e]) => html`<li><code>${n}</code>: ${e}</li>`)}</ul>` : ""}
${actions.length ? actions.map(actionCard) : html`<p class="empty">No owner action loaded.</p>`}
</section>`;
}
