import { useState } from 'react';
import { displayName, screenImages } from '../../state/image-files';
import type { ScreenedImages } from '../../state/image-files';
import type { ProfileMeta } from '../../engine/profile/profile';
import { FileDrop, IMAGE_TYPES } from '../shell/FileDrop';
import { formatBytes, plural } from '../shell/format';

/** The folder the chosen files came from, or the first few names: so different choices look different. */
function describeChoice(files: readonly File[]): string {
  const folders = [...new Set(files.map((f) => displayName(f).split('/').slice(0, -1).join('/')).filter(Boolean))];
  if (folders.length) return `from ${folders.slice(0, 2).join(', ')}${folders.length > 2 ? ` and ${folders.length - 2} more folders` : ''}`;
  return files.length <= 3 ? files.map((f) => f.name).join(', ') : `${files.slice(0, 2).map((f) => f.name).join(', ')} and ${files.length - 2} more`;
}

/** What is wrong with a new profile's name, or null: empty, or taken by a saved profile. */
export function nameProblemOf(name: string, profiles: readonly ProfileMeta[]): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the profile a name.';
  return profiles.some((p) => p.name === trimmed) ? `A profile named "${trimmed}" exists already; choose another name.` : null;
}

/** Photos of good parts chosen for a new profile: each added batch is screened (non-images named, repeats left out). */
export function useNormalImages(onFirstFolder: (folder: string) => void) {
  const [files, setFiles] = useState<File[]>([]);
  const [screened, setScreened] = useState<Omit<ScreenedImages, 'images'> | null>(null);
  const add = (added: File[]) =>
    void screenImages(added, files).then((r) => {
      setFiles((current) => [...current, ...r.images]);
      setScreened({ rejected: r.rejected, duplicates: r.duplicates });
      if (r.images[0]) onFirstFolder(r.images[0].webkitRelativePath.split('/')[0]);
    });
  const clear = () => (setFiles([]), setScreened(null));
  return { files, screened, add, clear };
}

/**
 * The drop zone for good-part photos, with what it holds, what was left out and why. `testPrefix` names its test
 * ids (`<prefix>-files`, `<prefix>-file-count`, `<prefix>-clear`, `<prefix>-rejected`, `<prefix>-duplicates`).
 */
export function NormalImagesDrop({ images, disabled, hint, testPrefix }: { images: ReturnType<typeof useNormalImages>; disabled: boolean; hint: string; testPrefix: string }) {
  const { files, screened, add, clear } = images;
  return (
    <FileDrop label="Photos of good parts" hint={hint} accept={IMAGE_TYPES} multiple disabled={disabled} onFiles={add} testId={`${testPrefix}-files`} folder={{ label: 'Choose a folder', testId: `${testPrefix}-folder` }}>
      <span className="small" data-testid={`${testPrefix}-file-count`}>
        {files.length ? `${plural(files.length, 'image')} ${describeChoice(files)} (${formatBytes(files.reduce((n, f) => n + f.size, 0))})` : 'No images chosen yet: add photos of good parts.'}
      </span>
      {files.length > 0 && !disabled && (
        <button type="button" onClick={clear} data-testid={`${testPrefix}-clear`}>
          Clear
        </button>
      )}
      {screened && screened.rejected.length > 0 && (
        <ul className="field-problem" data-testid={`${testPrefix}-rejected`}>
          {screened.rejected.map((r) => (
            <li key={r.name}>
              {r.name}: {r.reason}; left out.
            </li>
          ))}
        </ul>
      )}
      {screened && screened.duplicates.length > 0 && (
        <p className="small" data-testid={`${testPrefix}-duplicates`}>
          {plural(screened.duplicates.length, 'photo')} left out: already chosen ({screened.duplicates.slice(0, 3).map((d) => `${d.name} = ${d.sameAs}`).join('; ')}
          {screened.duplicates.length > 3 ? '; …' : ''}).
        </p>
      )}
    </FileDrop>
  );
}
