// The benchmark view, driven from the command line: serves the production build (`vite preview`, with
// the COOP/COEP headers), opens it in Debian's Chromium with WebGPU enabled, runs the per-stage
// benchmark on each backend asked for, and prints the JSON the view downloads.
//
//   npm run build && node scripts/bench-browser.mjs --backends wasm,webgpu --images 5 [--out bench.json]
//
// Images are the first N of DATA/train/good (default ../shared/datasets/mvtec-bottle).
//
// Live camera mode: imports a profile file, opens the live view on Chromium's fake camera (WASM), lets it warm up,
// then reads the `live-frame` performance measures the view records (grab to result) for SECONDS and prints FPS
// and latency percentiles:
//
//   npm run cli -- fit --data ../shared/datasets/mvtec-bottle --shots 200 --out bottle-200.profile.safetensors
//   npm run build && node scripts/bench-browser.mjs --live bottle-200.profile.safetensors [--seconds 30] [--out live.json]
//
// Inspect mode: imports a profile, drops the first N images of DATA/test (all defect folders, sorted) on the Inspect
// view (WASM) and reports how long the batch takes, images per second and milliseconds per image:
//
//   npm run build && node scripts/bench-browser.mjs --inspect bottle-200.profile.safetensors [--images 40] [--out inspect.json]
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
    dist: { type: 'string', default: 'dist' },
    live: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '8' },
    inspect: { type: 'string' },
  },
});
const backends = values.backends.split(',').map((s) => s.trim()).filter(Boolean);
const count = Number(values.images);
const images = (dir) => readdirSync(dir).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f)).sort().map((f) => join(dir, f));
const testDir = join(resolve(values.data), 'test');
const dir = values.inspect ? testDir : join(resolve(values.data), 'train', 'good');
const files = values.live ? [] : values.inspect ? readdirSync(testDir).sort().flatMap((d) => images(join(testDir, d))).slice(0, count) : images(dir).slice(0, count);
if (!values.live && files.length === 0) throw new Error(`no images in ${dir}`);

const url = `http://127.0.0.1:${values.port}/`;
const server = spawn('npx', ['vite', 'preview', '--outDir', values.dist, '--host', '127.0.0.1', '--port', values.port, '--strictPort'], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
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

const cameraArgs = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-gpu-sandbox', ...(values.live ? cameraArgs : [])] });
try {
  if (values.live) await benchLive(browser, resolve(values.live));
  else if (values.inspect) await benchInspect(browser, resolve(values.inspect));
  else await benchStages(browser);
} finally {
  await browser.close();
  stop();
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function emit(result) {
  const json = JSON.stringify(result, null, 1);
  process.stdout.write(json + '\n');
  if (values.out) writeFileSync(values.out, json);
}

/** Opens the app on WASM and imports `profileFile`; returns the page and why the backend is WASM. */
async function openWithProfile(context, profileFile) {
  const page = await context.newPage();
  await page.goto(`${url}#/advanced`);
  await page.locator('[data-testid="backend-badge"][data-status="ready"]').waitFor({ timeout: 300_000 });
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.locator('[data-testid="backend-badge"][data-status="ready"][data-backend="wasm"]').waitFor({ timeout: 300_000 });
  const reason = await page.getByTestId('backend-reason').textContent();
  console.error(`wasm: ${reason}`);
  await page.goto(`${url}#/inspect`);
  const before = await page.getByTestId('profile-item').count();
  await page.getByTestId('import-input').setInputFiles(profileFile);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="profile-item"]').length > n, before, { timeout: 300_000 });
  return { page, reason };
}

function round1(x) {
  return Math.round(x * 10) / 10;
}

async function benchLive(browser, profileFile) {
  const context = await browser.newContext({ permissions: ['camera'] });
  const { page, reason } = await openWithProfile(context, profileFile);
  await page.goto(`${url}#/live`);
  const choice = page.getByTestId('live-profile');
  const options = await choice.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
  const imported = options.filter((o) => o.value && o.value !== 'demo-flanges').pop();
  if (!imported) throw new Error('the imported profile is not offered in the live view');
  await choice.selectOption(imported.value);
  await page.waitForFunction(() => performance.getEntriesByName('live-frame').length >= 2, null, { timeout: 300_000 });
  await page.waitForTimeout(Number(values.warmup) * 1000);
  const from = await page.evaluate(() => performance.now());
  await page.waitForTimeout(Number(values.seconds) * 1000);
  const frames = await page.evaluate((t) => performance.getEntriesByName('live-frame').filter((e) => e.startTime >= t).map((e) => ({ start: e.startTime, end: e.startTime + e.duration })), from);
  if (frames.length < 2) throw new Error(`only ${frames.length} frames were scored in ${values.seconds} s`);
  const workers = Number(await page.getByTestId('live-workers').getAttribute('data-workers'));
  const latencies = frames.map((f) => f.end - f.start).sort((a, b) => a - b);
  const span = (frames[frames.length - 1].end - frames[0].end) / 1000;
  emit({
    mode: 'live',
    backend: 'wasm',
    profile: imported.text,
    seconds: round1(span),
    frames: frames.length,
    fps: Math.round(((frames.length - 1) / span) * 100) / 100,
    engine_workers: workers,
    latency_ms: { p50: round1(percentile(latencies, 50)), p90: round1(percentile(latencies, 90)), p99: round1(percentile(latencies, 99)), max: round1(latencies[latencies.length - 1]) },
    backend_reason: reason,
    at: new Date().toISOString(),
  });
  await context.close();
}

async function benchInspect(browser, profileFile) {
  const context = await browser.newContext();
  const { page, reason } = await openWithProfile(context, profileFile);
  const from = await page.evaluate(() => performance.now());
  await page.getByTestId('inspect-files').setInputFiles(files);
  await page.waitForFunction(
    (n) => {
      const cards = [...document.querySelectorAll('[data-testid="result-card"]')];
      return cards.length === n && cards.every((c) => c.getAttribute('data-status') === 'done' || c.getAttribute('data-status') === 'error');
    },
    files.length,
    { timeout: 1_800_000, polling: 100 },
  );
  const seconds = ((await page.evaluate(() => performance.now())) - from) / 1000;
  const failed = await page.locator('[data-testid="result-card"][data-status="error"]').count();
  if (failed) throw new Error(`${failed} of ${files.length} images failed to score`);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  emit({
    mode: 'inspect',
    backend: 'wasm',
    images: files.length,
    seconds: round1(seconds),
    images_per_second: Math.round((files.length / seconds) * 100) / 100,
    ms_per_image: round1((seconds * 1000) / files.length),
    cores,
    backend_reason: reason,
    at: new Date().toISOString(),
  });
  await context.close();
}

async function benchStages(browser) {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await page.goto(`${url}#/advanced`);
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
}
