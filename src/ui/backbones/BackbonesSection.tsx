import { useEffect, useState } from 'react';
import { BUNDLED_BACKBONE, convertBackboneFile, deleteBackbone, exportBackbone, refreshBackbones, useBackbones } from '../../state/backbones';
import { useAppStore } from '../../state/app-store';
import type { BackboneInfo } from '../../state/backbones';
import { FileDrop } from '../shell/FileDrop';
import { formatBytes, plural } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';

const CHECKPOINT_TYPES = '.pth,.pt,.bin,.ckpt,.safetensors';

function StoredRow({ info, usedBy }: { info: BackboneInfo; usedBy: number }) {
  const [confirm, setConfirm] = useState(false);
  return (
    <li className="profile" data-testid="backbone-item" data-backbone-id={info.id}>
      <span className="profile-name" data-testid="backbone-label">
        {info.label}
      </span>
      <div className="profile-facts small muted">
        {info.id} · {info.architecture} · {formatBytes(info.byteSize)} · taps {info.tapChannels.join(' + ')} ch · weights {info.weightsHash.slice(0, 12)} · from {info.sourceFile}
        {usedBy > 0 && ` · used by ${plural(usedBy, 'profile')}`}
      </div>
      {info.warnings.length > 0 && (
        <div className="small" data-testid="backbone-warnings">
          {info.warnings.join('; ')}
        </div>
      )}
      <div className="profile-actions">
        <button type="button" data-testid="backbone-export" onClick={() => void exportBackbone(info.id)}>
          Export .safetensors
        </button>
        {confirm ? (
          <>
            <button type="button" className="danger" data-testid="backbone-delete-confirm" onClick={() => void deleteBackbone(info.id)}>
              {usedBy > 0 ? `Delete (${plural(usedBy, 'profile')} will need it again)` : 'Really delete'}
            </button>
            <button type="button" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" data-testid="backbone-delete" onClick={() => setConfirm(true)}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

/** The bundled ResNet50 and the converted backbones; a drop zone converts a .pth / .safetensors in the worker. */
export function BackbonesSection() {
  const { stored, converting, error } = useBackbones();
  const profiles = useAppStore((s) => s.profiles);
  useEffect(() => {
    void refreshBackbones();
  }, []);
  return (
    <section className="card" aria-labelledby="backbones-title" data-testid="backbones">
      <h2 id="backbones-title">Backbones</h2>
      <ul className="profiles" data-testid="backbone-list">
        <li className="profile" data-testid="backbone-item" data-backbone-id={BUNDLED_BACKBONE.id}>
          <span className="profile-name">{BUNDLED_BACKBONE.label}</span>
          <div className="profile-facts small muted">{BUNDLED_BACKBONE.id} · bundled with the app</div>
        </li>
        {stored.map((b) => (
          <StoredRow key={b.id} info={b} usedBy={profiles.filter((p) => p.backbone.id === b.id).length} />
        ))}
      </ul>
      <FileDrop
        label="Convert a checkpoint"
        hint="Drop a torchvision ResNet50 / Wide ResNet50-2 checkpoint (.pth or .safetensors); it is converted here, in the browser, and stored in this browser."
        accept={CHECKPOINT_TYPES}
        disabled={converting !== null}
        onFiles={(f) => void convertBackboneFile(f[0])}
        testId="backbone-file"
      />
      {converting && <ProgressBar progress={converting.progress} label={`Converting ${converting.fileName}`} testId="backbone-progress" />}
      {error && (
        <p className="error small" role="alert" data-testid="backbone-error">
          {error}
        </p>
      )}
    </section>
  );
}
