/**
 * `--mask FILE` for inverse problems: a PNG or NPY whose nonzero pixels are observed, one [H, W] mask for
 * every image or one per image ([n, H, W]), read into the [n, C*H*W] 0/1 layout inference takes.
 */
import { extname } from 'node:path';
import type { ImageShape } from '../data/index.js';
import { loadImages } from '../data/load-images.js';
import { readNpy } from '../data/npy.js';
import { LpcError } from '../errors.js';
import { expandMask } from '../inference/masks.js';

/**
 * Reads the mask file for `count` images of `imageShape`. A PNG counts as [H, W] (every channel of a pixel
 * zero = hidden); an NPY as its own shape. Wrong shapes are refused naming both (LPC_SHAPE_MISMATCH).
 */
export function readMaskFile(file: string, count: number, imageShape: ImageShape): Uint8Array {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === '.png') {
      const set = loadImages(file);
      const [c, h, w] = set.shape;
      const plane = new Uint8Array(h * w);
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) if (set.images[ch * h * w + p] !== 0) plane[p] = 1;
      return expandMask(plane, [h, w], count, imageShape);
    }
    if (ext === '.npy') {
      const array = readNpy(file);
      return expandMask(array.data, array.shape, count, imageShape);
    }
  } catch (error) {
    if (error instanceof LpcError) throw new LpcError(error.code, `--mask ${file}: ${error.message}`, { cause: error });
    throw error;
  }
  throw new LpcError('LPC_INVALID_ARGUMENT', `--mask must be a .png or .npy file; received ${file}`);
}
