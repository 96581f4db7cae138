import { useState } from 'react';
import type { ProfileMeta } from '../../engine/profile/profile';
import { deleteProfile, duplicateProfile, exportProfile, importProfile, renameProfile, selectProfile } from '../../state/actions';
import { useAppStore } from '../../state/app-store';
import { CopyLinkButton } from '../link/CopyLinkButton';
import { FileDrop } from '../shell/FileDrop';
import { formatBytes, plural } from '../shell/format';
import '../teach/teach.css';

/** The images a profile was taught since its fit (Mark as good, or the CLI's `update`), newest last. */
function Taught({ meta }: { meta: ProfileMeta }) {
  const taught = meta.taught ?? [];
  if (taught.length === 0) return null;
  return (
    <details className="profile-taught small" data-testid="profile-taught" data-count={taught.length}>
      <summary title={taught.map((t) => t.name).join(', ')}>Taught {plural(taught.length, 'image')}</summary>
      <ul>
        {taught.map((t, i) => (
          <li key={`${i}:${t.name}`}>
            {t.name}: +{plural(t.rows, 'bank row')}, scored {t.scoreBefore.toPrecision(4)} before ({new Date(t.at).toLocaleString()})
          </li>
        ))}
      </ul>
    </details>
  );
}

function ProfileRow({ meta, selected }: { meta: ProfileMeta; selected: boolean }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(meta.name);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const bytes = meta.bank.size * meta.bank.dim * (meta.bank.dtype === 'float16' ? 2 : 4);
  const t = meta.threshold.value;
  return (
    <li
      className={`profile${selected ? ' profile-selected' : ''}`}
      data-testid="profile-item"
      data-profile-id={meta.id}
      data-profile-name={meta.name}
      data-bank-size={meta.bank.size}
      data-updated-at={meta.updatedAt}
      data-taught={meta.taught?.length ?? 0}
    >
      <label className="profile-pick">
        <input type="radio" name="profile" checked={selected} onChange={() => selectProfile(meta.id)} aria-label={`Select ${meta.name}`} />
        {editing ? (
          <input
            type="text"
            aria-label="New name"
            value={draft}
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void renameProfile(meta.id, draft).then(() => setEditing(false));
              if (e.key === 'Escape') setEditing(false);
            }}
          />
        ) : (
          <span className="profile-name" data-testid="profile-name">
            {meta.name}
          </span>
        )}
      </label>
      <div className="profile-facts small muted">
        {meta.training.imageCount} images · bank {meta.bank.size} × {meta.bank.dim} {meta.bank.dtype} ({formatBytes(bytes)}) · threshold {t === null ? 'none' : t.toFixed(3)} · {meta.backbone.id} ·
        updated {new Date(meta.updatedAt).toLocaleString()}
      </div>
      <Taught meta={meta} />
      <div className="profile-actions">
        {editing ? (
          <>
            <button type="button" onClick={() => void renameProfile(meta.id, draft).then(() => setEditing(false))}>
              Save name
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            onClick={() => {
              setDraft(meta.name);
              setEditing(true);
            }}
          >
            Rename
          </button>
        )}
        <button type="button" onClick={() => void duplicateProfile(meta.id)}>
          Duplicate
        </button>
        <button type="button" onClick={() => void exportProfile(meta.id)} data-testid="export-button">
          Export
        </button>
        <CopyLinkButton profileId={meta.id} updatedAt={meta.updatedAt} />
        {confirmDelete ? (
          <>
            <button type="button" className="danger" onClick={() => void deleteProfile(meta.id)}>
              Confirm delete
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

/** Saved profiles: select one to score with; rename, duplicate, export, delete; import a file. */
export function ProfileList() {
  const profiles = useAppStore((s) => s.profiles);
  const loadedOnce = useAppStore((s) => s.profilesLoaded);
  const selectedId = useAppStore((s) => s.selectedId);
  const persistent = useAppStore((s) => s.persistent);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  return (
    <section className="card" aria-labelledby="profiles-title">
      <h2 id="profiles-title">Profiles</h2>
      {!loadedOnce ? (
        <p className="muted">Reading saved profiles…</p>
      ) : profiles.length === 0 ? (
        <p className="muted" data-testid="no-profiles">
          No profiles yet. Build one from normal images, or import a profile file.
        </p>
      ) : (
        <ul className="profiles" data-testid="profile-list" aria-label="Saved profiles">
          {profiles.map((p) => (
            <ProfileRow key={p.id} meta={p} selected={p.id === selectedId} />
          ))}
        </ul>
      )}
      <FileDrop label="Import profile file" hint=".safetensors from the app or from `npm run cli -- fit`" accept=".safetensors,application/octet-stream" disabled={!ready} onFiles={(f) => void importProfile(f[0])} testId="import-input" />
      {persistent !== null && (
        <p className="small muted" data-testid="persistence">
          {persistent ? 'Storage is persistent: the browser will not clear these profiles to free space.' : 'The browser did not grant persistent storage; export profiles you need to keep.'}
        </p>
      )}
    </section>
  );
}
