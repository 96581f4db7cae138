/**
 * 'build': normal images -> a profile, through the engine's one fit pipeline (src/engine/profile/fit.ts) on the
 * backbone the options name, on the current backend (run again elsewhere if the GPU device is lost). The bank comes
 * back in its storage dtype for the page to store.
 */
import { defaultCoresetPlacement } from '../../src/engine/patchcore/memory-bank';
import { fitProfile } from '../../src/engine/profile/fit';
import type { NamedImage } from '../../src/engine/profile/fit';
import { float32ToBank } from '../../src/engine/profile/stored-bank';
import { APP_VERSION } from '../../src/engine/version';
import type { BuildOptions, BuildResult } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';
import { byName } from './types';

export async function build(req: Req<'build'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<BuildResult> {
  const files = [...req.files].sort(byName);
  if (files.length === 0) throw new Error('no images: add some normal (defect-free) images first');
  return buildFrom(session, req.options, files.map((f) => ({ name: f.name, load: () => session.decode(f) })), signal, onProgress);
}

async function buildFrom(session: Session, options: BuildOptions, images: NamedImage[], signal: AbortSignal, onProgress: OnProgress): Promise<BuildResult> {
  return session.backend.onBackend(signal, async (s) => {
    const model = await session.backboneFor(options.backboneId, undefined, onProgress);
    // On a software WebGPU adapter (SwiftShader) the device coreset is a CPU emulation of a GPU loop:
    // the engine's pruned host search picks the same points far faster there.
    const coresetOn = session.backend.info?.name === 'webgpu' && session.backend.platform.adapter()?.software ? 'host' : defaultCoresetPlacement();
    const { profile, skipped, seconds } = await fitProfile(model, images, { ...options, appVersion: APP_VERSION, coresetOn, onProgress, signal: s });
    const { size, dim, dtype } = profile.meta.bank;
    return {
      meta: profile.meta,
      bank: float32ToBank(profile.bank, size, dim, dtype),
      skipped,
      seconds: { decode: seconds.decode, backbone: seconds.backbone, coreset: seconds.coreset, calibrate: seconds.calibrate, total: seconds.total },
      backend: session.backendName,
      coresetOn,
    };
  });
}
