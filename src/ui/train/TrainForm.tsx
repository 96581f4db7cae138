import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../state/app-store';
import { BUNDLED_BACKBONE, useBackbones } from '../../state/backbones';
import { chooseTextureImages, chooseTrainingImages, clearTextureImages, describePosition, keepUnfinishedRun, setTrainBackbone, setTrainSettings, startTraining } from '../../state/train-actions';
import { useTrainStore } from '../../state/train-store';
import type { TrainSettings } from '../../engine/tocoad/settings';
import type { PickedFile } from '../../state/inspect-actions';
import { FileDrop, IMAGE_TYPES } from '../shell/FileDrop';
import { formatBytes, plural } from '../shell/format';
import { settingsProblems } from './settings';
import { TrainEstimate } from './TrainEstimate';
import { supportsPatchCore } from '../../engine/backbones/spec';

type NumberKey = Exclude<keyof TrainSettings, 'generator'>;

function NumberField({ field, testId, label, step, min, max, problem, disabled }: { field: NumberKey; testId: string; label: string; step?: number; min?: number; max?: number; problem?: string; disabled: boolean }) {
  const value = useTrainStore((s) => s.settings[field]);
  return (
    <label title={problem}>
      {label}
      <input
        type="number"
        value={Number.isNaN(value) ? '' : value}
        step={step}
        min={min}
        max={max}
        disabled={disabled}
        aria-invalid={Boolean(problem)}
        data-testid={`train-${testId}`}
        onChange={(e) => setTrainSettings({ [field]: e.target.value === '' ? NaN : Number(e.target.value) })}
      />
      {problem && (
        <span className="field-problem" data-testid={`train-${testId}-problem`}>
          {problem}
        </span>
      )}
    </label>
  );
}

/** Images for the run, from files or a folder: `testId` names the file input (`-files`) and the folder one (`-folder`). */
function ImageDrop({ label, hint, testId, disabled, onPicked, children }: { label: string; hint: string; testId: string; disabled: boolean; onPicked: (picked: PickedFile[]) => void; children: ReactNode }) {
  return (
    <FileDrop label={label} hint={hint} accept={IMAGE_TYPES} multiple disabled={disabled} onFiles={(_, picked) => onPicked(picked)} testId={`${testId}-files`} folder={{ label: 'Choose a folder', testId: `${testId}-folder` }}>
      {children}
    </FileDrop>
  );
}

/** The run's images, base backbone and settings; starts a run. */
export function TrainForm() {
  const { settings, backboneId, images, textures, running, confirmDiscard, record } = useTrainStore(
    useShallow((s) => ({ settings: s.settings, backboneId: s.backboneId, images: s.images, textures: s.textures, running: s.running, confirmDiscard: s.confirmDiscard, record: s.record })),
  );
  const stored = useBackbones((s) => s.stored);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const problems = settingsProblems(settings);
  const problemList = Object.entries(problems);
  const backboneOk = backboneId === BUNDLED_BACKBONE.id || stored.some((b) => b.id === backboneId);
  const stepsOf = (batch: number) => (images.count ? Math.ceil(images.count / Math.max(1, batch || 1)) : 0);
  return (
    <section className="card" aria-labelledby="train-title" data-testid="train-form">
      <h2 id="train-title">Fine-tune the extractor (ToCoAD)</h2>
      <p className="small muted">
        Adapts the feature extractor to your normal images before a profile is built on it (paper §3.1-3.2): stage I trains a decoder to find synthetic anomalies, stage II trains the
        extractor with SimSiam plus those anomalies as negatives. It runs here, in a worker; nothing leaves the device. The result is a new backbone for the profile form.
      </p>
      <ImageDrop
        label="Normal training images"
        hint="Defect-free photos of the part (files or a folder; from an MVTec AD folder only train/good is used). They are stored with the run so it can be resumed after a reload."
        testId="train"
        disabled={running}
        onPicked={chooseTrainingImages}
      >
        <span className="small" data-testid="train-file-count" data-count={images.count}>
          {images.count ? `${plural(images.count, 'image')} (${formatBytes(images.bytes)}) from "${images.dataset}"; optimiser steps per epoch: ${stepsOf(settings.stage1BatchSize)} in stage I, ${stepsOf(settings.batchSize)} in stage II` : 'No images chosen'}
          {images.note && ` (${images.note})`}
        </span>
      </ImageDrop>
      <div className="form-row">
        <label>
          Base backbone
          <select value={backboneOk ? backboneId : BUNDLED_BACKBONE.id} onChange={(e) => setTrainBackbone(e.target.value)} disabled={running} data-testid="train-backbone">
            <option value={BUNDLED_BACKBONE.id}>{BUNDLED_BACKBONE.label}</option>
            {stored.map((b) => (
              <option key={b.id} value={b.id}>
                {b.label}
                {!supportsPatchCore(b.tapChannels) ? ' (narrow: no profiles can be built on the result)' : ''}
              </option>
            ))}
          </select>
        </label>
        <NumberField field="stage1Epochs" testId="stage1-epochs" label="Stage I epochs" min={0} step={1} problem={problems.stage1Epochs} disabled={running} />
        <NumberField field="stage2Epochs" testId="stage2-epochs" label="Stage II epochs" min={0} step={1} problem={problems.stage2Epochs} disabled={running} />
        <NumberField field="stage1BatchSize" testId="stage1-batch" label="Stage I batch" min={1} step={1} problem={problems.stage1BatchSize} disabled={running} />
        <NumberField field="batchSize" testId="batch" label="Stage II batch" min={1} step={1} problem={problems.batchSize} disabled={running} />
        <NumberField field="microBatch" testId="micro-batch" label="Micro-batch" min={1} step={1} problem={problems.microBatch} disabled={running} />
        <NumberField field="imageSize" testId="image-size" label="Image size (px)" min={32} step={32} problem={problems.imageSize} disabled={running} />
      </div>
      <div className="form-row">
        <NumberField field="lambda" testId="lambda" label="λ (weight of L_sym)" min={0} max={1} step={0.05} problem={problems.lambda} disabled={running} />
        <label>
          Anomaly generator
          <select value={settings.generator} onChange={(e) => setTrainSettings({ generator: e.target.value as TrainSettings['generator'] })} disabled={running} data-testid="train-generator">
            <option value="perlin">Perlin noise + textures</option>
            <option value="cutpaste">CutPaste</option>
          </select>
        </label>
        <NumberField field="stage1Lr" testId="stage1-lr" label="Stage I learning rate" min={0} step={0.0001} problem={problems.stage1Lr} disabled={running} />
        <NumberField field="stage2Lr" testId="stage2-lr" label="Stage II learning rate" min={0} step={0.001} problem={problems.stage2Lr} disabled={running} />
        <NumberField field="seed" testId="seed" label="Seed" min={0} step={1} problem={problems.seed} disabled={running} />
      </div>
      <details className="small" open={textures.count > 0}>
        <summary>Anomaly source images (optional)</summary>
        <ImageDrop
          label="Texture images"
          hint="Images whose content is pasted into the Perlin-noise regions of the synthetic anomalies (e.g. a texture set such as DTD), mixed with the textures made in code. Stored with the run."
          testId="train-texture"
          disabled={running}
          onPicked={chooseTextureImages}
        >
          <span className="small" data-testid="train-texture-count" data-count={textures.count}>
            {textures.count ? `${plural(textures.count, 'texture image')} (${formatBytes(textures.bytes)})` : 'Procedural textures only'}
            {textures.count > 0 && (
              <>
                {' '}
                <button type="button" onClick={clearTextureImages} disabled={running}>
                  Clear
                </button>
              </>
            )}
          </span>
        </ImageDrop>
      </details>
      {problemList.length > 0 && (
        <p className="error small" role="alert" data-testid="train-settings-problem">
          {problemList.map(([k, v]) => `${k}: ${v}`).join('; ')}
        </p>
      )}
      {confirmDiscard && (
        <div className="confirm" role="alertdialog" aria-labelledby="train-discard-question" data-testid="train-confirm-discard">
          <p id="train-discard-question">
            An unfinished run is stored{record ? ` (${record.images.length} images from "${record.dataset}"${record.checkpoint ? `, checkpoint at ${describePosition(record.checkpoint, record.settings)}` : ''})` : ''}. Starting a new run discards it and its checkpoint.
          </p>
          <div className="actions">
            <button type="button" onClick={() => void startTraining(true)} data-testid="train-discard-and-start">
              Discard it and start
            </button>
            <button type="button" className="primary" onClick={keepUnfinishedRun} data-testid="train-keep-unfinished">
              Keep it
            </button>
          </div>
        </div>
      )}
      {images.count === 0 && !running && (
        <p className="field-problem" data-testid="train-no-images">
          Add normal images (files or a folder) to start.
        </p>
      )}
      <TrainEstimate />
      <div className="actions">
        <button type="button" className="primary" data-testid="train-start" disabled={!ready || running || images.count === 0 || problemList.length > 0} onClick={() => void startTraining()}>
          Start training
        </button>
        <span className="small muted">
          Batch norm statistics stay frozen; the batch is summed over micro-batches of {settings.microBatch || '?'} (lower it if memory runs out). A pause takes effect after the current micro-batch.
        </span>
      </div>
    </section>
  );
}
