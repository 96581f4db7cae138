import { useEffect, useId, useRef } from 'react';
import type { PickedFile } from '../../state/inspect-actions';
import { fromFileList } from '../inspect/pick';

/**
 * "Choose a folder": a button-styled label for a hidden webkitdirectory input (the input's own "No file chosen" text
 * never shows; it keeps the keyboard focus, outlined on the button). `onPicked` gets the folder's files with their
 * paths relative to the folder's parent (e.g. `bottle/train/good/000.png`), hidden files (.DS_Store) left out.
 */
export function FolderPicker({
  label = 'Choose a folder',
  disabled,
  testId,
  onPicked,
}: {
  label?: string;
  disabled?: boolean;
  testId?: string;
  onPicked: (picked: PickedFile[]) => void;
}) {
  const id = useId();
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    ref.current?.setAttribute('webkitdirectory', '');
  }, []);
  return (
    <>
      <input
        id={id}
        ref={ref}
        className="visually-hidden"
        type="file"
        multiple
        disabled={disabled}
        aria-label={label}
        data-testid={testId}
        onChange={(e) => {
          const picked = e.target.files ? fromFileList(e.target.files).filter((p) => !p.path.split('/').pop()!.startsWith('.')) : [];
          e.target.value = '';
          onPicked(picked);
        }}
      />
      <label htmlFor={id} className={`button-like${disabled ? ' disabled' : ''}`}>
        {label}
      </label>
    </>
  );
}
