/**
 * One image large: heatmap overlay with its settings and the outline of its defect regions (from the patch scores,
 * so a failing image always shows one), the region count and the largest region's area, zoom and pan, swipe and
 * arrow keys between images, PNG export, Mark as good. Previous, Next and Save sit in a footer that stays in view
 * (the body scrolls above it), at any window size.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { inspectedFile, openDetail, setLabel, setOverlay } from '../../state/inspect-actions';
import { proposeTeach } from '../../state/teach-actions';
import { useTeachStore } from '../../state/teach-store';
import { TeachPanel } from '../teach/TeachPanel';
import { useInspectStore } from '../../state/inspect-store';
import { Fact } from '../shell/Fact';
import { HeatLegend } from './Legend';
import { canvasToPngBlob, drawOverlay, slug } from './overlay-draw';
import { downloadBlob } from '../../state/download';
import { derive, itemRegions } from './results';
import { OverlayControls } from './OverlayControls';
import { useActiveThreshold, useInspectProfile, useVisibleItems } from './useInspect';
import { HOME, MAX_ZOOM, MIN_ZOOM, useStageView } from './useStageView';

const RENDER_SCALE = 3;

export function DetailView() {
  const detailId = useInspectStore((s) => s.detailId);
  const overlay = useInspectStore((s) => s.overlay);
  const list = useVisibleItems().filter((i) => i.status === 'done');
  const index = list.findIndex((i) => i.id === detailId);
  const item = index >= 0 ? list[index] : useInspectStore.getState().items.find((i) => i.id === detailId);
  const profile = useInspectProfile();
  const threshold = useActiveThreshold();
  const calibration = profile?.calibrationScores;
  const minArea = profile?.regions?.minArea ?? 0;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const teaching = useTeachStore((s) => s.status === 'teaching' || s.status === 'saving' || s.status === 'undoing');

  const go = useCallback(
    (delta: number) => {
      if (list.length === 0) return;
      openDetail(list[(Math.max(0, index) + delta + list.length) % list.length].id);
    },
    [list, index],
  );
  const stage = useStageView(go, detailId);
  const { view, setView, stageRef, zoomBy } = stage;
  const regions = useMemo(() => (item ? itemRegions(item, threshold, minArea) : []), [item, threshold, minArea]);

  useEffect(() => {
    if (canvasRef.current && item) drawOverlay(canvasRef.current, item, threshold, calibration ?? [], overlay, RENDER_SCALE, minArea);
  }, [item, threshold, calibration, overlay, minArea]);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => previous?.focus?.();
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' && (t as HTMLInputElement).type !== 'range' && (t as HTMLInputElement).type !== 'checkbox')) return;
      if (t?.tagName === 'SELECT' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) return;
      if (t?.tagName === 'INPUT' && (t as HTMLInputElement).type === 'range' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) return;
      switch (e.key) {
        case 'Escape':
          openDetail(null);
          break;
        case 'ArrowLeft':
          go(-1);
          break;
        case 'ArrowRight':
          go(1);
          break;
        case '+':
        case '=':
          zoomBy(1.25);
          break;
        case '-':
        case '_':
          zoomBy(1 / 1.25);
          break;
        case '0':
          setView(HOME);
          break;
        case 'h':
        case 'H':
          setOverlay({ show: !useInspectStore.getState().overlay.show });
          break;
        case 'c':
        case 'C':
          setOverlay({ contour: !useInspectStore.getState().overlay.contour });
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, zoomBy, setView]);

  if (!item || item.status !== 'done') return null;
  const d = derive(item.score!, threshold, calibration ?? []);
  const largest = regions[0];

  return (
    <div className="detail-backdrop" onClick={(e) => e.target === e.currentTarget && openDetail(null)}>
      <div className="detail" role="dialog" aria-modal="true" aria-labelledby="detail-title" data-testid="detail-view" data-name={item.name} data-verdict={d.verdict ?? ''}>
        <div className="detail-head">
          <h3 id="detail-title" title={item.name}>
            {item.name}
          </h3>
          <span className="muted small">{index >= 0 ? `${index + 1} of ${list.length}` : ''}</span>
          <button type="button" ref={closeRef} onClick={() => openDetail(null)} aria-label="Close (Esc)" data-testid="detail-close">
            Close ✕
          </button>
        </div>
        <div className="detail-body">
          <div className="detail-image">
            <div
              className="stage"
              ref={stageRef}
              {...stage.handlers}
              onDoubleClick={() => setView(view.zoom > 1 ? HOME : { ...view, zoom: 2.5 })}
              aria-label={`Anomaly heatmap of ${item.name}; drag to pan, wheel or pinch to zoom, swipe for the previous or next image`}
              role="img"
              data-testid="detail-stage"
            >
              <canvas ref={canvasRef} data-testid="overlay-canvas" data-regions={regions.length} style={{ transform: `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.zoom})` }} />
            </div>
            <div className="zoom-buttons" role="group" aria-label="Zoom">
              <button type="button" onClick={() => zoomBy(1 / 1.25)} aria-label="Zoom out (−)" disabled={view.zoom <= MIN_ZOOM}>
                −
              </button>
              <span className="small" aria-live="polite" data-testid="zoom-level">
                {Math.round(view.zoom * 100)}%
              </span>
              <button type="button" onClick={() => zoomBy(1.25)} aria-label="Zoom in (+)" disabled={view.zoom >= MAX_ZOOM}>
                +
              </button>
              <button type="button" onClick={() => setView(HOME)} aria-label="Fit image (0)" title="Show the whole image (key 0)" data-testid="zoom-fit">
                Fit
              </button>
            </div>
          </div>
          <div className="detail-side">
            <dl className={`score score-${d.verdict ?? 'none'}`}>
              <Fact term="Verdict" className="verdict" data-testid="detail-verdict">
                {d.verdict === 'fail' ? 'Fail (anomalous)' : d.verdict === 'pass' ? 'Pass (normal)' : 'No threshold'}
              </Fact>
              <Fact term="Normalised score">{d.normalized === null ? 'n/a' : d.normalized.toFixed(3)}</Fact>
              <Fact term="Raw score">{item.score!.toPrecision(6)}</Fact>
              <Fact term="Threshold">{threshold === null ? 'none' : threshold.toPrecision(6)}</Fact>
              <Fact term="Defect regions" data-testid="detail-regions" data-count={regions.length}>
                {threshold === null ? 'n/a' : regions.length === 0 ? 'none' : String(regions.length)}
              </Fact>
              <Fact term="Largest region" data-testid="detail-largest-region" data-percent={largest ? largest.areaPercent : ''}>
                {largest ? `${largest.areaPercent.toFixed(1)} % of the image` : '—'}
              </Fact>
              <Fact term="Image">
                {item.width}×{item.height}, shown as the model saw it ({item.mapSize}×{item.mapSize})
              </Fact>
            </dl>
            <button
              type="button"
              className="mark-good"
              disabled={teaching || !profile || !inspectedFile(item.id)}
              onClick={() => profile && void proposeTeach(profile.id, [inspectedFile(item.id)!], { source: 'inspect', names: [item.name] })}
              title="Teach the profile this image is a good part: its patches join the bank and the threshold is set again (shown before saving)"
              data-testid="mark-good"
            >
              Mark as good
            </button>
            <TeachPanel where="inspect" />
            <OverlayControls overlay={overlay} />
            <HeatLegend colourMap={overlay.colourMap} threshold={threshold} low={calibration?.length ? Math.min(...calibration) : null} />
            <div className="label-buttons" role="group" aria-label="Label this image">
              <button type="button" aria-pressed={item.label === 'good'} onClick={() => setLabel(item.id, item.label === 'good' ? null : 'good')}>
                Good
              </button>
              <button type="button" aria-pressed={item.label === 'defective'} onClick={() => setLabel(item.id, item.label === 'defective' ? null : 'defective')}>
                Defect
              </button>
            </div>
          </div>
        </div>
        <div className="detail-foot" data-testid="detail-foot">
          <button type="button" onClick={() => go(-1)} aria-label="Previous image (←)" data-testid="detail-prev">
            ← Previous
          </button>
          <button type="button" onClick={() => go(1)} aria-label="Next image (→)" data-testid="detail-next">
            Next →
          </button>
          <button
            type="button"
            data-testid="export-png"
            onClick={() => canvasRef.current && void canvasToPngBlob(canvasRef.current).then((b) => downloadBlob(b, `${slug(item.name)}-overlay.png`))}
          >
            Save overlay PNG
          </button>
        </div>
      </div>
    </div>
  );
}
