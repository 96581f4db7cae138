/**
 * Registers the offline service worker (public/sw.js; its precache list is written by the build) and follows its
 * updates. Production builds only: in `vite dev` modules change on every edit and must not come from a cache.
 *
 * A new version never takes over by itself (see public/sw.js): it installs and waits, and this page shows "A new
 * version is ready — Reload" (UpdateBanner). Reload asks the waiting worker to take over and reloads the page once it
 * controls it. When another tab did that first, this page runs an older build than the worker now in charge: the
 * same banner, and Reload just reloads (the worker keeps serving this page's files meanwhile). The page also tells
 * the worker which build it runs (the URL of its entry script), so the worker keeps that build's cache while the page
 * is open. New versions are looked for when the page loads, when it becomes visible again, and hourly.
 *
 * Cross-origin isolation on any static host: the worker adds COOP/COEP to every response it serves, the page itself
 * included, so threaded WASM needs no headers from the host. A first visit to a host that sends none is not isolated
 * (the page came from the network before the worker existed): once the worker is active and controls the page, the
 * page reloads once, through the worker, and is isolated from then on. A flag in sessionStorage allows one such reload
 * per tab until the page is isolated (no loop where isolation cannot be had), and a dialog that asks the person
 * something can hold the reload until it is answered (holdIsolationReload).
 */

/** 'none': up to date; 'waiting': a new version is installed and waits; 'active': a newer version already runs this origin. */
export type UpdateState = 'none' | 'waiting' | 'active';

const UPDATE_CHECK_MS = 60 * 60 * 1000;

let state: UpdateState = 'none';
let registration: ServiceWorkerRegistration | null = null;
const listeners = new Set<() => void>();

function setState(next: UpdateState): void {
  if (state === next) return;
  state = next;
  for (const l of listeners) l();
}

/** For useSyncExternalStore. */
export function subscribeUpdate(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function updateState(): UpdateState {
  return state;
}

let reloading = false;
function reloadOnce(): void {
  if (reloading) return;
  reloading = true;
  window.location.reload();
}

// ---------------------------------------------------------------- cross-origin isolation without host headers

const ISOLATION_RELOAD_KEY = 'anomaly-inspector.isolation-reload';
const holds = new Set<symbol>();
let isolationReloadWanted = false;

function isolated(): boolean {
  return !('crossOriginIsolated' in self) || self.crossOriginIsolated;
}

/** Reloads once so the worker serves the page with COOP/COEP; not while held, and not twice in a tab without success. */
function reloadForIsolation(): void {
  isolationReloadWanted = true;
  if (holds.size > 0 || reloading || isolated()) return;
  try {
    if (sessionStorage.getItem(ISOLATION_RELOAD_KEY)) return;
    sessionStorage.setItem(ISOLATION_RELOAD_KEY, new Date().toISOString());
  } catch {
    return; // No sessionStorage, no guard against a loop: no reload.
  }
  reloadOnce();
}

/** While held (a question on screen), the isolation reload waits; the returned function releases the hold. */
export function holdIsolationReload(): () => void {
  const hold = Symbol('isolation-reload-hold');
  holds.add(hold);
  return () => {
    if (!holds.delete(hold)) return;
    if (holds.size === 0 && isolationReloadWanted) reloadForIsolation();
  };
}

/** Once a worker is active: reload when it controls this page (at once when it does already) and the page is not isolated. */
function isolateWhenControlled(container: ServiceWorkerContainer): void {
  if (isolated()) return;
  if (container.controller) {
    reloadForIsolation();
    return;
  }
  container.addEventListener('controllerchange', () => reloadForIsolation(), { once: true });
}

/** Reload into the new version: the waiting worker (if any) takes over first, then the page reloads. */
export function applyUpdate(): void {
  const waiting = registration?.waiting;
  if (!waiting || !navigator.serviceWorker.controller) {
    reloadOnce();
    return;
  }
  navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
  waiting.postMessage({ type: 'skip-waiting' });
  // The worker may have taken over already (another tab), or may never (it failed): reload anyway after a while.
  window.setTimeout(reloadOnce, 10_000);
}

/** A worker that finished installing while another one controls this page is an update waiting for Reload. */
function watch(reg: ServiceWorkerRegistration): void {
  const check = () => {
    if (reg.waiting && navigator.serviceWorker.controller) setState(state === 'active' ? 'active' : 'waiting');
  };
  check();
  reg.addEventListener('updatefound', () => {
    const installing = reg.installing;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'installed') check();
    });
  });
}

function hello(worker: ServiceWorker | null | undefined): void {
  worker?.postMessage({ type: 'client-hello', entry: import.meta.url });
}

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  // Isolated: the one reload worked (or was not needed); a later visit without isolation may try once again.
  if (isolated()) {
    try {
      sessionStorage.removeItem(ISOLATION_RELOAD_KEY);
    } catch {
      // No sessionStorage: nothing was recorded.
    }
  }
  // A page first loaded without a worker gets one when the first version activates (clients.claim): not an update.
  let controlled = Boolean(container.controller);
  container.addEventListener('controllerchange', () => {
    if (controlled && !reloading) setState('active');
    controlled = true;
    hello(container.controller);
  });
  window.addEventListener('load', () => {
    container
      .register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
      .then(async (reg) => {
        registration = reg;
        watch(reg);
        hello((await container.ready).active);
        isolateWhenControlled(container);
        let lastCheck = Date.now();
        const update = () => {
          lastCheck = Date.now();
          reg.update().catch(() => undefined);
        };
        document.addEventListener('visibilitychange', () => {
          if (document.visibilityState === 'visible' && Date.now() - lastCheck > 60_000) update();
        });
        window.setInterval(update, UPDATE_CHECK_MS);
      })
      .catch((e: unknown) => {
        console.warn('offline support unavailable: the service worker did not register', e);
      });
  });
}
