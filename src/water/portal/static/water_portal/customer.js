// IndoWater customer pages: register the service worker (offline page, web push).
// The same registration as push.js: /sw.js with the whole site as its scope.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // Without a service worker the pages still work; only the offline page is missing.
    });
  });
})();
