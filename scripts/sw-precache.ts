import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

/** Files the service worker never precaches: itself, source maps, and the backbone's training-only weights. */
export function skipFromPrecache(file: string): boolean {
  return file === 'sw.js' || file.endsWith('.map') || /(^|\/)extra-weights-[^/]*\.bin$/.test(file) || file.endsWith('.DS_Store');
}

function walk(dir: string, root: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, root, out);
    else out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

/**
 * After `vite build`: lists dist/ (app shell, hashed assets, engine worker, WASM, the bundled
 * backbone from public/models) and writes that list, with a version made from the files' bytes,
 * into dist/sw.js (public/sw.js), so each build ships a service worker that precaches exactly it.
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
      const hash = createHash('sha256');
      for (const f of files) {
        hash.update(f);
        // Hashed assets name their content; hash the others (index.html, models) by size and bytes of small files.
        const st = statSync(join(outDir, f));
        hash.update(String(st.size));
        if (st.size < 1 << 20) hash.update(readFileSync(join(outDir, f)));
      }
      const manifest = { version: hash.digest('hex').slice(0, 12), files };
      const source = readFileSync(swPath, 'utf8');
      writeFileSync(swPath, `self.__PRECACHE_MANIFEST__ = ${JSON.stringify(manifest)};\n${source}`);
    },
  };
}
