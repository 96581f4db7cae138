/**
 * The Content-Security-Policy of the production build, in one place: `vite preview` sends it as a header
 * (vite.config.ts), the built index.html carries it as a `<meta http-equiv>` for static hosts that set no headers,
 * and the service worker adds it to every response it hands out (scripts/sw-precache.ts writes it into dist/sw.js).
 * `vite dev` gets none (its HMR client and React refresh preamble are inline scripts).
 *
 * What each source is for, measured on every screen (e2e/csp.spec.ts):
 *  - script-src 'wasm-unsafe-eval': compiling the tfjs WASM binaries (no 'unsafe-eval': nothing calls eval or
 *    new Function); blob: because tfjs' threaded WASM pthread workers (blob: workers, which inherit the policy of
 *    the engine worker that starts them) load the Emscripten factory with importScripts(blob:). A blob: URL can only
 *    be made by script already running in this origin, so this opens nothing to injected markup.
 *  - worker-src blob: the pthread workers themselves; 'self' the engine worker.
 *  - img-src blob: data: object URLs of dropped images and heatmaps, canvas snapshots, the empty favicon (data:,).
 *  - media-src blob: mediastream: the live camera.
 *  - connect-src blob: data: fetch() of object URLs (files handed to the worker) and data: URLs. Nothing else: no
 *    script of the page can send anything to another server. A deployment that shares profiles from another
 *    (CORS-enabled) server names its origins at build time, PROFILE_LINK_ORIGINS="https://a.example https://b.example";
 *    only those are added, and only to connect-src.
 *  - style-src 'self': the one built stylesheet, nothing inline. React (recharts included) sets `style` props through
 *    the CSSOM, which CSP does not govern, and the app injects no <style> element and no markup with a style
 *    attribute: neither 'unsafe-inline' nor style-src-attr is needed (measured on every screen by e2e/csp.spec.ts).
 *  - object-src 'none', base-uri 'self', form-action 'self'; frame-ancestors 'none' (header only: ignored, with a
 *    console error, in a meta element).
 */
const DIRECTIVES: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self' 'wasm-unsafe-eval' blob:"],
  ['worker-src', "'self' blob:"],
  ['img-src', "'self' blob: data:"],
  ['media-src', "'self' blob: mediastream:"],
  ['connect-src', "'self' blob: data:"],
  ['style-src', "'self'"],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'self'"],
  ['form-action', "'self'"],
  ['frame-ancestors', "'none'"],
];

/** Directives a `<meta http-equiv="Content-Security-Policy">` may not carry (browsers ignore them there and log an error). */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

/** The build-time setting naming the other origins profile links may be downloaded from. */
export const LINK_ORIGINS_ENV = 'PROFILE_LINK_ORIGINS';

/**
 * The origins of PROFILE_LINK_ORIGINS (separated by spaces or commas): each must be an https origin (http only for
 * localhost), with no path, query or wildcard; anything else stops the build with the entry named.
 */
export function parseLinkOrigins(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter(Boolean);
  return entries.map((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`${LINK_ORIGINS_ENV}: "${entry}" is not an origin (write it as https://host or https://host:port)`);
    }
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) throw new Error(`${LINK_ORIGINS_ENV}: "${entry}" must be https (http only for localhost)`);
    if (entry.replace(/\/$/, '') !== url.origin || entry.includes('*')) throw new Error(`${LINK_ORIGINS_ENV}: "${entry}" must be an origin alone, without path, query or wildcard (${url.origin})`);
    return url.origin;
  });
}

/**
 * The policy as a header value (`meta`: without the header-only directives, for the built index.html);
 * `linkOrigins` (from PROFILE_LINK_ORIGINS) are added to connect-src.
 */
export function contentSecurityPolicy(options: { meta?: boolean; linkOrigins?: readonly string[] } = {}): string {
  const extra = options.linkOrigins?.length ? ` ${options.linkOrigins.join(' ')}` : '';
  return DIRECTIVES.filter(([name]) => !(options.meta && HEADER_ONLY.has(name)))
    .map(([name, value]) => `${name} ${value}${name === 'connect-src' ? extra : ''}`)
    .join('; ');
}

/** The policy's directives as name -> sources (for tests). */
export function cspDirectives(policy: string): Record<string, string> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...sources] = d.split(/\s+/);
        return [name, sources.join(' ')];
      }),
  );
}
