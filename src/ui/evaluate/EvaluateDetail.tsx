/**
 * One image of an evaluation, opened from the per-image table: what the model saw with its heatmap and the outline of
 * its defect regions (scored again on the evaluated profile through 'score', since the evaluation keeps no maps), and
 * the ground-truth mask from the folder's mask file, tinted over it (decoded here, in the model's geometry). Esc or
 * Close shuts it; Previous and Next follow the table's order.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useAppStore } from '../../state/app-store';
import { openEvaluationImage } from '../../state/evaluate-actions';
import { runThreshold } from '../../state/evaluate-export';
import type { EvaluationRun } from '../../state/evaluate-store';
import { useEvaluateStore } from '../../state/evaluate-store';
import { itemRegions } from '../../state/inspect-results';
import type { InspectItem } from '../../state/inspect-store';
import { Fact } from '../shell/Fact';
import { drawOverlay } from '../inspect/overlay-draw';
import { derive } from '../inspect/results';
import { drawMask, readMask } from './mask';

const SCALE = 3;

export function EvaluateDetail({ run, order }: { run: EvaluationRun; order: readonly string[] }) {
  const detail = useEvaluateStore((s) => s.detail);
  const layout = useEvaluateStore((s) => s.layout);
  const profile = useAppStore((s) => s.profiles.find((p) => p.id === run.profileId) ?? null);
  const threshold = runThreshold(run, profile ? [profile] : []);
  const [showHeat, setShowHeat] = useState(true);
  const [showMask, setShowMask] = useState(true);
  const [mask, setMask] = useState<{ name: string; cells: Uint8Array } | null>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const name = detail?.name ?? null;
  const image = run.images.find((i) => i.name === name);
  const maskFile = layout?.items.find((i) => i.name === name)?.mask;
  const r = detail?.status === 'done' ? detail.result : undefined;
  const item = useMemo<InspectItem | null>(
    () => (r ? { id: 0, name: r.name, bytes: 0, label: null, status: 'done', score: r.score, patches: r.patches, grid: r.grid, map: r.map, mapSize: r.size, preview: r.preview } : null),
    [r],
  );
  const regions = useMemo(() => (item ? itemRegions(item, threshold, profile?.regions?.minArea ?? 0) : []), [item, threshold, profile]);
  const shownMask = mask && mask.name === name ? mask.cells : null;

  useEffect(() => {
    let live = true;
    if (maskFile && name && r && profile) {
      void readMask(maskFile, profile.preprocessing.resize, profile.preprocessing.inputSize).then((cells) => live && setMask({ name, cells }));
    }
    return () => {
      live = false;
    };
  }, [maskFile, name, r, profile]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !item) return;
    drawOverlay(canvas, item, threshold, profile?.calibrationScores ?? [], { show: showHeat, opacity: 0.55, colourMap: 'turbo', contour: true }, SCALE, profile?.regions?.minArea ?? 0);
    if (showMask && shownMask) drawMask(canvas.getContext('2d')!, shownMask, item.mapSize!, SCALE);
  }, [item, threshold, profile, showHeat, showMask, shownMask]);

  const go = (delta: number) => {
    const i = order.indexOf(name ?? '');
    if (order.length) void openEvaluationImage(order[(Math.max(0, i) + delta + order.length) % order.length]);
  };
  const goRef = useRef(go);
  useEffect(() => {
    goRef.current = go;
  });
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void openEvaluationImage(null);
      else if (e.key === 'ArrowLeft') goRef.current(-1);
      else if (e.key === 'ArrowRight') goRef.current(1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, []);

  if (!detail || !image) return null;
  const d = derive(image.score, threshold, profile?.calibrationScores ?? []);
  return (
    <div className="detail-backdrop" onClick={(e) => e.target === e.currentTarget && void openEvaluationImage(null)}>
      <div className="detail" role="dialog" aria-modal="true" aria-labelledby="evaluate-detail-title" data-testid="evaluate-detail" data-name={detail.name} data-status={detail.status}>
        <div className="detail-head">
          <h3 id="evaluate-detail-title" title={detail.name}>
            {detail.name}
          </h3>
          <button type="button" ref={closeRef} onClick={() => void openEvaluationImage(null)} aria-label="Close (Esc)" data-testid="evaluate-detail-close">
            Close ✕
          </button>
        </div>
        <div className="detail-body">
          <div className="detail-image">
            <div className="stage" role="img" aria-label={`Heatmap of ${detail.name}${shownMask ? ' with its ground-truth mask' : ''}`}>
              {detail.status === 'done' ? <canvas ref={canvasRef} data-testid="evaluate-detail-canvas" data-regions={regions.length} data-mask={shownMask ? 'shown' : ''} /> : <p className="stage-note">{detail.status === 'scoring' ? 'Scoring this image…' : ''}</p>}
            </div>
          </div>
          <div className="detail-side">
            {detail.status === 'error' && (
              <p className="error-text" role="alert" data-testid="evaluate-detail-error">
                {detail.error}
              </p>
            )}
            <dl className={`score score-${d.verdict ?? 'none'}`}>
              <Fact term="Verdict" className="verdict">
                {d.verdict === 'fail' ? 'Fail (anomalous)' : d.verdict === 'pass' ? 'Pass (normal)' : 'No threshold'}
              </Fact>
              <Fact term="Label">{image.label ? `defective (${image.defect})` : 'good'}</Fact>
              <Fact term="Raw score">{image.score.toPrecision(6)}</Fact>
              <Fact term="Threshold">{threshold === null ? 'none' : threshold.toPrecision(6)}</Fact>
              <Fact term="Defect regions" data-testid="evaluate-detail-regions" data-count={item ? regions.length : ''}>
                {!item ? '…' : regions.length ? `${regions.length}, largest ${regions[0].areaPercent.toFixed(1)} % of the image` : 'none'}
              </Fact>
              <Fact term="Ground truth">{maskFile ? 'mask from ground_truth/ (outlined in magenta)' : image.label ? 'no mask file' : 'good: no defect'}</Fact>
            </dl>
            <fieldset className="overlay-controls">
              <legend>Show</legend>
              <label className="check">
                <input type="checkbox" checked={showHeat} onChange={(e) => setShowHeat(e.target.checked)} />
                Heatmap
              </label>
              <label className="check">
                <input type="checkbox" checked={showMask} disabled={!maskFile} onChange={(e) => setShowMask(e.target.checked)} data-testid="evaluate-mask-toggle" />
                Ground-truth mask
              </label>
            </fieldset>
          </div>
        </div>
        <div className="detail-foot">
          <button type="button" onClick={() => go(-1)} aria-label="Previous image (←)" data-testid="evaluate-detail-prev">
            ← Previous
          </button>
          <button type="button" onClick={() => go(1)} aria-label="Next image (→)" data-testid="evaluate-detail-next">
            Next →
          </button>
        </div>
      </div>
    </div>
  );
}
