import { useState } from 'react';
import type { WakeLockState } from './screen';
import { setTorch, torchSupported } from './screen';

const WAKE_TEXT: Record<WakeLockState, string> = {
  held: 'The screen stays on while inspecting.',
  released: 'The screen may dim (it is kept on while the camera runs).',
  unsupported: 'This browser cannot keep the screen on: it may dim.',
  refused: 'The browser refused to keep the screen on: it may dim.',
};

/** Full screen, the torch (where the camera has one) and whether the screen is kept on. */
export function LiveDeviceControls({ track, fullscreen, wake }: { track: MediaStreamTrack | null; fullscreen: { on: boolean; supported: boolean; toggle: () => void }; wake: WakeLockState }) {
  // The track whose torch is lit: a new camera (a new track) starts with it off.
  const [litTrack, setLitTrack] = useState<MediaStreamTrack | null>(null);
  const [torchProblem, setTorchProblem] = useState<string | null>(null);
  const hasTorch = torchSupported(track);
  const torch = track !== null && litTrack === track;
  const toggleTorch = () => {
    if (!track) return;
    setTorch(track, !torch).then(
      () => (setLitTrack(torch ? null : track), setTorchProblem(null)),
      (e: Error) => setTorchProblem(`The torch did not switch: ${e.message}`),
    );
  };
  return (
    <>
      <div className="actions">
        <button type="button" onClick={fullscreen.toggle} disabled={!fullscreen.supported} data-testid="live-fullscreen" aria-pressed={fullscreen.on}>
          {fullscreen.on ? 'Exit full screen' : 'Full screen'}
        </button>
        {hasTorch && (
          <button type="button" onClick={toggleTorch} data-testid="live-torch" aria-pressed={torch}>
            {torch ? 'Torch off' : 'Torch on'}
          </button>
        )}
      </div>
      <p className="small muted" data-testid="live-wake-lock" data-state={wake}>
        {WAKE_TEXT[wake]}
      </p>
      {torchProblem && <p className="error-text">{torchProblem}</p>}
    </>
  );
}
