import { SingleBar, Presets } from 'cli-progress';
import type { Progress, ProgressListener } from '../engine/progress';

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** A progress listener that draws one bar per stage on stderr (plain lines when stderr is not a TTY). */
export function progressBars(quiet = false): ProgressListener & { stop(): void } {
  let bar: SingleBar | null = null;
  let stage = '';
  let lastLine = 0;
  const tty = process.stderr.isTTY;
  const listener = (p: Progress) => {
    if (quiet) return;
    if (!tty) {
      const now = Date.now();
      if (p.stage !== stage || p.fraction >= 1 || now - lastLine > 5000) {
        process.stderr.write(`${p.stage}: ${p.done}/${p.total} (${(p.fraction * 100).toFixed(0)}%), ETA ${formatEta(p.etaSeconds)}\n`);
        lastLine = now;
        stage = p.stage;
      }
      return;
    }
    if (p.stage !== stage) {
      bar?.stop();
      stage = p.stage;
      bar = new SingleBar({ format: `${p.stage.padEnd(9)} [{bar}] {percentage}% | {value}/{total} | ETA {etaText}`, stream: process.stderr }, Presets.shades_classic);
      bar.start(p.total, p.done, { etaText: formatEta(p.etaSeconds) });
    } else {
      bar?.update(p.done, { etaText: formatEta(p.etaSeconds) });
    }
  };
  return Object.assign(listener, {
    stop: () => {
      bar?.stop();
      bar = null;
      stage = '';
    },
  });
}
