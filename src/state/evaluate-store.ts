/**
 * The Evaluate view's state (zustand, its own store): the labelled folder as read (MVTec AD layout),
 * the run's progress, and the last result (metrics and per-image raw scores; no maps).
 */
import { create } from 'zustand';
import type { Progress } from '../engine/progress';
import type { Layout } from '../ui/evaluate/layout';
import type { EvaluateResult } from '../../workers/protocol';

export interface EvaluationRun extends EvaluateResult {
  profileId: string;
  profileName: string;
  dataset: string;
  at: string;
}

export interface EvaluateState {
  /** The folder as read; the files themselves are kept in evaluate-actions.ts. */
  layout: Layout<File> | null;
  running: boolean;
  progress: Progress | null;
  startedAt: number | null;
  result: EvaluationRun | null;
  error: string | null;
}

export const useEvaluateStore = create<EvaluateState>()(() => ({
  layout: null,
  running: false,
  progress: null,
  startedAt: null,
  result: null,
  error: null,
}));
