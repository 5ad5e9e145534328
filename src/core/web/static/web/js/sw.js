// Service worker for web push and the offline page, served at /sw.js (scope "/") by
// core.notifications. Push: the server sends JSON {title, body, url, event}, encrypted per
// RFC 8291. Offline: the install step keeps the offline page and the core styles and scripts;
// a page navigation that fails for want of a network is answered with the offline page.
/* eslint-env serviceworker */
"use strict";

var ICON = "/static/web/img/favicon.svg";
var CACHE_PREFIX = "indowater-offline-";
var CACHE = CACHE_PREFIX + "v1";
var OFFLINE_URL = "/water/offline/";
var PRECACHE = [
  OFFLINE_URL,
  "/static/web/css/app.css",
  "/static/web/js/app.js",
  "/static/web/img/favicon.svg",
  "/static/water_portal/customer.css",
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        // One missing asset must not stop the worker (and web push) from installing.
        return Promise.all(
          PRECACHE.map(function (url) {
            return cache.add(new Request(url, { cache: "reload" })).catch(function () {});
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(CACHE_PREFIX) === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function precached(url) {
  return url.origin === self.location.origin && PRECACHE.indexOf(url.pathname) !== -1;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(OFFLINE_URL).then(function (page) {
          return page || Response.error();
        });
      })
    );
    return;
  }
  if (precached(new URL(request.url))) {
    // Network first so a deploy is seen at once; the kept copy serves the offline page.
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(request, { ignoreSearch: true }).then(function (kept) {
          return kept || Response.error();
        });
      })
    );
  }
});

function parse(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (error) {
    return { body: event.data.text() };
  }
}

self.addEventListener("push", function (event) {
  var message = parse(event);
  var title = message.title || self.location.hostname;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || "",
      icon: ICON,
      badge: ICON,
      tag: message.event || undefined,
      data: { url: message.url || "/" },
    })
  );
});

function sameOrigin(url) {
  try {
    return new URL(url, self.location.origin).origin === self.location.origin;
  } catch (error) {
    return false;
  }
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var wanted = (event.notification.data && event.notification.data.url) || "/";
  var target = new URL(sameOrigin(wanted) ? wanted : "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url === target && "focus" in list[i]) return list[i].focus();
      }
      return self.clients.openWindow(target);
    })
  );
});
