// Web push opt-in / opt-out for the notification preferences page. The page works without it.
// Markup: a button [data-push-optin], a button [data-push-optout], and an element
// [data-push-state] whose data-label-* attributes carry the translated states (on, off,
// denied, unsupported, error, working). Optional data-push-api on [data-push-state] overrides
// the API base (default /api/v1/notifications/push). The CSRF token comes from
// <meta name="csrf-token">, else the csrftoken cookie.
(function () {
  "use strict";

  var LABELS = {
    on: "Push notifications are on for this browser.",
    off: "Push notifications are off for this browser.",
    denied: "This browser blocks notifications from this site; allow them in its settings.",
    unsupported: "This browser cannot receive push notifications.",
    error: "Something went wrong. Please try again.",
    working: "One moment…",
  };

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function api(base, method, path, body) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.status === 204 ? null : response.json();
    });
  }

  // applicationServerKey: base64url text to the bytes pushManager expects.
  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  ready(function () {
    var optin = document.querySelector("[data-push-optin]");
    var optout = document.querySelector("[data-push-optout]");
    var state = document.querySelector("[data-push-state]");
    if (!optin && !optout) return;
    var base = (state && state.getAttribute("data-push-api")) || "/api/v1/notifications/push";

    function show(name) {
      if (state) state.textContent = state.getAttribute("data-label-" + name) || LABELS[name];
      if (optin) optin.hidden = name === "on" || name === "unsupported" || name === "denied";
      if (optout) optout.hidden = name !== "on";
      [optin, optout].forEach(function (button) {
        if (button) button.disabled = name === "working";
      });
    }

    if (!supported()) {
      show("unsupported");
      return;
    }

    var registration = navigator.serviceWorker.register("/sw.js", { scope: "/" });

    function refresh() {
      if (Notification.permission === "denied") return show("denied");
      return registration
        .then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (sub) { show(sub ? "on" : "off"); })
        .catch(function () { show("error"); });
    }

    function subscribe() {
      show("working");
      Notification.requestPermission()
        .then(function (permission) {
          if (permission !== "granted") throw new Error(permission);
          return Promise.all([registration, api(base, "GET", "/key")]);
        })
        .then(function (both) {
          return both[0].pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(both[1].public_key),
          });
        })
        .then(function (sub) {
          var json = sub.toJSON();
          return api(base, "POST", "/subscriptions", { endpoint: json.endpoint, keys: json.keys });
        })
        .then(function () { show("on"); })
        .catch(function () {
          show(Notification.permission === "denied" ? "denied" : "error");
        });
    }

    function unsubscribe() {
      show("working");
      registration
        .then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (sub) {
          if (!sub) return null;
          var endpoint = sub.endpoint;
          return sub.unsubscribe().then(function () {
            return api(base, "GET", "/subscriptions?limit=200");
          }).then(function (page) {
            var mine = page.items.filter(function (item) { return item.endpoint === endpoint; });
            return Promise.all(mine.map(function (item) {
              return api(base, "DELETE", "/subscriptions/" + item.id);
            }));
          });
        })
        .then(function () { show("off"); })
        .catch(function () { show("error"); });
    }

    if (optin) optin.addEventListener("click", subscribe);
    if (optout) optout.addEventListener("click", unsubscribe);
    refresh();
  });
})();
