/**
 * One entry point for "images from a path", as the command line takes them: a folder of PNGs, one
 * PNG, an NPY file or an IDX file (gzipped or not). The format is recognised from the file's first
 * bytes, not its name.
 */
import { statSync } from 'node:fs';
import { LpcError } from '../errors.js';
import { isGzip, readFileHead, type ReadArrayOptions } from './file-bytes.js';
import { imageSetFromArray } from './from-array.js';
import type { ImageLayout } from './layout.js';
import { readIdx } from './idx.js';
import type { ImageSet, ValueRange } from './image-set.js';
import { readNpy } from './npy.js';
import { readPngFiles, readPngFolder, type PngReadOptions } from './png-folder.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of loadImages: those of the PNG and array readers it dispatches to. */
export interface LoadImagesOptions extends PngReadOptions, ReadArrayOptions {
  /** Axis order of 4-D NPY or IDX arrays (see imageSetFromArray). */
  layout?: ImageLayout;
  /** Declared value range of NPY or IDX arrays (see imageSetFromArray). */
  range?: ValueRange;
}

/** Every key of LoadImagesOptions (a misspelt option is refused, not ignored). */
const LOAD_IMAGES_KEYS = { layout: true, range: true, channels: true, name: true, maxBytes: true } satisfies OptionKeys<LoadImagesOptions>;

/**
 * Loads images from a folder of PNGs, a .png, a .npy or an IDX file, as [n, c, h, w].
 *
 * @example
 * const set = loadImages(argv.images);          // whichever of the formats the path holds
 * const x = scaleImages(set, UNIT_RANGE).images;
 */
export function loadImages(target: string, options: LoadImagesOptions = {}): ImageSet {
  checkKnownKeys(options, LOAD_IMAGES_KEYS, 'loadImages');
  let isDirectory: boolean;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LpcError('LPC_NOT_FOUND', `${target} does not exist`, { cause: error });
    throw error;
  }
  // Each reader gets the options it takes, and refuses any other.
  const { layout, range, channels, maxBytes } = options;
  const png = { channels, name: options.name };
  if (isDirectory) return readPngFolder(target, png);
  const head = readFileHead(target, 8);
  const array = { layout, range, name: options.name ?? target };
  if (head[0] === 0x89 && String.fromCharCode(head[1], head[2], head[3]) === 'PNG') return readPngFiles([target], png);
  if (head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY') {
    return imageSetFromArray(readNpy(target, { maxBytes }), array);
  }
  if (isGzip(head) || (head.length >= 4 && head[0] === 0 && head[1] === 0)) {
    return imageSetFromArray(readIdx(target, { maxBytes }), array);
  }
  throw new LpcError('LPC_UNSUPPORTED_FORMAT', `${target}: not a PNG, NPY or IDX file (nor a folder of PNGs)`);
}
