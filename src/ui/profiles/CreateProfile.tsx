import { useState } from 'react';
import { buildProfile, cancelBuild } from '../../state/actions';
import { displayName, screenImages } from '../../state/image-files';
import type { ScreenedImages } from '../../state/image-files';
import { useAppStore } from '../../state/app-store';
import { BUNDLED_BACKBONE, useBackbones } from '../../state/backbones';
import { FileDrop, IMAGE_TYPES } from '../shell/FileDrop';
import { formatBytes, plural } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';
import { supportsPatchCore } from '../../engine/backbones/spec';
import { DEFAULT_CORESET_RATIO } from '../../engine/patchcore/defaults';

/** The folder the chosen files came from, or the first few names: so different choices look different. */
function describeChoice(files: readonly File[]): string {
  const folders = [...new Set(files.map((f) => displayName(f).split('/').slice(0, -1).join('/')).filter(Boolean))];
  if (folders.length) return `from ${folders.slice(0, 2).join(', ')}${folders.length > 2 ? ` and ${folders.length - 2} more folders` : ''}`;
  return files.length <= 3 ? files.map((f) => f.name).join(', ') : `${files.slice(0, 2).map((f) => f.name).join(', ')} and ${files.length - 2} more`;
}

/**
 * Normal images in, a profile out: name, coreset ratio, bank precision, build with progress and cancel. Dropped
 * files are checked at once (src/state/image-files.ts): each one that is not an image is named with the reason, and
 * photos already chosen are left out. Every field that is wrong says so beside it.
 */
export function CreateProfile() {
  const [files, setFiles] = useState<File[]>([]);
  const [screened, setScreened] = useState<Omit<ScreenedImages, 'images'> | null>(null);
  const [name, setName] = useState('');
  const profiles = useAppStore((s) => s.profiles);
  const [ratio, setRatio] = useState(String(DEFAULT_CORESET_RATIO));
  const [fp16, setFp16] = useState(false);
  const [backboneId, setBackboneId] = useState(BUNDLED_BACKBONE.id);
  const storedBackbones = useBackbones((s) => s.stored);
  const backboneOk = backboneId === BUNDLED_BACKBONE.id || storedBackbones.some((b) => b.id === backboneId && supportsPatchCore(b.tapChannels));
  const build = useAppStore((s) => s.build);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const ratioValue = Number(ratio);
  const ratioOk = ratio.trim() !== '' && ratioValue > 0 && ratioValue <= 1;
  const trimmedName = name.trim();
  const nameTaken = profiles.some((p) => p.name === trimmedName);
  const nameProblem = trimmedName === '' ? 'Give the profile a name.' : nameTaken ? `A profile named "${trimmedName}" exists already; choose another name.` : null;
  const addFiles = (added: File[]) =>
    void screenImages(added, files).then((r) => {
      setFiles((current) => [...current, ...r.images]);
      setScreened({ rejected: r.rejected, duplicates: r.duplicates });
      if (!name && r.images[0]) setName(r.images[0].webkitRelativePath.split('/')[0] || 'New profile');
    });
  return (
    <section className="card" aria-labelledby="create-title" data-testid="create-profile" data-build-result-at={build.resultAt ?? ''}>
      <h2 id="create-title">New profile</h2>
      <FileDrop
        label="Normal images"
        hint="Drop defect-free photos of the part here, or choose files. Every photo is learnt, and each is also checked against the others to set the pass/fail line."
        accept={IMAGE_TYPES}
        multiple
        disabled={build.running}
        onFiles={addFiles}
        testId="build-files"
      >
        <span className="small" data-testid="build-file-count">
          {files.length ? `${plural(files.length, 'image')} ${describeChoice(files)} (${formatBytes(files.reduce((n, f) => n + f.size, 0))})` : 'No images chosen yet: add photos of good parts.'}
        </span>
        {files.length > 0 && !build.running && (
          <button type="button" onClick={() => (setFiles([]), setScreened(null))} data-testid="build-clear">
            Clear
          </button>
        )}
        {screened && screened.rejected.length > 0 && (
          <ul className="field-problem" data-testid="build-rejected">
            {screened.rejected.map((r) => (
              <li key={r.name}>
                {r.name}: {r.reason}; left out.
              </li>
            ))}
          </ul>
        )}
        {screened && screened.duplicates.length > 0 && (
          <p className="small" data-testid="build-duplicates">
            {plural(screened.duplicates.length, 'photo')} left out: already chosen ({screened.duplicates.slice(0, 3).map((d) => `${d.name} = ${d.sameAs}`).join('; ')}
            {screened.duplicates.length > 3 ? '; …' : ''}).
          </p>
        )}
      </FileDrop>
      <div className="form-row">
        <label>
          Profile name
          <input type="text" value={name} placeholder="e.g. bottle, line 3" onChange={(e) => setName(e.target.value)} disabled={build.running} aria-invalid={nameProblem !== null} data-testid="build-name" />
          {nameProblem && files.length > 0 && (
            <span className="field-problem" data-testid="build-name-problem">
              {nameProblem}
            </span>
          )}
        </label>
        <label>
          Coreset ratio
          <input type="number" min={0.001} max={1} step={0.01} value={ratio} onChange={(e) => setRatio(e.target.value)} disabled={build.running} aria-invalid={!ratioOk} data-testid="build-ratio" />
          {!ratioOk && (
            <span className="field-problem" data-testid="build-ratio-problem">
              A fraction above 0 and at most 1 (e.g. 0.1 keeps a tenth of the patches).
            </span>
          )}
        </label>
        <label>
          Backbone
          <select value={backboneOk ? backboneId : BUNDLED_BACKBONE.id} onChange={(e) => setBackboneId(e.target.value)} disabled={build.running} data-testid="build-backbone">
            <option value={BUNDLED_BACKBONE.id}>{BUNDLED_BACKBONE.label}</option>
            {storedBackbones.map((b) => (
              <option key={b.id} value={b.id} disabled={!supportsPatchCore(b.tapChannels)}>
                {supportsPatchCore(b.tapChannels) ? b.label : `${b.label} (taps ${b.tapChannels.join(' + ')} ch: not usable for PatchCore)`}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={fp16} onChange={(e) => setFp16(e.target.checked)} disabled={build.running} />
          Store bank as float16
        </label>
      </div>
      <div className="actions">
        <button
          type="button"
          className="primary"
          data-testid="build-button"
          disabled={!ready || build.running || files.length === 0 || !ratioOk || nameProblem !== null}
          onClick={() =>
            void buildProfile(files, { name: trimmedName, coresetRatio: ratioValue, dtype: fp16 ? 'float16' : 'float32', backboneId: backboneOk && backboneId !== BUNDLED_BACKBONE.id ? backboneId : undefined }).then((m) => {
              if (!m) return;
              setFiles([]);
              setScreened(null);
              setName('');
            })
          }
        >
          Build profile
        </button>
        {build.running && (
          <button type="button" onClick={cancelBuild} data-testid="build-cancel">
            Cancel build
          </button>
        )}
      </div>
      {build.running && <ProgressBar progress={build.progress} label="Build progress" testId="build-progress" />}
    </section>
  );
}
