/*
 * Offline support: precaches the app shell, the engine worker, the WASM binaries, the bundled
 * backbone (models/resnet50-imagenet: model.json + weights-*.bin; the training-only extra weights are
 * not precached) and the demo profile (demo/*.safetensors, so the demo runs offline after a first
 * visit), then serves them from the cache. Every response it hands out carries COOP/COEP
 * (and CORP), so a page served from the cache stays cross-origin isolated and threaded WASM still
 * starts offline. The build (scripts/sw-precache.ts, a Vite plugin) replaces the manifest below with
 * the build's file list and a version; in `vite dev` the worker is not registered.
 */
const MANIFEST = self.__PRECACHE_MANIFEST__ || { version: 'dev', files: [] };
const CACHE = `anomaly-inspector-${MANIFEST.version}`;
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const scopeUrl = new URL(self.registration.scope);
const urlOf = (file) => new URL(file, scopeUrl).href;
const INDEX = urlOf('index.html');
const precached = new Set(MANIFEST.files.map(urlOf));

function isolated(response) {
  if (!response || response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(ISOLATION)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const queue = MANIFEST.files.map(urlOf);
      const worker = async () => {
        for (let url = queue.shift(); url; url = queue.shift()) {
          if (await cache.match(url)) continue;
          const response = await fetch(url, { cache: 'no-cache' });
          if (!response.ok) throw new Error(`precache: ${url}: HTTP ${response.status}`);
          await cache.put(url, response);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('anomaly-inspector-') && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scopeUrl.origin) return;
  if (request.mode === 'navigate') {
    // Network first, so a new deployment is seen at once; the cached shell when offline.
    event.respondWith(
      fetch(request)
        .then(isolated)
        .catch(async () => isolated((await caches.match(INDEX, { cacheName: CACHE })) || Response.error())),
    );
    return;
  }
  const key = url.origin + url.pathname;
  if (!precached.has(key)) return;
  event.respondWith(
    (async () => {
      const hit = await caches.match(key, { cacheName: CACHE });
      return isolated(hit || (await fetch(request)));
    })(),
  );
});
