/**
 * The demo's request 'demo-render': its test images (good first, then each defect type) rendered here and sent as
 * RGBA for the page to draw. The demo's profile is fitted at install time and shipped (scripts/build-demo-profile.ts).
 */
import { demoDataset } from '../../src/engine/demo/dataset';
import type { ResultMap } from '../../src/worker-bridge/protocol';
import type { Req } from './types';

export function demoRender(req: Req<'demo-render'>): ResultMap['demo-render'] {
  const { test } = demoDataset({ trainCount: 0, testGood: req.testGood, testPerDefect: req.perDefect, size: req.size, seed: req.seed });
  return {
    images: test.map((d) => {
      const { image } = d.render();
      const rgba = new Uint8ClampedArray(image.width * image.height * 4);
      for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
        rgba[j] = image.data[i];
        rgba[j + 1] = image.data[i + 1];
        rgba[j + 2] = image.data[i + 2];
        rgba[j + 3] = 255;
      }
      return { name: d.name, defect: d.defect, label: d.label, width: image.width, height: image.height, rgba: rgba.buffer };
    }),
  };
}
