import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import sharp from 'sharp';
import { demoDataset } from '../../engine/demo/dataset';

interface DemoDataArgs {
  out: string;
  seed: number;
  train: number;
  testGood: number;
  perDefect: number;
  size: number;
}

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('demo-data')
    .description('Write the generated demo dataset (machined flanges with scratches, cracks, stains, missing chunks and dents) as PNGs in MVTec AD layout.')
    .requiredOption('--out <dir>', 'output folder (train/good, test/<defect>, ground_truth/<defect>)')
    .option('--seed <n>', 'dataset seed', integer('--seed', 0, 2 ** 31 - 1), 0)
    .option('--train <n>', 'good training parts', integer('--train', 1, 100_000), 40)
    .option('--test-good <n>', 'good test parts', integer('--test-good', 0, 100_000), 6)
    .option('--per-defect <n>', 'test parts per defect type', integer('--per-defect', 0, 100_000), 2)
    .option('--size <px>', 'image width and height', integer('--size', 32, 4096), 256)
    .action(async (args: DemoDataArgs) => {
      const t0 = performance.now();
      const dataset = demoDataset({ trainCount: args.train, testGood: args.testGood, testPerDefect: args.perDefect, seed: args.seed, size: args.size });
      // Masks as 8-bit greyscale PNGs (MVTec's format), images as 8-bit RGB.
      const png = (data: Uint8Array, width: number, height: number, channels: 1 | 3) => {
        const img = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
        return (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
      };
      let renderMs = 0;
      const write = (path: string, bytes: Buffer) => {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, bytes);
      };
      for (const item of [...dataset.train, ...dataset.test]) {
        const r0 = performance.now();
        const { image, mask } = item.render();
        renderMs += performance.now() - r0;
        write(join(args.out, item.name), await png(image.data, image.width, image.height, 3));
        if (item.label === 1) write(join(args.out, 'ground_truth', item.defect, `${parse(item.name).name}_mask.png`), await png(mask.data, mask.width, mask.height, 1));
      }
      const images = dataset.train.length + dataset.test.length;
      const seconds = (performance.now() - t0) / 1000;
      console.error(`wrote ${images} images to ${args.out} in ${seconds.toFixed(1)} s (${(renderMs / images).toFixed(1)} ms rendering per image)`);
      console.log(
        JSON.stringify(
          {
            out: args.out,
            seed: args.seed,
            size: args.size,
            train: dataset.train.length,
            test: Object.fromEntries([...new Set(dataset.test.map((t) => t.defect))].map((d) => [d, dataset.test.filter((t) => t.defect === d).length])),
            render_ms_per_image: renderMs / images,
            seconds,
          },
          null,
          2,
        ),
      );
    });
}
