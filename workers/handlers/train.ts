/**
 * 'train-start', 'train-pause' and 'train-resume': a ToCoAD fine-tuning run (workers/training/run.ts) on the
 * session's backend, starting from the bundled backbone (its training-only layer4 read each run) or a stored one;
 * its events go to the page under the request's id. Pause and resume are answered at once.
 */
import { RESNET50_IMAGENET } from '../../src/engine/backbones/spec';
import type { TrainResult } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import { setTrainingPaused } from '../training/pause';
import type { TrainingHost } from '../training/run';
import { runTraining } from '../training/run';
import type { OnProgress, Req } from './types';

export function trainStart(req: Req<'train-start'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<TrainResult> {
  const host: TrainingHost = {
    baseSource: async (id) =>
      id === RESNET50_IMAGENET.id
        ? { source: session.model.training, where: session.model.where, bundled: true }
        : { source: await session.storedBackboneSource(id), where: `backbone "${id}"`, bundled: false },
    backend: () => session.backendName,
    decode: (file) => session.decode(file),
    emit: (event) => session.post({ type: 'train', id: req.id, event }),
  };
  return session.backend.onBackend(signal, (s) => runTraining(req, s, onProgress, host));
}

/** 'train-pause' / 'train-resume': false when no training runs. */
export function trainPause(req: Req<'train-pause'> | Req<'train-resume'>): { training: boolean } {
  return setTrainingPaused(req.type === 'train-pause');
}
