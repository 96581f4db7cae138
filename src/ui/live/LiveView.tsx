import { useCallback, useEffect, useRef, useState } from 'react';
import { useAppStore } from '../../state/app-store';
import { chooseLiveProfile, frameLostToReload, liveSession, useLiveProfile } from '../../state/live-actions';
import type { LiveFrame } from '../../state/live-actions';
import { Fact } from '../shell/Fact';
import { bannerScore, verdictWord } from '../shell/format';
import { goTo } from '../shell/route';
import { cameraError, listCameras, openCamera, stopStream } from './camera';
import type { CameraDevice } from './camera';
import { FpsMeter } from './fps-meter';
import { FrameScheduler } from './frame-scheduler';
import { downloadSnapshot, drawLiveOverlay, frameToPngFile } from './live-canvas';
import { proposeTeach } from '../../state/teach-actions';
import { TeachPanel } from '../teach/TeachPanel';
import { LiveDeviceControls } from './LiveDeviceControls';
import { useFullscreen, useWakeLock } from './screen';
import { secondEngineHelpsHere, startSecondEngine, useSecondEngine } from '../../state/second-engine';
import './live.css';

/** Frames go to the model at 256 x 256: it resizes to that size anyway (aspect ignored), and it keeps transfers small. */
const FRAME_SIZE = 256;

interface LiveStats {
  fps: number;
  latency: number | null;
  frames: number;
  dropped: number;
  /** Engine workers scoring frames. */
  workers: number;
}

/** User Timing entries kept at most (a long session clears them rather than growing without end). */
const FRAME_MEASURES_KEPT = 2000;
let frameMeasures = 0;

/**
 * Records a scored frame, from grab to result, as a `live-frame` performance measure: visible in the browser's
 * performance tools and read by `scripts/bench-browser.mjs --live` for FPS and latency percentiles.
 */
function markFrame(grabbedAt: number, doneAt: number): void {
  if (++frameMeasures > FRAME_MEASURES_KEPT) {
    performance.clearMeasures('live-frame');
    frameMeasures = 1;
  }
  performance.measure('live-frame', { start: grabbedAt, end: doneAt });
}

/** True while the tab is visible. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => !document.hidden);
  useEffect(() => {
    const on = () => setVisible(!document.hidden);
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

/**
 * Live inspection: the camera's frames scored as fast as the backend allows, one in flight at a
 * time (frames that arrive meanwhile are not grabbed), the heatmap over the video, a verdict banner
 * readable from a distance, FPS and latency, freeze and snapshot. The camera stops when the view is
 * left or the tab is hidden, and starts again when the tab comes back.
 */
export function LiveView() {
  const profiles = useAppStore((s) => s.profiles);
  // Its own choice, defaulting to the profile selected in the other views (see useLiveProfile).
  const profile = useLiveProfile();
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const visible = usePageVisible();
  const [cameraId, setCameraId] = useState<string | null>(null);
  const [cameras, setCameras] = useState<CameraDevice[]>([]);
  const [camera, setCamera] = useState<'off' | 'on' | 'error'>('off');
  const [camProblem, setCamProblem] = useState<string | null>(null);
  const [frozen, setFrozen] = useState(false);
  const [aspect, setAspect] = useState<number | null>(null);
  const [result, setResult] = useState<LiveFrame | null>(null);
  const [stats, setStats] = useState<LiveStats>({ fps: 0, latency: null, frames: 0, dropped: 0, workers: 1 });
  const backendName = useAppStore((s) => s.backend?.name);
  const helper = useSecondEngine();
  const [scoreProblem, setScoreProblem] = useState<string | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const resultRef = useRef<LiveFrame | null>(null);
  const mainRef = useRef<HTMLDivElement>(null);
  const [track, setTrack] = useState<MediaStreamTrack | null>(null);
  const fullscreen = useFullscreen(useCallback(() => mainRef.current, []));
  const wake = useWakeLock(camera === 'on' && profile !== null);

  // The camera: on while the view is shown and the tab visible.
  useEffect(() => {
    if (!visible) return;
    let stream: MediaStream | null = null;
    let cancelled = false;
    const video = videoRef.current!;
    openCamera(cameraId)
      .then(async (s) => {
        if (cancelled) return stopStream(s);
        stream = s;
        video.srcObject = s;
        await video.play().catch(() => undefined);
        setCamera('on');
        setTrack(s.getVideoTracks()[0] ?? null);
        setCamProblem(null);
        setCameras(await listCameras().catch(() => []));
      })
      .catch((e) => {
        if (cancelled) return;
        setCamera('error');
        setCamProblem(cameraError(e));
      });
    return () => {
      cancelled = true;
      stopStream(stream);
      video.srcObject = null;
      setCamera('off');
      setTrack(null);
      setFrozen(false);
    };
  }, [cameraId, visible]);

  // A second engine worker while the view has a profile to judge with, where it adds speed (see second-engine.ts).
  const hasProfile = profile !== null;
  useEffect(() => {
    if (!ready || !visible || !hasProfile || !secondEngineHelpsHere(backendName)) return;
    return startSecondEngine(backendName);
  }, [ready, visible, hasProfile, backendName]);

  // The scoring loop: a frame in flight per engine worker, the newest frame whenever one is free.
  const profileKey = profile ? `${profile.id}|${profile.updatedAt}` : null;
  useEffect(() => {
    if (!profile || !ready || camera !== 'on' || frozen) return;
    const meta = profile;
    const session = liveSession(meta, helper);
    const meter = new FpsMeter(3000);
    let raf = 0;
    // With two workers a frame can finish after a newer one: it is not shown.
    let shownFrom = -Infinity;
    const scheduler = new FrameScheduler<number, LiveFrame>(
      () => {
        const video = videoRef.current!;
        return session.score(() => createImageBitmap(video, { resizeWidth: FRAME_SIZE, resizeHeight: FRAME_SIZE, resizeQuality: 'medium' }));
      },
      (r, t0) => {
        if (t0 < shownFrom) return;
        shownFrom = t0;
        const now = performance.now();
        meter.tick(now, now - t0);
        markFrame(t0, now);
        resultRef.current = r;
        setResult(r);
        setScoreProblem(null);
        if (overlayRef.current && videoRef.current) drawLiveOverlay(overlayRef.current, videoRef.current, r, meta);
        setStats({ fps: meter.fps(now), latency: meter.latency(now), frames: scheduler.stats.completed, dropped: scheduler.stats.dropped, workers: session.lanes });
      },
      (e) => {
        if (!frameLostToReload(e)) setScoreProblem((e as Error).message ?? String(e));
      },
      undefined,
      session.lanes,
    );
    const loop = () => {
      raf = requestAnimationFrame(loop);
      const video = videoRef.current;
      if (!video || video.readyState < 2 || !video.videoWidth) return;
      // Skip the grab itself while busy: the frame is simply not taken (counted as dropped).
      if (scheduler.idle) scheduler.offer(performance.now());
      else scheduler.stats.dropped++;
    };
    raf = requestAnimationFrame(loop);
    const tick = setInterval(() => {
      const now = performance.now();
      setStats({ fps: meter.fps(now), latency: meter.latency(now), frames: scheduler.stats.completed, dropped: scheduler.stats.dropped, workers: session.lanes });
    }, 500);
    return () => {
      scheduler.stop();
      cancelAnimationFrame(raf);
      clearInterval(tick);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- profileKey stands for the profile's revision
  }, [profileKey, ready, camera, frozen, helper]);

  const toggleFreeze = () => {
    const video = videoRef.current;
    if (!video) return;
    if (frozen) void video.play();
    else video.pause();
    setFrozen(!frozen);
  };

  const verdictClass = result?.verdict ?? 'none';
  return (
    <section className="live" data-testid="live-view" aria-labelledby="live-title">
      <div className="live-controls card">
        <h2 id="live-title">Live camera</h2>
        <label>
          Judge with profile
          <select value={profile?.id ?? ''} onChange={(e) => chooseLiveProfile(e.target.value)} data-testid="live-profile" data-profile-name={profile?.name ?? ''} disabled={profiles.length === 0}>
            {profiles.length === 0 && <option value="">No profiles yet</option>}
            {profiles.length > 0 && !profile && <option value="">Choose a profile…</option>}
            {profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Camera
          <select value={cameraId ?? ''} onChange={(e) => setCameraId(e.target.value || null)} data-testid="live-camera">
            <option value="">Rear camera (default)</option>
            {cameras.map((c) => (
              <option key={c.deviceId} value={c.deviceId}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button type="button" onClick={toggleFreeze} disabled={camera !== 'on'} data-testid="live-freeze" aria-pressed={frozen}>
            {frozen ? 'Resume' : 'Freeze'}
          </button>
          <button
            type="button"
            onClick={() => videoRef.current && overlayRef.current && downloadSnapshot(videoRef.current, overlayRef.current, resultRef.current)}
            disabled={camera !== 'on'}
            data-testid="live-snapshot"
          >
            Snapshot (PNG)
          </button>
          {frozen && profile && (
            <button
              type="button"
              className="mark-good"
              onClick={() => videoRef.current && void frameToPngFile(videoRef.current).then((f) => proposeTeach(profile.id, [f], { source: 'live' }), (e: Error) => setScoreProblem(e.message))}
              title="Teach the profile this frozen frame is a good part (shown before saving)"
              data-testid="mark-good"
            >
              Mark as good
            </button>
          )}
        </div>
        <LiveDeviceControls track={track} fullscreen={fullscreen} wake={wake} />
        <TeachPanel where="live" />
        <dl className="live-stats small">
          <Fact term="FPS" data-testid="live-fps" data-fps={stats.fps.toFixed(2)}>
            {stats.fps.toFixed(1)}
          </Fact>
          <Fact term="Latency" data-testid="live-latency">
            {stats.latency === null ? '–' : `${stats.latency.toFixed(0)} ms`}
          </Fact>
          <Fact term="Frames scored" data-testid="live-frames">
            {stats.frames}
          </Fact>
          <Fact term="Frames skipped">{stats.dropped}</Fact>
          <Fact term="Engine workers" data-testid="live-workers" data-workers={stats.workers}>
            {stats.workers}
          </Fact>
        </dl>
        {!profile && (
          <p className="muted" data-testid="live-no-profile">
            {profiles.length > 0 ? 'Choose the profile to judge with, build or import one, or ' : 'Build or import a profile first, or '}
            <button type="button" className="link" onClick={() => goTo('demo')}>
              open the demo
            </button>{' '}
            (its profile is then in the list).
          </p>
        )}
        {!ready && <p className="muted">Waiting for the engine…</p>}
        {camProblem && (
          <p className="error-text" data-testid="live-camera-error">
            Camera: {camProblem}
          </p>
        )}
        {scoreProblem && <p className="error-text">Scoring: {scoreProblem}</p>}
      </div>
      <div className={`live-main${fullscreen.on ? ' live-main-fullscreen' : ''}`} ref={mainRef} data-testid="live-main">
        <div className={`live-banner live-banner-${verdictClass}`} data-testid="live-verdict" data-verdict={result?.verdict ?? ''} role="status" aria-live="polite">
          <span className="verdict-word">{result ? verdictWord(result.verdict, 'NO THRESHOLD') : camera === 'on' ? 'Scoring…' : 'Camera off'}</span>
          {result && <span className="verdict-score">{bannerScore(result)}</span>}
          {frozen && <span className="verdict-frozen">frozen</span>}
          {fullscreen.on && (
            <button type="button" className="live-exit-fullscreen" onClick={fullscreen.toggle} data-testid="live-exit-fullscreen">
              Exit full screen
            </button>
          )}
        </div>
        {/* At most the viewport's height less the banner (and header), keeping the video's aspect ratio. */}
        <div className="live-stage" style={aspect ? { maxWidth: `calc((100vh - ${fullscreen.on ? '34vh' : '320px'}) * ${aspect.toFixed(4)})`, minWidth: 'min(100%, 320px)' } : undefined}>
          <video ref={videoRef} muted playsInline data-testid="live-video" onLoadedMetadata={(e) => setAspect(e.currentTarget.videoWidth / (e.currentTarget.videoHeight || 1))} />
          <canvas ref={overlayRef} className="live-overlay" data-testid="live-overlay" />
          {camera !== 'on' && <div className="live-placeholder">{camera === 'error' ? 'No camera' : visible ? 'Starting the camera…' : 'Camera off (tab hidden)'}</div>}
        </div>
        {result && (
          <p className="small muted">
            Raw score {result.score.toFixed(4)}
            {profile?.threshold.value != null ? `, threshold ${profile.threshold.value.toFixed(4)}` : ''}; model time {result.ms.toFixed(0)} ms.
          </p>
        )}
      </div>
    </section>
  );
}
