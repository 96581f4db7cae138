import { FolderPicker } from './FolderPicker';
import { useId, useState } from 'react';
import type { ReactNode } from 'react';
import type { PickedFile } from '../../state/inspect-actions';
import { fromDataTransfer, fromFileList } from '../inspect/pick';

/**
 * A file input with a drop zone around it; either way, `onFiles` gets the files, with their paths (the folder
 * names from a folder choice or a dropped folder, else the file name). With `folder`, a second input chooses a
 * whole folder (webkitdirectory) and dropped folders are walked; hidden files (.DS_Store) are left out.
 */
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
  const [over, setOver] = useState(false);
  const deliver = (picked: PickedFile[]) => {
    if (picked.length) onFiles(picked.map((p) => p.file), picked);
  };
  return (
    <div
      className={`drop${over ? ' drop-over' : ''}${disabled ? ' drop-disabled' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (disabled || !e.dataTransfer.files.length) return;
        if (folder) void fromDataTransfer(e.dataTransfer).then(deliver);
        else deliver(fromFileList(e.dataTransfer.files));
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
    </div>
  );
}
