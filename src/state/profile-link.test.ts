import { beforeEach, describe, expect, it } from 'vitest';
import { createProfile, serializeProfile } from '../engine/profile/profile';
import { RESNET50_IMAGENET } from '../engine/backbones/spec';
import { importProfile } from '../../workers/handlers/profile-files';
import type { Req } from '../../workers/handlers/types';
import { useAppStore } from './app-store';
import { freshServices } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import type { MemoryStore } from '../storage/kv';
import { cancelProfileLink, openProfileLink, profileParam, saveProfileLink, shareLink, useProfileLinkStore } from './profile-link';
import { profileStore } from './services';

const BASE = 'https://inspector.example/app/';
const FILE_URL = 'https://files.example/shared/bottle.profile.safetensors';

/** A real profile file (100 x 1024 float32 bank, ~400 KB) as the CLI or the app's export writes it. */
function profileFile(name = 'bottle-shared'): { bytes: Uint8Array; createdAt: string } {
  const size = 100;
  const data = new Float32Array(size * 1024).map((_, i) => (i % 97) / 97);
  const profile = createProfile({
    name,
    spec: RESNET50_IMAGENET,
    weightsHash: 'abc',
    bank: { data, size, dim: 1024, imageCount: 12, patchCount: 9408, skipped: 0 },
    coreset: { ratio: 0.1, seed: 0 },
    calibrationScores: [1, 2, 3],
    threshold: { value: 3, method: 'max' },
    appVersion: '0.1.0',
  });
  return { bytes: serializeProfile(profile), createdAt: profile.meta.createdAt };
}

interface Served {
  fetch: typeof fetch;
  /** Chunks the body stream handed out, and whether it was cancelled. */
  pulled: number;
  cancelled: boolean;
  requests: string[];
}

/** A server answering every request with `bytes` in 64 KB chunks (optionally declaring `contentLength`), as fetch does. */
function serve(bytes: Uint8Array, o: { status?: number; contentLength?: number | null; hang?: boolean } = {}): Served {
  const served: Served = { pulled: 0, cancelled: false, requests: [], fetch: null as unknown as typeof fetch };
  served.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    served.requests.push(String(input));
    let at = 0;
    const signal = init?.signal;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(c) {
          if (o.hang) await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
          if (at >= bytes.length) return c.close();
          served.pulled++;
          c.enqueue(bytes.slice(at, at + 65536));
          at += 65536;
        },
        cancel() {
          served.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const headers = new Headers();
    const length = o.contentLength === undefined ? bytes.length : o.contentLength;
    if (length !== null) headers.set('content-length', String(length));
    return new Response(body, { status: o.status ?? 200, statusText: o.status === 404 ? 'Not Found' : '', headers });
  }) as typeof fetch;
  return served;
}

const state = () => useProfileLinkStore.getState();
let engine: FakeEngine;
let kv: MemoryStore;

beforeEach(() => {
  ({ engine, kv } = freshServices());
  useProfileLinkStore.setState(useProfileLinkStore.getInitialState(), true);
  // The worker's own import handler: the file is read and validated exactly as an imported one.
  engine.on('import', (payload) => importProfile({ id: 1, type: 'import', ...payload } as Req<'import'>));
});

describe('opening a profile by link', () => {
  it('downloads with progress, validates as an import, shows the profile, and stores nothing until Save', async () => {
    const { bytes, createdAt } = profileFile();
    const server = serve(bytes);
    const seen: [number, number | null][] = [];
    const stop = useProfileLinkStore.subscribe((s) => seen.push([s.received, s.total]));
    await openProfileLink(FILE_URL, { base: BASE, fetch: server.fetch });
    stop();
    expect(state().phase).toBe('confirm');
    expect(state().meta?.name).toBe('bottle-shared');
    expect(state().meta?.createdAt).toBe(createdAt);
    expect(state().meta?.backbone.id).toBe(RESNET50_IMAGENET.id);
    expect(state().fileBytes).toBe(bytes.length);
    expect(seen.some(([r, t]) => r > 0 && r < bytes.length && t === bytes.length), 'progress part way through the download').toBe(true);
    expect(engine.payloads('import').map((p) => p.file.name)).toEqual([FILE_URL]);
    expect(await profileStore().list()).toEqual([]);

    const saved = await saveProfileLink();
    expect(saved?.name).toBe('bottle-shared');
    expect(state().phase).toBeNull();
    const stored = await profileStore().list();
    expect(stored.map((m) => m.name)).toEqual(['bottle-shared']);
    expect(await profileStore().sourceUrl(stored[0].id)).toBe(FILE_URL);
    expect(useAppStore.getState().selectedId).toBe(stored[0].id);
    const { bank } = await profileStore().load(stored[0].id);
    expect(new Uint8Array(bank.bytes)).toEqual(new Uint8Array(bytes.buffer, bytes.length - 100 * 1024 * 4));
  });

  it('Cancel after validation stores nothing; Cancel during the download stops it', async () => {
    await openProfileLink(FILE_URL, { base: BASE, fetch: serve(profileFile().bytes).fetch });
    expect(state().phase).toBe('confirm');
    cancelProfileLink();
    expect(state().phase).toBeNull();
    expect(await saveProfileLink()).toBeNull();
    expect(await profileStore().list()).toEqual([]);

    const hanging = serve(profileFile().bytes, { hang: true });
    const run = openProfileLink(FILE_URL, { base: BASE, fetch: hanging.fetch });
    await new Promise((r) => setTimeout(r, 10));
    expect(state().phase).toBe('downloading');
    cancelProfileLink();
    await run;
    expect(state().phase).toBeNull();
    expect(engine.payloads('import')).toHaveLength(1);
    expect(await profileStore().list()).toEqual([]);
  });

  it('a relative address is resolved against the app, and the link to share encodes it', async () => {
    const server = serve(profileFile().bytes);
    await openProfileLink('profiles/a b.safetensors', { base: BASE, fetch: server.fetch });
    expect(server.requests).toEqual(['https://inspector.example/app/profiles/a%20b.safetensors']);
    const link = shareLink(state().url, { origin: 'https://inspector.example', pathname: '/app/' });
    expect(link).toBe('https://inspector.example/app/?profile=https%3A%2F%2Finspector.example%2Fapp%2Fprofiles%2Fa%2520b.safetensors');
    expect(profileParam(new URL(link).search)).toBe(state().url);
  });
});

describe('a link that cannot give a profile is refused with the address and the reason, and nothing is stored', () => {
  async function refused(raw: string, served?: Served, maxBytes?: number): Promise<string> {
    await openProfileLink(raw, { base: BASE, fetch: served?.fetch ?? serve(profileFile().bytes).fetch, maxBytes });
    expect(state().phase).toBe('error');
    expect(await profileStore().list()).toEqual([]);
    expect(state().problem).toMatch(/Nothing was saved\.$/);
    return state().problem!;
  }

  it('an unparseable address, another scheme, an empty parameter', async () => {
    expect(await refused('http://exa mple.com/p.safetensors')).toContain('"http://exa mple.com/p.safetensors" is not a valid address');
    expect(await refused('ftp://files.example/p.safetensors')).toContain('ftp://files.example/p.safetensors: only http and https addresses can be opened, not ftp');
    expect(await refused('javascript:alert(1)')).toContain('not javascript');
    expect(await refused('  ')).toContain('gives no profile address');
    expect(engine.payloads('import')).toEqual([]);
  });

  it('a network failure (fetch rejects, as for a server that does not allow CORS)', async () => {
    const failing = { ...serve(new Uint8Array(0)), fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch };
    const problem = await refused(FILE_URL, failing);
    expect(problem).toContain(`${FILE_URL}: the download failed (Failed to fetch)`);
    expect(problem).toContain('CORS');
  });

  it('an HTTP error status', async () => {
    expect(await refused(FILE_URL, serve(new TextEncoder().encode('no such file'), { status: 404 }))).toContain(`${FILE_URL}: the server answered HTTP 404 Not Found.`);
    expect(engine.payloads('import')).toEqual([]);
  });

  it('a file that is not a profile, and a damaged one, as the import validator says', async () => {
    const png = serve(new Uint8Array(5000).fill(7));
    expect(await refused(FILE_URL, png)).toContain(`${FILE_URL}: not a readable profile file`);
    const { bytes } = profileFile();
    expect(await refused(FILE_URL, serve(bytes.slice(0, bytes.length - 10)))).toContain(FILE_URL);
  });

  it('over the size limit by its Content-Length: refused before the body is read', async () => {
    const big = serve(profileFile().bytes);
    const problem = await refused(FILE_URL, big, 100_000);
    expect(problem).toContain(`${FILE_URL}: the file is 0.4 MB, over the 0.1 MB limit for a profile`);
    expect(big.pulled).toBe(0);
    expect(engine.payloads('import')).toEqual([]);
  });

  it('over the size limit with no Content-Length: the download stops once the limit is passed', async () => {
    const { bytes } = profileFile();
    const big = serve(bytes, { contentLength: null });
    const problem = await refused(FILE_URL, big, 200_000);
    expect(problem).toContain(`${FILE_URL}: the file is over 0.2 MB (the download was stopped at 0.3 MB), over the 0.2 MB limit for a profile`);
    expect(big.pulled).toBe(Math.ceil(200_001 / 65536));
    expect(big.pulled * 65536).toBeLessThan(bytes.length);
    expect(big.cancelled).toBe(true);
    expect(engine.payloads('import')).toEqual([]);
  });
});

describe('saving', () => {
  it('a storage failure on Save (quota) is said, with the address, and leaves nothing stored', async () => {
    await openProfileLink(FILE_URL, { base: BASE, fetch: serve(profileFile().bytes).fetch });
    await profileStore().list();
    kv.failOn(1, Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' }));
    expect(await saveProfileLink()).toBeNull();
    expect(state().phase).toBe('error');
    expect(state().problem).toContain(`Saving the profile from ${FILE_URL} failed: `);
    expect(state().problem).toMatch(/Nothing was saved\.$/);
    expect(await profileStore().list()).toEqual([]);
    expect([...kv.data.keys()].filter((k) => k.startsWith('bank:'))).toEqual([]);
  });
});

describe('the source address in storage', () => {
  it('is kept when the profile is saved again (teach, threshold), and absent for records that never had one', async () => {
    await openProfileLink(FILE_URL, { base: BASE, fetch: serve(profileFile().bytes).fetch });
    const saved = (await saveProfileLink())!;
    const { record, bank } = await profileStore().load(saved.id);
    await profileStore().save({ ...record.meta, name: 'taught' }, bank);
    await profileStore().rename(saved.id, 'renamed');
    expect(await profileStore().sourceUrl(saved.id)).toBe(FILE_URL);
    const copy = await profileStore().duplicate(saved.id);
    expect(await profileStore().sourceUrl(copy.id)).toBeNull();
  });
});
