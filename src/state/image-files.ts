/**
 * Files a person drops as images, checked as soon as they are dropped: each one that is not a usable image (empty,
 * a PDF or text file, TIFF, over the size limit) is named with the reason, and a file whose content was already
 * chosen (the same folder picked twice, or a photo under two names) is left out once, named too. The check reads
 * each file's bytes (the engine's checks, src/engine/image/check.ts) and a SHA-256 of its content.
 */
import { imageProblem } from '../engine/image/check';

export interface ScreenedImages {
  /** Usable images, in the order given, each content once. */
  images: File[];
  /** Files that are not usable images, with the reason. */
  rejected: { name: string; reason: string }[];
  /** Files left out because the same content was already chosen (under this or another name). */
  duplicates: { name: string; sameAs: string }[];
}

/** The name a person recognises: the path within the dropped or chosen folder when there is one. */
export function displayName(f: File): string {
  return f.webkitRelativePath || f.name;
}

async function contentHash(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks `added` (after any already `chosen`, whose contents count as seen). */
export async function screenImages(added: readonly File[], chosen: readonly File[] = []): Promise<ScreenedImages> {
  const seen = new Map<string, string>();
  for (const f of chosen) seen.set(await contentHash(await f.arrayBuffer()), displayName(f));
  const out: ScreenedImages = { images: [], rejected: [], duplicates: [] };
  for (const f of added) {
    const bytes = await f.arrayBuffer();
    const reason = imageProblem(new Uint8Array(bytes));
    if (reason) {
      out.rejected.push({ name: displayName(f), reason });
      continue;
    }
    const hash = await contentHash(bytes);
    const first = seen.get(hash);
    if (first !== undefined) {
      out.duplicates.push({ name: displayName(f), sameAs: first });
      continue;
    }
    seen.set(hash, displayName(f));
    out.images.push(f);
  }
  return out;
}
