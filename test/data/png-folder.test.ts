import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs'; // to write RGBA, a colour type the package's encoder never produces
import { createImageSet } from '../../lib/data/image-set.js';
import { encodePng } from '../../lib/data/png-codec.js';
import { readPngFiles, readPngFolder, writePngFolder } from '../../lib/data/png-folder.js';
import { expectLpcError } from '../support/expect-error.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-png-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fresh = (name: string) => {
  const d = path.join(dir, name);
  mkdirSync(d);
  return d;
};
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 101) % 256);

describe('PNG folders', () => {
  for (const channels of [1, 3] as const) {
    it(`round-trips ${channels === 1 ? 'grey' : 'RGB'} images through a folder`, () => {
      const set = createImageSet({ name: 's', count: 12, shape: [channels, 5, 7], images: bytes(12 * channels * 35, channels), labels: null, range: [0, 255] });
      const folder = path.join(dir, `roundtrip-${channels}`);
      const files = writePngFolder(set, folder, { prefix: 'img-' });
      expect(files.map((f) => path.basename(f))).toEqual(Array.from({ length: 12 }, (_, i) => `img-${String(i).padStart(2, '0')}.png`));
      const back = readPngFolder(folder);
      expect(back.count).toBe(12);
      expect(back.shape).toEqual([channels, 5, 7]);
      expect(back.range).toEqual([0, 255]);
      expect(Buffer.compare(back.images, set.images)).toBe(0);
    });
  }

  it('writes float sets by mapping their range to bytes', () => {
    const set = createImageSet({ name: 'f', count: 1, shape: [1, 1, 4], images: Float32Array.from([-1, 0, 1, 2]), labels: null, range: [-1, 1] });
    const back = readPngFolder(path.dirname(writePngFolder(set, path.join(dir, 'float'))[0]));
    expect([...back.images]).toEqual([0, 128, 255, 255]); // 127.5 rounds up; 2 is clamped
  });

  it('reads files in name order, ignoring other files and subfolders', () => {
    const folder = fresh('order');
    for (const [name, value] of [
      ['b.png', 2],
      ['a.png', 1],
      ['c.PNG', 3],
    ] as const) {
      writeFileSync(path.join(folder, name), encodePng(Uint8Array.from([value, value]), 2, 1, 1));
    }
    writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    mkdirSync(path.join(folder, 'sub.png'));
    expect([...readPngFolder(folder).images]).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('promotes a mix of grey and colour files to RGB, and converts on request', () => {
    const folder = fresh('mixed');
    writeFileSync(path.join(folder, '0.png'), encodePng(Uint8Array.from([10, 200]), 2, 1, 1));
    writeFileSync(path.join(folder, '1.png'), encodePng(Uint8Array.from([255, 0, 0, 0, 0, 255]), 2, 1, 3));
    const rgb = readPngFolder(folder);
    expect(rgb.shape).toEqual([3, 1, 2]);
    expect([...rgb.images]).toEqual([10, 200, 10, 200, 10, 200, 255, 0, 0, 0, 0, 255]);
    const grey = readPngFolder(folder, { channels: 1 });
    expect([...grey.images]).toEqual([10, 200, Math.round(0.299 * 255), Math.round(0.114 * 255)]);
  });

  it('drops the alpha channel of RGBA files', () => {
    const file = path.join(fresh('alpha'), 'a.png');
    const png = new PNG({ width: 1, height: 1 });
    png.data = Buffer.from([40, 50, 60, 7]);
    writeFileSync(file, PNG.sync.write(png, { colorType: 6 }));
    const set = readPngFiles([file]);
    expect(set.shape).toEqual([3, 1, 1]);
    expect([...set.images]).toEqual([40, 50, 60]);
  });

  it('names the file whose size differs', () => {
    const folder = fresh('sizes');
    writeFileSync(path.join(folder, 'a.png'), encodePng(new Uint8Array(4), 2, 2, 1));
    writeFileSync(path.join(folder, 'b.png'), encodePng(new Uint8Array(6), 3, 2, 1));
    expectLpcError(() => readPngFolder(folder), 'LPC_SHAPE_MISMATCH', `${path.join(folder, 'b.png')} is 3x2`);
  });

  it('reports absent, empty and corrupt inputs with coded errors naming them', () => {
    expectLpcError(() => readPngFolder(path.join(dir, 'absent')), 'LPC_NOT_FOUND', path.join(dir, 'absent'));
    expectLpcError(() => readPngFolder(fresh('empty')), 'LPC_NOT_FOUND', 'no .png files');
    expectLpcError(() => readPngFiles([path.join(dir, 'absent.png')]), 'LPC_NOT_FOUND', 'absent.png');
    const folder = fresh('corrupt');
    const good = encodePng(bytes(64, 1), 8, 8, 1);
    writeFileSync(path.join(folder, 'a.png'), good);
    writeFileSync(path.join(folder, 'b.png'), Buffer.from('GIF89a, not a PNG at all....'));
    expectLpcError(() => readPngFolder(folder), 'LPC_CORRUPT_DATA', `${path.join(folder, 'b.png')}: not a PNG`);
    writeFileSync(path.join(folder, 'b.png'), good.subarray(0, good.length - 20));
    expectLpcError(() => readPngFolder(folder), 'LPC_CORRUPT_DATA', `${path.join(folder, 'b.png')}: PNG cannot be decoded`);
  });
});
