/**
 * What a training run needs from its host (the worker's Session): the base backbone's files, the backend it runs
 * on, image decoding and a way to send events to the page.
 */
import type { FileSource } from '../../src/engine/backbones/weights-file';
import type { RgbImage } from '../../src/engine/image/types';
import type { BackendName, FileBytes, TrainEvent } from '../../src/worker-bridge/protocol';

export interface TrainingHost {
  /** The base backbone's folder: the bundled one over fetch, or a stored one from IndexedDB. */
  baseSource(id: string): Promise<{ source: FileSource; where: string; bundled: boolean }>;
  backend(): BackendName;
  /** An image file's bytes -> RGB; errors name the file. */
  decode(file: FileBytes): Promise<RgbImage>;
  emit(event: TrainEvent): void;
}
