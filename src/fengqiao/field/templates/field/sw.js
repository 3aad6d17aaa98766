/* 枫桥移动警务 service worker (served by field.views.service_worker). It caches the app shell only:
   static files and the data-free offline page. Pages and API answers (which carry people's data)
   are never put in a cache; a sign-out clears the caches (Clear-Site-Data and the message below). */
const CACHE = "fengqiao-field-{{ version }}";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const OFFLINE = SHELL[0];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "signed-out") {
    event.waitUntil(caches.keys().then((keys) => Promise.all(keys.map((k) => caches.delete(k)))));
  }
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode === "navigate") {
    // Network only; the data-free offline page when there is no network.
    event.respondWith(fetch(req).catch(() => caches.match(OFFLINE)));
  }
});

// 派警 and other messages pushed to the phone (Web Push): shown even when the page is closed.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "枫桥", body: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(data.title || "枫桥", {
    body: data.body || "", tag: data.tag || undefined, data: { url: data.url || "{{ scope|escapejs }}" },
    requireInteraction: true,
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "{{ scope|escapejs }}";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((list) => {
    for (const c of list) { if (c.url.endsWith(url) && "focus" in c) return c.focus(); }
    return self.clients.openWindow(url);
  }));
});
