/**
 * A folder of PNG images as one ImageSet, and the reverse. Files are taken in code-point order of
 * their names (zero-padded numbers sort numerically) and must all have the same size.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { invalidArgument, LpcError } from '../errors.js';
import { readFileBytes, readFileHead } from './file-bytes.js';
import { BYTE_RANGE, createImageSet, imageSize, type ImageSet } from './image-set.js';
import { decodePng, encodePng, parsePngHeader } from './png-codec.js';
import { byteTable } from './scale.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** How PNG files become one set: the channel count and the set's name. */
export interface PngReadOptions {
  /**
   * Channels of the result. Default: 1 when every file is grey (PNG colour types 0 and 4), else 3,
   * grey files then repeated into R, G and B. With 1, colour pixels become luma 0.299R + 0.587G + 0.114B.
   * Alpha is dropped.
   */
  channels?: 1 | 3;
  /** Names the set in messages (default: the folder or file path). */
  name?: string;
}

/** Every key of PngReadOptions (a misspelt option is refused, not ignored). */
const PNG_READ_KEYS = { channels: true, name: true } satisfies OptionKeys<PngReadOptions>;

/**
 * Reads every `.png` file of a folder (not its subfolders) into bytes [n, c, h, w] in [0, 255].
 *
 * @example
 * const faces = readPngFolder('celeba-64/');   // shape [3, 64, 64] if any file is colour
 */
export function readPngFolder(dir: string, options: PngReadOptions = {}): ImageSet<Uint8Array> {
  checkKnownKeys(options, PNG_READ_KEYS, 'readPngFolder');
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && /\.png$/i.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LpcError('LPC_NOT_FOUND', `image folder ${dir} does not exist`, { cause: error });
    if (code === 'ENOTDIR') invalidArgument('dir', 'a folder of PNG files', dir);
    throw error;
  }
  if (names.length === 0) throw new LpcError('LPC_NOT_FOUND', `image folder ${dir} holds no .png files`);
  return readPngFiles(
    names.map((name) => path.join(dir, name)),
    { name: dir, ...options },
  );
}

/** Reads the given PNG files, in the given order, into one set (see readPngFolder). */
export function readPngFiles(files: readonly string[], options: PngReadOptions = {}): ImageSet<Uint8Array> {
  checkKnownKeys(options, PNG_READ_KEYS, 'readPngFiles');
  if (files.length === 0) invalidArgument('files', 'at least one PNG file', files);
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    invalidArgument('options.channels', '1 or 3', options.channels);
  }
  // First pass: headers only, so a size mismatch is found before any pixel is decoded.
  const headers = files.map((file) => parsePngHeader(readFileHead(file, 26), file));
  const { width, height } = headers[0];
  headers.forEach((h, i) => {
    if (h.width !== width || h.height !== height) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `${files[i]} is ${h.width}x${h.height} but ${files[0]} is ${width}x${height}; all images must have one size`);
    }
  });
  const channels = options.channels ?? (headers.every((h) => h.colorType === 0 || h.colorType === 4) ? 1 : 3);
  const plane = width * height;
  const images = new Uint8Array(files.length * channels * plane);
  files.forEach((file, i) => {
    const { rgba, grey } = decodePng(readFileBytes(file), file);
    const out = images.subarray(i * channels * plane, (i + 1) * channels * plane);
    for (let p = 0; p < plane; p++) {
      const r = rgba[4 * p];
      const g = rgba[4 * p + 1];
      const b = rgba[4 * p + 2];
      if (channels === 3) {
        out[p] = r;
        out[plane + p] = g;
        out[2 * plane + p] = b;
      } else {
        out[p] = grey ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      }
    }
  });
  return createImageSet({ name: options.name ?? files[0], count: files.length, shape: [channels, height, width], images, labels: null, range: BYTE_RANGE });
}

/**
 * Writes each image of a set with 1 or 3 channels as `<prefix><index>.png` in `dir` (created if
 * needed), the index zero-padded so that name order is image order; values map from the set's
 * range to [0, 255], clamped. Returns the paths written.
 */
export function writePngFolder(set: ImageSet, dir: string, options: { prefix?: string } = {}): string[] {
  const [channels, height, width] = set.shape;
  if (channels !== 1 && channels !== 3) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${set.name}: PNG images have 1 or 3 channels; the set has ${channels}`);
  }
  mkdirSync(dir, { recursive: true });
  const digits = String(Math.max(0, set.count - 1)).length;
  const plane = width * height;
  const size = imageSize(set.shape);
  const table = set.images instanceof Uint8Array ? byteTable(set.range, BYTE_RANGE) : null;
  const [lo, hi] = set.range;
  const pixels = new Uint8Array(size);
  const files: string[] = [];
  for (let i = 0; i < set.count; i++) {
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < channels; k++) {
        const v = set.images[i * size + k * plane + p];
        const scaled = table !== null ? table[v] : ((v - lo) * 255) / (hi - lo);
        pixels[p * channels + k] = Math.round(Math.min(255, Math.max(0, scaled)));
      }
    }
    const file = path.join(dir, `${options.prefix ?? ''}${String(i).padStart(digits, '0')}.png`);
    writeFileSync(file, encodePng(pixels, width, height, channels));
    files.push(file);
  }
  return files;
}
