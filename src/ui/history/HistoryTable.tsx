/**
 * The inspection log's rows, newest first: thumbnail, time, profile (and its revision), verdict, score (normalised,
 * with the raw score), defect regions and the operator's correction. Shows the first `shown` rows; thumbnails are read
 * for the rows shown only.
 */
import { useEffect } from 'react';
import type { InspectionLogEntry } from '../../storage/inspection-log';
import { loadThumbnails, showMoreHistory } from '../../state/history-actions';
import { correctionText, useHistoryStore } from '../../state/history-store';
import { verdictWord } from '../shell/format';

const time = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

function regionsText(e: InspectionLogEntry): string {
  if (!e.regions) return 'not known';
  if (e.regions.count === 0) return 'none';
  return `${e.regions.count} (largest ${e.regions.largestPercent.toFixed(2)} %, ${e.regions.largestArea} px)`;
}

function Row({ e, thumb }: { e: InspectionLogEntry; thumb: string | undefined }) {
  const correction = correctionText(e);
  return (
    <tr data-testid="history-row" data-verdict={e.verdict ?? 'none'} data-file={e.fileName} data-key={e.key} data-regions={e.regions?.count ?? ''}>
      <td className="history-thumb">{thumb ? <img src={thumb} alt={`Thumbnail of ${e.fileName}`} width={48} height={48} /> : <span className="history-no-thumb" aria-hidden="true" />}</td>
      <td>
        <div className="history-file" title={e.fileName}>
          {e.fileName}
        </div>
        <div className="small muted">
          <time dateTime={e.at}>{time(e.at)}</time>
          {e.source === 'live' ? ' · live' : ''}
        </div>
      </td>
      <td>
        <div>{e.profile.name}</div>
        <div className="small muted" title={`Revision saved ${e.profile.revision}`}>
          rev. {time(e.profile.revision)}
        </div>
      </td>
      <td>
        <span className={`history-verdict history-verdict-${e.verdict ?? 'none'}`}>{verdictWord(e.verdict, 'no threshold')}</span>
      </td>
      <td className="num">
        {e.score.normalized !== null ? e.score.normalized.toFixed(2) : '–'}
        <div className="small muted">raw {e.score.raw.toPrecision(4)}</div>
      </td>
      <td>{regionsText(e)}</td>
      <td data-testid="history-correction">{correction || <span className="muted">–</span>}</td>
    </tr>
  );
}

export function HistoryTable({ rows }: { rows: readonly InspectionLogEntry[] }) {
  const shown = useHistoryStore((s) => s.shown);
  const thumbs = useHistoryStore((s) => s.thumbs);
  const visible = rows.slice(0, shown);
  const visibleKeys = visible.map((e) => e.key).join('|');
  useEffect(() => {
    if (visibleKeys) void loadThumbnails(visibleKeys.split('|'));
  }, [visibleKeys]);
  if (rows.length === 0) return null;
  return (
    <>
      <div className="history-table-wrap">
        <table className="history-table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Thumbnail</span>
              </th>
              <th scope="col">Image and time</th>
              <th scope="col">Profile</th>
              <th scope="col">Verdict</th>
              <th scope="col" className="num">
                Score
              </th>
              <th scope="col">Defect regions</th>
              <th scope="col">Correction</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((e) => (
              <Row key={e.key} e={e} thumb={thumbs[e.key]} />
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > shown && (
        <button type="button" onClick={showMoreHistory} data-testid="history-more">
          Show more ({rows.length - shown} not shown)
        </button>
      )}
    </>
  );
}
