import { useCallback, useEffect, useRef, useState } from 'react';
import { inspectedFile, openDetail, setLabel, setOverlay } from '../../state/inspect-actions';
import { proposeTeach } from '../../state/teach-actions';
import { useTeachStore } from '../../state/teach-store';
import { TeachPanel } from '../teach/TeachPanel';
import { useInspectStore } from '../../state/inspect-store';
import { COLOUR_MAPS } from './colormap';
import type { ColourMapName } from '../../state/inspect-store';
import { Fact } from '../shell/Fact';
import { HeatLegend } from './Legend';
import { canvasToPngBlob, drawOverlay, slug } from './overlay-draw';
import { downloadBlob } from '../../state/download';
import { derive } from './results';
import { useActiveThreshold, useInspectProfile, useVisibleItems } from './useInspect';

const RENDER_SCALE = 3;
const MIN_ZOOM = 1;
const MAX_ZOOM = 8;

interface View {
  zoom: number;
  x: number;
  y: number;
}
const HOME: View = { zoom: 1, x: 0, y: 0 };

function clampView(v: View): View {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom));
  // Keep the image covering the viewport: pan limited to what zoom adds.
  const lim = (zoom - 1) / 2;
  return { zoom, x: Math.min(lim, Math.max(-lim, v.x)), y: Math.min(lim, Math.max(-lim, v.y)) };
}

/** One image large: heatmap overlay with its settings, zoom and pan, keyboard navigation, PNG export, Mark as good. */
export function DetailView() {
  const detailId = useInspectStore((s) => s.detailId);
  const overlay = useInspectStore((s) => s.overlay);
  const list = useVisibleItems().filter((i) => i.status === 'done');
  const index = list.findIndex((i) => i.id === detailId);
  const item = index >= 0 ? list[index] : useInspectStore.getState().items.find((i) => i.id === detailId);
  const profile = useInspectProfile();
  const threshold = useActiveThreshold();
  const calibration = profile?.calibrationScores;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [view, setView] = useState<View>(HOME);
  const teaching = useTeachStore((s) => s.status === 'teaching' || s.status === 'saving' || s.status === 'undoing');
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const pinch = useRef<{ dist: number; zoom: number } | null>(null);

  const go = useCallback(
    (delta: number) => {
      if (list.length === 0) return;
      const next = list[(Math.max(0, index) + delta + list.length) % list.length];
      setView(HOME);
      openDetail(next.id);
    },
    [list, index],
  );
  const zoomBy = useCallback((f: number) => setView((v) => clampView({ ...v, zoom: v.zoom * f })), []);

  useEffect(() => {
    if (canvasRef.current && item) drawOverlay(canvasRef.current, item, threshold, calibration ?? [], overlay, RENDER_SCALE);
  }, [item, threshold, calibration, overlay]);

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
  }, [go, zoomBy]);

  // Wheel zoom around the pointer; non-passive so the page does not scroll.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = stage.getBoundingClientRect();
      const px = (e.clientX - r.left) / r.width - 0.5;
      const py = (e.clientY - r.top) / r.height - 0.5;
      const f = Math.exp(-e.deltaY * 0.0015);
      setView((v) => {
        const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * f));
        const k = zoom / v.zoom;
        // Keep the image point under the pointer in place.
        return clampView({ zoom, x: px - (px - v.x) * k, y: py - (py - v.y) * k });
      });
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, []);

  if (!item || item.status !== 'done') return null;
  const d = derive(item.score!, threshold, calibration ?? []);
  const onPointerDown = (e: React.PointerEvent) => {
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()];
      pinch.current = { dist: Math.hypot(a.x - b.x, a.y - b.y), zoom: view.zoom };
    }
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const prev = pointers.current.get(e.pointerId);
    if (!prev) return;
    const now = { x: e.clientX, y: e.clientY };
    pointers.current.set(e.pointerId, now);
    if (pointers.current.size === 2 && pinch.current) {
      const [a, b] = [...pointers.current.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y);
      const z = pinch.current.zoom * (dist / Math.max(1, pinch.current.dist));
      setView((v) => clampView({ ...v, zoom: z }));
    } else if (pointers.current.size === 1) {
      const size = stageRef.current?.getBoundingClientRect().width || 1;
      setView((v) => clampView({ ...v, x: v.x + (now.x - prev.x) / size, y: v.y + (now.y - prev.y) / size }));
    }
  };
  const onPointerUp = (e: React.PointerEvent) => {
    pointers.current.delete(e.pointerId);
    if (pointers.current.size < 2) pinch.current = null;
  };

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
              onPointerDown={onPointerDown}
              onPointerMove={onPointerMove}
              onPointerUp={onPointerUp}
              onPointerCancel={onPointerUp}
              onDoubleClick={() => setView(view.zoom > 1 ? HOME : clampView({ ...view, zoom: 2.5 }))}
              aria-label={`Anomaly heatmap of ${item.name}; drag to pan, wheel or pinch to zoom`}
              role="img"
            >
              <canvas ref={canvasRef} data-testid="overlay-canvas" style={{ transform: `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.zoom})` }} />
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
              <button type="button" onClick={() => setView(HOME)} aria-label="Reset zoom (0)">
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
            <fieldset className="overlay-controls">
              <legend>Heatmap</legend>
              <label className="check">
                <input type="checkbox" checked={overlay.show} onChange={(e) => setOverlay({ show: e.target.checked })} data-testid="overlay-toggle" />
                Show heatmap (H)
              </label>
              <label className="check">
                <input type="checkbox" checked={overlay.contour} onChange={(e) => setOverlay({ contour: e.target.checked })} data-testid="contour-toggle" />
                Outline above threshold (C)
              </label>
              <label>
                Opacity {Math.round(overlay.opacity * 100)}%
                <input type="range" min={0} max={1} step={0.05} value={overlay.opacity} onChange={(e) => setOverlay({ opacity: Number(e.target.value) })} aria-label="Heatmap opacity" data-testid="overlay-opacity" />
              </label>
              <label>
                Colour map
                <select value={overlay.colourMap} onChange={(e) => setOverlay({ colourMap: e.target.value as ColourMapName })} data-testid="overlay-colourmap">
                  {COLOUR_MAPS.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </label>
            </fieldset>
            <HeatLegend colourMap={overlay.colourMap} threshold={threshold} low={calibration?.length ? Math.min(...calibration) : null} />
            <div className="label-buttons" role="group" aria-label="Label this image">
              <button type="button" aria-pressed={item.label === 'good'} onClick={() => setLabel(item.id, item.label === 'good' ? null : 'good')}>
                Good
              </button>
              <button type="button" aria-pressed={item.label === 'defective'} onClick={() => setLabel(item.id, item.label === 'defective' ? null : 'defective')}>
                Defect
              </button>
            </div>
            <div className="actions">
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
      </div>
    </div>
  );
}
