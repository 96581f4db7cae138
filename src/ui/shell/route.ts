import { useSyncExternalStore } from 'react';

/**
 * The app's views, chosen by the URL hash: `#/live` (camera), `#/evaluate` (metrics on a labelled folder), `#/train`
 * (ToCoAD fine-tuning of the extractor), `#/demo` (the shareable demo; `?demo=1`
 * opens it too), anything else the profiles view. A hash keeps every view on the one static page,
 * so any static host (and the service worker) serves it.
 */
export type Route = 'home' | 'live' | 'demo' | 'evaluate' | 'train';

export function routeOf(hash: string, search = ''): Route {
  const h = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  if (h === 'live') return 'live';
  if (h === 'demo') return 'demo';
  if (h === 'evaluate') return 'evaluate';
  if (h === 'train') return 'train';
  if (!h && new URLSearchParams(search).get('demo') === '1') return 'demo';
  return 'home';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => routeOf(window.location.hash, window.location.search));
}

/** Goes to a view; leaving the demo also drops `?demo=1`, so the hash decides from then on. */
export function goTo(route: Route): void {
  const hash = route === 'home' ? '#/' : `#/${route}`;
  if (window.location.search.includes('demo=1')) window.history.pushState(null, '', window.location.pathname + hash);
  else window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
