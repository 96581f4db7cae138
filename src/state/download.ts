/**
 * Saving files from the page: a blob handed to the browser as a file download (nothing leaves the device: it is a
 * local object URL), used by the actions and by views that save files (PNG, CSV, JSON); `downloadOnce`, the export
 * actions' guard, so a double click (a burst of requests for the same export of the same results) saves one file;
 * and the CSV cell rule the exports share.
 */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Requests for the same export of the same results within this many milliseconds are one request. */
export const EXPORT_BURST_MS = 1500;

let last: { what: string; state: readonly unknown[]; at: number } | null = null;

const sameState = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/**
 * Downloads what `make` builds, unless the same export (`what`, e.g. 'inspect-csv') of the same results (`state`:
 * the values the file is made from, compared by identity) was requested within EXPORT_BURST_MS. Returns whether it
 * downloaded. Changed results, another format, or a later click download again. `at`: when the request was made, on
 * the performance.now() clock; views pass the click's event.timeStamp, so a busy page handling the second click of a
 * double click late still sees the two clicks as close as they were.
 */
export function downloadOnce(what: string, state: readonly unknown[], make: () => { blob: Blob; fileName: string }, at = performance.now()): boolean {
  if (last && last.what === what && Math.abs(at - last.at) < EXPORT_BURST_MS && sameState(last.state, state)) return false;
  last = { what, state: [...state], at };
  const { blob, fileName } = make();
  downloadBlob(blob, fileName);
  return true;
}

/** One CSV cell (RFC 4180): quoted when needed; text starting = + - @ (a spreadsheet formula) is prefixed with '. */
export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A whole CSV file: a header and rows, CRLF line ends. */
export function csvText(columns: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [columns.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

/** `<what>-<slug>-<time>.<ext>`, a file name for an export made now. */
export function exportFileName(what: string, name: string, ext: string, at = new Date()): string {
  const slug = name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'results';
  return `${what}-${slug}-${at.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${ext}`;
}
