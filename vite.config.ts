import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { swPrecache } from './scripts/sw-precache';
import { contentSecurityPolicy, LINK_ORIGINS_ENV, parseLinkOrigins } from './src/sw/csp';

/** Other servers profile links may come from, named at build time (none by default: see src/sw/csp.ts). */
const linkOrigins = parseLinkOrigins(process.env[LINK_ORIGINS_ENV]);

/**
 * Cross-origin isolation (COOP/COEP) lets the tfjs WASM backend use threads (SharedArrayBuffer);
 * served in dev, in `vite preview` and expected from any production host (see README).
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The Content-Security-Policy (src/sw/csp.ts) in the built index.html, right after <meta charset> (before any
 * script), for static hosts that send no headers. Build only: `vite dev` serves inline scripts (HMR, React refresh).
 */
function cspMeta(): Plugin {
  const tag = `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy({ meta: true, linkOrigins }).replace(/"/g, '&quot;')}" />`;
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const charset = /<meta charset="[^"]*"\s*\/?>/i;
        return charset.test(html) ? html.replace(charset, (m) => `${m}\n    ${tag}`) : html.replace(/<head>/i, `<head>\n    ${tag}`);
      },
    },
  };
}

/**
 * Keeps tfjs' threaded WASM backend working in a minified build.
 *
 * tfjs-backend-wasm hands its pthread workers the Emscripten factory as source text, made with
 * `wasmFactoryThreadedSimd.toString()`. After minification that text refers to renamed variables of
 * the enclosing bundle (the pthread workers fail with "e is not defined" and the backend never
 * starts). This plugin makes the blob from the untouched file shipped in the package instead (it
 * defines the same global, `WasmBackendModuleThreadedSimd`), imported as a raw string.
 */
function tfjsWasmThreads(): Plugin {
  const pattern = /`var WasmBackendModuleThreadedSimd = `\s*\+\s*wasmFactoryThreadedSimd\.toString\(\)/;
  return {
    name: 'tfjs-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (!/tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/.test(id.split('?')[0])) return null;
      if (!pattern.test(code)) this.error('tfjs-wasm-threads: the pthread factory blob was not found in backend_wasm.js (tfjs-backend-wasm changed?)');
      const source = `import __threadedSimdSource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';\n`;
      return { code: source + code.replace(pattern, '__threadedSimdSource'), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), tfjsWasmThreads(), cspMeta(), swPrecache()],
  server: { headers: crossOriginIsolation },
  // The production build, served: isolation and the Content-Security-Policy (the dev server gets no CSP: HMR).
  preview: { headers: { ...crossOriginIsolation, 'Content-Security-Policy': contentSecurityPolicy({ linkOrigins }) } },
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
