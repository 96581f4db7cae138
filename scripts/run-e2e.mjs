// Runs the Playwright suite against the production build. Finds Chromium (Debian's package, or
// $CHROMIUM_PATH); when it is missing and we are root on Debian, installs it with apt; otherwise
// stops with a message saying how to get it. Playwright's own browser download is never used.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

ensureChromium();
const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync('npx', ['playwright', 'test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
});
process.exit(run.status ?? 1);
