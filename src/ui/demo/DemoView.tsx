import { useEffect, useRef, useState } from 'react';
import type { Progress } from '../../engine/progress';
import { splitHoldout } from '../../engine/profile/holdout';
import { judge } from '../../engine/profile/verdict';
import { ensureLoaded, refreshProfiles, selectProfile } from '../../state/actions';
import { pushAlert, useAppStore } from '../../state/app-store';
import { engine, profileStore } from '../../state/services';
import type { DemoImageData, FrameScore } from '../../worker-bridge/protocol';
import { paintHeatmap, mapRect } from '../live/overlay';
import { ProgressBar } from '../shell/ProgressBar';
import { goTo } from '../shell/route';
import { DEMO_PROFILE_ID, DEMO_PROFILE_NAME, DEMO_SETTINGS, DEMO_TEST } from './demo-config';
import './demo.css';

interface DemoResult {
  image: DemoImageData;
  score: FrameScore;
  normalized: number | null;
  verdict: 'pass' | 'fail' | null;
}

type Phase = 'waiting' | 'building' | 'inspecting' | 'done' | 'error';

/** The demo profile: reused from storage when this version built it, built in the worker otherwise. */
async function demoProfile(onProgress: (p: Progress) => void, setPhase: (p: Phase) => void): Promise<{ reused: boolean }> {
  const store = profileStore();
  const existing = (await store.list()).find((p) => p.id === DEMO_PROFILE_ID);
  const fitCount = splitHoldout(Array.from({ length: DEMO_SETTINGS.trainCount }), DEMO_SETTINGS.holdout).fit.length;
  if (existing && existing.coreset.ratio === DEMO_SETTINGS.coresetRatio && existing.training.imageCount === fitCount && existing.appVersion.length > 0) {
    return { reused: true };
  }
  setPhase('building');
  const result = await engine().request('demo-build', { options: { name: DEMO_PROFILE_NAME, ...DEMO_SETTINGS } }, { onProgress });
  await store.save({ ...result.meta, id: DEMO_PROFILE_ID }, result.bank);
  return { reused: false };
}

function DemoCard({ r, threshold }: { r: DemoResult; threshold: number | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const { width, height } = r.image;
    c.width = width;
    c.height = height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(r.image.rgba), width, height), 0, 0);
    paintHeatmap(ctx, r.score.map, r.score.size, mapRect(0, 0, width, height), threshold ?? r.score.score);
  }, [r, threshold]);
  const word = r.verdict === 'fail' ? 'FAIL' : r.verdict === 'pass' ? 'PASS' : '—';
  return (
    <figure className={`demo-card demo-card-${r.verdict ?? 'none'}`} data-testid="demo-result" data-verdict={r.verdict ?? ''} data-defect={r.image.defect}>
      <canvas ref={ref} data-testid="demo-heatmap" aria-label={`${r.image.name} with its anomaly heatmap`} />
      <figcaption>
        <span className="demo-verdict">{word}</span>
        <span className="demo-score">{r.normalized !== null ? r.normalized.toFixed(2) : r.score.score.toFixed(3)}</span>
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
  const [phase, setPhase] = useState<Phase>('waiting');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [results, setResults] = useState<DemoResult[]>([]);
  const [total, setTotal] = useState(0);
  const [threshold, setThreshold] = useState<number | null>(null);
  const [firstHeatmapS, setFirstHeatmapS] = useState<number | null>(null);
  const [reused, setReused] = useState<boolean | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (!ready || started.current) return;
    started.current = true;
    void (async () => {
      try {
        const { reused } = await demoProfile(setProgress, setPhase);
        setReused(reused);
        setProgress(null);
        await refreshProfiles();
        selectProfile(DEMO_PROFILE_ID);
        const meta = useAppStore.getState().profiles.find((p) => p.id === DEMO_PROFILE_ID);
        if (!meta) throw new Error('the demo profile was not saved');
        const t = meta.threshold.value;
        setThreshold(t);
        setPhase('inspecting');
        const key = await ensureLoaded(DEMO_PROFILE_ID);
        const { images } = await engine().request('demo-render', { ...DEMO_TEST, size: DEMO_SETTINGS.size, seed: DEMO_SETTINGS.seed + 1 });
        // Defective parts first, alternating with good ones, so the first cards show both verdicts.
        const good = images.filter((i) => i.label === 0);
        const bad = images.filter((i) => i.label === 1);
        const order: DemoImageData[] = [];
        for (let i = 0; i < Math.max(good.length, bad.length); i++) {
          if (bad[i]) order.push(bad[i]);
          if (good[i]) order.push(good[i]);
        }
        setTotal(order.length);
        for (const image of order) {
          const data = image.rgba.slice(0);
          const score = await engine().request('score-frame', { key, frame: { kind: 'rgba', width: image.width, height: image.height, data } }, { transfer: [data] });
          setFirstHeatmapS((s) => s ?? performance.now() / 1000);
          setResults((rs) => [
            ...rs,
            { image, score, ...judge(score.score, t, meta.calibrationScores) },
          ]);
        }
        setPhase('done');
      } catch (e) {
        setPhase('error');
        setProblem((e as Error).message ?? String(e));
        pushAlert('error', `The demo failed: ${(e as Error).message}`);
      }
    })();
  }, [ready]);

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
          <DemoCard key={r.image.name} r={r} threshold={threshold} />
        ))}
      </div>
    </section>
  );
}
