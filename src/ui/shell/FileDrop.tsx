import { FolderPicker } from './FolderPicker';
import { useId } from 'react';
import { DropZone } from './DropZone';
import type { ReactNode } from 'react';
import type { PickedFile } from '../../state/inspect-actions';
import { fromDataTransfer, fromFileList } from '../inspect/pick';

/**
 * A file input with a drop zone around it; either way, `onFiles` gets the files, with their paths (the folder
 * names from a folder choice or a dropped folder, else the file name). With `folder`, a second input chooses a
 * whole folder (webkitdirectory) and dropped folders are walked; hidden files (.DS_Store) are left out.
 */
/** The picture formats the file inputs offer (what the engine's decoder reads). */
export const IMAGE_TYPES = 'image/png,image/jpeg,image/bmp,image/webp,image/gif';

export function FileDrop({
  label,
  hint,
  accept,
  multiple,
  disabled,
  onFiles,
  testId,
  folder,
  children,
}: {
  label: string;
  hint?: string;
  accept?: string;
  multiple?: boolean;
  disabled?: boolean;
  onFiles: (files: File[], picked: PickedFile[]) => void;
  testId?: string;
  folder?: { label: string; testId?: string };
  children?: ReactNode;
}) {
  const id = useId();
  const deliver = (picked: PickedFile[]) => {
    if (picked.length) onFiles(picked.map((p) => p.file), picked);
  };
  return (
    <DropZone
      disabled={disabled}
      onDrop={(data) => {
        if (!data.files.length) return;
        if (folder) void fromDataTransfer(data).then(deliver);
        else deliver(fromFileList(data.files));
      }}
    >
      <label htmlFor={id} className="drop-label">
        {label}
      </label>
      {hint && <span className="muted small">{hint}</span>}
      <input
        id={id}
        type="file"
        accept={accept}
        multiple={multiple}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => {
          const files = e.target.files ? [...e.target.files] : [];
          e.target.value = '';
          deliver(fromFileList(files));
        }}
      />
      {folder && (
        <span className="small">
          or{' '}
          <FolderPicker label={folder.label} disabled={disabled} testId={folder.testId} onPicked={deliver} />
        </span>
      )}
      {children}
    </DropZone>
  );
}
