/**
 * 'load-profile': makes a stored profile scorable under the page's key. The backbone it was built on is loaded
 * first (a converted one must be stored, with the same weights hash); its scorer is made on first use.
 */
import { RESNET50_IMAGENET } from '../../src/engine/backbones/spec';
import { bankToFloat32 } from '../../src/engine/profile/stored-bank';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';

export async function loadProfile(req: Req<'load-profile'>, session: Session, _signal: AbortSignal, onProgress: OnProgress): Promise<{ key: string }> {
  const { id, weightsHash } = req.meta.backbone;
  await session.backboneFor(id, id === RESNET50_IMAGENET.id ? undefined : weightsHash, onProgress);
  session.profiles.remember(req.key, req.meta, bankToFloat32(req.bank));
  return { key: req.key };
}
