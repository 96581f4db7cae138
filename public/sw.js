/*
 * Offline support: precaches the app shell, the engine worker, the WASM binaries, the bundled
 * backbone (models/resnet50-imagenet: model.json + weights-*.bin; the training-only extra weights are
 * not precached) and the demo profile (demo/*.safetensors, so the demo runs offline after a first
 * visit), then serves them from the cache. Every response it hands out carries COOP/COEP
 * (and CORP), so a page served from the cache stays cross-origin isolated and threaded WASM still
 * starts offline, and the app's Content-Security-Policy (src/sw/csp.ts). The build (scripts/sw-precache.ts,
 * a Vite plugin) replaces the manifest below with the build's file list, a version and the policy; in `vite dev`
 * the worker is not registered.
 *
 * Updates never pull files out from under an open tab:
 *  - A new version installs into its own cache (`anomaly-inspector-<version>`) and then waits: no skipWaiting on
 *    install. The page shows "A new version is ready — Reload" (src/sw/register.ts, src/ui/shell/UpdateBanner.tsx);
 *    Reload sends {type: 'skip-waiting'} and the page reloads once the new worker controls it. With every tab
 *    closed, the next visit gets the new version as usual.
 *  - Once a new version is active, every open tab of the app is controlled by it (so says the service worker spec,
 *    with or without clients.claim()), tabs of the previous version included. Those still ask for their own hashed
 *    files (the training chunk, the engine worker, WASM) that the new deployment no longer has: a request is
 *    answered from this version's cache first, then from any other version's cache (newest first), then the
 *    network.
 *  - A version's cache is deleted only when no open tab uses it. Each page tells the worker which build it runs
 *    ({type: 'client-hello', entry: the URL of its entry script}); the worker finds the cache holding that script
 *    and records client id -> cache in a small cache of its own (STATE: it must outlive this worker, as the next
 *    version decides what to delete). On activation and after each hello, it deletes the version caches that are
 *    neither this one nor recorded for an open tab; while an open window has not said which build it runs (a tab
 *    of a version before this mechanism, or a page still starting), the previous version's cache is kept too.
 *    Why not "keep the last two versions": a tab left open over two deployments would still lose its files, and a
 *    long-gone version would keep its ~100 MB cache (the backbone) until the next deployment.
 */
const MANIFEST = self.__PRECACHE_MANIFEST__ || { version: 'dev', files: [], csp: '' };
const PREFIX = 'anomaly-inspector-';
const CACHE = `${PREFIX}${MANIFEST.version}`;
/** Client id -> the version cache its page runs from, and the versions activated last (not a version cache). */
const STATE = 'anomaly-inspector.clients';
const STATE_URL = new URL('__sw-state__', self.registration.scope).href;
const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  ...(MANIFEST.csp ? { 'Content-Security-Policy': MANIFEST.csp } : {}),
};
const scopeUrl = new URL(self.registration.scope);
const urlOf = (file) => new URL(file, scopeUrl).href;
const INDEX = urlOf('index.html');
/** Vite's content-hashed output (assets/<name>-<hash>.<ext>): the same name is the same bytes in every version. */
const HASHED = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

const isVersionCache = (key) => key.startsWith(PREFIX);

function withHeaders(response) {
  if (!response || response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(HEADERS)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Version caches to look a request up in: this version's first, then the others, newest first. */
async function lookupOrder() {
  const others = (await caches.keys()).filter((k) => isVersionCache(k) && k !== CACHE).reverse();
  return [CACHE, ...others];
}

async function lookup(url) {
  for (const name of await lookupOrder()) {
    if (!(await caches.has(name))) continue;
    const hit = await (await caches.open(name)).match(url);
    if (hit) return hit;
  }
  return undefined;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const others = (await caches.keys()).filter((k) => isVersionCache(k) && k !== CACHE);
      const queue = MANIFEST.files.map(urlOf);
      const worker = async () => {
        for (let url = queue.shift(); url; url = queue.shift()) {
          if (await cache.match(url)) continue;
          // A hashed asset an earlier version cached already is the same file: copied, not downloaded again.
          if (HASHED.test(url)) {
            let copied = false;
            for (const name of others) {
              const hit = await (await caches.open(name)).match(url);
              if (hit) {
                await cache.put(url, hit);
                copied = true;
                break;
              }
            }
            if (copied) continue;
          }
          const response = await fetch(url, { cache: 'no-cache' });
          if (!response.ok) throw new Error(`precache: ${url}: HTTP ${response.status}`);
          await cache.put(url, response);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      // No skipWaiting: with an earlier version active, this one waits until the page asks (Reload) or every tab
      // of the app is gone, so no open tab loses the files of the version it runs.
    })(),
  );
});

// ---------------------------------------------------------------- which open tab uses which version

async function readState() {
  try {
    const hit = await (await caches.open(STATE)).match(STATE_URL);
    const state = hit ? await hit.json() : null;
    if (state && typeof state === 'object' && state.clients && typeof state.clients === 'object') return state;
  } catch {
    // A damaged record is started again: at worst a cache is kept one cleanup longer.
  }
  return { clients: {}, current: null, previous: null };
}

async function writeState(state) {
  await (await caches.open(STATE)).put(STATE_URL, new Response(JSON.stringify(state), { headers: { 'Content-Type': 'application/json' } }));
}

/** State changes run one after another (a hello and an activation may overlap). */
let queue = Promise.resolve();
function serially(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => undefined);
  return run;
}

/** Deletes the version caches no open tab uses (see the module comment); forgets clients that are gone. */
async function cleanup(state) {
  const open = await self.clients.matchAll({ type: 'all', includeUncontrolled: true });
  const alive = new Set(open.map((c) => c.id));
  const clients = Object.fromEntries(Object.entries(state.clients).filter(([id]) => alive.has(id)));
  const keep = new Set([CACHE, ...Object.values(clients)]);
  if (state.previous && open.some((c) => c.type === 'window' && !(c.id in clients))) keep.add(state.previous);
  for (const key of await caches.keys()) if (isVersionCache(key) && !keep.has(key)) await caches.delete(key);
  const next = { ...state, clients };
  await writeState(next);
  return next;
}

/** The version cache holding a page's entry script ('' when none does: a page newer than every cached version). */
async function cacheOf(entry) {
  if (typeof entry !== 'string') return '';
  for (const name of await lookupOrder()) {
    if (!(await caches.has(name))) continue;
    if (await (await caches.open(name)).match(entry)) return name;
  }
  return '';
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await serially(async () => {
        const state = await readState();
        if (state.current !== CACHE) {
          state.previous = state.current;
          state.current = CACHE;
        }
        // The first version with this record: the tabs open now run the version that was active before it
        // (whatever cache that is), kept while they are open.
        if (!state.previous) {
          const older = (await caches.keys()).filter((k) => isVersionCache(k) && k !== CACHE);
          state.previous = older.at(-1) ?? null;
        }
        await cleanup(state);
      });
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || typeof data !== 'object') return;
  if (data.type === 'skip-waiting') {
    event.waitUntil(self.skipWaiting());
    return;
  }
  if (data.type === 'client-hello' && event.source && typeof event.source.id === 'string') {
    const id = event.source.id;
    event.waitUntil(
      serially(async () => {
        const state = await readState();
        state.clients[id] = await cacheOf(data.entry);
        await cleanup(state);
      }),
    );
  }
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scopeUrl.origin) return;
  if (request.mode === 'navigate') {
    // Network first, so a new deployment is seen at once; this version's shell when offline.
    event.respondWith(
      fetch(request)
        .then(withHeaders)
        .catch(async () => withHeaders((await caches.match(INDEX, { cacheName: CACHE })) || Response.error())),
    );
    return;
  }
  const key = url.origin + url.pathname;
  if (key === urlOf('sw.js')) return;
  event.respondWith(
    (async () => {
      const hit = await lookup(key);
      return withHeaders(hit || (await fetch(request)));
    })(),
  );
});
