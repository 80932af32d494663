/**
 * PNG grids of images: samples, dataset previews, and originals beside their reconstructions.
 * Images come as one NCHW array [n, c, h, w] with c = 1 (grey PNG) or 3 (RGB PNG).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { invalidArgument, LpcError } from '../errors.js';
import { encodePng } from './png-codec.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

// The data layer's PixelArray and ValueRange, restated: report sits below every layer that defines images.
/** @inline */
type GridPixels = Uint8Array | Float32Array;
/** @inline */
type GridRange = readonly [min: number, max: number];

/** Shape [n, channels, height, width] of an NCHW batch. */
export type BatchShape = readonly [count: number, channels: number, height: number, width: number];

/** Layout and colours of an image grid. */
export interface ImageGridOptions {
  /** Cells per row (default ceil(sqrt(n)); at most n). A cell holds one image, or one pair. */
  columns?: number;
  /** Pixels of background between cells and around the grid (default 2). */
  padding?: number;
  /** Background grey in [0, 1] (default 0.5, visible against both black and white images). */
  background?: number;
  /** The interval drawn black to white (default [0, 1] for floats, [0, 255] for bytes); values outside are clamped, NaN is drawn black. */
  range?: GridRange;
  /** A second batch of the same shape (e.g. reconstructions), drawn right of each image. */
  pairs?: GridPixels;
  /** Pixels between an image and its pair (default 1). */
  pairGap?: number;
}

/** Every key of ImageGridOptions (a misspelt option is refused, not ignored). */
const IMAGE_GRID_KEYS = { columns: true, padding: true, background: true, range: true, pairs: true, pairGap: true } satisfies OptionKeys<ImageGridOptions>;

/**
 * The PNG bytes of a grid of images.
 *
 * @example
 * const png = imageGridPng(x, [64, 1, 28, 28], { columns: 8, pairs: reconstructions });
 */
export function imageGridPng(images: GridPixels, shape: BatchShape, options: ImageGridOptions = {}): Buffer {
  checkKnownKeys(options, IMAGE_GRID_KEYS, 'imageGridPng');
  const [n, c, h, w] = checkShape(images, shape, 'images');
  if (options.pairs !== undefined) checkShape(options.pairs, shape, 'options.pairs');
  const requestedColumns = options.columns ?? Math.ceil(Math.sqrt(n));
  const padding = options.padding ?? 2;
  const pairGap = options.pairGap ?? 1;
  const background = options.background ?? 0.5;
  checkCount('options.columns', requestedColumns, 1);
  const columns = Math.min(requestedColumns, n); // no empty columns when n is small
  checkCount('options.padding', padding, 0);
  checkCount('options.pairGap', pairGap, 0);
  if (!(background >= 0 && background <= 1)) invalidArgument('options.background', 'a grey level in [0, 1]', background);
  const range = options.range ?? (images instanceof Uint8Array ? ([0, 255] as const) : ([0, 1] as const));
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) {
    invalidArgument('options.range', '[min, max] with finite min < max', `[${range.join(', ')}]`);
  }

  const perCell = options.pairs === undefined ? 1 : 2;
  const cellWidth = perCell * w + (perCell - 1) * pairGap;
  const rows = Math.ceil(n / columns);
  const width = columns * cellWidth + (columns + 1) * padding;
  const height = rows * h + (rows + 1) * padding;
  const pixels = new Uint8Array(width * height * c).fill(Math.round(background * 255));
  const sources = options.pairs === undefined ? [images] : [images, options.pairs];
  for (let i = 0; i < n; i++) {
    const top = padding + Math.floor(i / columns) * (h + padding);
    const cellLeft = padding + (i % columns) * (cellWidth + padding);
    sources.forEach((source, s) => {
      drawImage(source, i, [c, h, w], range, pixels, width, top, cellLeft + s * (w + pairGap));
    });
  }
  return encodePng(pixels, width, height, c as 1 | 3);
}

/** Writes imageGridPng's bytes to `file`, creating its folder if needed. */
export function writeImageGrid(file: string, images: GridPixels, shape: BatchShape, options: ImageGridOptions = {}): void {
  const png = imageGridPng(images, shape, options);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png);
}

/** Copies image i (planar) into the interleaved canvas at (top, left), mapping `range` to 0..255. */
function drawImage(source: GridPixels, i: number, [c, h, w]: readonly [number, number, number], [lo, hi]: GridRange, canvas: Uint8Array, canvasWidth: number, top: number, left: number): void {
  const base = i * c * h * w;
  const scale = 255 / (hi - lo);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = ((top + y) * canvasWidth + left + x) * c;
      for (let k = 0; k < c; k++) {
        const v = (source[base + (k * h + y) * w + x] - lo) * scale;
        // NaN fails both comparisons and lands on 0.
        canvas[at + k] = v >= 255 ? 255 : v > 0 ? Math.round(v) : 0;
      }
    }
  }
}

function checkShape(images: GridPixels, shape: BatchShape, name: string): BatchShape {
  if (!(images instanceof Float32Array || images instanceof Uint8Array)) invalidArgument(name, 'a Float32Array or Uint8Array', images);
  if (shape.length !== 4 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name}: shape must be [n, channels, height, width] of positive integers; received [${shape.join(', ')}]`);
  }
  if (shape[1] !== 1 && shape[1] !== 3) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name}: a grid draws 1 (grey) or 3 (RGB) channels; shape [${shape.join(', ')}] has ${shape[1]}`);
  }
  const expected = shape[0] * shape[1] * shape[2] * shape[3];
  if (images.length !== expected) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name} has ${images.length} values but shape [${shape.join(', ')}] needs ${expected}`);
  }
  return shape;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) invalidArgument(name, `an integer >= ${min}`, value);
}
