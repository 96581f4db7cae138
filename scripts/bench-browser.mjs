// The benchmark view, driven from the command line: serves the production build (`vite preview`, with
// the COOP/COEP headers), opens it in Debian's Chromium with WebGPU enabled, runs the per-stage
// benchmark on each backend asked for, and prints the JSON the view downloads.
//
//   npm run build && node scripts/bench-browser.mjs --backends wasm,webgpu --images 5 [--out bench.json]
//
// Images are the first N of DATA/train/good (default ../shared/datasets/mvtec-bottle).
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromiumPath } from './chromium-path.mjs';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,webgpu' },
    images: { type: 'string', default: '5' },
    data: { type: 'string', default: '../shared/datasets/mvtec-bottle' },
    out: { type: 'string' },
    port: { type: 'string', default: '4193' },
  },
});
const backends = values.backends.split(',').map((s) => s.trim()).filter(Boolean);
const count = Number(values.images);
const dir = join(resolve(values.data), 'train', 'good');
const files = readdirSync(dir).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f)).sort().slice(0, count).map((f) => join(dir, f));
if (files.length === 0) throw new Error(`no images in ${dir}`);

const url = `http://127.0.0.1:${values.port}/`;
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', values.port, '--strictPort'], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
const stop = () => {
  try {
    process.kill(-server.pid);
  } catch {
    // already gone
  }
};
process.on('exit', stop);
for (let i = 0; ; i++) {
  try {
    if ((await fetch(url)).ok) break;
  } catch {
    if (i > 120) throw new Error(`vite preview did not start on ${url}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-gpu-sandbox'] });
try {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await page.goto(url);
  const badge = page.getByTestId('backend-badge');
  for (const backend of backends) {
    await badge.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 300_000 });
    await page.getByTestId('backend-select').selectOption(backend);
    await page.locator(`[data-testid="backend-badge"][data-status="ready"][data-backend="${backend}"]`).waitFor({ timeout: 300_000 });
    console.error(`${backend}: ${await page.getByTestId('backend-reason').textContent()}`);
    await page.getByTestId('bench-files').setInputFiles(files);
    await page.getByTestId('bench-run').click();
    const row = page.locator(`[data-testid="bench-row"][data-backend="${backend}"]`);
    const failure = page.getByTestId('alert-error');
    const timeout = Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000);
    await row.or(failure).first().waitFor({ timeout }).catch(async (e) => {
      await page.screenshot({ path: 'bench-browser-timeout.png', fullPage: true });
      throw e;
    });
    if (await failure.count()) throw new Error(`the benchmark failed: ${await failure.first().textContent()}`);
  }
  const download = page.waitForEvent('download');
  await page.getByTestId('bench-download').click();
  const path = await (await download).path();
  const json = readFileSync(path, 'utf8');
  process.stdout.write(json);
  if (values.out) writeFileSync(values.out, json);
} finally {
  await browser.close();
  stop();
}
