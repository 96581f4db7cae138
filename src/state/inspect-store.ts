/**
 * Inspection results (zustand, separate from the app store): one item per dropped file with its raw
 * score, patch scores, anomaly map and preview from the worker, or the reason it could not be inspected. Verdicts
 * and defect regions are not stored: they are derived from the raw and patch scores and the threshold in use, so
 * moving the threshold slider never re-scores. Results live only in this tab until exported (`unexported`).
 */
import { create } from 'zustand';
import type { Label } from '../engine/data/labels';

export type { Label };

/** The heatmap colour maps a view can choose (their colours: src/ui/inspect/colormap.ts). */
export type ColourMapName = 'turbo' | 'inferno' | 'reds';

type ItemStatus = 'queued' | 'scoring' | 'done' | 'error';

export interface InspectItem {
  id: number;
  /** Relative path when it came from a folder, else the file name; used in every message and export. */
  name: string;
  bytes: number;
  label: Label | null;
  status: ItemStatus;
  error?: string;
  score?: number;
  /** Patch scores on the grid x grid lattice (the image score is their maximum): the defect regions come from them. */
  patches?: Float32Array;
  grid?: number;
  /** Anomaly map, mapSize x mapSize (blurred patch scores: the heatmap). */
  map?: Float32Array;
  mapSize?: number;
  /** RGB preview of what the model saw, mapSize x mapSize. */
  preview?: Uint8Array;
  width?: number;
  height?: number;
  ms?: number;
  backend?: string;
}

export type VerdictFilter = 'all' | 'pass' | 'fail' | 'error';

/** The results' order: as added, or by severity (normalised score, highest first). */
export type ResultOrder = 'batch' | 'severity';

export interface OverlaySettings {
  show: boolean;
  opacity: number;
  colourMap: ColourMapName;
  contour: boolean;
}

interface InspectState {
  items: InspectItem[];
  /** The profile the items were scored with. */
  profileId: string | null;
  running: boolean;
  startedAt: number | null;
  /** Threshold being tried on the slider; null means the profile's own. */
  draftThreshold: number | null;
  filter: VerdictFilter;
  sort: ResultOrder;
  /** Item id shown in the detail view. */
  detailId: number | null;
  overlay: OverlaySettings;
  /** Results scored since the last export (a reload would lose them: the page warns before unloading). */
  unexported: boolean;
}

export const useInspectStore = create<InspectState>()(() => ({
  items: [],
  profileId: null,
  running: false,
  startedAt: null,
  draftThreshold: null,
  filter: 'all',
  sort: 'batch',
  detailId: null,
  overlay: { show: true, opacity: 0.55, colourMap: 'turbo', contour: true },
  unexported: false,
}));

export function patchItem(id: number, patch: Partial<InspectItem>): void {
  useInspectStore.setState((s) => ({ items: s.items.map((it) => (it.id === id ? { ...it, ...patch } : it)) }));
}
