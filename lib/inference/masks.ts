/**
 * Masks for inverse problems (inpainting): which pixels of each image are observed. A mask is one [D] array
 * for every image or [n, D] (one per image), nonzero = observed, D = C*H*W or H*W (then it covers every
 * channel). The energy graph reads hidden pixels as NaN in x (EnergyModel with `masked`), so nothing
 * computed from x can see their values.
 */
import { LpcError } from '../errors.js';
import type { ImageShape } from '../data/index.js';

/** A mask as given: values per pixel, nonzero = observed. */
export type MaskValues = Uint8Array | Float32Array;

/**
 * The mask for `count` images of shape [C, H, W] as [count, C*H*W] 0/1 bytes. `dims` names the shape the
 * mask came with ([H, W], [n, H, W], [C, H, W] or [n, C, H, W]); a mask that fits none of them is refused
 * naming both shapes.
 */
export function expandMask(values: MaskValues, dims: readonly number[], count: number, imageShape: ImageShape): Uint8Array {
  const [C, H, W] = imageShape;
  const refuse = (): never => {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the mask has shape [${dims.join(', ')}], which fits neither [${H}, ${W}] nor [${count}, ${H}, ${W}] (the images are [${count}, ${C}, ${H}, ${W}])`);
  };
  if (values.length !== dims.reduce((p, v) => p * v, 1)) refuse();
  const tail = dims.slice(-2);
  if (tail.length !== 2 || tail[0] !== H || tail[1] !== W) refuse();
  const lead = dims.slice(0, -2);
  let perImage: boolean;
  let channels: boolean;
  if (lead.length === 0) [perImage, channels] = [false, false];
  else if (lead.length === 1 && lead[0] === count && !(C !== 1 && lead[0] === C && count !== C)) [perImage, channels] = [true, false];
  else if (lead.length === 1 && lead[0] === C) [perImage, channels] = [false, true];
  else if (lead.length === 2 && lead[0] === count && lead[1] === C) [perImage, channels] = [true, true];
  else return refuse();
  const plane = H * W;
  const out = new Uint8Array(count * C * plane);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < C; c++) {
      const from = (perImage ? i * (channels ? C : 1) : 0) * plane + (channels ? c * plane : 0);
      for (let p = 0; p < plane; p++) out[(i * C + c) * plane + p] = values[from + p] !== 0 ? 1 : 0;
    }
  }
  return out;
}

/** A copy of x ([n, D]) with the hidden pixels of `mask` ([n, D] 0/1, or [D] for all) set to NaN. */
export function hidePixels(x: Float32Array, mask: Uint8Array): Float32Array {
  if (mask.length === 0 || x.length % mask.length !== 0) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the mask has ${mask.length} values, which does not divide the ${x.length} values of the images`);
  }
  const out = x.slice();
  for (let i = 0; i < out.length; i++) if (mask[i % mask.length] === 0) out[i] = NaN;
  return out;
}
