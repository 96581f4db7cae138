import { useState } from 'react';
import { buildProfile, cancelBuild } from '../../state/actions';
import { useAppStore } from '../../state/app-store';
import { BUNDLED_BACKBONE, useBackbones } from '../../state/backbones';
import { FileDrop, IMAGE_TYPES } from '../shell/FileDrop';
import { formatBytes, plural } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';
import { supportsPatchCore } from '../../engine/backbones/spec';
import { DEFAULT_CORESET_RATIO } from '../../engine/patchcore/defaults';

/** Normal images in, a profile out: name, coreset ratio, bank precision, build with progress and cancel. */
export function CreateProfile() {
  const [files, setFiles] = useState<File[]>([]);
  const [name, setName] = useState('');
  const [ratio, setRatio] = useState(String(DEFAULT_CORESET_RATIO));
  const [fp16, setFp16] = useState(false);
  const [backboneId, setBackboneId] = useState(BUNDLED_BACKBONE.id);
  const storedBackbones = useBackbones((s) => s.stored);
  const backboneOk = backboneId === BUNDLED_BACKBONE.id || storedBackbones.some((b) => b.id === backboneId && supportsPatchCore(b.tapChannels));
  const build = useAppStore((s) => s.build);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const ratioValue = Number(ratio);
  const ratioOk = ratioValue > 0 && ratioValue <= 1;
  return (
    <section className="card" aria-labelledby="create-title" data-testid="create-profile" data-build-result-at={build.resultAt ?? ''}>
      <h2 id="create-title">New profile</h2>
      <FileDrop
        label="Normal images"
        hint="Drop defect-free photos of the part here, or choose files. Every photo is learnt, and each is also checked against the others to set the pass/fail line."
        accept={IMAGE_TYPES}
        multiple
        disabled={build.running}
        onFiles={(f) => {
          setFiles(f);
          if (!name && f[0]) setName(f[0].webkitRelativePath.split('/')[0] || 'New profile');
        }}
        testId="build-files"
      >
        <span className="small" data-testid="build-file-count">
          {files.length ? `${plural(files.length, 'image')} (${formatBytes(files.reduce((n, f) => n + f.size, 0))}); each one also checks the others to set the pass/fail line` : 'No images chosen'}
        </span>
      </FileDrop>
      <div className="form-row">
        <label>
          Profile name
          <input type="text" value={name} placeholder="e.g. bottle, line 3" onChange={(e) => setName(e.target.value)} disabled={build.running} />
        </label>
        <label>
          Coreset ratio
          <input type="number" min={0.001} max={1} step={0.01} value={ratio} onChange={(e) => setRatio(e.target.value)} disabled={build.running} aria-invalid={!ratioOk} />
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
          disabled={!ready || build.running || files.length === 0 || !ratioOk}
          onClick={() => void buildProfile(files, { name: name.trim() || 'Untitled profile', coresetRatio: ratioValue, dtype: fp16 ? 'float16' : 'float32', backboneId: backboneOk && backboneId !== BUNDLED_BACKBONE.id ? backboneId : undefined }).then((m) => m && setFiles([]))}
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
