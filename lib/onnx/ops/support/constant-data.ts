/**
 * Contents of small integer tensors that data-movement nodes compute from constants. Exporters build
 * some attributes as such chains: PyTorch's F.pad at opset 11 and later writes its pads as a constant
 * reshaped to [n, 2], reversed by a Slice with step -1, transposed and flattened. Knowing the result lets
 * inference fix the padded shape and the gradient rules read the pads.
 */
import { isIntegral } from '../../dtype.js';
import { sizeOf, tensorOf, toNumbers, type Tensor } from '../../tensor.js';
import { isStatic } from './shape-utils.js';
import type { ValueType } from '../types.js';

/** Integer constants up to this many elements are evaluated; larger ones are data, not shape arithmetic. */
export const MAX_CONSTANT_ELEMENTS = 4096;

/** Operators whose output holds the input's elements in the same order (only the shape or type differs). */
const SAME_ORDER = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast']);

/** Input 0's value when it is a small integer constant, else undefined. */
export function smallIntConstant(t: ValueType): Tensor | undefined {
  const c = t.constant;
  return c !== undefined && isIntegral(c.dtype) && c.data.length <= MAX_CONSTANT_ELEMENTS ? c : undefined;
}

/**
 * The output of a SAME_ORDER node whose input is a small integer constant and whose output type is fully
 * known and integral; undefined otherwise.
 */
export function sameOrderConstant(opType: string, input: ValueType | undefined, out: ValueType): Tensor | undefined {
  if (!SAME_ORDER.has(opType) || input === undefined || out.dtype === undefined || !isIntegral(out.dtype)) return undefined;
  const c = smallIntConstant(input);
  const shape = out.shape;
  if (c === undefined || !isStatic(shape) || sizeOf(shape) !== c.data.length) return undefined;
  return tensorOf(out.dtype, shape, toNumbers(c));
}

/**
 * A tensor of shape `outShape` whose element at multi-index o is the input's element at source(o), for
 * Transpose and Slice of constants.
 */
export function rearrangeConstant(t: Tensor, outShape: readonly number[], source: (out: readonly number[]) => number[]): Tensor {
  const values = toNumbers(t);
  const strides = t.dims.map((_, i) => sizeOf(t.dims.slice(i + 1)));
  const count = sizeOf(outShape);
  const out = new Array<number>(count);
  const index = outShape.map(() => 0);
  for (let k = 0; k < count; k++) {
    const src = source(index);
    out[k] = values[src.reduce((off, s, i) => off + s * strides[i]!, 0)]!;
    for (let a = outShape.length - 1; a >= 0; a--) {
      if (++index[a]! < outShape[a]!) break;
      index[a] = 0;
    }
  }
  return tensorOf(t.dtype, outShape, out);
}
