/**
 * 'teach': images an operator marked good, taught to a loaded profile through the engine's one teaching rule
 * (src/engine/profile/teach.ts: the pre-teach score joins the calibration, the threshold is set again by the
 * profile's rule, patches join the bank farthest-first). The profile comes from the session's profile cache, on the
 * backbone it was built on; the loaded profile itself is left as it was. The taught profile comes back with its bank
 * in the storage dtype and is not remembered here: the page saves it (a new revision) and loads it again.
 */
import { teachProfile } from '../../src/engine/profile/teach';
import { float32ToBank } from '../../src/engine/profile/stored-bank';
import type { FileBytes, TeachResult } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import type { OnProgress, Req } from './types';

/** Decodes a file; the engine names the file in its error, so the decoder's own prefix is dropped (named once). */
async function decodeNamed(session: Session, file: FileBytes) {
  try {
    return await session.decode(file);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const prefix = `${file.name}: `;
    throw new Error(text.startsWith(prefix) ? text.slice(prefix.length) : text, { cause: e });
  }
}

export async function teach(req: Req<'teach'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<TeachResult> {
  const p = await session.loadedProfile(req.key, onProgress);
  if (req.files.length === 0) throw new Error('no images to teach: mark an image as good first');
  const { id, weightsHash } = p.meta.backbone;
  return session.backend.onBackend(signal, async (s) => {
    const backbone = await session.backboneFor(id, weightsHash, onProgress);
    const images = req.files.map((f) => ({ name: f.name, load: () => decodeNamed(session, f) }));
    const r = await teachProfile(backbone, { meta: p.meta, bank: p.bank }, images, { onProgress, signal: s });
    const { size, dim, dtype } = r.profile.meta.bank;
    return {
      meta: r.profile.meta,
      bank: float32ToBank(r.profile.bank, size, dim, dtype),
      taught: r.taught.map((t) => ({ name: t.name, scoreBefore: t.scoreBefore, rowsAdded: t.rowsAdded })),
      thresholdBefore: r.thresholdBefore,
      thresholdAfter: r.thresholdAfter,
    };
  });
}
