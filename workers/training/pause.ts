/**
 * The one training run in progress, as the worker tracks it: its pause gate (which tells the page when the trainer
 * really waits at it, and when it goes on) and when it has really stopped. 'train-pause' / 'train-resume' are
 * answered from here at once; a new run waits until the previous one has finished its last micro-batch.
 */
import { PauseGate } from '../../src/engine/tocoad/trainer';

/** A pause gate that tells the page when the trainer really waits at it (and when it goes on). */
export class ReportingGate extends PauseGate {
  constructor(private readonly report: (state: 'paused' | 'running') => void) {
    super();
  }

  override wait(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    this.report('paused');
    return super.wait().then(() => this.report('running'));
  }
}

/** The run in progress: its gate, and when it has really stopped (a cancelled run finishes its micro-batch first). */
let active: { gate: ReportingGate; done: Promise<unknown> } | null = null;

/** Marks the run in progress (null when it has ended). */
export function setActiveRun(run: { gate: ReportingGate; done: Promise<unknown> } | null): void {
  active = run;
}

/** Resolves once no run is in progress (however the earlier one ends). */
export async function untilIdle(): Promise<void> {
  while (active) await active.done.catch(() => undefined);
}

/** 'train-pause' / 'train-resume': answered at once; false when no training runs. */
export function setTrainingPaused(paused: boolean): { training: boolean } {
  if (!active) return { training: false };
  if (paused) active.gate.pause();
  else active.gate.resume();
  return { training: true };
}
