import { useEffect, useRef, useState } from 'react';
import { DEMO_SETTINGS } from '../../state/demo-config';
import { DEMO_START, runDemo } from '../../state/demo-actions';
import type { DemoResult, DemoState } from '../../state/demo-actions';
import { useAppStore } from '../../state/app-store';
import { paintHeatmap, mapRect } from '../live/overlay';
import { bannerScore, verdictWord } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';
import { goTo } from '../shell/route';
import './demo.css';

function DemoCard({ r, threshold, calibration }: { r: DemoResult; threshold: number | null; calibration: readonly number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const { width, height } = r.image;
    c.width = width;
    c.height = height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(r.image.rgba), width, height), 0, 0);
    paintHeatmap(ctx, r.score.map, r.score.size, mapRect(0, 0, width, height), threshold ?? r.score.score, threshold === null ? [] : calibration);
  }, [r, threshold, calibration]);
  const word = verdictWord(r.verdict, '—');
  return (
    <figure className={`demo-card demo-card-${r.verdict ?? 'none'}`} data-testid="demo-result" data-verdict={r.verdict ?? ''} data-defect={r.image.defect}>
      <canvas ref={ref} data-testid="demo-heatmap" aria-label={`${r.image.name} with its anomaly heatmap`} />
      <figcaption>
        <span className="demo-verdict">{word}</span>
        <span className="demo-score">{bannerScore({ score: r.score.score, normalized: r.normalized })}</span>
        <span className="small muted">
          {r.image.defect === 'good' ? 'good part' : r.image.defect} · {r.image.name.replace(/^test\//, '')}
        </span>
      </figcaption>
    </figure>
  );
}

/** `/#/demo`: a ready demo with no interaction, and the way to the normal flow. */
export function DemoView() {
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const engineFailed = useAppStore((s) => s.engineStatus === 'error');
  const [demo, setDemo] = useState<DemoState>(DEMO_START);
  const started = useRef(false);

  useEffect(() => {
    if (!ready || started.current) return;
    started.current = true;
    void runDemo(setDemo);
  }, [ready]);

  const { phase, progress, results, total, threshold, calibration, firstHeatmapS, reused, problem } = demo;
  const caught = results.filter((r) => r.image.label === 1 && r.verdict === 'fail').length + results.filter((r) => r.image.label === 0 && r.verdict === 'pass').length;
  return (
    <section className="demo" data-testid="demo-view" data-phase={phase} data-first-heatmap-s={firstHeatmapS === null ? '' : firstHeatmapS.toFixed(2)} aria-labelledby="demo-title">
      <div className="card demo-intro">
        <h2 id="demo-title">Demo: machined flanges</h2>
        <p>
          The app generates {DEMO_SETTINGS.trainCount} photos of good steel flanges, learns what normal looks like (PatchCore on a ResNet50, in this tab), then inspects new parts
          with scratches, cracks, stains, missing chunks and dents. Red marks where it sees a defect. Nothing leaves your device.
        </p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => goTo('home')} data-testid="demo-own-images">
            Try with your own images
          </button>
          <button type="button" onClick={() => goTo('live')}>
            Point a camera at parts
          </button>
        </div>
        <p className="small muted" data-testid="demo-status">
          {engineFailed
            ? 'The engine could not start (see the message above).'
            : phase === 'waiting'
              ? 'Starting the engine (loading the model)…'
              : phase === 'building'
                ? 'Learning the good parts (first visit only; the profile is saved for next time)…'
                : phase === 'inspecting'
                  ? `Inspecting test parts: ${results.length} of ${total || '…'}${reused ? ' (saved demo profile reused)' : ''}`
                  : phase === 'done'
                    ? `${caught} of ${results.length} parts judged correctly${reused ? '; the saved demo profile was reused' : ''}. First heatmap after ${firstHeatmapS?.toFixed(1)} s.`
                    : `The demo failed: ${problem}`}
        </p>
        {phase === 'building' && <ProgressBar progress={progress} label="Demo profile progress" testId="demo-progress" />}
      </div>
      <div className="demo-grid" data-testid="demo-grid">
        {results.map((r) => (
          <DemoCard key={r.image.name} r={r} threshold={threshold} calibration={calibration} />
        ))}
      </div>
    </section>
  );
}
