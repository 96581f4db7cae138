import { scoreImage } from '../../state/actions';
import { selectedProfile, useAppStore } from '../../state/app-store';
import { Fact } from '../shell/Fact';
import { FileDrop } from '../shell/FileDrop';

/** Quick check: one image against the selected profile; raw score, normalised score and verdict. */
export function ScoreImage() {
  const selected = useAppStore(selectedProfile);
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
          <Fact term="Image">{result.fileName}</Fact>
          <Fact term="Raw score" data-testid="raw-score">
            {result.score.toFixed(4)}
          </Fact>
          <Fact term="Normalised" data-testid="normalized-score">
            {result.normalized === null ? 'n/a (no threshold)' : result.normalized.toFixed(3)}
          </Fact>
          <Fact term="Verdict" data-testid="verdict" className="verdict">
            {result.verdict === null ? 'no threshold' : result.verdict === 'fail' ? 'Anomalous' : 'Normal'}
          </Fact>
          <Fact term="Threshold">{result.threshold === null ? 'none' : result.threshold.toFixed(4)}</Fact>
          <Fact term="Backend">
            {result.backend}, {result.ms.toFixed(0)} ms
          </Fact>
        </dl>
      )}
    </section>
  );
}
