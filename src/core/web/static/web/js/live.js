// Live updates over one WebSocket (docs/decisions/0006-live-updates.md). Pages work without it.
//
// Each event becomes a DOM event "live:<kind>" on <body> (detail = the event's data), so a
// fragment refreshes itself with hx-get="…" hx-trigger="live:<kind> from:body, live:resync
// from:body". "live:resync" means events were missed: reload every live part of the page.
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.hasAttribute("data-live") || !("WebSocket" in window)) return;

  var CURSOR_KEY = "live:last-id";
  var MIN_DELAY = 1000;
  var MAX_DELAY = 30000;
  var PING_EVERY = 25000; // keeps proxies from closing an idle socket
  var RECENT = 200; // ids remembered to drop an event that arrives twice (live and replayed)

  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/live/";
  var renderedAt = Number(body.getAttribute("data-live-since")) || 0;
  var status = document.querySelector("[data-live-status]");
  var socket = null;
  var attempt = 0;
  var retryTimer = null;
  var pingTimer = null;
  var firstConnect = true;
  var stopped = false;
  var recent = [];

  if (status && !status.hasAttribute("aria-live")) status.setAttribute("aria-live", "polite");

  function showStatus(state) {
    if (!status) return;
    status.setAttribute("data-state", state);
    // Translated labels come from the element: data-label-online, data-label-offline, …
    var fallback = {
      connecting: "Connecting…",
      online: "Live",
      offline: "Reconnecting…",
      closed: "Updates paused",
    };
    status.textContent = status.getAttribute("data-label-" + state) || fallback[state];
  }

  function cursor() {
    try {
      var value = Number(sessionStorage.getItem(CURSOR_KEY));
      return value > 0 ? Math.floor(value) : 0;
    } catch (e) {
      return 0;
    }
  }

  function remember(id) {
    if (typeof id !== "number" || id <= cursor()) return;
    try {
      sessionStorage.setItem(CURSOR_KEY, String(id));
    } catch (e) {
      /* storage full or disabled: resume from the page render instead */
    }
  }

  function dispatch(kind, detail) {
    var name = "live:" + kind;
    // htmx.trigger dispatches the same DOM event; doing both would refresh fragments twice.
    if (window.htmx && typeof window.htmx.trigger === "function") {
      window.htmx.trigger(body, name, detail);
    } else {
      body.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true }));
    }
  }

  function resumeMessage() {
    // A freshly rendered page asks for what happened since it was rendered; afterwards (or
    // without a render time) it asks for what came after the last event it saw.
    if (firstConnect && renderedAt > 0) return { type: "resume", since: renderedAt };
    var after = cursor();
    if (after > 0) return { type: "resume", after: after };
    return { type: "resume", since: renderedAt || Date.now() / 1000 };
  }

  function onMessage(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (!message || typeof message.kind !== "string") return;
    if (message.kind === "pong") return;
    if (message.kind === "ready") {
      attempt = 0; // a full exchange: the next drop starts again from the shortest delay
      firstConnect = false;
      remember(message.head);
      return;
    }
    if (message.kind === "resync") {
      dispatch("resync", {});
      return;
    }
    if (typeof message.id === "number") {
      if (recent.indexOf(message.id) !== -1) return;
      recent.push(message.id);
      if (recent.length > RECENT) recent.shift();
      remember(message.id);
    }
    dispatch(message.kind, message.data || {});
  }

  function connect() {
    retryTimer = null;
    if (stopped || socket) return;
    showStatus("connecting");
    try {
      socket = new WebSocket(url);
    } catch (e) {
      socket = null;
      schedule();
      return;
    }
    socket.onopen = function () {
      showStatus("online");
      socket.send(JSON.stringify(resumeMessage()));
      pingTimer = window.setInterval(function () {
        if (socket && socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }, PING_EVERY);
    };
    socket.onmessage = onMessage;
    socket.onclose = function (event) {
      window.clearInterval(pingTimer);
      socket = null;
      // 4401: signed out or session expired; 4403: MFA needed. A reload sorts both out.
      if (event.code === 4401 || event.code === 4403) {
        stopped = true;
        showStatus("closed");
        return;
      }
      showStatus("offline");
      schedule();
    };
  }

  function schedule() {
    if (stopped || retryTimer !== null) return;
    var ceiling = Math.min(MAX_DELAY, MIN_DELAY * Math.pow(2, attempt));
    attempt += 1;
    // "Equal jitter": half the delay fixed, half random, so a restart is not a stampede.
    retryTimer = window.setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function reconnectNow() {
    if (stopped || socket) return;
    if (retryTimer !== null) window.clearTimeout(retryTimer);
    retryTimer = null;
    attempt = 0;
    connect();
  }

  window.addEventListener("online", reconnectNow);
  // Leave the back/forward cache usable: close on pagehide, reopen (and resume) on pageshow.
  window.addEventListener("pagehide", function () {
    if (retryTimer !== null) window.clearTimeout(retryTimer);
    retryTimer = null;
    if (socket) {
      socket.onclose = null;
      window.clearInterval(pingTimer);
      socket.close(1000);
      socket = null;
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      firstConnect = false;
      reconnectNow();
    }
  });

  connect();
})();
