import { describe, expect, it } from 'vitest';
import { colourAt, colourLut, heatmapRgba } from './colormap';
import { boundaryMask, contourSegments } from './contour';
import { buildCsv, buildJson, bySeverity, derive, histogram } from './results';
import type { InspectItem } from '../../state/inspect-store';
import { normalizeScore, rawForNormalized } from '../../engine/profile/verdict';

/** Parses our CSV (RFC 4180 quoting) back to rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    }
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('verdicts derived from raw scores', () => {
  it('fails at or above the threshold, normalises 0.5 at the threshold', () => {
    const calib = [1, 2, 3];
    expect(derive(3, 3, calib)).toEqual({ verdict: 'fail', normalized: 0.5 });
    expect(derive(2.999, 3, calib).verdict).toBe('pass');
    // median normal (2) -> 0.25, threshold (3) -> 0.5, 4.5 (as far above, in ratio) -> 0.75; far above stays below 1.
    expect(derive(2, 3, calib).normalized).toBeCloseTo(0.25, 12);
    expect(derive(4.5, 3, calib).normalized).toBeCloseTo(0.75, 12);
    expect(derive(9, 3, calib).normalized!).toBeGreaterThan(0.75);
    expect(derive(9, 3, calib).normalized!).toBeLessThan(1);
    expect(derive(0, 3, calib).normalized).toBe(0);
    expect(derive(null, 3, calib)).toEqual({ verdict: 'error', normalized: null });
    expect(derive(2, null, calib)).toEqual({ verdict: null, normalized: null });
  });

  it('moving the threshold changes verdicts without any new score', () => {
    const scores = [0.5, 1.5, 2.5, 3.5];
    const fails = (t: number) => scores.filter((s) => derive(s, t, []).verdict === 'fail').length;
    expect([0, 1, 2, 3, 4].map(fails)).toEqual([4, 3, 2, 1, 0]);
  });
});

describe('CSV export', () => {
  const rows = [
    { name: 'test/good/000.png', score: 1.25, label: 'good' as const },
    { name: 'test/broken_large/000.png', score: 4.5, label: 'defective' as const },
    { name: 'odd, "name".png', score: 2 },
    { name: '=HYPERLINK("x").png', score: 0.1 },
    { name: 'report.pdf', score: null, error: 'report.pdf: not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)' },
  ];
  const csv = buildCsv(rows, 2, 'bottle, line 3', [1, 1.5]);
  const parsed = parseCsv(csv);

  it('has a header and one row per image, in order', () => {
    expect(parsed[0]).toEqual(['name', 'verdict', 'normalized_score', 'raw_score', 'threshold', 'profile', 'label', 'error', 'regions', 'largest_region_percent']);
    expect(parsed.length).toBe(rows.length + 1);
    expect(parsed.slice(1).map((r) => r[0])).toEqual(['test/good/000.png', 'test/broken_large/000.png', 'odd, "name".png', "'=HYPERLINK(\"x\").png", 'report.pdf']);
  });

  it('writes verdict, normalised score, raw score, threshold and profile', () => {
    // 1.25 is the median of the normal scores [1, 1.5]: 0.25.
    expect(parsed[1]).toEqual(['test/good/000.png', 'pass', '0.250000', '1.25', '2', 'bottle, line 3', 'good', '', '', '']);
    expect(parsed[2].slice(1, 5)).toEqual(['fail', normalizeScore(4.5, 2, [1, 1.5]).toFixed(6), '4.5', '2']);
    expect(Number(parsed[2][2])).toBeGreaterThan(0.75);
    expect(parsed[3][1]).toBe('fail'); // 2 >= 2
    expect(parsed[5].slice(1, 4)).toEqual(['error', '', '']);
    expect(parsed[5][7]).toContain('not a supported image');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('JSON carries the same verdicts', () => {
    const json = JSON.parse(buildJson(rows, 2, { id: 'p1', name: 'bottle' }, [1, 1.5], new Date('2026-01-01T00:00:00Z')));
    expect(json.threshold).toBe(2);
    expect(json.images.map((i: { verdict: string }) => i.verdict)).toEqual(['pass', 'fail', 'fail', 'pass', 'error']);
    expect(json.images[4].error).toContain('report.pdf');
  });
});

describe('colour map', () => {
  it('is anchored on the threshold: a map value at the threshold gets the colour of 0.5 in every image', () => {
    const calib = [2, 3];
    const lut = colourLut('turbo');
    const at = (v: number, t: number) => [...heatmapRgba(new Float32Array([v]), t, calib, 'turbo', 1)];
    const mid = [lut[128 * 3], lut[128 * 3 + 1], lut[128 * 3 + 2], 255];
    // (alpha: full opacity at the threshold; the colours below are checked with the alpha dropped)
    expect(at(5, 5)).toEqual(mid);
    expect(at(8, 8)).toEqual(mid);
    // The median normal score is the colour of 0.25 whatever the threshold; 0 and below the bottom colour.
    expect(at(2.5, 5).slice(0, 3)).toEqual(colourAt('turbo', Math.round(0.25 * 255) / 255));
    expect(at(0, 5).slice(0, 3)).toEqual(colourAt('turbo', 0));
    expect(at(-1, 5).slice(0, 3)).toEqual(colourAt('turbo', 0));
  });

  it('with no normal scores, 0 is the bottom colour and twice the threshold 0.75 (the Live view without a threshold)', () => {
    const lut = colourLut('turbo');
    const rgb = (v: number) => [...heatmapRgba(new Float32Array([v]), 4, [], 'turbo', 1)].slice(0, 3);
    expect(rgb(0)).toEqual(colourAt('turbo', 0));
    expect(rgb(4)).toEqual([lut[128 * 3], lut[128 * 3 + 1], lut[128 * 3 + 2]]);
    expect(rgb(8)).toEqual(colourAt('turbo', Math.round(0.75 * 255) / 255));
  });

  it('interpolates between stops, clamps outside [0, 1], scales alpha by opacity', () => {
    expect(colourAt('reds', 0)).toEqual([255, 255, 255]);
    expect(colourAt('reds', 1)).toEqual([103, 0, 13]);
    expect(colourAt('reds', 0.25)).toEqual([254, 201, 185]);
    expect(colourAt('inferno', -3)).toEqual(colourAt('inferno', 0));
    expect(colourAt('inferno', NaN)).toEqual(colourAt('inferno', 0));
    expect(heatmapRgba(new Float32Array([1]), 1, [], 'reds', 0.5)[3]).toBe(128);
  });

  it('fades out clearly normal values: transparent up to 0.15, full opacity from 0.45 up', () => {
    const normals = [2, 5];
    const alpha = (v: number) => heatmapRgba(new Float32Array([v]), 10, normals, 'turbo', 0.8)[3];
    const raw = (n: number) => rawForNormalized(n, 10, normals);
    expect(alpha(0)).toBe(0); // normalised 0
    expect(alpha(raw(0.15) * 0.999)).toBe(0);
    expect(alpha(raw(0.3))).toBe(Math.round(255 * 0.8 * 0.5)); // half-way through the fade
    expect(alpha(raw(0.45) * 1.001)).toBe(204);
    expect(alpha(10)).toBe(204);
    expect(alpha(30)).toBe(204);
  });

  it('gets darker (inferno: brighter) monotonically along the scale', () => {
    const lum = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    for (let i = 1; i <= 20; i++) expect(lum(colourAt('inferno', i / 20))).toBeGreaterThan(lum(colourAt('inferno', (i - 1) / 20)));
  });
});

/** Endpoints of the segments, rounded, with how often each occurs: a closed outline has each twice. */
function endpointDegrees(segs: number[][]): number[] {
  const deg = new Map<string, number>();
  for (const [a, b, c, d] of segs) for (const k of [`${a.toFixed(6)},${b.toFixed(6)}`, `${c.toFixed(6)},${d.toFixed(6)}`]) deg.set(k, (deg.get(k) ?? 0) + 1);
  return [...new Set(deg.values())];
}

describe('contour extraction', () => {
  it('outlines one hot pixel with a closed diamond', () => {
    const map = new Float32Array(9);
    map[4] = 1;
    const segs = contourSegments(map, 3, 3, 0.5);
    expect(segs.length).toBe(4);
    expect(endpointDegrees(segs)).toEqual([2]);
    // Crossings half-way between the hot pixel centre (1.5, 1.5) and its neighbours.
    const xs = segs.flatMap((s) => [s[0], s[2]]);
    expect(Math.min(...xs)).toBeCloseTo(1, 12);
    expect(Math.max(...xs)).toBeCloseTo(2, 12);
  });

  it('closes regions that touch the border, and finds nothing when nothing is above the level', () => {
    const w = 6, h = 5;
    const map = new Float32Array(w * h);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) map[y * w + x] = 2;
    const segs = contourSegments(map, w, h, 1);
    expect(segs.length).toBeGreaterThan(0);
    expect(endpointDegrees(segs)).toEqual([2]);
    expect(contourSegments(map, w, h, 3)).toEqual([]);
    expect(() => contourSegments(map, w, h + 1, 1)).toThrow(/30 values for 6x6/);
  });

  it('places the crossing by linear interpolation', () => {
    // A ramp 0..4 along x: the 2.5 level lies between x = 2 and 3, at 2.5 + 0.5 (pixel centres).
    const w = 5, h = 2;
    const map = Float32Array.from({ length: w * h }, (_, i) => i % w);
    const inner = contourSegments(map, w, h, 2.5).filter(([x0, , x1]) => x0 === x1 && x0 > 0.5 && x0 < 4.5);
    expect(inner.length).toBeGreaterThan(0);
    for (const s of inner) expect(s[0]).toBeCloseTo(3, 12);
  });

  it('boundary mask marks the rim of a block only', () => {
    const w = 5, h = 5;
    const map = new Float32Array(w * h);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) map[y * w + x] = 1;
    const m = boundaryMask(map, w, h, 0.5);
    expect([...m].reduce((a, b) => a + b, 0)).toBe(8);
    expect(m[2 * w + 2]).toBe(0);
  });
});

describe('histogram', () => {
  it('puts every score in a bin, clamping the ends', () => {
    const bins = histogram([0, 0.1, 0.5, 0.99, 1, 7], [0.45, 0.55], 4, 0, 1);
    expect(bins.map((b) => b.batch)).toEqual([2, 0, 1, 3]);
    expect(bins.map((b) => b.calibration)).toEqual([0, 1, 1, 0]);
    expect(bins[0].x).toBeCloseTo(0.125, 12);
  });
});

describe('results by severity', () => {
  const item = (id: number, status: InspectItem['status'], score?: number): InspectItem => ({ id, name: `${id}.png`, bytes: 1, label: null, status, score });
  const items = [item(1, 'done', 1), item(2, 'error'), item(3, 'done', 9), item(4, 'queued'), item(5, 'done', 3), item(6, 'done', 3)];

  it('puts the highest normalised score first, ties in batch order, and what has no score last', () => {
    expect(bySeverity(items, 2, [1, 1.5]).map((i) => i.id)).toEqual([3, 5, 6, 1, 2, 4]);
  });

  it('orders by the raw score without a threshold, and leaves the batch as it was', () => {
    expect(bySeverity(items, null, []).map((i) => i.id)).toEqual([3, 5, 6, 1, 2, 4]);
    expect(items.map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

