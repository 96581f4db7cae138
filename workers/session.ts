/**
 * The engine's session: everything the worker keeps between requests, in one object instead of module state. It
 * owns the tfjs backend (BackendManager: info, calibration, switching, recovery from a lost device, `onBackend`),
 * the bundled model's files, the stored backbones loaded from storage and the profiles loaded to score. It is made
 * with what differs between the browser worker and a Node test: how the bundled model's files are read (fetch or
 * the file system), how images are decoded (createImageBitmap or sharp), how stored backbones are read (IndexedDB
 * or a folder), how events reach the page, and which backends there are (see workers/testing/node-session.ts).
 */
import type { Backbone } from '../src/engine/backbones/backbone';
import { RESNET50_IMAGENET } from '../src/engine/backbones/spec';
import type { FileSource } from '../src/engine/backbones/weights-file';
import type { RgbImage } from '../src/engine/image/types';
import type { PatchCoreScorer } from '../src/engine/patchcore/scorer';
import type { Progress } from '../src/engine/progress';
import type { BackendName, EngineEvent, FileBytes, FrameInput } from '../src/worker-bridge/protocol';
import type { BackendPlatform } from './backends/platform';
import { BackboneCache } from './session/backbone-cache';
import { BackendManager } from './session/backend-manager';
import { ModelFiles } from './session/model-files';
import type { LoadedProfile } from './session/profile-cache';
import { ProfileCache } from './session/profile-cache';

export interface ImageDecoder {
  /** An image file's bytes -> RGB; errors name the file. */
  decode(file: FileBytes): Promise<RgbImage>;
  /** A 'score-frame' frame -> RGB (an ImageBitmap is closed). */
  decodeFrame(frame: FrameInput): RgbImage;
}

export interface SessionHost {
  /** The bundled backbone's folder: its name in messages and how its files are read. */
  model: { where: string; files: FileSource };
  images: ImageDecoder;
  /** A converted or fine-tuned backbone's folder, by id (IndexedDB in the browser). */
  storedBackboneSource(id: string): Promise<FileSource>;
  /** Sends an event to the page (unsolicited `backend` events, training events). */
  post(event: EngineEvent): void;
  backends: BackendPlatform;
  /** Runs a task after the requests queued so far (the worker's queue); by default at once. */
  enqueue?(task: () => Promise<void>): void;
}

/** The error of a request that names a profile the engine does not hold (code 'not-loaded': the UI sends it again). */
export function notLoaded(key: string): Error {
  return Object.assign(new Error(`profile ${key} is not loaded in the engine`), { code: 'not-loaded' });
}

export class Session {
  readonly backend: BackendManager;
  readonly model: ModelFiles;
  readonly profiles = new ProfileCache();
  readonly storedBackbones: BackboneCache;
  readonly images: ImageDecoder;
  readonly storedBackboneSource: (id: string) => Promise<FileSource>;
  readonly post: (event: EngineEvent) => void;

  constructor(host: SessionHost) {
    this.model = new ModelFiles(host.model.where, host.model.files);
    this.images = host.images;
    this.storedBackboneSource = (id) => host.storedBackboneSource(id);
    this.post = (event) => host.post(event);
    this.storedBackbones = new BackboneCache(this.storedBackboneSource, (id) => this.profiles.dropScorersOn(id));
    this.backend = new BackendManager(host.backends, this.model, {
      release: () => {
        this.profiles.disposeScorers();
        this.storedBackbones.disposeAll();
      },
      post: this.post,
      enqueue: host.enqueue ?? ((task) => void task()),
    });
  }

  /** The backend that runs now (requests that use it run after 'init'). */
  get backendName(): BackendName {
    return this.backend.info!.name;
  }

  decode(file: FileBytes): Promise<RgbImage> {
    return this.images.decode(file);
  }

  /**
   * The backbone a build or a profile names: the bundled one, or a converted one loaded from storage
   * (refused with a clear message when it is not stored, or when its weights differ from the profile's).
   */
  async backboneFor(id: string | undefined, weightsHash?: string, onProgress?: (p: Progress) => void): Promise<Backbone> {
    if (!id || id === RESNET50_IMAGENET.id) return this.backend.requireBackbone();
    return this.storedBackbones.get(id, weightsHash, onProgress);
  }

  /**
   * A loaded profile, ready to score: refused with code 'not-loaded' when the engine does not hold it; a converted
   * backbone it was built on is loaded again when it is not (after a backend switch too).
   */
  async loadedProfile(key: string, onProgress?: (p: Progress) => void): Promise<LoadedProfile> {
    const p = this.profiles.get(key);
    if (!p) throw notLoaded(key);
    const id = p.meta.backbone.id;
    if (id !== RESNET50_IMAGENET.id && !this.storedBackbones.has(id)) await this.backboneFor(id, p.meta.backbone.weightsHash, onProgress);
    return p;
  }

  /** The profile's scorer on its backbone (made on first use after a load or a backend switch). */
  scorerFor(p: LoadedProfile): PatchCoreScorer {
    const id = p.meta.backbone.id;
    return this.profiles.scorer(p, () => (id === RESNET50_IMAGENET.id ? this.backend.requireBackbone() : this.storedBackbones.peek(id)!));
  }
}
