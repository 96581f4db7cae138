/**
 * The outline of the region where a map is at or above a level, by marching squares over the pixel
 * centres: line segments in pixel coordinates (x, y of a pixel centre is x + 0.5, y + 0.5), ready to
 * be stroked at any scale. Edges of the image close the outline (values outside count as below). Also the outline
 * of a set of patch cells (a failing image's defect regions), along the cell sides.
 */
type Segment = [number, number, number, number];

export function contourSegments(map: ArrayLike<number>, width: number, height: number, level: number): Segment[] {
  if (map.length !== width * height) throw new Error(`contourSegments: ${map.length} values for ${width}x${height}`);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? -Infinity : map[y * width + x]);
  const segs: Segment[] = [];
  // Interpolated crossing between two samples (a at p, b at q) along one axis.
  const cross = (a: number, b: number, p: number, q: number) => {
    // Outside the image: the outline runs half-way to the border sample.
    if (!Number.isFinite(a) || !Number.isFinite(b)) return p + 0.5 * (q - p);
    return p + ((level - a) / (b - a)) * (q - p);
  };
  for (let y = -1; y < height; y++) {
    for (let x = -1; x < width; x++) {
      const tl = at(x, y), tr = at(x + 1, y), br = at(x + 1, y + 1), bl = at(x, y + 1);
      const code = (tl >= level ? 8 : 0) | (tr >= level ? 4 : 0) | (br >= level ? 2 : 0) | (bl >= level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      const cx = x + 0.5, cy = y + 0.5;
      const top: [number, number] = [cross(tl, tr, cx, cx + 1), cy];
      const right: [number, number] = [cx + 1, cross(tr, br, cy, cy + 1)];
      const bottom: [number, number] = [cross(bl, br, cx, cx + 1), cy + 1];
      const left: [number, number] = [cx, cross(tl, bl, cy, cy + 1)];
      const add = (p: [number, number], q: [number, number]) => segs.push([p[0], p[1], q[0], q[1]]);
      switch (code) {
        case 1: case 14: add(left, bottom); break;
        case 2: case 13: add(bottom, right); break;
        case 3: case 12: add(left, right); break;
        case 4: case 11: add(top, right); break;
        case 6: case 9: add(top, bottom); break;
        case 7: case 8: add(left, top); break;
        case 5: add(left, top); add(bottom, right); break;
        case 10: add(top, right); add(left, bottom); break;
      }
    }
  }
  return segs;
}

/** Pixels above the level that touch one below (or the border): a raster outline, for tests and thumbnails. */
export function boundaryMask(map: ArrayLike<number>, width: number, height: number, level: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const above = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && map[y * width + x] >= level;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (above(x, y) && (!above(x - 1, y) || !above(x + 1, y) || !above(x, y - 1) || !above(x, y + 1))) out[y * width + x] = 1;
  return out;
}

/**
 * The outline of a set of grid cells (`cells[y * grid + x]` 1 when in the set): the cell sides between a cell in
 * the set and one outside it (or the border), as segments in pixel units (`cell` pixels a side).
 */
export function cellOutline(cells: ArrayLike<number>, grid: number, cell: number): Segment[] {
  const inSet = (x: number, y: number) => x >= 0 && y >= 0 && x < grid && y < grid && cells[y * grid + x] > 0;
  const segs: Segment[] = [];
  for (let y = 0; y < grid; y++)
    for (let x = 0; x < grid; x++) {
      if (!inSet(x, y)) continue;
      const x0 = x * cell, y0 = y * cell, x1 = x0 + cell, y1 = y0 + cell;
      if (!inSet(x, y - 1)) segs.push([x0, y0, x1, y0]);
      if (!inSet(x + 1, y)) segs.push([x1, y0, x1, y1]);
      if (!inSet(x, y + 1)) segs.push([x0, y1, x1, y1]);
      if (!inSet(x - 1, y)) segs.push([x0, y0, x0, y1]);
    }
  return segs;
}
