import { useEffect, useId, useRef, useState } from 'react';

const SHORTCUTS: [string, string][] = [
  ['← / →', 'Previous / next image (detail view; or swipe)'],
  ['+ / −', 'Zoom in / out'],
  ['0', 'Fit the image (reset zoom and pan)'],
  ['H', 'Heatmap on / off'],
  ['C', 'Region outline on / off'],
  ['Esc', 'Close the detail view or this help'],
  ['Ctrl+V', 'Paste images from the clipboard to inspect them'],
  ['?', 'Show this help'],
];

/** A button that opens the list of keyboard shortcuts. */
export function ShortcutsHelp() {
  const [open, setOpen] = useState(false);
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if (e.key === '?') setOpen((o) => !o);
      else if (e.key === 'Escape' && open) {
        e.stopPropagation();
        setOpen(false);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [open]);
  return (
    <div className="help" ref={ref}>
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)} data-testid="shortcuts-button">
        Shortcuts ?
      </button>
      {open && (
        <div id={id} role="dialog" aria-label="Keyboard shortcuts" className="popover" data-testid="shortcuts">
          <table>
            <tbody>
              {SHORTCUTS.map(([k, what]) => (
                <tr key={k}>
                  <th scope="row">
                    <kbd>{k}</kbd>
                  </th>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      )}
    </div>
  );
}
