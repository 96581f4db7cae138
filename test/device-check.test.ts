/**
 * The GPU device check's correctness part on this machine: WebGPU in Node (Dawn's dawn.node, npm package `webgpu`) on
 * a software Vulkan (SwiftShader, from Debian's chromium package) scores two tiny images as the WASM backend does,
 * within 1e-3 relative. The check runs as its CLI (scripts/device-check/local.sh, which sets up Vulkan before Node
 * starts) with a narrow random ResNet50 at 32 px and a 256-row bank: the app's scoring path (k = 1, the pruned index
 * search) in well under a minute; and one ToCoAD training step (forward and backward through layer4, 3 images of 32 px) runs
 * on WebGPU with a finite loss and reports its time. Timing is not tested (see scripts/device-check/README.md for the benchmark).
 * Skipped, with the reason printed, where the package or a Vulkan driver and loader is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const LOADERS = ['/usr/lib/chromium/libvulkan.so.1', '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];
const LOCAL = fileURLToPath(new URL('../scripts/device-check/local.sh', import.meta.url));

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'the device check sets up Vulkan for Linux only';
  try {
    createRequire(import.meta.url).resolve('webgpu/package.json');
  } catch {
    return 'the npm package `webgpu` (Dawn) is not installed (npm install --save-dev webgpu)';
  }
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && !existsSync(SWIFTSHADER_ICD))
    return `no Vulkan driver to run WebGPU on: VK_ICD_FILENAMES is not set and SwiftShader's ${SWIFTSHADER_ICD} (Debian's chromium package) is missing`;
  if (!LOADERS.some((f) => existsSync(f))) return 'no Vulkan loader (libvulkan.so.1)';
  return undefined;
}

const reason = skipReason();
if (reason) console.warn(`test/device-check.test.ts skipped: ${reason}`);

interface Report {
  ok: boolean;
  errors: { stage: string; message: string }[];
  adapter?: { text: string };
  train?: { image_size: number; micro_batch: number; images_per_step: number; trainable_parameters: number; first_step_ms: number; ms_per_image: number; losses: number[]; finite: boolean };
  agreement?: { pass: boolean; tolerance: number; images: number; max_relative_difference: number; max_patch_difference_relative: number; scores: { score: number; reference_score: number }[] };
}

/** Runs the check's CLI (local.sh) and parses its report. */
async function runCheck(args: string[]): Promise<{ report: Report; stderr: string; code: number | null }> {
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    execFile('bash', args, { encoding: 'utf8', timeout: 170_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? null) : 0 }),
    );
  });
  try {
    return { report: JSON.parse(stdout) as Report, stderr, code };
  } catch {
    throw new Error(`the device check printed no report (exit ${code}):\n${stderr.slice(-3000)}`);
  }
}

describe.skipIf(Boolean(reason))('GPU device check (WebGPU in Node)', () => {
  it('scores two tiny images on WebGPU as on WASM, within 1e-3 relative', async () => {
    const args = [LOCAL, '--quick', '--random-weights', '--width-divisor', '8', '--input-size', '32', '--bank-rows', '256', '--images', '2'];
    args.push('--skip', 'backbone,search,live,coreset,train');
    const { report, stderr, code } = await runCheck(args);
    expect(report.errors, stderr.slice(-3000)).toEqual([]);
    expect(report.adapter?.text).toBeTruthy();
    const a = report.agreement!;
    expect(a.images).toBe(2);
    expect(a.tolerance).toBe(1e-3);
    for (const s of a.scores) expect(Number.isFinite(s.score) && s.score > 0).toBe(true);
    expect(a.max_relative_difference).toBeLessThanOrEqual(1e-3);
    expect(a.max_patch_difference_relative).toBeLessThanOrEqual(1e-3);
    expect(a.pass).toBe(true);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 180_000);

  it('runs one ToCoAD training step (forward and backward through layer4) on WebGPU and reports its time', async () => {
    const args = [LOCAL, '--quick', '--random-weights', '--width-divisor', '8', '--train-size', '32', '--train-micro', '1', '--reference', 'none'];
    args.push('--skip', 'backbone,agreement,search,live,coreset');
    const { report, stderr, code } = await runCheck(args);
    expect(report.errors, stderr.slice(-3000)).toEqual([]);
    const t = report.train!;
    expect(t.image_size).toBe(32);
    expect(t.micro_batch).toBe(1);
    expect(t.images_per_step).toBe(3);
    expect(t.trainable_parameters).toBeGreaterThan(0);
    expect(t.first_step_ms).toBeGreaterThan(0);
    expect(t.ms_per_image).toBeGreaterThan(0);
    expect(t.losses).toHaveLength(1);
    expect(Number.isFinite(t.losses[0])).toBe(true);
    expect(t.finite).toBe(true);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 180_000);
});
