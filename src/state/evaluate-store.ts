/**
 * The Evaluate view's state (zustand, its own store): the labelled folder as read (MVTec AD layout; files that are
 * not usable images left out, named), the run's progress, the last result (metrics and per-image raw scores; no
 * maps), the latest result of every profile evaluated on a folder this session, shown side by side (e.g. before and
 * after fine-tuning), and the one image opened from the table (scored again on its own, for its heatmap). Results
 * live only in this tab until exported (`unexported`).
 */
import { create } from 'zustand';
import type { Progress } from '../engine/progress';
import type { Layout } from '../engine/data/mvtec-layout';
import type { EvaluateResult, ScoreResult } from '../worker-bridge/protocol';

export interface EvaluationRun extends EvaluateResult {
  profileId: string;
  profileName: string;
  /** The backbone the profile was built on (its label), for the side-by-side table. */
  backboneLabel: string;
  /** The profile's threshold when it was evaluated (the views use its current one while it exists). */
  threshold: number | null;
  dataset: string;
  /** Identifies the labelled folder: its name and image count. */
  datasetKey: string;
  at: string;
}

/** An image of the result opened from the table: scored again through 'score' for its map and patch scores. */
export interface EvaluationDetail {
  name: string;
  status: 'scoring' | 'done' | 'error';
  result?: ScoreResult;
  error?: string;
}

interface EvaluateState {
  /** The folder as read; the files themselves are kept in evaluate-actions.ts. */
  layout: Layout<File> | null;
  running: boolean;
  progress: Progress | null;
  startedAt: number | null;
  result: EvaluationRun | null;
  /** The latest run of each profile, in the order first evaluated. */
  runs: EvaluationRun[];
  error: string | null;
  /** The folder's files are being checked (read) after a drop or a choice. */
  reading: boolean;
  detail: EvaluationDetail | null;
  /** The last result was not exported since it came (a reload would lose it: the page warns before unloading). */
  unexported: boolean;
}

export const useEvaluateStore = create<EvaluateState>()(() => ({
  layout: null,
  running: false,
  progress: null,
  startedAt: null,
  result: null,
  runs: [],
  error: null,
  reading: false,
  detail: null,
  unexported: false,
}));

/** The runs to show side by side with `result`: each profile's latest run on the same folder, `result`'s included. */
export function comparableRuns(result: EvaluationRun | null, runs: readonly EvaluationRun[]): EvaluationRun[] {
  if (!result) return [];
  return runs.filter((r) => r.datasetKey === result.datasetKey);
}

/** `runs` with `run` in it: replaces that profile's earlier run on the same folder, else appends. */
export function withRun(runs: readonly EvaluationRun[], run: EvaluationRun): EvaluationRun[] {
  const i = runs.findIndex((r) => r.profileId === run.profileId && r.datasetKey === run.datasetKey);
  return i === -1 ? [...runs, run] : runs.map((r, j) => (j === i ? run : r));
}
