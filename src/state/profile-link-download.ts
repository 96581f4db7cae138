/**
 * Downloading a profile file named by a link (`?profile=<URL>`): the address checked (http or https only), the
 * response checked (HTTP status, declared size), and the body read as a stream with progress, stopped as soon as it
 * passes the size limit. Every refusal is a LinkError naming the address and the problem. No storage, no engine.
 */
import { MAX_PROFILE_FILE_BYTES } from '../engine/profile/profile';
import { isAbortError } from '../engine/progress';
import { LINK_ORIGINS_ENV } from '../sw/csp';

/** A link that cannot give a profile; the message names the address and the problem. */
export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** The same words as an imported file over the limit (checkProfileFileSize). */
function tooLarge(url: string, size: number, max: number, stopped: boolean): LinkError {
  const what = stopped ? `the file is over ${mb(max)} (the download was stopped at ${mb(size)})` : `the file is ${mb(size)}`;
  return new LinkError(`${url}: ${what}, over the ${mb(max)} limit for a profile`);
}

/**
 * The absolute address a link names, resolved against the app's address (so a relative path names a file beside the
 * app); refuses an empty or unparseable address and any scheme but http and https.
 */
export function parseProfileUrl(raw: string, base: string): URL {
  const text = raw.trim();
  if (!text) throw new LinkError('The link gives no profile address (the profile= parameter is empty).');
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new LinkError(`"${text}" is not a valid address.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LinkError(`${text}: only http and https addresses can be opened, not ${url.protocol.replace(/:$/, '')}.`);
  }
  return url;
}

/** Whether the page's Content-Security-Policy refused a request to `url` (its violation event comes a moment later). */
function watchPolicyBlocks(url: string): { blocked(): Promise<boolean>; stop(): void } {
  if (typeof document === 'undefined') return { blocked: async () => false, stop: () => undefined };
  let seen = false;
  const listener = (e: SecurityPolicyViolationEvent) => {
    if (e.blockedURI && url.startsWith(e.blockedURI)) seen = true;
  };
  document.addEventListener('securitypolicyviolation', listener);
  return {
    blocked: async () => {
      for (let i = 0; i < 10 && !seen; i++) await new Promise((r) => setTimeout(r, 20));
      return seen;
    },
    stop: () => document.removeEventListener('securitypolicyviolation', listener),
  };
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Bytes received so far, and the declared size (null when the server does not say). */
  onProgress?: (received: number, total: number | null) => void;
  /** Refuse files over this many bytes (default: the profile file limit). */
  maxBytes?: number;
  fetch?: typeof fetch;
}

/** The file's bytes; a LinkError for a failed request, an HTTP error or a file over the limit; an AbortError when cancelled. */
export async function downloadProfileFile(url: string, options: DownloadOptions = {}): Promise<ArrayBuffer> {
  const max = options.maxBytes ?? MAX_PROFILE_FILE_BYTES;
  const fetchFile = options.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  const policy = watchPolicyBlocks(url);
  try {
    response = await fetchFile(url, { signal: options.signal, credentials: 'same-origin' });
  } catch (e) {
    if (isAbortError(e)) throw e;
    if (await policy.blocked()) {
      throw new LinkError(`${url}: this app downloads only from its own server (${self.location.origin}): its Content-Security-Policy blocked ${new URL(url).origin}. Put the profile file on the app's server and share that link, or build the app with ${LINK_ORIGINS_ENV}=${new URL(url).origin} to allow that server.`);
    }
    throw new LinkError(`${url}: the download failed (${message(e)}). The server cannot be reached, or it does not allow this app to read the file (no CORS permission).`);
  } finally {
    policy.stop();
  }
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    throw new LinkError(`${url}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(declared) && declared >= 0 ? declared : null;
  if (total !== null && total > max) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(url, total, max, false);
  }
  options.onProgress?.(0, total);
  if (!response.body) {
    const bytes = await response.arrayBuffer();
    if (bytes.byteLength > max) throw tooLarge(url, bytes.byteLength, max, false);
    options.onProgress?.(bytes.byteLength, total);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(url, received, max, true);
      }
      chunks.push(value);
      options.onProgress?.(received, total);
    }
  } catch (e) {
    if (e instanceof LinkError || isAbortError(e)) throw e;
    if (options.signal?.aborted) throw new DOMException('the task was cancelled', 'AbortError');
    throw new LinkError(`${url}: the download broke off after ${mb(received)} (${message(e)}).`);
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}
