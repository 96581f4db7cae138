/**
 * The Evaluate view's per-image table: each image's folder, label, raw score and verdict under the profile's
 * threshold (current: it follows teaching), sorted by folder or by score, with "Mark as good" on each row to teach
 * the evaluated profile that image (its file is the one in the folder read); the Teach panel shows above the table.
 * A row's image opens in a dialog with its heatmap and mask; the table exports as CSV or JSON (one file a click).
 */
import { useMemo, useState } from 'react';
import { verdictFor } from '../../engine/profile/verdict';
import { useAppStore } from '../../state/app-store';
import type { EvaluationRun } from '../../state/evaluate-store';
import { useEvaluateStore } from '../../state/evaluate-store';
import { proposeTeach } from '../../state/teach-actions';
import { useTeachStore } from '../../state/teach-store';
import { TeachPanel } from '../teach/TeachPanel';
import { openEvaluationImage } from '../../state/evaluate-actions';
import { exportEvaluation } from '../../state/evaluate-export';
import { EvaluateDetail } from './EvaluateDetail';
import { runVerdicts } from './EvaluateMetrics';

export function ImageTable({ run }: { run: EvaluationRun }) {
  const [sort, setSort] = useState<'name' | 'score'>('name');
  const rows = useMemo(() => (sort === 'score' ? [...run.images].sort((a, b) => b.score - a.score) : run.images), [run, sort]);
  const { threshold } = runVerdicts(run, useAppStore((s) => s.profiles));
  const profileExists = useAppStore((s) => s.profiles.some((p) => p.id === run.profileId));
  const layout = useEvaluateStore((s) => s.layout);
  const files = useMemo(() => new Map((layout?.items ?? []).map((i) => [i.name, i.file])), [layout]);
  const detailOpen = useEvaluateStore((s) => s.detail !== null);
  const unexported = useEvaluateStore((s) => s.unexported);
  const busy = useTeachStore((s) => s.status === 'teaching' || s.status === 'saving' || s.status === 'undoing');
  const markGood = (name: string) => {
    const file = files.get(name);
    if (file) void proposeTeach(run.profileId, [file], { source: 'evaluate', names: [name] });
  };
  return (
    <>
      <div className="card-head">
        <h3>Per image</h3>
        <label className="small">
          Sort by{' '}
          <select value={sort} onChange={(e) => setSort(e.target.value as 'name' | 'score')} data-testid="evaluate-sort">
            <option value="name">folder and name</option>
            <option value="score">score, highest first</option>
          </select>
        </label>
      </div>
      <div className="actions evaluate-export">
        <button type="button" onClick={(e) => exportEvaluation('csv', e.timeStamp)} data-testid="evaluate-export-csv">
          Export CSV
        </button>
        <button type="button" onClick={(e) => exportEvaluation('json', e.timeStamp)} data-testid="evaluate-export-json">
          Export JSON
        </button>
        <span className="small muted" data-testid="evaluate-keep-note">
          {unexported ? 'Not exported yet: results live only in this tab and are lost when it closes or reloads.' : 'Results live only in this tab until exported.'} Open an image to see its heatmap and mask.
        </span>
      </div>
      <TeachPanel where="evaluate" />
      <div className="evaluate-table-wrap">
        <table className="evaluate-table" data-testid="evaluate-table">
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Folder</th>
              <th scope="col">Label</th>
              <th scope="col" className="num">
                Raw score
              </th>
              <th scope="col">Verdict</th>
              <th scope="col">
                <span className="visually-hidden">Teach</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const verdict = threshold === null ? null : verdictFor(r.score, threshold);
              return (
                <tr key={r.name} data-testid="evaluate-row" data-name={r.name} data-score={r.score} data-label={r.label} data-verdict={verdict ?? ''}>
                  <td>
                    <button type="button" className="row-open" onClick={() => void openEvaluationImage(r.name)} aria-label={`Open ${r.name}: heatmap and mask`} data-testid="evaluate-open">
                      {r.name.split('/').pop()}
                    </button>
                  </td>
                  <td>{r.defect}</td>
                  <td>
                    <span className={`verdict-chip ${r.label ? 'verdict-fail' : 'verdict-pass'}`}>{r.label ? 'defective' : 'good'}</span>
                  </td>
                  <td className="num">{r.score.toPrecision(5)}</td>
                  <td>{verdict ?? 'n/a'}</td>
                  <td>
                    <button
                      type="button"
                      className="mark-good"
                      disabled={busy || !profileExists || !files.has(r.name)}
                      onClick={() => markGood(r.name)}
                      aria-label={`Mark ${r.name} as good`}
                      title={files.has(r.name) ? 'Teach the profile this image is a good part (shown before saving)' : 'Choose the folder again to teach this image'}
                      data-testid="mark-good"
                    >
                      Mark as good
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {detailOpen && <EvaluateDetail run={run} order={rows.map((r) => r.name)} />}
    </>
  );
}
