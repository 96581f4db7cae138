import { describe, expect, it } from 'vitest';
import { screenImages } from './image-files';

const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 16, 0, 0, 0, 16];
const png = (name: string, extra: number, path = '') => Object.assign(new File([new Uint8Array([...PNG_HEADER, extra])], name, { type: 'image/png' }), path ? { webkitRelativePath: path } : {});

describe('screening dropped images', () => {
  it('names every file that is not an image, and leaves out contents already chosen', async () => {
    const a = png('000.png', 1, 'good/000.png');
    const b = png('001.png', 2, 'good/001.png');
    const pdf = new File([new TextEncoder().encode('%PDF-1.7 ...')], 'manual.pdf');
    const txt = new File([new TextEncoder().encode('notes')], 'notes.txt');
    const empty = new File([], 'empty.png');
    const again = png('000.png', 1, 'copy/000.png');
    const r = await screenImages([a, pdf, b, txt, empty, again]);
    expect(r.images.map((f) => f.name)).toEqual(['000.png', '001.png']);
    expect(r.rejected).toEqual([
      { name: 'manual.pdf', reason: 'not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)' },
      { name: 'notes.txt', reason: 'not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)' },
      { name: 'empty.png', reason: 'the file is empty' },
    ]);
    expect(r.duplicates).toEqual([{ name: 'copy/000.png', sameAs: 'good/000.png' }]);
  });

  it('the same folder picked twice adds nothing the second time', async () => {
    const first = [png('a.png', 1), png('b.png', 2)];
    const second = [png('a.png', 1), png('b.png', 2)];
    const r = await screenImages(second, first);
    expect(r.images).toEqual([]);
    expect(r.duplicates.map((d) => d.name)).toEqual(['a.png', 'b.png']);
  });
});
