// Strongroom: the JavaScript of the pages, written for Strongroom, no
// dependencies. It runs WebAuthn ceremonies against the sign-in JSON API
// (docs/api.md) and adds small conveniences (a copy button). Every page
// works without it except where a security key is used, which needs it.
//
// Works in current Chromium, Firefox and Safari: it uses
// PublicKeyCredential.parseRequestOptionsFromJSON / parseCreationOptionsFromJSON
// and credential.toJSON() where the browser has them, and converts by hand
// where it does not.
(function () {
  "use strict";

  // ------------------------------------------------------------ base64url

  function bufferToBase64url(buf) {
    var bytes = new Uint8Array(buf);
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function base64urlToBuffer(str) {
    var s = String(str).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function withIDs(list) {
    return (list || []).map(function (c) {
      var d = Object.assign({}, c);
      d.id = base64urlToBuffer(c.id);
      return d;
    });
  }

  // ------------------------------------------------------------ options in

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      try {
        return PublicKeyCredential.parseRequestOptionsFromJSON(json);
      } catch (e) {
        // An older implementation that disagrees with a field: convert by hand.
      }
    }
    var o = Object.assign({}, json);
    o.challenge = base64urlToBuffer(json.challenge);
    if (json.allowCredentials) o.allowCredentials = withIDs(json.allowCredentials);
    return o;
  }

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      try {
        return PublicKeyCredential.parseCreationOptionsFromJSON(json);
      } catch (e) {
        // fall through
      }
    }
    var o = Object.assign({}, json);
    o.challenge = base64urlToBuffer(json.challenge);
    o.user = Object.assign({}, json.user, { id: base64urlToBuffer(json.user.id) });
    if (json.excludeCredentials) o.excludeCredentials = withIDs(json.excludeCredentials);
    return o;
  }

  // ------------------------------------------------------------ credential out

  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") {
      try {
        return cred.toJSON();
      } catch (e) {
        // fall through
      }
    }
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: bufferToBase64url(cred.rawId),
      type: cred.type,
      clientExtensionResults: typeof cred.getClientExtensionResults === "function" ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: bufferToBase64url(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = bufferToBase64url(r.attestationObject);
      if (typeof r.getTransports === "function") out.response.transports = r.getTransports();
      if (typeof r.getAuthenticatorData === "function") out.response.authenticatorData = bufferToBase64url(r.getAuthenticatorData());
      if (typeof r.getPublicKeyAlgorithm === "function") out.response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
      if (typeof r.getPublicKey === "function") {
        var pk = r.getPublicKey();
        if (pk) out.response.publicKey = bufferToBase64url(pk);
      }
    } else {
      out.response.authenticatorData = bufferToBase64url(r.authenticatorData);
      out.response.signature = bufferToBase64url(r.signature);
      if (r.userHandle) out.response.userHandle = bufferToBase64url(r.userHandle);
    }
    return out;
  }

  // ------------------------------------------------------------ the JSON API

  // ServerError is an error answer of the sign-in API: its message is
  // written for people and shown as it is.
  function ServerError(message, code, status) {
    this.name = "ServerError";
    this.message = message;
    this.code = code || "";
    this.status = status;
  }
  ServerError.prototype = Object.create(Error.prototype);

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = null;
        }
        if (!resp.ok) {
          var e = data && data.error ? data.error : {};
          throw new ServerError(e.message || "Strongroom answered with an error (" + resp.status + "). Try again.", e.code, resp.status);
        }
        return data;
      });
    });
  }

  // explain turns a failure into plain words; "" means say nothing (the
  // request was cancelled on purpose).
  function explain(err, creating) {
    if (!err) return "Something went wrong. Try again.";
    if (err instanceof ServerError) return err.message;
    switch (err.name) {
      case "AbortError":
        return "";
      case "NotAllowedError":
        return creating
          ? "No key was added: the request was cancelled or timed out. Try again, and touch your key when it blinks."
          : "The security key request was cancelled or timed out. Try again, or use another way to sign in.";
      case "InvalidStateError":
        return creating
          ? "This security key is already registered to your account. Use another key."
          : "That security key cannot be used here.";
      case "SecurityError":
        return "Your browser refused the request for this site. Open Strongroom at its usual address and try again.";
      case "NotSupportedError":
        return "Your browser or security key does not support what Strongroom needs. Try another key or a current browser.";
      case "TypeError":
        return "Strongroom could not be reached. Check your connection and try again.";
      default:
        return "Something went wrong with the security key. Try again.";
    }
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.get);
  }

  // ------------------------------------------------------------ UI helpers

  function ui(root) {
    var status = root.querySelector("[data-webauthn-status]");
    var statusText = root.querySelector("[data-webauthn-status-text]");
    var errorBox = root.querySelector("[data-webauthn-error]");
    return {
      status: function (text) {
        if (!status) return;
        if (text) {
          if (statusText) statusText.textContent = text;
          status.hidden = false;
        } else {
          status.hidden = true;
        }
      },
      error: function (text) {
        if (!errorBox) return;
        errorBox.textContent = text || "";
        errorBox.hidden = !text;
      }
    };
  }

  // ------------------------------------------------------------ sign-in page

  function initSignIn(root) {
    var button = root.querySelector("[data-passkey-signin]");
    if (!button) return;
    var u = ui(root);
    var returnTo = root.getAttribute("data-return-to") || "/mysecurityinfo";
    var username = button.getAttribute("data-username") || "";
    // Step-up to an authentication context (the /stepup page, Conditional
    // Access work): the proof names the context and stays in the session.
    var context = root.getAttribute("data-context") || "";
    if (!supported()) {
      button.disabled = true;
      u.error("This browser cannot use security keys or passkeys. Use another way to sign in below, or a current browser.");
      return;
    }

    var pending = null; // the autofill (conditional) request: {controller, done}
    var busy = false;

    function answered(a) {
      if (a && a.status === "signedIn") {
        u.status("Signed in. Opening your page…");
        window.location.assign(returnTo);
        return;
      }
      if (a && a.status === "additionalAuthenticationRequired" && context) {
        throw new ServerError(a.message || "That key does not meet what this needs. Try another key.", "stepUpNotMet", 403);
      }
      if (a && a.status === "additionalAuthenticationRequired") {
        window.location.assign("/signin?return_to=" + encodeURIComponent(returnTo));
        return;
      }
      if (a && a.status === "blocked") {
        throw new ServerError(a.message || "A sign-in policy blocks this sign-in. Contact your administrator.", "blocked", 403);
      }
      throw new ServerError("Strongroom gave an answer this page does not understand. Reload and try again.", "", 0);
    }

    function verify(cred) {
      u.status("Checking your key…");
      var path = "/api/v1/signin/passkey" + (context ? "?context=" + encodeURIComponent(context) : "");
      return post(path, credentialJSON(cred)).then(answered);
    }

    function failed(err) {
      busy = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      u.status("");
      var msg = explain(err, false);
      if (msg) u.error(msg);
      startAutofill();
    }

    // Autofill: offer passkeys in the user name field's suggestions.
    function startAutofill() {
      if (username || pending || busy) return;
      var field = document.querySelector('input[autocomplete~="webauthn"]');
      if (!field || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return;
      var controller = new AbortController();
      var entry = { controller: controller, done: null };
      pending = entry;
      entry.done = PublicKeyCredential.isConditionalMediationAvailable()
        .then(function (ok) {
          if (!ok || controller.signal.aborted) return null;
          return post("/api/v1/signin/passkey/options", {}).then(function (opts) {
            if (controller.signal.aborted) return null;
            return navigator.credentials.get({
              publicKey: requestOptions(opts.publicKey),
              mediation: "conditional",
              signal: controller.signal
            });
          });
        })
        .then(function (cred) {
          if (!cred || controller.signal.aborted) return;
          pending = null;
          busy = true;
          button.disabled = true;
          u.error("");
          return verify(cred);
        })
        .catch(function (err) {
          if (controller.signal.aborted) return;
          if (pending === entry) pending = null;
          if (err && err.name === "AbortError") return;
          if (busy) {
            failed(err);
          }
          // A failed autofill set-up is not worth a message: the button
          // still works.
        });
    }

    // stopAutofill cancels the autofill request and waits until the
    // browser has let it go: a browser runs one request at a time.
    function stopAutofill() {
      var p = pending;
      pending = null;
      if (!p) return Promise.resolve();
      p.controller.abort();
      // Some browsers settle an aborted request late; do not let the
      // button wait for ever on it.
      return Promise.race([
        p.done.catch(function () {}),
        new Promise(function (resolve) {
          setTimeout(resolve, 1500);
        })
      ]);
    }

    button.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      u.error("");
      u.status("Touch your security key…");
      stopAutofill()
        .then(function () {
          return post("/api/v1/signin/passkey/options", context ? { context: context } : username ? { userPrincipalName: username } : {});
        })
        .then(function (opts) {
          return navigator.credentials.get({ publicKey: requestOptions(opts.publicKey) });
        })
        .then(function (cred) {
          if (!cred) throw new DOMException("No credential", "NotAllowedError");
          return verify(cred);
        })
        .catch(failed);
    });

    startAutofill();
  }

  // ------------------------------------------------------------ My security info

  function initAddKey(form) {
    var u = ui(form.closest("[data-add-key-panel]") || form);
    var submit = form.querySelector("[type=submit]");
    var reauth = document.querySelector("[data-reauth]");
    if (!supported() || !navigator.credentials.create) {
      u.error("This browser cannot register security keys or passkeys. Try a current version of Chrome, Edge, Firefox or Safari.");
      return;
    }
    if (submit && !form.hasAttribute("data-blocked")) submit.disabled = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (submit && submit.disabled) return;
      var input = form.querySelector("[name=displayName]");
      var name = input ? input.value.trim() : "";
      if (!name) name = input && input.getAttribute("data-default") ? input.getAttribute("data-default") : "Security key";
      if (submit) {
        submit.disabled = true;
        submit.setAttribute("aria-busy", "true");
      }
      u.error("");
      u.status("Follow your browser: insert or tap your security key, or choose where to save a passkey…");
      post("/api/v1/me/passkeys/options", {})
        .then(function (opts) {
          return navigator.credentials.create({ publicKey: creationOptions(opts.publicKey) });
        })
        .then(function (cred) {
          if (!cred) throw new DOMException("No credential", "NotAllowedError");
          u.status("Saving your key…");
          return post("/api/v1/me/passkeys", { displayName: name, credential: credentialJSON(cred) });
        })
        .then(function () {
          window.location.assign("/mysecurityinfo?done=added");
        })
        .catch(function (err) {
          if (submit) {
            submit.disabled = false;
            submit.removeAttribute("aria-busy");
          }
          u.status("");
          if (err instanceof ServerError && (err.code === "registrationRequiresRecentMfa" || err.code === "notSignedIn") && reauth) {
            reauth.hidden = false;
            u.error(err.message);
            return;
          }
          var msg = explain(err, true);
          if (msg) u.error(msg);
        });
    });
  }

  // ------------------------------------------------------------ conveniences

  function initCopy(btn) {
    var target = document.getElementById(btn.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var text = target.value || target.textContent;
      navigator.clipboard.writeText(text).then(
        function () {
          btn.textContent = "Copied";
          setTimeout(function () {
            btn.textContent = "Copy";
          }, 2500);
        },
        function () {
          target.focus();
          if (target.select) target.select();
        }
      );
    });
  }

  function init() {
    var signin = document.querySelector('[data-page="signin"]');
    if (signin) initSignIn(signin);
    document.querySelectorAll("form[data-add-key]").forEach(initAddKey);
    document.querySelectorAll("[data-copy]").forEach(initCopy);
    document.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
      el.addEventListener("focus", function () {
        el.select();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
