import { scoreImage } from '../../state/actions';
import { useAppStore } from '../../state/app-store';
import { FileDrop } from '../shell/FileDrop';

/** Quick check: one image against the selected profile; raw score, normalised score and verdict. */
export function ScoreImage() {
  const selected = useAppStore((s) => s.profiles.find((p) => p.id === s.selectedId) ?? null);
  const scoring = useAppStore((s) => s.scoring);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const result = scoring.result && scoring.result.profileId === selected?.id ? scoring.result : null;
  return (
    <section className="card" aria-labelledby="score-title">
      <h2 id="score-title">Score an image</h2>
      <p className="small muted">{selected ? `Against "${selected.name}".` : 'Select a profile first.'}</p>
      <FileDrop label="Image to score" accept="image/*" disabled={!selected || !ready || scoring.running} onFiles={(f) => void scoreImage(f[0])} testId="score-input" />
      {scoring.running && <p className="muted" data-testid="score-running">Scoring…</p>}
      {result && (
        <dl className={`score score-${result.verdict ?? 'none'}`} data-testid="score-result" data-raw-score={String(result.score)} data-verdict={result.verdict ?? ''} data-backend={result.backend}>
          <div>
            <dt>Image</dt>
            <dd>{result.fileName}</dd>
          </div>
          <div>
            <dt>Raw score</dt>
            <dd data-testid="raw-score">{result.score.toFixed(4)}</dd>
          </div>
          <div>
            <dt>Normalised</dt>
            <dd data-testid="normalized-score">{result.normalized === null ? 'n/a (no threshold)' : result.normalized.toFixed(3)}</dd>
          </div>
          <div>
            <dt>Verdict</dt>
            <dd data-testid="verdict" className="verdict">
              {result.verdict === null ? 'no threshold' : result.verdict === 'fail' ? 'Anomalous' : 'Normal'}
            </dd>
          </div>
          <div>
            <dt>Threshold</dt>
            <dd>{result.threshold === null ? 'none' : result.threshold.toFixed(4)}</dd>
          </div>
          <div>
            <dt>Backend</dt>
            <dd>
              {result.backend}, {result.ms.toFixed(0)} ms
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
