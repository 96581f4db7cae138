/**
 * What the live view asks of the device while inspecting: the screen kept on (Screen Wake Lock), a full-screen
 * verdict readable from across the line, and the camera's torch where it has one.
 */
import { useEffect, useState } from 'react';

export type WakeLockState = 'held' | 'released' | 'unsupported' | 'refused';

/** Holds a screen wake lock while `active`; the browser drops it when the tab is hidden, so it is asked again on return. */
export function useWakeLock(active: boolean): WakeLockState {
  const supported = typeof navigator !== 'undefined' && 'wakeLock' in navigator;
  const [state, setState] = useState<WakeLockState>(supported ? 'released' : 'unsupported');
  useEffect(() => {
    if (!supported || !active) return;
    let sentinel: WakeLockSentinel | null = null;
    let stopped = false;
    const acquire = () => {
      if (document.hidden || sentinel) return;
      navigator.wakeLock.request('screen').then(
        (s) => {
          if (stopped) return void s.release();
          sentinel = s;
          setState('held');
          s.addEventListener('release', () => {
            sentinel = null;
            if (!stopped) setState('released');
          });
        },
        () => setState('refused'),
      );
    };
    acquire();
    document.addEventListener('visibilitychange', acquire);
    return () => {
      stopped = true;
      document.removeEventListener('visibilitychange', acquire);
      void sentinel?.release();
      setState('released');
    };
  }, [active, supported]);
  return state;
}

/** Whether `element` is the full-screen element, and a toggle for it. */
export function useFullscreen(element: () => HTMLElement | null): { on: boolean; supported: boolean; toggle: () => void } {
  const [on, setOn] = useState(false);
  useEffect(() => {
    const sync = () => setOn(document.fullscreenElement !== null && document.fullscreenElement === element());
    document.addEventListener('fullscreenchange', sync);
    return () => document.removeEventListener('fullscreenchange', sync);
  }, [element]);
  const supported = typeof document !== 'undefined' && document.fullscreenEnabled;
  const toggle = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void element()?.requestFullscreen({ navigationUI: 'hide' });
  };
  return { on, supported, toggle };
}

/** A track's torch, where the camera has one (getCapabilities().torch). */
export function torchSupported(track: MediaStreamTrack | null): boolean {
  const caps = track?.getCapabilities?.() as (MediaTrackCapabilities & { torch?: boolean }) | undefined;
  return caps?.torch === true;
}

export async function setTorch(track: MediaStreamTrack, on: boolean): Promise<void> {
  await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
}
