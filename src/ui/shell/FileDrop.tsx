import { useId, useState } from 'react';
import type { ReactNode } from 'react';

/** A file input with a drop zone around it; either way, `onFiles` gets the files. */
export function FileDrop({
  label,
  hint,
  accept,
  multiple,
  disabled,
  onFiles,
  testId,
  children,
}: {
  label: string;
  hint?: string;
  accept?: string;
  multiple?: boolean;
  disabled?: boolean;
  onFiles: (files: File[]) => void;
  testId?: string;
  children?: ReactNode;
}) {
  const id = useId();
  const [over, setOver] = useState(false);
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
        if (!disabled && e.dataTransfer.files.length) onFiles([...e.dataTransfer.files]);
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
          if (files.length) onFiles(files);
        }}
      />
      {children}
    </div>
  );
}
