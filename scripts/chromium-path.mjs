import { existsSync } from 'node:fs';

/** Where the browser for the end-to-end tests is: $CHROMIUM_PATH, else Debian's chromium. */
export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  return candidates.find((p) => existsSync(p)) ?? '/usr/bin/chromium';
}
