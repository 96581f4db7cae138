/** The app's state (zustand). Actions that talk to the worker and to storage live in ./actions.ts. */
import { create } from 'zustand';
import type { SkippedImage } from '../engine/patchcore/memory-bank';
import type { Progress } from '../engine/progress';
import type { ProfileMeta } from '../engine/profile/profile';
import type { Verdict } from '../engine/profile/verdict';
import type { BackendChoice, BackendInfo, BenchReport } from '../worker-bridge/protocol';

/** The backend names and types the views show, from the engine's protocol. */
export { BACKEND_LABELS, BACKEND_NAMES } from '../worker-bridge/protocol';
export type { BackendChoice, BenchReport };

interface Alert {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

interface ScoreView {
  profileId: string;
  fileName: string;
  score: number;
  /** 0.5 at the threshold; null when the profile has no threshold. */
  normalized: number | null;
  verdict: Verdict | null;
  threshold: number | null;
  backend: string;
  ms: number;
}

export interface TaskState {
  running: boolean;
  progress: Progress | null;
  startedAt: number | null;
}

export interface AppState {
  engineStatus: 'starting' | 'ready' | 'switching' | 'error';
  engineProgress: Progress | null;
  engineError: string | null;
  backend: BackendInfo | null;
  backendChoice: BackendChoice;
  profiles: ProfileMeta[];
  profilesLoaded: boolean;
  selectedId: string | null;
  persistent: boolean | null;
  /** `resultAt`: performance.now() when the worker's last build result reached the page. */
  build: TaskState & { skipped: SkippedImage[]; lastSeconds: number | null; resultAt: number | null };
  scoring: TaskState & { result: ScoreView | null };
  bench: TaskState & { reports: BenchReport[] };
  alerts: Alert[];
}

const idle: TaskState = { running: false, progress: null, startedAt: null };

export const useAppStore = create<AppState>()(() => ({
  engineStatus: 'starting',
  engineProgress: null,
  engineError: null,
  backend: null,
  backendChoice: 'auto',
  profiles: [],
  profilesLoaded: false,
  selectedId: null,
  persistent: null,
  build: { ...idle, skipped: [], lastSeconds: null, resultAt: null },
  scoring: { ...idle, result: null },
  bench: { ...idle, reports: [] },
  alerts: [],
}));

/** The profile chosen in the views (null before profiles are read, or when there are none). */
export function selectedProfile(s: AppState): ProfileMeta | null {
  return s.profiles.find((p) => p.id === s.selectedId) ?? null;
}

let alertId = 0;

/** At most this many alerts are shown; notices (info) leave by themselves after INFO_ALERT_MS, errors stay until dismissed. */
export const MAX_ALERTS = 3;
export const INFO_ALERT_MS = 6000;

/** `alerts` cut to MAX_ALERTS: the oldest notice goes first, else the oldest error (the newest alert always stays). */
function capped(alerts: Alert[]): Alert[] {
  const out = [...alerts];
  while (out.length > MAX_ALERTS) {
    const info = out.findIndex((a, i) => a.kind === 'info' && i < out.length - 1);
    out.splice(info >= 0 ? info : 0, 1);
  }
  return out;
}

/** Shows an alert (the same text shown again moves to the end instead of piling up); a notice dismisses itself. */
export function pushAlert(kind: Alert['kind'], text: string): void {
  const id = ++alertId;
  useAppStore.setState((s) => ({ alerts: capped([...s.alerts.filter((a) => !(a.kind === kind && a.text === text)), { id, kind, text }]) }));
  if (kind === 'info') setTimeout(() => dismissAlert(id), INFO_ALERT_MS);
}

export function dismissAlert(id: number): void {
  useAppStore.setState((s) => ({ alerts: s.alerts.filter((a) => a.id !== id) }));
}
