import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureStore } from '../engine/patchcore/memory-bank';
import { TARGET_DIM } from '../engine/patchcore/embed';

/**
 * Patch features kept in a temporary file instead of the heap while a fit runs (see FeatureStore): the coreset then
 * reads back only the selected rows. The file is removed when the fit ends, failed or not, and on exit.
 */
export function fileFeatureStore(dir = tmpdir()): FeatureStore {
  const folder = mkdtempSync(join(dir, 'anomaly-inspector-features-'));
  const path = join(folder, 'features.f32');
  const fd = openSync(path, 'w+');
  const removeOnExit = () => rmSync(folder, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  const offsets = new Map<number, number>();
  let end = 0;
  const rowBytes = TARGET_DIM * 4;
  return {
    async put(image, features) {
      const bytes = new Uint8Array(features.buffer, features.byteOffset, features.byteLength);
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written, end + written);
      offsets.set(image, end);
      end += bytes.byteLength;
    },
    async rows(image, rows) {
      const start = offsets.get(image);
      if (start === undefined) throw new Error(`no features stored for image ${image}`);
      const out = new Float32Array(rows.length * TARGET_DIM);
      const bytes = new Uint8Array(out.buffer);
      rows.forEach((row, j) => {
        const got = readSync(fd, bytes, j * rowBytes, rowBytes, start + row * rowBytes);
        if (got !== rowBytes) throw new Error(`${path}: short read of image ${image} row ${row}`);
      });
      return out;
    },
    async dispose() {
      closeSync(fd);
      removeOnExit();
      process.removeListener('exit', removeOnExit);
    },
  };
}
