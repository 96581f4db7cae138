import { FolderPicker } from './FolderPicker';
import { useId, useState } from 'react';
import { DropZone } from './DropZone';
import type { ReactNode } from 'react';
import type { PickedFile } from '../../state/inspect-actions';
import { fromDataTransfer, fromFileList } from '../inspect/pick';
import { describePicked } from './format';

/**
 * A styled file chooser with a drop zone around it: a button opens the native file input, which stays hidden (its
 * "No file chosen" text never shows beside the panel's own summary). Either way, `onFiles` gets the files with their
 * paths (the folder names from a folder choice or a dropped folder, else the file name). With `folder`, a second
 * button chooses a whole folder (webkitdirectory) and dropped folders are walked; hidden files (.DS_Store) are left
 * out. Without `children` (the panel's own summary of what it holds), the last choice is shown: its folder or path.
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
  const [chosen, setChosen] = useState('');
  const deliver = (picked: PickedFile[]) => {
    if (!picked.length) return;
    setChosen(describePicked(picked.map((p) => p.path)));
    onFiles(
      picked.map((p) => p.file),
      picked,
    );
  };
  const choose = multiple ? 'Choose files' : 'Choose a file';
  return (
    <DropZone
      disabled={disabled}
      onDrop={(data) => {
        if (!data.files.length) return;
        if (folder) void fromDataTransfer(data).then(deliver);
        else deliver(fromFileList(multiple ? data.files : [...data.files].slice(0, 1)));
      }}
    >
      <span className="drop-label">{label}</span>
      {hint && <span className="muted small">{hint}</span>}
      <div className="actions">
        <input
          id={id}
          className="visually-hidden"
          type="file"
          accept={accept}
          multiple={multiple}
          disabled={disabled}
          aria-label={`${label}: ${choose.toLowerCase()}`}
          data-testid={testId}
          onChange={(e) => {
            const files = e.target.files ? [...e.target.files] : [];
            e.target.value = '';
            deliver(fromFileList(files));
          }}
        />
        <label htmlFor={id} className={`button-like${disabled ? ' disabled' : ''}`}>
          {choose}
        </label>
        {folder && <FolderPicker label={folder.label} disabled={disabled} testId={folder.testId} onPicked={deliver} />}
        {!children && chosen && (
          <span className="small drop-chosen" data-testid={testId ? `${testId}-chosen` : undefined} title={chosen}>
            {chosen}
          </span>
        )}
      </div>
      {children}
    </DropZone>
  );
}
