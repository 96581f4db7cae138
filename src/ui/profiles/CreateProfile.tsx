import { useState } from 'react';
import { buildProfile, cancelBuild } from '../../state/actions';
import { useAppStore } from '../../state/app-store';
import { BUNDLED_BACKBONE, useBackbones } from '../../state/backbones';
import { nameProblemOf, NormalImagesDrop, useNormalImages } from './NormalImages';
import { ProgressBar } from '../shell/ProgressBar';
import { supportsPatchCore } from '../../engine/backbones/spec';
import { DEFAULT_CORESET_RATIO } from '../../engine/patchcore/defaults';

/**
 * Normal images in, a profile out: name, coreset ratio, bank precision, build with progress and cancel. Dropped
 * files are checked at once (src/state/image-files.ts): each one that is not an image is named with the reason, and
 * photos already chosen are left out. Every field that is wrong says so beside it.
 */
export function CreateProfile() {
  const [name, setName] = useState('');
  const images = useNormalImages((folder) => setName((current) => current || folder || 'New profile'));
  const files = images.files;
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
  const nameProblem = nameProblemOf(name, profiles);
  return (
    <section className="card" aria-labelledby="create-title" data-testid="create-profile" data-build-result-at={build.resultAt ?? ''}>
      <h2 id="create-title">New profile</h2>
      <NormalImagesDrop
        images={images}
        disabled={build.running}
        hint="Drop defect-free photos of the part here, or choose files or a folder. Every photo is learnt, and each is also checked against the others to set the pass/fail line."
        testPrefix="build"
      />
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
      </div>
      <details className="advanced-options" data-testid="build-advanced">
        <summary>Advanced options</summary>
        <div className="form-row">
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
      </details>
      <div className="actions">
        <button
          type="button"
          className="primary"
          data-testid="build-button"
          disabled={!ready || build.running || files.length === 0 || !ratioOk || nameProblem !== null}
          onClick={() =>
            void buildProfile(files, { name: trimmedName, coresetRatio: ratioValue, dtype: fp16 ? 'float16' : 'float32', backboneId: backboneOk && backboneId !== BUNDLED_BACKBONE.id ? backboneId : undefined }).then((m) => {
              if (!m) return;
              images.clear();
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
