/**
 * Whether fine-tuning helped, said plainly: the profile built on the base backbone and the one built on the
 * fine-tuned backbone (same training images) evaluated on one labelled folder. With ground-truth masks the pixel
 * metrics decide (pixel AUROC higher and AUPRO not lower); without, image AUROC (higher). Figures are compared as
 * shown, to 4 decimals, so a difference that does not show is "no better".
 */
import type { EvaluationMetrics } from '../engine/evaluate';

export interface ProofVerdict {
  better: boolean;
  /** Which metrics decided: the pixel ones (the folder has masks) or image AUROC. */
  basis: 'pixel' | 'image';
  sentence: string;
  dataset: string;
  before: EvaluationMetrics;
  after: EvaluationMetrics;
  /** The two profiles evaluated. */
  profiles: { base: string; tuned: string };
}

export interface ProofState {
  status: 'idle' | 'running' | 'done' | 'error';
  /** What runs now, in words ("Building the profile on ResNet50 (1 of 4)"), and whose progress shows. */
  step?: string;
  phase?: 'build' | 'evaluate';
  error: string | null;
  verdict: ProofVerdict | null;
}

const shown = (v: number) => Math.round(v * 1e4);
const fmt = (v: number) => v.toFixed(4);

/** "pixel AUROC 0.9030 -> 0.9151 (+1.21 points)" */
function change(name: string, before: number, after: number): string {
  const d = (shown(after) - shown(before)) / 100;
  return `${name} ${fmt(before)} → ${fmt(after)} (${d === 0 ? 'unchanged' : `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} point${Math.abs(d) === 1 ? '' : 's'}`})`;
}

export function proofVerdict(before: EvaluationMetrics, after: EvaluationMetrics, dataset: string, profiles: { base: string; tuned: string }): ProofVerdict {
  const masks = before.pixel_auroc !== null && after.pixel_auroc !== null && before.aupro !== null && after.aupro !== null;
  let better: boolean;
  let figures: string;
  if (masks) {
    const pixelUp = shown(after.pixel_auroc!) > shown(before.pixel_auroc!);
    const proKept = shown(after.aupro!) >= shown(before.aupro!);
    better = pixelUp && proKept;
    figures = `${change('pixel AUROC', before.pixel_auroc!, after.pixel_auroc!)}, ${change('AUPRO', before.aupro!, after.aupro!)}; ${change('image AUROC', before.image_auroc, after.image_auroc)}`;
    if (!better) figures += pixelUp ? ' (AUPRO fell)' : ' (pixel AUROC did not rise)';
  } else {
    better = shown(after.image_auroc) > shown(before.image_auroc);
    figures = `${change('image AUROC', before.image_auroc, after.image_auroc)}; the folder has no masks, so the pixel metrics are not measured`;
  }
  const sentence = `The fine-tuned backbone is ${better ? 'better' : 'no better'} on "${dataset}": ${figures}.`;
  return { better, basis: masks ? 'pixel' : 'image', sentence, dataset, before, after, profiles };
}
