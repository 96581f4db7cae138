/**
 * Drawing the anomaly map over a picture. The model sees the picture resized to 256 x 256 (aspect
 * ignored) and centre-cropped to 224 (src/engine/image/prepare.ts), so the map covers the middle
 * 224/256 of each axis. Pure helpers (no DOM) plus one canvas painter.
 */

/** Where the map lies in a picture of any size: fractions of its width and height. */
export const MAP_INSET = 16 / 256;

export interface Rect {
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
 * Map values -> RGBA (a jet-like ramp: blue, cyan, yellow, red). Values are scaled so `threshold`
 * lands at 0.5 of the ramp (`max` = 2 x threshold when not given); alpha grows with the value so
 * normal regions stay see-through.
 */
export function heatmapRgba(map: Float32Array, threshold: number, opacity = 0.6): Uint8ClampedArray {
  const out = new Uint8ClampedArray(map.length * 4);
  const scale = threshold > 0 ? 0.5 / threshold : 1;
  for (let i = 0; i < map.length; i++) {
    const t = Math.min(1, Math.max(0, map[i] * scale));
    const [r, g, b] = ramp(t);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = Math.round(255 * opacity * Math.min(1, 0.15 + t * 1.2));
  }
  return out;
}

/** Colour for t in [0, 1]. */
export function ramp(t: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * t - 3)), c(1.5 - Math.abs(4 * t - 2)), c(1.5 - Math.abs(4 * t - 1))];
}

/** Paints the map over `ctx` at `rect` (a size x size ImageData scaled by the canvas). */
export function paintHeatmap(ctx: CanvasRenderingContext2D, map: Float32Array, size: number, rect: Rect, threshold: number, opacity = 0.6): void {
  const tile = new OffscreenCanvas(size, size);
  const tctx = tile.getContext('2d');
  if (!tctx) return;
  tctx.putImageData(new ImageData(heatmapRgba(map, threshold, opacity) as Uint8ClampedArray<ArrayBuffer>, size, size), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, rect.x, rect.y, rect.width, rect.height);
}
