/** Result of {@link connectedComponents}: per-pixel labels (0 = background, 1..count = regions). */
export interface Components {
  labels: Int32Array;
  count: number;
}

/**
 * Labels the 8-connected foreground regions of a row-major binary mask (any non-zero byte is
 * foreground), like `scipy.ndimage.label(mask, structure=np.ones((3, 3)))`. Regions are numbered
 * in raster order of their first pixel. Iterative flood fill with an explicit stack, no recursion.
 */
export function connectedComponents(mask: Uint8Array, width: number, height: number): Components {
  const n = width * height;
  if (mask.length !== n) throw new Error(`connectedComponents: mask has ${mask.length} pixels, expected ${width}x${height}`);
  const labels = new Int32Array(n);
  const stack = new Int32Array(n);
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    const label = ++count;
    labels[start] = label;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (mask[q] !== 0 && labels[q] === 0) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
  }
  return { labels, count };
}
