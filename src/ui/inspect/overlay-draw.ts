/**
 * Draws an inspected image with its heatmap and the outline of its defect regions into a canvas (main thread, 2D
 * canvas only: a few hundred thousand pixel writes, no tensor work). The outline follows the patch cells at or above
 * the threshold (the regions' rule, src/state/inspect-results.ts), not the blurred map: the blur lowers peaks, so a
 * failing image's map can lie wholly below the threshold while its patches do not. The map's own contour is drawn
 * only for an item without patch scores.
 */
import type { DefectRegion } from '../../engine/profile/regions';
import { itemRegions } from '../../state/inspect-results';
import type { InspectItem, OverlaySettings } from '../../state/inspect-store';
import { heatmapRgba } from './colormap';
import { cellOutline, contourSegments } from './contour';

const imageCache = new WeakMap<Uint8Array, HTMLCanvasElement>();

/** The preview as a canvas of its own size (cached per preview buffer). */
function previewCanvas(rgb: Uint8Array, size: number): HTMLCanvasElement {
  let c = imageCache.get(rgb);
  if (c) return c;
  c = document.createElement('canvas');
  c.width = c.height = size;
  const img = new ImageData(size, size);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    img.data[j] = rgb[i];
    img.data[j + 1] = rgb[i + 1];
    img.data[j + 2] = rgb[i + 2];
    img.data[j + 3] = 255;
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
  imageCache.set(rgb, c);
  return c;
}

let heatCanvas: HTMLCanvasElement | null = null;

/**
 * Renders into `canvas` at `scale` x the map size. `threshold` null: the image alone (no heatmap
 * can be coloured without a threshold).
 */
export function drawOverlay(canvas: HTMLCanvasElement, item: InspectItem, threshold: number | null, calibration: readonly number[], settings: OverlaySettings, scale: number, minArea = 0): void {
  const size = item.mapSize;
  if (!size || !item.preview) return;
  const out = Math.round(size * scale);
  if (canvas.width !== out) canvas.width = out;
  if (canvas.height !== out) canvas.height = out;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, out, out);
  ctx.drawImage(previewCanvas(item.preview, size), 0, 0, out, out);
  if (!item.map || threshold === null) return;
  if (settings.show && settings.opacity > 0) {
    heatCanvas ??= document.createElement('canvas');
    heatCanvas.width = heatCanvas.height = size;
    const hctx = heatCanvas.getContext('2d')!;
    const img = new ImageData(size, size);
    heatmapRgba(item.map, threshold, calibration, settings.colourMap, settings.opacity, img.data);
    hctx.putImageData(img, 0, 0);
    ctx.drawImage(heatCanvas, 0, 0, out, out);
  }
  if (settings.contour) drawFailingOutline(ctx, item, threshold, scale, minArea);
}

type Segment = [number, number, number, number];
type Pen = Pick<CanvasRenderingContext2D, 'beginPath' | 'moveTo' | 'lineTo' | 'stroke' | 'lineCap' | 'strokeStyle' | 'lineWidth'>;

/**
 * The outline of an item's defect regions at `threshold`, in pixels of the model's input: the sides of the patch
 * cells at or above it that lie in a region kept (regions under `minArea` are specks, left out).
 */
export function regionOutline(item: Pick<InspectItem, 'patches' | 'grid' | 'mapSize'>, threshold: number, regions: readonly DefectRegion[]): Segment[] {
  const { patches, grid, mapSize } = item;
  if (!patches || !grid || !mapSize || regions.length === 0) return [];
  const cell = mapSize / grid;
  const cells = new Uint8Array(grid * grid);
  for (let y = 0; y < grid; y++)
    for (let x = 0; x < grid; x++) {
      const cx = (x + 0.5) * cell, cy = (y + 0.5) * cell;
      const inRegion = regions.some((r) => cx >= r.box.x && cx < r.box.x + r.box.width && cy >= r.box.y && cy < r.box.y + r.box.height);
      if (inRegion && patches[y * grid + x] >= threshold) cells[y * grid + x] = 1;
    }
  return cellOutline(cells, grid, cell);
}

/** Strokes segments (input pixels) at `scale`: a dark line under a white one, visible on any image. */
function strokeSegments(ctx: Pen, segs: readonly Segment[], scale: number): void {
  ctx.beginPath();
  for (const [x0, y0, x1, y1] of segs) {
    ctx.moveTo(x0 * scale, y0 * scale);
    ctx.lineTo(x1 * scale, y1 * scale);
  }
  ctx.lineCap = 'round';
  ctx.strokeStyle = 'rgb(0 0 0 / 0.8)';
  ctx.lineWidth = Math.max(2, scale * 1.6);
  ctx.stroke();
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = Math.max(1, scale * 0.8);
  ctx.stroke();
}

/**
 * Outlines where the item fails: its defect regions from the patch scores (the map's contour when it has none).
 * Returns the number of segments drawn (0: nothing at or above the threshold).
 */
export function drawFailingOutline(ctx: Pen, item: InspectItem, threshold: number | null, scale: number, minArea = 0): number {
  if (threshold === null) return 0;
  const size = item.mapSize ?? 0;
  const segs = item.patches && item.grid ? regionOutline(item, threshold, itemRegions(item, threshold, minArea)) : item.map && size ? contourSegments(item.map, size, size, threshold) : [];
  if (segs.length) strokeSegments(ctx, segs, scale);
  return segs.length;
}

export function canvasToPngBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded as PNG'))), 'image/png'));
}


/** A file-name-safe version of an image path. */
export function slug(name: string): string {
  return name.replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'image';
}
