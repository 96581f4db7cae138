/**
 * Drawing the anomaly map over a picture (the Live and Demo views). The model sees the picture resized to 256 x 256
 * (aspect ignored) and centre-cropped to 224 (src/engine/image/prepare.ts), so the map covers the middle 224/256 of
 * each axis. The colours are Inspect's (src/ui/inspect/colormap.ts): normalised with the threshold, 0.5 at it.
 */
import { heatmapRgba } from '../inspect/colormap';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The map's rectangle inside a picture drawn at (x, y) with size width x height. */
export function mapRect(x: number, y: number, width: number, height: number, crop = 224, resize = 256): Rect {
  const inset = (resize - crop) / 2 / resize;
  return { x: x + width * inset, y: y + height * inset, width: (width * crop) / resize, height: (height * crop) / resize };
}

/**
 * Paints the map over `ctx` at `rect` (a size x size tile scaled by the canvas), coloured on the threshold's scale:
 * `calibration` holds the profile's normal scores (the lowest maps to 0; none: 0 does).
 */
export function paintHeatmap(ctx: CanvasRenderingContext2D, map: Float32Array, size: number, rect: Rect, threshold: number, calibration: readonly number[], opacity = 0.6): void {
  const tile = new OffscreenCanvas(size, size);
  const tctx = tile.getContext('2d');
  if (!tctx) return;
  const img = new ImageData(size, size);
  heatmapRgba(map, threshold, calibration, 'turbo', opacity, img.data);
  tctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, rect.x, rect.y, rect.width, rect.height);
}
