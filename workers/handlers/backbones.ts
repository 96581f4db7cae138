/**
 * 'convert-backbone' and 'export-backbone': a dropped .pth / .safetensors checkpoint converted and stored as a
 * backbone, and a stored backbone exported as one .safetensors in torchvision naming (the work is in
 * workers/backbones.ts, next to the store).
 */
import type { BackboneInfo } from '../../src/storage/backbone-store';
import type { ResultMap } from '../../src/worker-bridge/protocol';
import { convertBackbone, exportBackbone } from '../backbones';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';

export function convert(req: Req<'convert-backbone'>, _session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<BackboneInfo> {
  return convertBackbone(req.file, signal, onProgress);
}

export function exportStored(req: Req<'export-backbone'>): Promise<ResultMap['export-backbone']> {
  return exportBackbone(req.backboneId);
}
