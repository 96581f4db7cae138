/**
 * 'bench': the engine's benchmark (src/engine/bench.ts) on a few images with the bundled backbone on the current
 * backend, with what the page shows next to it: how long the model took to load, why this backend runs, WASM
 * threads or the GPU adapter, and the memory tfjs holds at the end.
 */
import { runBenchmark } from '../../src/engine/bench';
import type { ImageSource } from '../../src/engine/patchcore/memory-bank';
import * as tf from '../../src/engine/tf';
import type { BenchReport, FileBytes } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';
import { byName } from './types';

function imageSource(session: Session, files: FileBytes[]): ImageSource {
  return { count: files.length, name: (i) => files[i].name, load: (i) => session.decode(files[i]) };
}

export async function bench(req: Req<'bench'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<BenchReport> {
  const files = [...req.files].sort(byName);
  if (files.length === 0) throw new Error('no images: choose a few images for the benchmark');
  const { backend } = session;
  return backend.onBackend(signal, async (s) => {
    const result = await runBenchmark(backend.requireBackbone(), imageSource(session, files), { coresetRatio: req.coresetRatio, onProgress, signal: s });
    const info = backend.info!;
    return {
      ...result,
      model_load_ms: backend.modelLoadMs,
      at: new Date().toISOString(),
      backend_reason: info.reason,
      wasm_threads: info.name === 'wasm' ? backend.platform.wasmDetails().threads : undefined,
      adapter: info.name === 'webgpu' ? backend.platform.adapter()?.text : undefined,
      tensor_mb: tf.memory().numBytes / 1024 / 1024,
    };
  });
}
