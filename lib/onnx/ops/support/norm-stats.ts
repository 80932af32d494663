/**
 * Pieces shared by the gradients of BatchNormalization, InstanceNormalization, LayerNormalization and
 * GroupNormalization.
 * Their forward kernels do not expose the statistics in the input's precision (LayerNormalization's Mean
 * and InvStdDev come out in the stash type, float32), so the gradient graph recomputes mean and inverse
 * standard deviation from the forward input X, in X's element type, with the population variance the
 * operators are defined with.
 */
import type { DType } from '../../dtype.js';
import { dimProduct } from './shape-utils.js';
import type { GradContext } from '../types.js';

/** The node's float element type (that of input 0, X), which every emitted gradient computes in. */
export function dataType(ctx: GradContext): DType {
  return ctx.inType(0).dtype ?? 'float32';
}

/** `name` converted from element type `from` to `to` (a Cast only when they differ). */
export function asType(ctx: GradContext, name: string, from: DType | undefined, to: DType): string {
  return from === undefined || from === to ? name : ctx.b.cast(name, to);
}

/** Input i of the node in X's element type (opset 15 lets BatchNormalization's scale, B, mean and var differ). */
export function inputAsData(ctx: GradContext, i: number): string {
  return asType(ctx, ctx.input(i), ctx.inType(i).dtype, dataType(ctx));
}

/** A gradient computed in X's element type, converted to the element type of input i. */
export function toInputType(ctx: GradContext, g: string, i: number): string {
  return asType(ctx, g, dataType(ctx), ctx.inType(i).dtype ?? dataType(ctx));
}

/** A per-channel vector [C] viewed as [C, 1, ..., 1], which broadcasts against an [N, C, ...] tensor of rank `rank`. */
export function channelView(ctx: GradContext, v: string, rank: number): string {
  return rank > 2
    ? ctx.b.unsqueeze(
        v,
        Array.from({ length: rank - 2 }, (_, k) => k + 1),
      )
    : v;
}

/** The number of elements of X along `axes`: a number when static, else a runtime scalar in X's element type. */
export function countOver(ctx: GradContext, axes: readonly number[]): number | string {
  const shape = ctx.inType(0).shape ?? [];
  const n = dimProduct(axes.map((a) => shape[a] ?? null));
  if (n !== null) return n;
  const b = ctx.b;
  const dims = b.op('Gather', [ctx.shapeOf(ctx.input(0)), b.ints(axes)], { axis: 0 });
  return b.cast(b.reduce('ReduceProd', dims, null, false), dataType(ctx));
}

/** t / n, for a static or runtime count n. */
export function divide(ctx: GradContext, t: string, n: number | string): string {
  return typeof n === 'number' ? ctx.b.op('Mul', [t, ctx.scalar(1 / n)]) : ctx.b.op('Div', [t, n]);
}

/** The statistics of X over `axes`, all in keepdims form so that they broadcast against X. */
export interface Normalised {
  /** x - mean */
  centred: string;
  /** 1 / sqrt(var + epsilon) */
  invstd: string;
  /** (x - mean) * invstd */
  xhat: string;
}

/**
 * Mean and population variance of X (or of `x`, a view of it such as GroupNormalization's [N, G, -1]) over
 * `axes`, recomputed in the gradient graph. `epsilon` is rounded to float32, as the attribute is stored, so
 * that it matches what the forward kernel added.
 */
export function normalise(ctx: GradContext, axes: readonly number[], epsilon: number, x = ctx.input(0)): Normalised {
  const b = ctx.b;
  const centred = b.op('Sub', [x, b.reduce('ReduceMean', x, axes, true)]);
  const variance = b.reduce('ReduceMean', b.op('Mul', [centred, centred]), axes, true);
  const invstd = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, ctx.scalar(Math.fround(epsilon))])])]);
  return { centred, invstd, xhat: b.op('Mul', [centred, invstd]) };
}

/**
 * The input gradient through xhat = (x - mean) * invstd, normalised over some axes: with G = dL/dxhat,
 *   dx = invstd * (G - mean(G) - xhat * mean(G * xhat))
 * the means over the normalised axes (keepdims form). When G = s * g with s constant over those axes (the
 * per-channel scale of Batch/InstanceNormalization), s factors out: pass g, its means, and k = s * invstd.
 */
export function normalisedInputGrad(ctx: GradContext, g: string, xhat: string, k: string, meanG: string, meanGXhat: string): string {
  const b = ctx.b;
  return b.op('Mul', [k, b.op('Sub', [b.op('Sub', [g, meanG]), b.op('Mul', [xhat, meanGXhat])])]);
}

/** dx + term, where term broadcasts against X (dx undefined: term expanded to X's shape). */
export function addToInputGrad(ctx: GradContext, dx: string | undefined, term: string): string {
  return dx === undefined ? ctx.b.op('Expand', [term, ctx.shapeOf(ctx.input(0))]) : ctx.b.op('Add', [dx, term]);
}
