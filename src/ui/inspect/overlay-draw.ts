/**
 * Draws an inspected image with its heatmap and the outline of the region above the threshold into
 * a canvas (main thread, 2D canvas only: a few hundred thousand pixel writes, no tensor work).
 */
import type { InspectItem, OverlaySettings } from '../../state/inspect-store';
import { heatmapRgba } from './colormap';
import { contourSegments } from './contour';

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
export function drawOverlay(canvas: HTMLCanvasElement, item: InspectItem, threshold: number | null, calibration: readonly number[], settings: OverlaySettings, scale: number): void {
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
  if (settings.contour) {
    const segs = contourSegments(item.map, size, size, threshold);
    if (segs.length) {
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
  }
}

export function canvasToPngBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not be encoded as PNG'))), 'image/png'));
}


/** A file-name-safe version of an image path. */
export function slug(name: string): string {
  return name.replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'image';
}
