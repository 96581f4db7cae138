/**
 * A Session for Node tests of the handlers, on the real engine: tfjs WASM (or CPU) started through
 * src/node/tf-backend.ts instead of the browser's backends and calibration, the bundled ResNet50 read from
 * public/models, stored backbones from folders (as the CLI's --backbone), images decoded by sharp, and the events
 * the worker would post kept in a list. Not part of the app bundle.
 */
import { availableParallelism } from 'node:os';
import * as tf from '../../src/engine/tf';
import { backboneFolder } from '../../src/node/backbones';
import { decodeImage } from '../../src/node/decode';
import { folderSource } from '../../src/node/file-source';
import type { NodeBackend } from '../../src/node/tf-backend';
import { initNodeBackend } from '../../src/node/tf-backend';
import type { BackendName, EngineEvent } from '../../src/worker-bridge/protocol';
import { BACKEND_LABELS } from '../../src/worker-bridge/protocol';
import type { BackendPlatform } from '../backends/platform';
import { decodeFrame } from '../decode';
import { Session } from '../session';

/** The backends Node has: WASM and CPU, without calibration, WebGPU or device loss. */
export function nodeBackends(): BackendPlatform {
  const errors = new Map<BackendName, string>();
  return {
    async activate(name) {
      if (name !== 'wasm' && name !== 'cpu') {
        errors.set(name, `${BACKEND_LABELS[name]} is not available in Node`);
        return false;
      }
      try {
        await initNodeBackend(name as NodeBackend);
        return true;
      } catch (e) {
        errors.set(name, (e as Error).message);
        return false;
      }
    },
    initError: (name) => errors.get(name),
    calibrate: () => Promise.reject(new Error('no calibration in Node: start the session on a named backend')),
    fingerprint: () => `node ${process.version}`,
    adapter: () => undefined,
    wasmDetails: () => {
      let simd = false;
      try {
        simd = Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
      } catch {
        // not evaluated yet
      }
      return { simd, threads: 1, threadedBuild: false, crossOriginIsolated: false, problem: null };
    },
    cores: () => availableParallelism(),
    onDeviceLost: () => undefined,
    resetWebGpu: () => undefined,
    loseDevice: () => false,
  };
}

/** A session as the worker makes it, for Node; `events` collects what the worker would post. */
export function nodeSession(): { session: Session; events: EngineEvent[] } {
  const events: EngineEvent[] = [];
  const where = backboneFolder();
  const session = new Session({
    model: { where, files: folderSource(where) },
    images: { decode: (file) => decodeImage(new Uint8Array(file.bytes), file.name), decodeFrame },
    storedBackboneSource: async (id) => folderSource(backboneFolder(id)),
    backends: nodeBackends(),
    post: (event) => events.push(event),
  });
  return { session, events };
}
