/**
 * The worker's request handlers on the real engine in Node (tfjs WASM, the bundled ResNet50), through a Session as
 * the worker makes it but with a fixed backend (workers/testing/node-session.ts): build -> load-profile -> score,
 * the profile file round trip, evaluation, teaching, cancelling, and a profile the engine does not hold.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/engine/image/types';
import { wovenTexture } from '../../src/engine/patchcore/testing';
import type { Progress } from '../../src/engine/progress';
import { ProfileError } from '../../src/engine/profile/profile';
import { isAbortError } from '../../src/engine/progress';
import type { BuildResult, EngineEvent, FileBytes } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import { nodeSession } from '../testing/node-session';
import { build } from './build';
import { evaluate } from './evaluate';
import { loadProfile } from './load-profile';
import { exportProfile, importProfile } from './profile-files';
import { score, scoreFrame } from './score';
import { teach } from './teach';


/** Rows become columns: the same texture across. */
function transposed(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3), (x * height + y) * 3);
  return { width: height, height: width, data: out };
}

async function png(image: RgbImage): Promise<ArrayBuffer> {
  const b = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
  return new Uint8Array(b).buffer;
}

async function pngFile(name: string, image: RgbImage): Promise<FileBytes> {
  return { name, bytes: await png(image) };
}

/** The defect's ground truth: white where the square is. */
function defectMask(size = 96): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 36; y < 60; y++) for (let x = 36; x < 60; x++) data.fill(255, (y * size + x) * 3, (y * size + x) * 3 + 3);
  return { width: size, height: size, data };
}

const never = new AbortController().signal;
const ignore = () => undefined;

describe('worker handlers on the engine (Node, WASM)', () => {
  let session: Session;
  let events: EngineEvent[];
  let built: BuildResult;

  beforeAll(async () => {
    ({ session, events } = nodeSession());
    const info = await session.backend.start('wasm');
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/WASM was chosen/);
  });

  it('builds a profile, loads it and scores an image and a frame with it', async () => {
    const files = await Promise.all([3, 0, 2, 1].map((i) => pngFile(`${String(i).padStart(3, '0')}.png`, wovenTexture(i + 1))));
    const stages = new Set<string>();
    built = await build({ id: 1, type: 'build', options: { name: 'texture', coresetRatio: 0.1, seed: 0, holdout: 0.25, dtype: 'float32' }, files }, session, never, (p: Progress) => stages.add(p.stage));
    expect(built.backend).toBe('wasm');
    expect(built.meta.training.imageCount).toBeGreaterThan(0);
    expect(built.meta.name).toBe('texture');
    expect(built.meta.calibrationScores.length).toBeGreaterThan(0);
    expect(built.bank.bytes.byteLength).toBe(built.bank.size * built.bank.dim * 4);
    expect(stages.has('calibrate')).toBe(true);

    expect(await loadProfile({ id: 2, type: 'load-profile', key: 'k1', meta: built.meta, bank: built.bank }, session, never, ignore)).toEqual({ key: 'k1' });
    const r = await score({ id: 3, type: 'score', key: 'k1', file: await pngFile('defect.png', wovenTexture(9, { defect: true })) }, session, never, ignore);
    expect(Number.isFinite(r.score)).toBe(true);
    expect(r.score).toBeGreaterThan(0);
    expect(r.map).toBeInstanceOf(Float32Array);
    expect(r.map.length).toBe(r.size * r.size);
    expect(r.map.every(Number.isFinite)).toBe(true);
    expect(r.preview.length).toBe(r.size * r.size * 3);
    expect(r.patches.length).toBe(r.grid * r.grid);
    expect([r.width, r.height, r.backend, r.name]).toEqual([96, 96, 'wasm', 'defect.png']);

    const frame = wovenTexture(9, { defect: true });
    const rgba = new Uint8Array(96 * 96 * 4).map((_, i) => (i % 4 === 3 ? 255 : frame.data[(i >> 2) * 3 + (i % 4)]));
    const f = await scoreFrame({ id: 4, type: 'score-frame', key: 'k1', frame: { kind: 'rgba', width: 96, height: 96, data: rgba.buffer } }, session, never, ignore);
    expect(f.score).toBeCloseTo(r.score, 4);
    expect(f.map.length).toBe(f.size * f.size);
    expect(events).toEqual([]);
  });

  it('exports a profile file and imports it again with the same meta and bank', () => {
    const exported = exportProfile({ id: 5, type: 'export', meta: built.meta, bank: built.bank });
    expect(exported.fileName).toBe('texture.profile.safetensors');
    const imported = importProfile({ id: 6, type: 'import', file: { name: exported.fileName, bytes: exported.bytes } });
    expect(imported.meta).toEqual(built.meta);
    expect(imported.bank.dtype).toBe(built.bank.dtype);
    expect([imported.bank.size, imported.bank.dim]).toEqual([built.bank.size, built.bank.dim]);
    expect(Buffer.from(imported.bank.bytes).equals(Buffer.from(built.bank.bytes))).toBe(true);

    const truncated = new Uint8Array(exported.bytes).slice(0, Math.floor(exported.bytes.byteLength * 0.6)).buffer;
    expect(() => importProfile({ id: 7, type: 'import', file: { name: 'cut.profile.safetensors', bytes: truncated } })).toThrow(ProfileError);
  });

  it('evaluates a labelled set on a loaded profile', async () => {
    const files = [
      { name: 'good/000.png', label: 0 as const, defect: 'good', bytes: await png(wovenTexture(11)) },
      { name: 'square/000.png', label: 1 as const, defect: 'square', bytes: await png(wovenTexture(12, { defect: true })), mask: await png(defectMask()) },
    ];
    const r = await evaluate({ id: 8, type: 'evaluate', key: 'k1', files }, session, never, ignore);
    expect(r.images.map((i) => i.name)).toEqual(['good/000.png', 'square/000.png']);
    expect(r.images.every((i) => Number.isFinite(i.score))).toBe(true);
    expect(r.images[1].score).toBeGreaterThan(r.images[0].score);
    expect(r.metrics.image_auroc).toBe(1);
    expect(r.metrics.pixel_auroc).toBeGreaterThan(0.5);
    expect(r.skipped).toEqual([]);
    expect([r.bankSize, r.backend]).toEqual([built.bank.size, 'wasm']);
    expect(r.msPerImage).toBeGreaterThan(0);
  });

  it('teaches a loaded profile a good image (nothing remembered), and refuses a file it cannot decode, naming it', async () => {
    // The weave turned a quarter: a good part of a look the profile has not seen, so it adds rows.
    const r = await teach({ id: 14, type: 'teach', key: 'k1', files: [await pngFile('new-look.png', transposed(wovenTexture(31)))] }, session, never, ignore);
    expect(r.taught.map((t) => t.name)).toEqual(['new-look.png']);
    expect(r.taught[0].rowsAdded).toBeGreaterThan(0);
    expect(Number.isFinite(r.taught[0].scoreBefore)).toBe(true);
    expect(r.bank.size).toBe(built.bank.size + r.taught[0].rowsAdded);
    expect(r.meta.bank.size).toBe(r.bank.size);
    expect(r.bank.bytes.byteLength).toBe(r.bank.size * r.bank.dim * 4);
    // The bank's old rows are kept as they were, the new ones appended.
    expect(Buffer.from(r.bank.bytes, 0, built.bank.bytes.byteLength).equals(Buffer.from(built.bank.bytes))).toBe(true);
    expect(r.meta.taught).toEqual([expect.objectContaining({ name: 'new-look.png', rows: r.taught[0].rowsAdded, scoreBefore: r.taught[0].scoreBefore })]);
    expect(r.meta.calibrationScores).toEqual([...built.meta.calibrationScores, r.taught[0].scoreBefore]);
    expect(r.thresholdBefore).toBe(built.meta.threshold.value);
    expect(r.thresholdAfter).toBe(r.meta.threshold.value);
    // The loaded profile is unchanged: teaching proposes, the page saves.
    expect(session.profiles.get('k1')!.meta).toBe(built.meta);

    const broken = { name: 'broken.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]).buffer };
    const error = await teach({ id: 15, type: 'teach', key: 'k1', files: [broken] }, session, never, ignore).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/^broken\.png: /);
    expect(error?.message).not.toMatch(/broken\.png: broken\.png/);
  });

  it('rejects a cancelled request with an AbortError, and goes on working afterwards', async () => {
    const files = await Promise.all([1, 2, 3].map((i) => pngFile(`${i}.png`, wovenTexture(20 + i))));
    const controller = new AbortController();
    const cancelled = build({ id: 9, type: 'build', options: { name: 'cancelled', coresetRatio: 0.1, seed: 0, holdout: 0, dtype: 'float32' }, files }, session, controller.signal, () =>
      controller.abort(new DOMException('the task was cancelled', 'AbortError')),
    );
    const error = await cancelled.then(() => null, (e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect((error as Error).name).toBe('AbortError');

    const again = await score({ id: 10, type: 'score', key: 'k1', file: await pngFile('good.png', wovenTexture(11)) }, session, never, ignore);
    expect(Number.isFinite(again.score)).toBe(true);
  });

  it('answers a profile key the engine does not hold with the not-loaded code', async () => {
    const file = await pngFile('x.png', wovenTexture(1));
    const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);
    expect(await codeOf(score({ id: 11, type: 'score', key: 'nope', file }, session, never, ignore))).toBe('not-loaded');
    expect(await codeOf(evaluate({ id: 12, type: 'evaluate', key: 'nope', files: [] }, session, never, ignore))).toBe('not-loaded');
    expect(await codeOf(teach({ id: 16, type: 'teach', key: 'nope', files: [file] }, session, never, ignore))).toBe('not-loaded');
    const frame = { kind: 'rgba' as const, width: 1, height: 1, data: new ArrayBuffer(4) };
    expect(await codeOf(scoreFrame({ id: 13, type: 'score-frame', key: 'nope', frame }, session, never, ignore))).toBe('not-loaded');
  });
});
