/**
 * Opening a profile shared by link: `<app>?profile=<URL>`. The file is downloaded (./profile-link-download.ts: the
 * address, the HTTP status and the size limit checked, progress from the body stream), validated by the worker
 * exactly as an imported file ('import' checks and reads it, stores nothing), and shown for confirmation (name,
 * backbone, size, creation date). Only Save stores it, by the import's own path (saveNew), with the address it came
 * from (so "Copy link" can share it again); Cancel, at any point, stores nothing. Once the link is dealt with (saved,
 * cancelled or refused) `profile=` leaves the address bar, so a reload does not ask again.
 */
import { create } from 'zustand';
import { DEMO_PROFILE_ID } from '../engine/demo/recipe';
import type { ProfileMeta } from '../engine/profile/profile';
import { checkProfileFileSize } from '../engine/profile/profile';
import { isAbortError } from '../engine/progress';
import { newProfileId } from '../storage/profile-store';
import type { ImportResult } from '../worker-bridge/protocol';
import { saveNew } from './actions';
import { pushAlert } from './app-store';
import { downloadProfileFile, parseProfileUrl } from './profile-link-download';
import type { DownloadOptions } from './profile-link-download';
import { engine, profileStore } from './services';

/** The query parameter that carries the profile's address. */
export const PROFILE_PARAM = 'profile';

export type LinkPhase = 'downloading' | 'validating' | 'confirm' | 'saving' | 'error';

export interface ProfileLinkState {
  /** null: no link pending (the dialog shows nothing). */
  phase: LinkPhase | null;
  /** The address as resolved (or as given, when it could not be). */
  url: string;
  received: number;
  /** The declared size (Content-Length), null when the server does not say. */
  total: number | null;
  /** The profile in the file, waiting for Save or Cancel. */
  meta: ProfileMeta | null;
  /** The file's size in bytes. */
  fileBytes: number;
  /** Why the link was refused (phase 'error'): names the address and the problem. */
  problem: string | null;
}

const IDLE: ProfileLinkState = { phase: null, url: '', received: 0, total: null, meta: null, fileBytes: 0, problem: null };

export const useProfileLinkStore = create<ProfileLinkState>(() => IDLE);

const set = (patch: Partial<ProfileLinkState>) => useProfileLinkStore.setState(patch);

/** The validated profile waiting for confirmation (kept out of the store: the bank is bulk bytes). */
let pending: ImportResult | null = null;
let controller: AbortController | null = null;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The profile address in a query string (`?profile=...`), or null when there is none. */
export function profileParam(search: string): string | null {
  return new URLSearchParams(search).get(PROFILE_PARAM);
}

/** `profile=` removed from the address bar (history.replaceState), the rest of it kept. */
export function forgetLinkInAddressBar(): void {
  if (typeof window === 'undefined') return;
  const url = new URL(window.location.href);
  if (!url.searchParams.has(PROFILE_PARAM)) return;
  url.searchParams.delete(PROFILE_PARAM);
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

/** The app's link that opens the profile file at `sourceUrl`: `<origin + path>?profile=<encoded address>`. */
export function shareLink(sourceUrl: string, app: { origin: string; pathname: string } = window.location): string {
  return `${app.origin}${app.pathname}?${PROFILE_PARAM}=${encodeURIComponent(sourceUrl)}`;
}

/** Where a stored profile's file came from (null: built here or imported from a file). */
export async function profileSourceUrl(id: string): Promise<string | null> {
  try {
    return await profileStore().sourceUrl(id);
  } catch {
    return null;
  }
}

export interface OpenOptions extends Pick<DownloadOptions, 'fetch' | 'maxBytes'> {
  /** What a relative address is resolved against (default: the page's address). */
  base?: string;
}

/** The problem as a sentence, then that nothing was stored. */
function nothingSaved(problem: string): string {
  return `${problem}${/[.!?]$/.test(problem) ? '' : '.'} Nothing was saved.`;
}

function refuse(url: string, problem: string): void {
  pending = null;
  set({ ...IDLE, phase: 'error', url, problem: nothingSaved(problem) });
  forgetLinkInAddressBar();
}

/**
 * Downloads and validates the profile at `raw`, then waits for Save or Cancel (phase 'confirm'); a refusal ends in
 * phase 'error' with the reason. Resolves when the file is validated, refused or cancelled. One link at a time: a
 * second call while one is open is ignored.
 */
export async function openProfileLink(raw: string, options: OpenOptions = {}): Promise<void> {
  if (useProfileLinkStore.getState().phase !== null && useProfileLinkStore.getState().phase !== 'error') return;
  pending = null;
  let url: string;
  try {
    url = parseProfileUrl(raw, options.base ?? window.location.href).href;
  } catch (e) {
    refuse(raw, message(e));
    return;
  }
  const abort = new AbortController();
  controller = abort;
  set({ ...IDLE, phase: 'downloading', url });
  let lastAt = 0;
  let lastReceived = 0;
  try {
    const bytes = await downloadProfileFile(url, {
      signal: abort.signal,
      fetch: options.fetch,
      maxBytes: options.maxBytes,
      onProgress: (received, total) => {
        // A large file arrives in thousands of chunks: the store hears of every 2 % (or 1 MB), at most ~20 a second otherwise.
        const now = Date.now();
        const step = total ? total / 50 : 1024 * 1024;
        if (received === 0 || received === total || now - lastAt >= 50 || received - lastReceived >= step) {
          lastAt = now;
          lastReceived = received;
          set({ received, total });
        }
      },
    });
    const fileBytes = bytes.byteLength;
    set({ phase: 'validating', received: fileBytes, fileBytes });
    // As an imported file: the size, then the worker reads and validates it (nothing is stored there).
    checkProfileFileSize(fileBytes, url);
    const result = await engine().request('import', { file: { name: url, bytes } }, { signal: abort.signal, transfer: [bytes] });
    if (abort.signal.aborted) throw new DOMException('the task was cancelled', 'AbortError');
    pending = result;
    set({ phase: 'confirm', meta: result.meta });
  } catch (e) {
    if (isAbortError(e)) return;
    refuse(url, message(e));
  } finally {
    if (controller === abort) controller = null;
  }
}

/** Reads `?profile=` from the page's address and opens it; nothing when the address has none. */
export function startProfileLinkFromUrl(): void {
  if (typeof window === 'undefined') return;
  const raw = profileParam(window.location.search);
  if (raw === null) return;
  void openProfileLink(raw);
}

/** Stores the confirmed profile (as an import does) with the address it came from; selects it. */
export async function saveProfileLink(): Promise<ProfileMeta | null> {
  const { phase, url } = useProfileLinkStore.getState();
  if (phase !== 'confirm' || !pending) return null;
  const { bank } = pending;
  // The demo's reserved id is the demo's alone (a link to the shipped demo file is saved as a profile of its own).
  const meta = pending.meta.id === DEMO_PROFILE_ID ? { ...pending.meta, id: newProfileId() } : pending.meta;
  set({ phase: 'saving' });
  try {
    const saved = await saveNew(meta, bank, url);
    pending = null;
    set(IDLE);
    forgetLinkInAddressBar();
    pushAlert('info', `Saved profile "${saved.name}" from ${url}.`);
    return saved;
  } catch (e) {
    set({ phase: 'error', problem: nothingSaved(`Saving the profile from ${url} failed: ${message(e)}`) });
    pending = null;
    forgetLinkInAddressBar();
    return null;
  }
}

/** Cancel: stops a download or validation in progress, or declines the profile shown; nothing is stored. */
export function cancelProfileLink(): void {
  const { phase } = useProfileLinkStore.getState();
  if (phase === null || phase === 'saving') return;
  controller?.abort();
  controller = null;
  pending = null;
  set(IDLE);
  forgetLinkInAddressBar();
}

/** Closes the message of a refused link. */
export function dismissProfileLink(): void {
  if (useProfileLinkStore.getState().phase === 'error') set(IDLE);
}
