// Golden test of the full-size torchvision wide_resnet50_2 (276 MB checkpoints), through the real
// `convert` and `embed` command code. The fixtures are not committed; make them by hand with
//   /usr/bin/python3 scripts/fixtures/make_wrn_fixtures.py --full /tmp/wrn-full
// and run
//   WRN_FIXTURES=/tmp/wrn-full npx vitest run src/engine/convert/golden-full.test.ts
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { tmpdir } from 'node:os';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConvert } from '../../cli/commands/convert';
import { runEmbed } from '../../cli/commands/embed';
import { folderSource } from '../../node/file-source';
import { initNodeBackend } from '../../node/tf-backend';
import { loadBackbone } from '../backbones/backbone';
import { toFloat32 } from './dtypes';
import { readSafetensors } from './safetensors';

const DIR = process.env.WRN_FIXTURES;
const TOLERANCE = 1e-3;
const CHECKPOINTS = ['wrn.pth', 'wrn-legacy.pth', 'wrn-finetuned.pth', 'wrn.safetensors'];

function tensors(file: string): Map<string, Float32Array> {
  const f = readSafetensors(new Uint8Array(readFileSync(file)), file);
  return new Map(f.tensors.filter((t) => t.dtype === 'F32').map((t) => [t.name, toFloat32(t)]));
}

describe.skipIf(!DIR)(`golden: full-size WideResNet50-2 through convert + embed${DIR ? '' : ' (skipped: set WRN_FIXTURES to a folder made by scripts/fixtures/make_wrn_fixtures.py --full)'}`, () => {
  let work: string;
  let reference: Map<string, Float32Array>;

  beforeAll(async () => {
    for (const f of [...CHECKPOINTS, 'input.png', 'outputs.safetensors']) {
      if (!existsSync(join(DIR!, f))) throw new Error(`WRN_FIXTURES=${DIR} lacks ${f}; run scripts/fixtures/make_wrn_fixtures.py --full ${DIR}`);
    }
    await initNodeBackend('wasm');
    reference = tensors(join(DIR!, 'outputs.safetensors'));
    work = mkdtempSync(join(tmpdir(), 'wrn-golden-'));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(CHECKPOINTS)('%s: convert, then embed --no-resize, matches PyTorch within 1e-3 of the largest magnitude', async (name) => {
    const out = join(work, name.replace(/\W/g, '_'));
    const converted = runConvert({ in: join(DIR!, name), out });
    expect(converted.result.report.description).toBe('WideResNet50-2');
    const embedded = join(work, `${name}.safetensors`);
    await runEmbed({ model: out, image: join(DIR!, 'input.png'), out: embedded, resize: false });
    const got = tensors(embedded);
    const errors: Record<string, number> = {};
    for (const tap of ['layer2', 'layer3', 'layer4']) {
      const a = got.get(tap)!;
      const b = reference.get(tap)!;
      expect(a.length, tap).toBe(b.length);
      let err = 0;
      let max = 0;
      for (let i = 0; i < b.length; i++) {
        err = Math.max(err, Math.abs(a[i] - b[i]));
        max = Math.max(max, Math.abs(b[i]));
      }
      errors[tap] = err / max;
      expect(errors[tap], `${name} ${tap}`).toBeLessThan(TOLERANCE);
    }
    console.log(`${name}: convert ${converted.totalSeconds.toFixed(1)} s; max error / max magnitude ${JSON.stringify(errors)}`);
    if (name === 'wrn-finetuned.pth') {
      // The eval path: loadBackbone on the converted folder.
      const backbone = await loadBackbone(folderSource(out), out);
      expect(backbone.spec.taps.map((t) => [t.name, t.channels])).toEqual([
        ['layer2', 512],
        ['layer3', 1024],
      ]);
      backbone.dispose();
    }
    rmSync(out, { recursive: true, force: true });
  }, 600_000);
});
