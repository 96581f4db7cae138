import { useSyncExternalStore } from 'react';

/**
 * The app's views, chosen by the URL hash. `#/` is the home: the Start screen (three ways in) until a profile of
 * the person's own exists, then Inspect. `#/start` and `#/inspect` name those two directly; `#/live` (camera),
 * `#/history` (the inspection log), `#/evaluate` (metrics on a labelled folder), `#/train` (fine-tuning),
 * `#/advanced` (engine, benchmark, backbones) and `#/demo` (the shareable demo; `?demo=1` opens it too).
 * A hash keeps every view on the one static page, so any static host (and the service worker) serves it.
 */
export type Route = 'home' | 'start' | 'inspect' | 'live' | 'history' | 'demo' | 'evaluate' | 'train' | 'advanced';

const NAMED: readonly Route[] = ['start', 'inspect', 'live', 'history', 'demo', 'evaluate', 'train', 'advanced'];

export function routeOf(hash: string, search = ''): Route {
  const h = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const named = NAMED.find((r) => r === h);
  if (named) return named;
  if (!h && new URLSearchParams(search).get('demo') === '1') return 'demo';
  return 'home';
}

/** What `#/` shows: Start for a newcomer (no profile of their own yet), else Inspect. */
export function homeView(ownProfiles: number): 'start' | 'inspect' {
  return ownProfiles > 0 ? 'inspect' : 'start';
}

export function hrefOf(route: Route): string {
  return route === 'home' ? '#/' : `#/${route}`;
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
  const hash = hrefOf(route);
  if (window.location.search.includes('demo=1')) window.history.pushState(null, '', window.location.pathname + hash);
  else window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
