// TierGuard console: the page's client script (no dependencies, no build step, served by the console).
// Connects an EIP-1193 browser wallet, shows the actions its address may take, signs approvals and owner
// actions (eth_signTypedData_v4), takes a Safe's signature back, sends owner transactions (eth_sendTransaction)
// prepared by the console's API, runs the countdowns on the chain's clock and refreshes the page's main section when the store moves.
(function () {
  "use strict";
  var body = document.body;
  var chainId = Number(body.dataset.chainId);
  var offset = Number(body.dataset.now) - Date.now() / 1000; // chain time minus this machine's time
  var account = null;
  var role = "none";
  var version = null;
  var busy = false;

  function message(text, level) {
    var m = document.getElementById("message");
    m.textContent = text;
    m.className = level || "info";
  }

  function api(path, init) {
    return fetch(path, init).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || "HTTP " + r.status);
        return j;
      });
    });
  }

  function duration(s) {
    if (s <= 0) return "now";
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
  }

  function tick() {
    var now = Date.now() / 1000 + offset;
    document.querySelectorAll(".countdown").forEach(function (el) {
      var left = Number(el.dataset.until) - now;
      el.textContent = left > 0 ? el.dataset.label + " in " + duration(left) : el.dataset.label + ": passed";
      el.classList.toggle("urgent", left > 0 && left < 60);
    });
  }

  function applyRole() {
    document.querySelectorAll("button.act").forEach(function (b) {
      b.hidden = !(account && b.dataset.roles.split(" ").indexOf(role) >= 0);
    });
    var who = document.getElementById("account");
    if (account) who.innerHTML = "";
    if (account) {
      var span = document.createElement("span");
      span.className = "who role-" + role;
      span.textContent = account.slice(0, 6) + "…" + account.slice(-4) + " · " + (role === "none" ? "not an owner: read-only" : role);
      who.appendChild(span);
    }
  }

  function provider() {
    if (!window.ethereum) throw new Error("No browser wallet found: install or unlock an EIP-1193 wallet (MetaMask, Rabby, ...)");
    return window.ethereum;
  }

  function connect(ask) {
    var eth;
    try {
      eth = provider();
    } catch (e) {
      if (ask) message(e.message, "error");
      return Promise.resolve();
    }
    return eth
      .request({ method: ask ? "eth_requestAccounts" : "eth_accounts" })
      .then(function (accounts) {
        if (!accounts || !accounts.length) return;
        account = accounts[0];
        return eth.request({ method: "eth_chainId" }).then(function (id) {
          if (Number(id) !== chainId) message("Your wallet is on chain " + Number(id) + "; this wallet lives on chain " + chainId + ": switch networks to act.", "error");
          return api("/api/role?address=" + account);
        });
      })
      .then(function (r) {
        if (r) role = r.role;
        applyRole();
      })
      .catch(function (e) {
        message("Could not connect: " + e.message, "error");
      });
  }

  function send(tx) {
    return provider()
      .request({ method: "eth_sendTransaction", params: [{ from: account, to: tx.to, data: tx.data }] })
      .then(function (hash) {
        message("Transaction sent (" + tx.summary + "): " + hash + ". The page updates once it is indexed.", "ok");
        return hash;
      });
  }

  function approve(id) {
    return api("/api/intents/" + id + "/approval")
      .then(function (typed) {
        return provider().request({ method: "eth_signTypedData_v4", params: [account, JSON.stringify(typed)] });
      })
      .then(function (signature) {
        return api("/api/intents/" + id + "/signatures", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ signer: account, signature: signature }),
        });
      })
      .then(function (r) {
        var a = r.approvals;
        if (!r.complete) {
          message("Approval signed and collected: " + a.count + " of " + a.threshold + ". The others can sign from their own browsers.", "ok");
          return;
        }
        message(a.count + " of " + a.threshold + " approvals are in: submitting them from your wallet…", "ok");
        return api("/api/intents/" + id + "/tx/submit").then(send);
      });
  }

  function post(path, body) {
    return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  }

  // An owner action: sign its OwnerAction typed data; the signature that completes M sends ownerAction.
  function signAction(digest) {
    var base = "/api/owner-actions/" + digest;
    return api(base)
      .then(function (a) {
        return provider().request({ method: "eth_signTypedData_v4", params: [account, JSON.stringify(a.typedData)] });
      })
      .then(function (signature) {
        return post(base + "/signatures", { signer: account, signature: signature });
      })
      .then(function (r) {
        if (!r.complete) {
          message("Owner action signed and collected: " + r.accepted + " of " + r.threshold + ". The others can sign from their own browsers.", "ok");
          return;
        }
        message(r.accepted + " of " + r.threshold + " owners signed: sending the owner action from your wallet…", "ok");
        return api(base + "/tx").then(send);
      });
  }

  function safeCard(btn) {
    var card = btn.closest("article");
    return { card: card, safe: card.querySelector(".safe-address").value.trim() };
  }

  function safeShow(btn) {
    var s = safeCard(btn);
    api("/api/owner-actions/" + btn.dataset.digest + "/safe?safe=" + encodeURIComponent(s.safe))
      .then(function (r) {
        var pre = s.card.querySelector(".safe-request");
        pre.textContent =
          "Sign in Safe " + r.safe + " (each owner, EIP-712):\n" + JSON.stringify(r.typedData, null, 2) +
          "\n\nSafeMessage hash: " + r.safeMessageHash + "\nTierGuard digest (the message): " + r.digest;
        pre.hidden = false;
      })
      .catch(function (e) {
        message("Cannot show the Safe message: " + e.message, "error");
      });
  }

  function safeAdd(btn) {
    var s = safeCard(btn);
    var signature = s.card.querySelector(".safe-signature").value.trim();
    post("/api/owner-actions/" + btn.dataset.digest + "/signatures", { safe: s.safe, signature: signature })
      .then(function (r) {
        s.card.querySelector(".safe-signature").value = "";
        message("The Safe's signature was accepted by the Safe and stored: " + r.accepted + " of " + r.threshold + " owners signed.", "ok");
        poll(true);
      })
      .catch(function (e) {
        message("Safe signature refused: " + e.message, "error");
      });
  }

  function loadAction() {
    var text = document.getElementById("action-file").value;
    post("/api/owner-actions", text)
      .then(function (a) {
        document.getElementById("action-file").value = "";
        message("Loaded: " + a.title + " (" + a.summary.join("; ") + ")", "ok");
        poll(true);
      })
      .catch(function (e) {
        message("Not loaded: " + e.message, "error");
      });
  }

  function act(btn) {
    var action = btn.dataset.action, id = btn.dataset.intent, digest = btn.dataset.digest;
    if (busy) return;
    busy = true;
    btn.disabled = true;
    var run =
      action === "approve" ? approve(id)
      : action === "pause" ? api("/api/tx/pause").then(send)
      : action === "sign-action" ? signAction(digest)
      : action === "submit-action" ? api("/api/owner-actions/" + digest + "/tx").then(send)
      : api("/api/intents/" + id + "/tx/" + action).then(send);
    run
      .catch(function (e) {
        message(action + " failed: " + (e && e.message ? e.message : String(e)), "error");
      })
      .then(function () {
        busy = false;
        btn.disabled = false;
        poll(true);
      });
  }

  function poll(force) {
    return api("/api/status")
      .then(function (s) {
        offset = s.now - Date.now() / 1000;
        if (!force && version !== null && s.version === version) return;
        version = s.version;
        return fetch(location.href).then(function (r) {
          return r.text();
        }).then(function (text) {
          var doc = new DOMParser().parseFromString(text, "text/html");
          var fresh = doc.getElementById("main");
          // never wipe what an owner is typing or pasting (an action file, a Safe's signature)
          var typing = Array.prototype.some.call(document.querySelectorAll("#main textarea, #main input"), function (el) {
            return el === document.activeElement || (el.type !== "file" && el.value);
          });
          if (fresh && !busy && !typing) {
            document.getElementById("main").innerHTML = fresh.innerHTML;
            applyRole();
            tick();
          }
        });
      })
      .catch(function () {
        // the console itself is unreachable: keep the page as it is
      });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.id === "connect") connect(true);
    else if (t.id === "action-load") loadAction();
    else if (t.classList.contains("safe-show")) safeShow(t);
    else if (t.classList.contains("safe-add")) safeAdd(t);
    else if (t.classList.contains("act")) act(t);
  });
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLInputElement) || t.id !== "action-upload" || !t.files || !t.files[0]) return;
    t.files[0].text().then(function (text) {
      document.getElementById("action-file").value = text;
      loadAction();
    });
  });
  if (window.ethereum && window.ethereum.on) {
    window.ethereum.on("accountsChanged", function () {
      account = null;
      role = "none";
      connect(false);
    });
  }

  tick();
  applyRole();
  connect(false);
  setInterval(tick, 1000);
  setInterval(poll, 2000);
})();
