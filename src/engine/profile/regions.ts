/**
 * Defect regions: where a part fails. The anomaly map's patches (the grid the image score is the maximum of) that
 * score at or above the threshold, grouped into connected regions (8-neighbourhood), each with its area (pixels of
 * the model's input and % of it), bounding box and peak score. Regions come from the patch scores, not from the
 * blurred map, so a part that fails always has at least one region (the blur lowers peaks: a map alone can show
 * nothing above the threshold for a failing part). Regions smaller than a profile's minimum area are left out.
 */

export interface DefectRegion {
  /** Pixels of the model's input (size x size) the region covers, and that as % of the input. */
  area: number;
  areaPercent: number;
  /** In input pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** The highest patch score in the region. */
  peak: number;
}

/** The regions of one image, largest first; `minArea` in input pixels. */
export function defectRegions(patches: Float32Array, grid: number, size: number, threshold: number, minArea = 0): DefectRegion[] {
  if (patches.length !== grid * grid) throw new Error(`expected ${grid} x ${grid} patch scores, got ${patches.length}`);
  const cell = size / grid;
  const seen = new Uint8Array(patches.length);
  const regions: DefectRegion[] = [];
  for (let start = 0; start < patches.length; start++) {
    if (seen[start] || !(patches[start] >= threshold)) continue;
    let cells = 0, peak = -Infinity, minX = grid, minY = grid, maxX = -1, maxY = -1;
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % grid, y = (i - x) / grid;
      cells++;
      peak = Math.max(peak, patches[i]);
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= grid || ny >= grid) continue;
          const j = ny * grid + nx;
          if (!seen[j] && patches[j] >= threshold) {
            seen[j] = 1;
            stack.push(j);
          }
        }
    }
    const area = cells * cell * cell;
    if (area < minArea) continue;
    regions.push({
      area,
      areaPercent: (100 * area) / (size * size),
      box: { x: minX * cell, y: minY * cell, width: (maxX - minX + 1) * cell, height: (maxY - minY + 1) * cell },
      peak,
    });
  }
  return regions.sort((a, b) => b.area - a.area || b.peak - a.peak);
}
