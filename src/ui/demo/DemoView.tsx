import { useEffect, useRef, useState } from 'react';
import { startEngine } from '../../state/engine-actions';
import { DEMO_FIT } from '../../engine/demo/recipe';
import { DEMO_START, runDemo } from '../../state/demo-actions';
import type { DemoResult, DemoState } from '../../state/demo-actions';
import { useAppStore } from '../../state/app-store';
import { paintHeatmap, mapRect } from '../live/overlay';
import { bannerScore, verdictWord } from '../shell/format';
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

/**
 * `/#/demo`: a ready demo with no interaction, and the way to the normal flow. It runs once per opening, timed from
 * the view's mount (the route entered); on a first page load it also starts the engine, quickly (see startEngine).
 */
export function DemoView() {
  const engineFailed = useAppStore((s) => s.engineStatus === 'error');
  const [demo, setDemo] = useState<DemoState>(DEMO_START);
  const [openedAt] = useState(() => performance.now());
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    // Before the app's own start (a child's effects run first): the demo's first heatmap should not wait for
    // the backend calibration.
    void startEngine({ quick: true });
    void runDemo(setDemo, openedAt);
  }, [openedAt]);

  const { phase, results, total, firstHeatmapS, reused, problem, threshold, calibration } = demo;
  const caught = results.filter((r) => r.image.label === 1 && r.verdict === 'fail').length + results.filter((r) => r.image.label === 0 && r.verdict === 'pass').length;
  return (
    <section className="demo" data-testid="demo-view" data-phase={phase} data-first-heatmap-s={firstHeatmapS === null ? '' : firstHeatmapS.toFixed(2)} aria-labelledby="demo-title">
      <div className="card demo-intro">
        <h2 id="demo-title">Demo: machined flanges</h2>
        <p>
          The app learnt what a good steel flange looks like from {DEMO_FIT.trainCount} generated photos (PatchCore on a ResNet50; the profile ships with the app). Here it
          inspects new parts with scratches, cracks, stains, missing chunks and dents, in this tab. Red marks where it sees a defect. Nothing leaves your device.
        </p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => goTo('start')} data-testid="demo-own-images">
            Try with your own images
          </button>
          <button type="button" onClick={() => goTo('live')}>
            Point a camera at parts
          </button>
        </div>
        <p className="small muted" data-testid="demo-status">
          {engineFailed
            ? 'The engine could not start (see the message above).'
            : phase === 'waiting' || phase === 'loading'
              ? 'Starting the engine and loading the demo profile…'
              : phase === 'inspecting'
                ? `Inspecting test parts: ${results.length} of ${total || '…'}${reused ? ' (saved demo profile reused)' : ''}`
                : phase === 'done'
                  ? `${caught} of ${results.length} parts judged correctly${reused ? '; the saved demo profile was reused' : ''}. First heatmap ${firstHeatmapS?.toFixed(1)} s after opening the demo.`
                  : `The demo failed: ${problem}`}
        </p>
      </div>
      <div className="demo-grid" data-testid="demo-grid">
        {results.map((r) => (
          <DemoCard key={r.image.name} r={r} threshold={threshold} calibration={calibration} />
        ))}
      </div>
    </section>
  );
}
