/**
 * A worker thread hosting one engine instance (its own tfjs WASM backend and backbone). The CLI runs
 * one per core: tfjs' WASM backend is single-threaded in Node, so this is how the CLI uses them all.
 * Messages: see engine-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import type { Backbone } from '../engine/backbones/backbone';
import { localEmbedder } from '../engine/patchcore/memory-bank';
import { PatchCoreScorer } from '../engine/patchcore/scorer';
import type { ScoringOptions } from '../engine/patchcore/scorer';
import { SubspaceIndex } from '../engine/patchcore/pruned-search';
import type { SubspaceIndexData } from '../engine/patchcore/pruned-search';
import { loadBackboneArg } from './backbones';
import { decodeImageFile } from './decode';
import type { NodeBackend } from './tf-backend';
import { initNodeBackend } from './tf-backend';

export type ThreadRequest =
  | { type: 'init'; id: number; backend: NodeBackend; backbone: string; seed: number }
  | { type: 'embed'; id: number; file: string }
  /** Builds the bank's search index here and returns it in SharedArrayBuffers, for every thread's setBank. */
  | { type: 'buildIndex'; id: number; bank: Float32Array; dim: number }
  /** `index`: the bank's search index, shared (built once by one thread); without it the scorer builds its own. */
  | { type: 'setBank'; id: number; bank: Float32Array; dim: number; scoring: ScoringOptions; index?: SubspaceIndexData }
  | { type: 'score'; id: number; file: string };

let backbone: Backbone | null = null;
let embed: ReturnType<typeof localEmbedder> | null = null;
let scorer: PatchCoreScorer | null = null;
let currentFile = '';

async function handle(msg: ThreadRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  switch (msg.type) {
    case 'init': {
      await initNodeBackend(msg.backend);
      backbone = await loadBackboneArg(msg.backbone);
      embed = localEmbedder(backbone, { count: 1, name: () => currentFile, load: () => decodeImageFile(currentFile) }, msg.seed);
      return { value: { weightsHash: backbone.weightsHash } };
    }
    case 'embed': {
      currentFile = msg.file;
      const r = await embed!(0);
      return { value: r, transfer: [r.features.buffer as ArrayBuffer, r.projected.buffer as ArrayBuffer] };
    }
    case 'buildIndex': {
      const t0 = performance.now();
      const index = await SubspaceIndex.build(msg.bank, msg.dim);
      try {
        return { value: { index: index.share(), ms: performance.now() - t0 } };
      } finally {
        index.dispose();
      }
    }
    case 'setBank': {
      scorer?.dispose();
      scorer = new PatchCoreScorer(backbone!, msg.bank, msg.dim, msg.scoring);
      if (msg.index) scorer.useIndex(SubspaceIndex.fromData(msg.index));
      return { value: null };
    }
    case 'score': {
      const timings = { decode: 0, backbone: 0, search: 0, map: 0 };
      const t0 = performance.now();
      const image = await decodeImageFile(msg.file);
      timings.decode = performance.now() - t0;
      const r = await scorer!.score(image, timings);
      return { value: { score: r.score, map: r.map, patches: r.patches, grid: r.grid, timings }, transfer: [r.map.buffer as ArrayBuffer] };
    }
  }
}

parentPort!.on('message', (msg: ThreadRequest) => {
  handle(msg).then(
    ({ value, transfer }) => parentPort!.postMessage({ id: msg.id, ok: true, value }, transfer ?? []),
    (e: unknown) => parentPort!.postMessage({ id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
  );
});
