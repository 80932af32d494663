/**
 * Building blocks of the sliding-window gradients, in standard operators:
 * - windowsAdjoint: the adjoint of "gather every window" (what Conv does before its weights act) is a
 *   ConvTranspose with the same strides and dilations, whose pads and output padding cut its output to
 *   the input's exact extents;
 * - kernelGrad: the gradient of convolution weights is itself a Conv of the batch-and-channel-swapped
 *   input with the swapped output gradient, strides and dilations exchanged, groups kept apart by folding
 *   them into the batch axis;
 * - oneHotKernels / padWith: the window taps as channels (a Conv with one-hot kernels, exact), and
 *   constant padding with a value, in each opset's form.
 */
import { floatAttr, type AttrInput, type GraphBuilder } from '../../builder.js';
import type { DType } from '../../dtype.js';
import { tensorOf } from '../../tensor.js';
import type { GradContext } from '../types.js';
import type { Windows } from './window-geometry.js';
import { range } from './shape-utils.js';

const product = (v: readonly number[]) => v.reduce((p, d) => p * d, 1);

/** The float type gradient constants take: that of the node's output 0. */
export function floatType(ctx: GradContext): DType {
  return ctx.outType(0).dtype ?? 'float32';
}

/** Conv / ConvTranspose attributes, leaving out the defaults. */
function convAttrs(strides: number[], dilations: number[], pads: number[], group: number): Record<string, AttrInput> {
  const attrs: Record<string, AttrInput> = { strides };
  if (dilations.some((d) => d !== 1)) attrs.dilations = dilations;
  if (pads.some((p) => p !== 0)) attrs.pads = pads;
  if (group !== 1) attrs.group = group;
  return attrs;
}

/**
 * The adjoint of taking windows: g [N, K, ...out] holds, per window, values to add back to its taps through
 * `weight` [K, C/group, ...kernel]; returns [N, C, ...in]. Window o's tap j sits at padded position
 * o s + j d, so the ConvTranspose output is cut by the begin pads and at the end to the input extent
 * (windows that stop short of the end take output padding instead, always less than the stride).
 */
export function windowsAdjoint(ctx: GradContext, g: string, weight: string, w: Windows, group = 1): string {
  const r = w.kernel.length;
  const endPads: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < r; i++) {
    const covered = (w.outDims[i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    const cut = covered - w.pads[i] - w.inDims[i];
    endPads.push(Math.max(cut, 0));
    outputPadding.push(Math.max(-cut, 0));
    if (-cut >= w.strides[i]) ctx.unsupported(`windows of spatial axis ${i} end ${-cut} positions before the input does; the gradient needs them to end within one stride`);
  }
  const attrs = convAttrs(w.strides, w.dilations, [...w.pads.slice(0, r), ...endPads], group);
  if (outputPadding.some((p) => p !== 0)) attrs.output_padding = outputPadding;
  return ctx.b.op('ConvTranspose', [g, weight], attrs);
}

/** Shapes and channels of kernelGrad's operands. */
export interface KernelGradSpec {
  /** Spatial extents of `big` (unpadded) and of `small`. */
  bigDims: number[];
  smallDims: number[];
  /** Channels of big and small (each a multiple of the group count). */
  bigChannels: number;
  smallChannels: number;
  group: number;
  /** Pads applied to big, [begin..., end...]; the stride and dilation of the forward windows; kernel extents. */
  pads: number[];
  strides: number[];
  dilations: number[];
  kernel: number[];
}

/**
 * G[q, p, k] = sum over n, o of small[n, q, o] * bigPadded[n, group(q) * Pg + p, o s + k d], of shape
 * [Q, P / group, ...kernel]: the weight gradient of a Conv (big = X, small = dY) and of a ConvTranspose
 * (big = dY, small = X). It is a Conv of big with channels and batch swapped, by small likewise, whose
 * stride is the forward dilation and whose dilation is the forward stride; the extra rows it may compute
 * past the kernel are cut.
 */
export function kernelGrad(ctx: GradContext, big: string, small: string, spec: KernelGradSpec): string {
  const b = ctx.b;
  const r = spec.kernel.length;
  const { group } = spec;
  const pg = spec.bigChannels / group;
  const qg = spec.smallChannels / group;
  const swap = [1, 0, ...range(r, 2)];
  let bigT: string;
  let smallT: string;
  if (group === 1) {
    bigT = b.transpose(big, swap);
    smallT = b.transpose(small, swap);
  } else {
    // [N, g*Pg, S] -> [Pg, g*N, S] (group-major channels) and [N, g*Qg, O] -> [g*Qg, N, O].
    bigT = b.reshape(b.transpose(b.reshape(big, [0, group, pg, ...spec.bigDims]), [2, 1, 0, ...range(r, 3)]), [pg, -1, ...spec.bigDims]);
    smallT = b.reshape(b.transpose(b.reshape(small, [0, group, qg, ...spec.smallDims]), [1, 2, 0, ...range(r, 3)]), [spec.smallChannels, -1, ...spec.smallDims]);
  }
  let g = b.op('Conv', [bigT, smallT], convAttrs(spec.dilations, spec.strides, spec.pads, group)); // [Pg, Q, K'...]
  const computed = range(r).map((i) => Math.floor((spec.bigDims[i] + spec.pads[i] + spec.pads[i + r] - ((spec.smallDims[i] - 1) * spec.strides[i] + 1)) / spec.dilations[i]) + 1);
  const cut = range(r).filter((i) => computed[i] !== spec.kernel[i]);
  if (cut.length > 0)
    g = b.slice(
      g,
      cut.map(() => 0),
      cut.map((i) => spec.kernel[i]),
      cut.map((i) => i + 2),
    );
  return b.transpose(g, swap);
}

/** K = prod(kernel) one-hot kernels [K, 1, ...kernel]: kernel j picks window tap j (row-major). */
export function oneHotKernels(b: GraphBuilder, dtype: DType, kernel: number[]): string {
  const k = product(kernel);
  const values = new Array<number>(k * k).fill(0);
  for (let j = 0; j < k; j++) values[j * k + j] = 1;
  return b.constant(tensorOf(dtype, [k, 1, ...kernel], values), 'window_taps');
}

/** A kernel of ones [1, 1, ...kernel]. */
export function onesKernel(b: GraphBuilder, dtype: DType, kernel: number[]): string {
  return b.constant(tensorOf(dtype, [1, 1, ...kernel], new Array<number>(product(kernel)).fill(1)), 'window_ones');
}

/** Constant padding by `value` (pads [begin..., end...] over all axes, non-negative). */
export function padWith(ctx: GradContext, x: string, pads: number[], value: number): string {
  const b = ctx.b;
  if (pads.every((p) => p === 0)) return x;
  if (b.opset < 11) return b.op('Pad', [x], { mode: 'constant', pads, value: floatAttr(value) });
  return b.op('Pad', [x, b.ints(pads), ctx.scalar(value)], { mode: 'constant' });
}
