/**
 * Files from the ways an inspector hands them over: a file input (with folders through
 * webkitdirectory, where `webkitRelativePath` keeps the folder names), a drop of files and folders
 * (walked with webkitGetAsEntry), a paste from the clipboard.
 */
import type { PickedFile } from '../../state/inspect-actions';

export function fromFileList(list: FileList | readonly File[]): PickedFile[] {
  return [...list].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') || file.name });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in chunks (100 in Chromium) until it returns none.
    for (;;) {
      const chunk = await readEntries(reader);
      if (chunk.length === 0) break;
      for (const e of chunk) await walk(e, out);
    }
  }
}

/** Everything dropped, folders walked; hidden files (.DS_Store) left out. */
export async function fromDataTransfer(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = [...dt.items].filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) return fromFileList(dt.files);
  const out: PickedFile[] = [];
  for (const e of entries) await walk(e!, out);
  return out.filter((p) => !p.path.split('/').pop()!.startsWith('.')).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Images pasted from the clipboard, named by time (a screenshot has no name of its own). */
export function fromClipboard(data: DataTransfer | null, now = new Date()): PickedFile[] {
  if (!data) return [];
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return [...data.files].map((file, i) => {
    const ext = file.type.split('/')[1]?.replace('jpeg', 'jpg') || 'png';
    const name = !file.name || file.name === 'image.png' ? `pasted-${stamp}${data.files.length > 1 ? `-${i + 1}` : ''}.${ext}` : file.name;
    return { file, path: name };
  });
}
