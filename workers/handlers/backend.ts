/**
 * 'init' and 'set-backend': start the engine on the backend the setting asks for ('auto' calibrates, or reuses the
 * page's cached calibration of this device) and load the bundled backbone there; the answer says what runs and why.
 */
import type { BackendInfo } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';

export function init(req: Req<'init'>, session: Session, _signal: AbortSignal, onProgress: OnProgress): Promise<BackendInfo> {
  return session.backend.applyChoice(req.choice, onProgress, req.calibration);
}

export function setBackend(req: Req<'set-backend'>, session: Session, _signal: AbortSignal, onProgress: OnProgress): Promise<BackendInfo> {
  return session.backend.applyChoice(req.choice, onProgress);
}
