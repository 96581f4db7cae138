/**
 * Converted backbones: the list (from IndexedDB), conversion in the worker with progress, delete and
 * export. The bundled ResNet50 is always offered and never stored.
 */
import { create } from 'zustand';
import { RESNET50_IMAGENET } from '../engine/backbones/spec';
import type { Progress } from '../engine/progress';
import type { BackboneInfo } from '../storage/backbone-store';
import { pushAlert } from './app-store';
import { downloadBlob } from './download';
import { backboneStore, engine } from './services';

export type { BackboneInfo };

export const BUNDLED_BACKBONE = { id: RESNET50_IMAGENET.id, label: RESNET50_IMAGENET.label, architecture: RESNET50_IMAGENET.architecture };

interface BackbonesState {
  stored: BackboneInfo[];
  loaded: boolean;
  converting: { fileName: string; progress: Progress | null } | null;
  /** The last conversion's failure, as the reader worded it. */
  error: string | null;
}

export const useBackbones = create<BackbonesState>()(() => ({ stored: [], loaded: false, converting: null, error: null }));
const set = useBackbones.setState;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function refreshBackbones(): Promise<void> {
  try {
    set({ stored: await backboneStore().list(), loaded: true });
  } catch (e) {
    set({ loaded: true });
    pushAlert('error', `Reading stored backbones failed: ${message(e)}`);
  }
}

/** Converts a dropped checkpoint in the worker and stores it; returns its info, or null on failure. */
export async function convertBackboneFile(file: File): Promise<BackboneInfo | null> {
  if (useBackbones.getState().converting) return null;
  set({ converting: { fileName: file.name, progress: null }, error: null });
  try {
    if (!/\.(pth|pt|bin|ckpt|safetensors)$/i.test(file.name)) throw new Error(`${file.name}: expected a PyTorch checkpoint (.pth) or a .safetensors file`);
    const bytes = await file.arrayBuffer();
    const info = await engine().request('convert-backbone', { file: { name: file.name, bytes } }, { transfer: [bytes], onProgress: (progress) => set({ converting: { fileName: file.name, progress } }) });
    await refreshBackbones();
    pushAlert('info', `Backbone "${info.label}" converted and stored.${info.warnings.length ? ` Warning: ${info.warnings.join('; ')}` : ''}`);
    return info;
  } catch (e) {
    set({ error: message(e) });
    return null;
  } finally {
    set({ converting: null });
  }
}

export async function deleteBackbone(id: string): Promise<void> {
  try {
    await backboneStore().remove(id);
    await refreshBackbones();
  } catch (e) {
    pushAlert('error', `Deleting the backbone failed: ${message(e)}`);
  }
}

export async function exportBackbone(id: string): Promise<void> {
  try {
    const { bytes, fileName } = await engine().request('export-backbone', { backboneId: id });
    downloadBlob(new Blob([bytes], { type: 'application/octet-stream' }), fileName);
  } catch (e) {
    pushAlert('error', `Exporting the backbone failed: ${message(e)}`);
  }
}
