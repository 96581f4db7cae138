/**
 * Registers the offline service worker (public/sw.js; its precache list is written by the build).
 * Production builds only: in `vite dev` modules change on every edit and must not come from a cache.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL }).catch((e: unknown) => {
      console.warn('offline support unavailable: the service worker did not register', e);
    });
  });
}
