import type { Progress } from '../../engine/progress';
import { formatEta, stageLabel } from './format';

/** "3/20" for a count of things; "45 %" for a stage that reports a fraction (done and total not whole numbers). */
function countOf(progress: Progress): string {
  return Number.isInteger(progress.done) && Number.isInteger(progress.total) && progress.total > 1 ? `${progress.done}/${progress.total}` : `${Math.round(progress.fraction * 100)} %`;
}

/** A labelled progress bar for one stage of a long task, with its ETA. */
export function ProgressBar({ progress, label, testId }: { progress: Progress | null; label: string; testId?: string }) {
  const pct = progress ? Math.round(progress.fraction * 100) : 0;
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-text">
        <span>{progress ? `${stageLabel(progress.stage)} ${countOf(progress)}` : 'Starting…'}</span>
        <span data-testid={testId ? `${testId}-eta` : undefined}>{progress ? formatEta(progress.etaSeconds) : ''}</span>
      </div>
      <progress aria-label={label} max={100} value={pct} data-stage={progress?.stage ?? ''}>
        {pct}%
      </progress>
    </div>
  );
}
