/**
 * Exporting an inspection (issue: a double click on Export CSV downloaded two files) and the warning before the page
 * unloads while results are not exported (they live only in this tab).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { refreshProfiles } from './actions';
import { EXPORT_BURST_MS } from './download';
import { freshServices, scoreResult, testProfile, until } from './fake-engine';
import { clearInspection, exportInspection, inspectFiles, setDraftThreshold } from './inspect-actions';
import { useInspectStore } from './inspect-store';
import { onBeforeUnload, unexportedResults } from './inspect-unload';
import { profileStore } from './services';

const saved: { name: string; blob: Blob }[] = [];
const picked = (path: string) => ({ path, file: new File([new Uint8Array([1, 2, 3])], path.split('/').pop()!) });

beforeEach(async () => {
  const { engine } = freshServices();
  engine.on('load-profile', ({ key }) => ({ key }));
  engine.on('score', ({ file }) => scoreResult(file.name, file.name.includes('bad') ? 4 : 1));
  const { meta, bank } = testProfile({ name: 'bottle', threshold: 2, calibration: [1, 2] });
  await profileStore().save(meta, bank);
  await refreshProfiles();
  // The browser's download: an anchor clicked with an object URL (recorded here).
  saved.length = 0;
  let blob: Blob | null = null;
  vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => ((blob = b as Blob), 'blob:test'));
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
  const anchor = { href: '', download: '', click: () => saved.push({ name: anchor.download, blob: blob! }), remove: () => {} };
  vi.stubGlobal('document', { createElement: () => anchor, body: { appendChild: () => {} } });
  inspectFiles([picked('batch/good/a.png'), picked('batch/bad/b.png')]);
  await until(() => !useInspectStore.getState().running);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('exporting an inspection', () => {
  it('a double click downloads one file; a later click, another format or a changed threshold download again', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    expect(exportInspection('csv')).toBe(true);
    expect(exportInspection('csv')).toBe(false);
    expect(saved).toHaveLength(1);
    expect(saved[0].name).toMatch(/^inspection-bottle-.*\.csv$/);
    const lines = (await saved[0].blob.text()).trim().split('\r\n');
    expect(lines[0]).toBe('name,verdict,normalized_score,raw_score,threshold,profile,label,error,regions,largest_region_percent');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).concat(l.split(',').slice(-2)))).toEqual([
      ['batch/good/a.png', 'pass', '0', '0'],
      ['batch/bad/b.png', 'fail', '1', '100'],
    ]);
    expect(exportInspection('json')).toBe(true);
    expect(saved).toHaveLength(2);
    setDraftThreshold(5);
    expect(exportInspection('csv')).toBe(true);
    expect(exportInspection('csv')).toBe(false);
    vi.advanceTimersByTime(EXPORT_BURST_MS);
    expect(exportInspection('csv')).toBe(true);
    expect(saved).toHaveLength(4);
    // The clicks' own times decide: a second click handled late (a busy page) but made 80 ms after the first is ignored.
    setDraftThreshold(6);
    const t = performance.now();
    expect(exportInspection('csv', t)).toBe(true);
    vi.advanceTimersByTime(5000);
    expect(exportInspection('csv', t + 80)).toBe(false);
    expect(saved).toHaveLength(5);
  });
});

describe('results not exported', () => {
  const unloading = () => {
    const e = { defaultPrevented: false, returnValue: '' as unknown, preventDefault: () => void (e.defaultPrevented = true) };
    onBeforeUnload(e as unknown as BeforeUnloadEvent);
    return e;
  };

  it('make the page ask before unloading, until they are exported or cleared', () => {
    expect(unexportedResults()).toBe('Results not exported (2 inspected images) are lost when this page closes.');
    expect(unloading().defaultPrevented).toBe(true);
    exportInspection('json');
    expect(unexportedResults()).toBeNull();
    expect(unloading().defaultPrevented).toBe(false);
  });

  it('clearing the batch lets the page go too', () => {
    clearInspection();
    expect(unloading().defaultPrevented).toBe(false);
  });
});
