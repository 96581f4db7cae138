// Renders a contact sheet of the generated demo parts: the demo dataset's first two good test parts and first part
// of each defect (top row) above their ground-truth masks (bottom row, defect pixels in red over the dimmed image).
//   npx tsx scripts/render-demo-sheet.ts [--out docs/demo-samples.png] [--seed 0] [--size 256] [--only <defect>]
// --only draws seven parts of one kind (none, scratch, crack, ...) with seeds seed..seed+6, to look at the variety.
import sharp from 'sharp';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { demoDataset } from '../src/engine/demo/dataset';
import { renderPart } from '../src/engine/demo/parts';
import type { DefectType } from '../src/engine/demo/parts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/demo-samples.png' },
    seed: { type: 'string', default: '0' },
    size: { type: 'string', default: '256' },
    only: { type: 'string' },
  },
});
const seed = Number(values.seed);
const size = Number(values.size);
const demo = demoDataset({ seed, size, trainCount: 0, testGood: 2, testPerDefect: 1 }).test;
const columns = values.only
  ? Array.from({ length: 7 }, (_, i) => () => renderPart({ seed: seed + i, size, defect: values.only as DefectType }))
  : demo.map((t) => () => t.render());
const gap = 4;
const width = columns.length * size + (columns.length - 1) * gap;
const height = 2 * size + gap;
const sheet = new Uint8Array(width * height * 3).fill(255);

const t0 = performance.now();
columns.forEach((render, col) => {
  const { image, mask } = render();
  const x0 = col * (size + gap);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const src = (y * size + x) * 3;
      const top = (y * width + x0 + x) * 3;
      const bottom = ((y + size + gap) * width + x0 + x) * 3;
      const on = mask.data[y * size + x] > 0;
      for (let c = 0; c < 3; c++) {
        sheet[top + c] = image.data[src + c];
        sheet[bottom + c] = on ? [255, 48, 48][c] : Math.round(image.data[src + c] * 0.4);
      }
    }
});
const ms = (performance.now() - t0) / columns.length;

mkdirSync(dirname(values.out), { recursive: true });
const info = await sharp(Buffer.from(sheet), { raw: { width, height, channels: 3 } })
  .png({ palette: true, colours: 256, dither: 0, quality: 90, compressionLevel: 9, effort: 10 })
  .toFile(values.out);
console.log(`${values.out}: ${width}x${height}, ${(info.size / 1024).toFixed(0)} KB; ${ms.toFixed(1)} ms per part`);
