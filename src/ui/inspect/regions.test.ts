/**
 * A failing image's defect regions (from its patch scores, drawn as an outline even where the blurred map stays
 * below the threshold), the batch's counts in words, and the swipe between images in the detail view.
 */
import { describe, expect, it } from 'vitest';
import type { InspectItem } from '../../state/inspect-store';
import { resultRows } from '../../state/inspect-results';
import { contourSegments } from './contour';
import { drawFailingOutline, regionOutline } from './overlay-draw';
import { batchCounts, buildCsv, buildJson, countsText, derive, itemRegions } from './results';
import { swipeDirection } from './useStageView';

/** A canvas 2D context that records the outline drawn into it. */
function recordingPen() {
  const calls: string[] = [];
  const pen = {
    lineCap: 'butt' as CanvasLineCap,
    strokeStyle: '' as string | CanvasGradient | CanvasPattern,
    lineWidth: 1,
    beginPath: () => void calls.push('beginPath'),
    moveTo: (x: number, y: number) => void calls.push(`moveTo ${x},${y}`),
    lineTo: (x: number, y: number) => void calls.push(`lineTo ${x},${y}`),
    stroke: () => void calls.push('stroke'),
  };
  return { pen, calls };
}

describe('defect regions of a failing image (issue: a Fail at 1.000 showed no outline)', () => {
  // 4 x 4 patches of 56 px (224 input): one patch at 5 with the threshold at 4. The map is the blurred patch
  // scores: its peak (3.5) is below the threshold, so the map's own contour finds nothing.
  const patches = new Float32Array(16).fill(1);
  patches[5] = 5;
  const item: InspectItem = { id: 1, name: 'good/007.png', bytes: 1, label: null, status: 'done', score: 5, patches, grid: 4, map: new Float32Array(224 * 224).fill(3.5), mapSize: 224 };

  it('still gets a region from its patch scores, with its area', () => {
    expect(derive(5, 4, []).verdict).toBe('fail');
    expect(contourSegments(item.map!, 224, 224, 4)).toEqual([]);
    const regions = itemRegions(item, 4);
    expect(regions).toHaveLength(1);
    expect(regions[0].box).toEqual({ x: 56, y: 56, width: 56, height: 56 });
    expect(regions[0].areaPercent).toBeCloseTo(6.25, 12);
    // A minimum area larger than the region leaves it out (a speck); a passing threshold finds none.
    expect(itemRegions(item, 4, 56 * 56 + 1)).toEqual([]);
    expect(itemRegions(item, 6)).toEqual([]);
  });

  it('is outlined: the sides of its patch cell, drawn into the canvas', () => {
    const segs = regionOutline(item, 4, itemRegions(item, 4));
    expect(segs.sort()).toEqual(
      [
        [56, 56, 112, 56],
        [112, 56, 112, 112],
        [56, 112, 112, 112],
        [56, 56, 56, 112],
      ].sort(),
    );
    const { pen, calls } = recordingPen();
    expect(drawFailingOutline(pen, item, 4, 2)).toBe(4);
    expect(calls.filter((c) => c === 'stroke')).toHaveLength(2);
    expect(calls).toContain('moveTo 112,112');
    expect(calls).toContain('lineTo 224,112');
    // Nothing at or above the threshold: nothing drawn.
    const quiet = recordingPen();
    expect(drawFailingOutline(quiet.pen, item, 6, 2)).toBe(0);
    expect(quiet.calls).toEqual([]);
  });

  it('outlines each kept region: two cells apart are two squares, touching cells one outline', () => {
    const p = new Float32Array(16).fill(0);
    p[0] = p[1] = 9; // two touching cells: one region, one outline of 6 sides
    p[15] = 9;
    const two = { patches: p, grid: 4, mapSize: 8 };
    expect(itemRegions(two, 5)).toHaveLength(2);
    expect(regionOutline(two, 5, itemRegions(two, 5))).toHaveLength(6 + 4);
  });

  it('the export rows carry the region count and the largest region', () => {
    const rows = resultRows([item, { id: 2, name: 'x.pdf', bytes: 1, label: null, status: 'error', error: 'x.pdf: not an image' }], 4);
    expect(rows.map((r) => [r.name, r.regions, r.largestRegionPercent])).toEqual([
      ['good/007.png', 1, 6.25],
      ['x.pdf', null, null],
    ]);
    const csv = buildCsv(rows, 4, 'p').trim().split('\r\n').map((l) => l.split(','));
    expect(csv[1].slice(-2)).toEqual(['1', '6.25']);
    expect(csv[2].slice(-2)).toEqual(['', '']);
    const json = JSON.parse(buildJson(rows, 4, { id: 'p', name: 'p' }));
    expect(json.images[0]).toMatchObject({ verdict: 'fail', regions: 1, largest_region_percent: 6.25 });
    expect(resultRows([item], 6)[0]).toMatchObject({ regions: 0, largestRegionPercent: 0 });
  });
});

describe('the batch counts in words (issue: "12 inspected, 0 failed" while 10 cards said Fail)', () => {
  const at = (id: number, status: InspectItem['status'], score?: number): InspectItem => ({ id, name: `${id}.png`, bytes: 1, label: null, status, score });
  const items = [at(1, 'done', 1), at(2, 'done', 3), at(3, 'done', 5), at(4, 'error'), at(5, 'queued'), at(6, 'scoring')];

  it('says passed, failed and could not be read, each plainly', () => {
    const c = batchCounts(items, 3);
    expect(c).toMatchObject({ total: 6, passed: 1, failed: 2, unreadable: 1, queued: 2, unjudged: 0 });
    expect(countsText(c)).toBe('1 passed, 2 failed, 1 could not be read, 2 to go');
    expect(countsText(batchCounts(items.slice(0, 3), 3))).toBe('1 passed, 2 failed, 0 could not be read');
  });

  it('follows the threshold, and says when there is none', () => {
    expect(countsText(batchCounts(items.slice(0, 4), 10))).toBe('3 passed, 0 failed, 1 could not be read');
    expect(countsText(batchCounts(items.slice(0, 4), null))).toBe('3 scored (no threshold), 1 could not be read');
  });
});

describe('swipe between images', () => {
  it('a long horizontal move is a swipe: left for the next image, right for the previous', () => {
    expect(swipeDirection(-120, 10)).toBe(1);
    expect(swipeDirection(120, -20)).toBe(-1);
    expect(swipeDirection(30, 0)).toBe(0); // too short: a tap or a small drag
    expect(swipeDirection(100, 80)).toBe(0); // mostly vertical
  });
});
