import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { tfjsWasmThreads } from './scripts/vite-plugin-tfjs-wasm-threads';

/**
 * Cross-origin isolation (COOP/COEP) lets the tfjs WASM backend use threads (SharedArrayBuffer);
 * served in dev, in `vite preview` and expected from any production host (see README).
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), tfjsWasmThreads()],
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
