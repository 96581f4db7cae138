/**
 * The one browser platform helper the actions need: a blob handed to the browser as a file download (nothing
 * leaves the device: it is a local object URL). Views that save files (PNG, CSV, JSON) use it too.
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
