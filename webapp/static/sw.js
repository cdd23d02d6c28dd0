/* The team page's service worker (scope /t/): the page, its versioned scripts and styles
 * and the route data stay on the phone, so the page opens and works with no signal.
 * Check-ins are not its business: the page keeps them until the server has them. */
"use strict";
var CACHE = "patrol-team-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; })
                            .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The page lists what it loaded before this worker controlled it; older versions of
 * the same files (a re-planned route, a replaced script) are let go. */
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.cache) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return forgetOldVersions(cache, urls).then(function () {
      return Promise.all(urls.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); });
      }));
    });
  }));
});

function forgetOldVersions(cache, urls) {
  var current = {};
  urls.forEach(function (url) {
    var u = new URL(url, self.location.href);
    if (u.searchParams.has("v")) { current[u.pathname] = u.href; }
  });
  return cache.keys().then(function (requests) {
    return Promise.all(requests.filter(function (r) {
      var u = new URL(r.url);
      return current[u.pathname] && current[u.pathname] !== u.href;
    }).map(function (r) { return cache.delete(r); }));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/api/") === 0) { return; }  // live data: the network only
  if (request.mode === "navigate" || !url.searchParams.has("v")) {
    event.respondWith(networkFirst(request));  // a re-plan shows as soon as there is signal
  } else {
    event.respondWith(cacheFirst(request));  // a versioned URL never changes
  }
});

function networkFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (response.ok) { cache.put(request, response.clone()); }
      return response;
    }, function () {
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || new Response("离线，此页未缓存 Offline, and this page is not cached yet",
          { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    });
  });
}

function cacheFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}
