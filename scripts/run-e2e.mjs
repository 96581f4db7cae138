// Runs the Playwright suite against the production build. Finds Chromium (Debian's package, or
// $CHROMIUM_PATH); when it is missing and we are root on Debian, installs it with apt; otherwise
// stops with a message saying how to get it. Playwright's own browser download is never used.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { chromiumPath } from './chromium-path.mjs';

function ensureChromium() {
  if (existsSync(chromiumPath())) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('e2e: Chromium not found; installing Debian\'s chromium package with apt-get...');
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (existsSync(chromiumPath())) return;
  }
  console.error(
    'e2e: Chromium is required for the end-to-end tests and was not found.\n' +
      '  On Debian/Ubuntu: sudo apt-get install chromium\n' +
      '  Or point CHROMIUM_PATH at a Chromium/Chrome binary.',
  );
  process.exit(1);
}

/**
 * Specs that hold the page to a pace (no main-thread task over a bound, a first heatmap within seconds, an
 * estimate within a factor of the measured time): they run alone, one at a time, so that no other test's browser
 * shares the cores with them.
 */
const PACED_SPECS = ['engine', 'inspect', 'live-demo', 'train', 'train-estimate'].map((n) => `e2e/${n}.spec.ts`);

function playwright(args) {
  const run = spawnSync('npx', ['playwright', 'test', ...args], { stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
  return run.status ?? 1;
}

ensureChromium();
const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const args = process.argv.slice(2);
if (args.length > 0) process.exit(playwright(args));

// The whole suite: the paced specs one at a time, then the others on one worker per core (at most 4; most of
// them keep one core busy, so a second browser beside them uses the other: 8.9 -> 6.2 min on 2 cores).
for (const spec of PACED_SPECS) if (!existsSync(spec)) throw new Error(`run-e2e: ${spec} is listed as paced but does not exist`);
const others = readdirSync('e2e')
  .filter((f) => f.endsWith('.spec.ts'))
  .map((f) => `e2e/${f}`)
  .filter((f) => !PACED_SPECS.includes(f));
const workers = String(Math.max(1, Math.min(4, availableParallelism())));
console.log(`e2e: ${PACED_SPECS.length} paced specs on one worker, then ${others.length} others on ${workers}`);
const paced = playwright(['--workers', '1', ...PACED_SPECS]);
const rest = playwright(['--workers', workers, ...others]);
process.exit(paced || rest);
