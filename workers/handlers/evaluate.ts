/**
 * 'evaluate': a labelled test set (MVTec AD layout: good and defect images, ground-truth masks where there are
 * some) scored one by one on a loaded profile's scorer, with the metrics the CLI's `eval` computes. The maps stay
 * here; the page gets the metrics and the per-image scores.
 */
import { evaluate as evaluateItems, localScoreItem } from '../../src/engine/evaluate';
import type { LabelledImage } from '../../src/engine/evaluate';
import type { GrayImage } from '../../src/engine/image/types';
import type { EvaluateResult, FileBytes } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';

/** A ground-truth mask: the brightest of its RGB channels per pixel (as the CLI's decodeMaskFile). */
async function decodeMask(session: Session, file: FileBytes): Promise<GrayImage> {
  const rgb = await session.decode(file);
  const data = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(rgb.data[i * 3], rgb.data[i * 3 + 1], rgb.data[i * 3 + 2]);
  return { width: rgb.width, height: rgb.height, data };
}

/** The labelled test set scored one by one on the loaded profile's scorer; metrics as `eval` computes them. */
export async function evaluate(req: Req<'evaluate'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<EvaluateResult> {
  const p = await session.loadedProfile(req.key, onProgress);
  if (req.files.length === 0) throw new Error('no test images: expected test/good/* and test/<defect>/*');
  const items: LabelledImage[] = req.files.map((f) => ({
    name: f.name,
    label: f.label,
    defect: f.defect,
    load: () => session.decode({ name: f.name, bytes: f.bytes }),
    loadMask: f.mask ? () => decodeMask(session, { name: `${f.name} (mask)`, bytes: f.mask! }) : undefined,
  }));
  return session.backend.onBackend(signal, async (s) => {
    const t0 = performance.now();
    const scorer = session.scorerFor(p);
    const r = await evaluateItems(scorer.backbone.spec, items, localScoreItem(scorer), { onProgress, signal: s, threshold: p.meta.threshold.value, minRegionArea: p.meta.regions?.minArea ?? 0 });
    const seconds = (performance.now() - t0) / 1000;
    return { metrics: r.metrics, images: r.images, skipped: r.skipped, bankSize: p.meta.bank.size, backend: session.backendName, seconds, msPerImage: (seconds * 1000) / Math.max(1, r.images.length) };
  });
}
