import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { contentSecurityPolicy, LINK_ORIGINS_ENV, parseLinkOrigins } from '../src/sw/csp';

/**
 * Files the service worker never precaches: itself, source maps, the backbone's training-only weights, and the demo
 * profile's build stamp (public/demo/*.json: scripts/build-demo-profile.ts's record, not read by the app). The demo
 * profile itself (public/demo/*.safetensors) is precached, so the demo runs offline after a first visit.
 */
export function skipFromPrecache(file: string): boolean {
  return file === 'sw.js' || file.endsWith('.map') || /(^|\/)extra-weights-[^/]*\.bin$/.test(file) || /^demo\/.*\.json$/.test(file) || file.endsWith('.DS_Store');
}

/**
 * Whether the build's version hashes the file's bytes: small files, and the demo profile (rebuilt under the same
 * name and, its bank a fixed size, mostly the same size: by size alone a new one would not change the version, and
 * the old service worker would keep serving the old file). Hashed assets name their content; the bundled backbone
 * is hashed by size only (about 100 MB).
 */
export function hashBytesOf(file: string, size: number): boolean {
  return size < 1 << 20 || file.startsWith('demo/');
}

function walk(dir: string, root: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, root, out);
    else out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

/** What the build writes into dist/sw.js: the files to precache, the version naming its cache, the CSP it serves. */
export interface PrecacheManifest {
  version: string;
  files: string[];
  csp: string;
}

/**
 * After `vite build`: lists dist/ (app shell, hashed assets, engine worker, WASM, the bundled
 * backbone from public/models, the demo profile from public/demo) and writes that list, with a version made from the files' bytes,
 * into dist/sw.js (public/sw.js), so each build ships a service worker that precaches exactly it. The manifest also
 * carries the Content-Security-Policy (src/sw/csp.ts) the worker adds to its responses; it counts in the version.
 */
export function swPrecache(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'sw-precache',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    closeBundle() {
      const outDir = config.build.outDir;
      const swPath = join(outDir, 'sw.js');
      const files = walk(outDir, outDir, [])
        .filter((f) => !skipFromPrecache(f))
        .sort();
      const csp = contentSecurityPolicy({ linkOrigins: parseLinkOrigins(process.env[LINK_ORIGINS_ENV]) });
      const hash = createHash('sha256');
      hash.update(csp);
      for (const f of files) {
        hash.update(f);
        const st = statSync(join(outDir, f));
        hash.update(String(st.size));
        if (hashBytesOf(f, st.size)) hash.update(readFileSync(join(outDir, f)));
      }
      const manifest: PrecacheManifest = { version: hash.digest('hex').slice(0, 12), files, csp };
      const source = readFileSync(swPath, 'utf8');
      writeFileSync(swPath, `self.__PRECACHE_MANIFEST__ = ${JSON.stringify(manifest)};\n${source}`);
    },
  };
}
