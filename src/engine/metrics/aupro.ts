import { connectedComponents } from './connected-components';

/**
 * Normalised area under the per-region-overlap (PRO) curve up to `fprLimit`, computed like the
 * official MVTec AD evaluation (`compute_pro` + `trapezoid(x_max=fprLimit)` / `fprLimit`):
 * ground-truth regions are the 8-connected components of each mask; every defect pixel weighs
 * 1 / (its region's size); FPR is taken over the normal pixels of all images; equal scores form a
 * single step; the curve runs from (0, 0) to (1, 1) and is linearly interpolated at the limit.
 * `maps[i]` and `masks[i]` are row-major `width x height` images; any non-zero mask byte is defect.
 * Memory: one float32 copy of the scores plus ~12 bytes per defect pixel.
 */
export function aupro(
  maps: Float32Array[],
  masks: Uint8Array[],
  width: number,
  height: number,
  fprLimit = 0.3,
): number {
  if (maps.length !== masks.length) throw new Error(`aupro: ${maps.length} maps but ${masks.length} masks`);
  if (!(fprLimit > 0 && fprLimit <= 1)) throw new Error(`aupro: fprLimit must be in (0, 1], got ${fprLimit}`);
  const size = width * height;
  let nDefect = 0;
  for (let m = 0; m < masks.length; m++) {
    if (maps[m].length !== size || masks[m].length !== size) {
      throw new Error(`aupro: image ${m} is not ${width}x${height}`);
    }
    for (let p = 0; p < size; p++) if (masks[m][p] !== 0) nDefect++;
  }
  const nNormal = size * masks.length - nDefect;

  const normal = new Float32Array(nNormal);
  const defect = new Float32Array(nDefect);
  const weight = new Float64Array(nDefect); // 1 / region size
  let nRegions = 0;
  let a = 0;
  let b = 0;
  for (let m = 0; m < masks.length; m++) {
    const map = maps[m];
    const { labels, count } = connectedComponents(masks[m], width, height);
    nRegions += count;
    const regionSize = new Int32Array(count + 1);
    for (let p = 0; p < size; p++) regionSize[labels[p]]++;
    for (let p = 0; p < size; p++) {
      const s = map[p];
      if (Number.isNaN(s)) throw new Error(`aupro: map ${m} has a NaN at pixel ${p}`);
      const l = labels[p];
      if (l === 0) normal[a++] = s;
      else {
        defect[b] = s;
        weight[b++] = 1 / regionSize[l];
      }
    }
  }
  if (nNormal === 0) throw new Error('aupro: no normal pixels');
  if (nRegions === 0) throw new Error('aupro: no defect regions');

  normal.sort();
  const order = new Uint32Array(nDefect);
  for (let i = 0; i < nDefect; i++) order[i] = i;
  order.sort((x, y) => defect[x] - defect[y]);

  // Walk thresholds from high to low, integrating the trapezoids of the (FPR, PRO) curve on the fly.
  let area = 0;
  let px = 0;
  let py = 0;
  let fp = 0;
  let pro = 0;
  let i = nNormal - 1;
  let j = nDefect - 1;
  const step = (x: number, y: number): boolean => {
    if (x > fprLimit) {
      // First point past the limit: interpolate linearly at the limit (unless a point sat on it).
      if (px < fprLimit) {
        const yLimit = py + ((y - py) * (fprLimit - px)) / (x - px);
        area += 0.5 * (yLimit + py) * (fprLimit - px);
      }
      return false;
    }
    area += 0.5 * (x - px) * (y + py);
    px = x;
    py = y;
    return true;
  };
  while (i >= 0 || j >= 0) {
    const t = j < 0 || (i >= 0 && normal[i] >= defect[order[j]]) ? normal[i] : defect[order[j]];
    while (i >= 0 && normal[i] === t) {
      fp++;
      i--;
    }
    while (j >= 0 && defect[order[j]] === t) pro += weight[order[j--]];
    if (!step(Math.min(fp / nNormal, 1), Math.min(pro / nRegions, 1))) return area / fprLimit;
  }
  step(1, 1); // the official curve always ends with an extra (1, 1)
  return area / fprLimit;
}
