/**
 * 'score' and 'score-frame': one image (a file, or a camera frame) against a loaded profile. A file's answer also
 * carries the patch scores and what the model saw (the resized centre crop), so the page can lay the map on it;
 * a frame's answer is just the score and the map, for the live view.
 */
import { prepareImage } from '../../src/engine/image/prepare';
import type { FrameScore, ScoreResult } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import { notLoaded } from '../session';
import type { OnProgress, Req } from './types';

export async function score(req: Req<'score'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<ScoreResult> {
  const p = await session.loadedProfile(req.key, onProgress);
  const image = await session.decode(req.file);
  return session.backend.onBackend(signal, async () => {
    const t0 = performance.now();
    const scorer = session.scorerFor(p);
    const r = await scorer.score(image);
    const { resize, inputSize } = scorer.backbone.spec;
    const preview = prepareImage(image, resize, inputSize).data;
    const map = r.map.byteOffset === 0 && r.map.byteLength === r.map.buffer.byteLength ? r.map : r.map.slice();
    return {
      name: req.file.name,
      score: r.score,
      patches: r.patches,
      grid: r.grid,
      map,
      size: r.size,
      preview,
      width: image.width,
      height: image.height,
      backend: session.backendName,
      ms: performance.now() - t0,
    };
  });
}

export async function scoreFrame(req: Req<'score-frame'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<FrameScore> {
  if (!session.profiles.get(req.key)) {
    if (req.frame.kind === 'bitmap') req.frame.bitmap.close();
    throw notLoaded(req.key);
  }
  const p = await session.loadedProfile(req.key, onProgress);
  const image = session.images.decodeFrame(req.frame);
  return session.backend.onBackend(signal, async () => {
    const t0 = performance.now();
    const r = await session.scorerFor(p).score(image);
    return { score: r.score, map: r.map, size: r.size, grid: r.grid, width: image.width, height: image.height, backend: session.backendName, ms: performance.now() - t0 };
  });
}
