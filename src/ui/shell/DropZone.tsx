import { useState } from 'react';
import type { ReactNode } from 'react';

/**
 * The drop surface of the file and folder choosers: highlights while something is dragged over it (moving over its
 * own buttons keeps the highlight), hands over what is dropped. Its buttons (styled file inputs) choose the same way.
 */
export function DropZone({
  disabled,
  onDrop,
  className,
  testId,
  children,
}: {
  disabled?: boolean;
  onDrop: (data: DataTransfer) => void;
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  return (
    <div
      className={`drop${className ? ` ${className}` : ''}${over ? ' drop-over' : ''}${disabled ? ' drop-disabled' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (!disabled) onDrop(e.dataTransfer);
      }}
      data-testid={testId}
    >
      {children}
    </div>
  );
}
