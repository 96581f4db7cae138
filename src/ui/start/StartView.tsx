import { useState } from 'react';
import { buildProfile, cancelBuild, importProfile } from '../../state/actions';
import { useAppStore } from '../../state/app-store';
import { DEFAULT_CORESET_RATIO } from '../../engine/patchcore/defaults';
import { FileDrop } from '../shell/FileDrop';
import { ProgressBar } from '../shell/ProgressBar';
import { goTo } from '../shell/route';
import { nameProblemOf, NormalImagesDrop, useNormalImages } from '../profiles/NormalImages';
import { OpenProfileLink } from './OpenProfileLink';
import './start.css';

/** Fewer good photos than this still work, but the pass/fail line is steadier with more. */
const ADVISED_PHOTOS = 10;

/** Teach it your part: photos of good parts and a name in, a profile out, then straight to Inspect. */
function TeachCard() {
  const [name, setName] = useState('');
  const images = useNormalImages((folder) => setName((current) => current || folder));
  const profiles = useAppStore((s) => s.profiles);
  const build = useAppStore((s) => s.build);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const count = images.files.length;
  const nameProblem = nameProblemOf(name, profiles);
  const learn = () =>
    void buildProfile(images.files, { name: name.trim(), coresetRatio: DEFAULT_CORESET_RATIO, dtype: 'float32' }).then((meta) => {
      if (!meta) return;
      images.clear();
      setName('');
      goTo('inspect');
    });
  return (
    <section className="card start-card" aria-labelledby="start-teach-title" data-testid="start-teach">
      <h2 id="start-teach-title">2. Teach it your part</h2>
      <p>Drop 10 to 50 photos of good parts, taken the way you will inspect them: same view, same light. It learns what good looks like and sets its own pass/fail line.</p>
      <NormalImagesDrop images={images} disabled={build.running} hint="Photos or a whole folder; only good parts." testPrefix="start-teach" />
      {count > 0 && count < ADVISED_PHOTOS && (
        <p className="small" data-testid="start-teach-advice">
          {count === 1 ? 'One photo is not enough: add at least one more.' : `${count} photos will do; ${ADVISED_PHOTOS} or more make the pass/fail line steadier.`}
        </p>
      )}
      <label>
        Name of the part
        <input type="text" value={name} placeholder="e.g. bottle cap, line 3" onChange={(e) => setName(e.target.value)} disabled={build.running} aria-invalid={count > 0 && nameProblem !== null} data-testid="start-teach-name" />
        {count > 0 && nameProblem && (
          <span className="field-problem" data-testid="start-teach-name-problem">
            {nameProblem}
          </span>
        )}
      </label>
      <div className="actions">
        <button type="button" className="primary" data-testid="start-teach-button" disabled={!ready || build.running || count < 2 || nameProblem !== null} onClick={learn}>
          {ready ? 'Learn this part' : 'Getting ready…'}
        </button>
        {build.running && (
          <button type="button" onClick={cancelBuild} data-testid="start-teach-cancel">
            Cancel
          </button>
        )}
      </div>
      {build.running && <ProgressBar progress={build.progress} label="Learning progress" testId="start-teach-progress" />}
    </section>
  );
}

/** Open a profile someone shared: a file, or a link to one. */
function OpenCard() {
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  return (
    <section className="card start-card" aria-labelledby="start-open-title" data-testid="start-open">
      <h2 id="start-open-title">3. Open a profile</h2>
      <p>Someone taught it a part already? Open the profile file they exported, or the link they shared.</p>
      <FileDrop
        label="Profile file"
        hint="A profile file exported from this app (its name ends in .safetensors)."
        accept=".safetensors,application/octet-stream"
        disabled={!ready}
        onFiles={(f) => void importProfile(f[0]).then((meta) => meta && goTo('inspect'))}
        testId="start-open-file"
      />
      <OpenProfileLink />
    </section>
  );
}

/**
 * The first screen: three ways in, in plain words. The engine's vocabulary (backends, coreset, backbones) lives on
 * the Advanced page.
 */
export function StartView() {
  return (
    <main className="start" data-testid="start-view">
      <div className="start-intro">
        <h2>Spot defective parts from photos</h2>
        <p>Show it good parts; it marks what differs, with a pass or fail and a heatmap over the defect. Everything runs in this tab: no image leaves this device.</p>
      </div>
      <div className="start-cards">
        <section className="card start-card" aria-labelledby="start-demo-title" data-testid="start-demo">
          <h2 id="start-demo-title">1. Try the demo</h2>
          <p>See it judge seven machined parts it has never seen, with the defects highlighted. Ready in seconds, nothing to prepare.</p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => goTo('demo')} data-testid="start-demo-button">
              Open the demo
            </button>
          </div>
        </section>
        <TeachCard />
        <OpenCard />
      </div>
    </main>
  );
}
