/**
 * The demo's two requests: 'demo-build', a profile from generated good flanges (src/engine/demo, every 10th held
 * out for the threshold) built as any other build; and 'demo-render', the demo's test images (good first, then
 * each defect type) rendered here and sent as RGBA for the page to draw.
 */
import { demoDataset } from '../../src/engine/demo/dataset';
import type { BuildResult, ResultMap } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import { buildFrom } from './build';
import type { OnProgress, Req } from './types';

/** The demo profile: good flanges rendered here, every 10th held out for the threshold. */
export function demoBuild(req: Req<'demo-build'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<BuildResult> {
  const { options } = req;
  const { train } = demoDataset({ trainCount: options.trainCount, testGood: 0, testPerDefect: 0, size: options.size, seed: options.seed });
  const images = train.map((d) => ({ name: d.name, load: async () => d.render().image }));
  return buildFrom(session, { name: options.name, coresetRatio: options.coresetRatio, seed: 0, holdout: options.holdout, dtype: 'float32' }, images, signal, onProgress);
}

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
