/**
 * Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised
 * over every axis from `axis` on; from opset 13 it is normalised along the single axis `axis` (default -1).
 * Both gradients reuse the forward output y:
 *   Softmax:    dx = y * (dy - sum(dy * y))      LogSoftmax: dx = dy - exp(y) * sum(dy)
 * with the sums over the normalised axes, kept as size-1 axes so that they broadcast back.
 */
import { normAxis, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, OpDef } from './types.js';
import { ALL_OPSETS } from './support/opsets.js';

/** The axes one softmax group spans, for an input of rank `rank`. */
function groupAxes(ctx: GradContext, rank: number): number[] {
  const coerced = ctx.opset < 13;
  const axis = ctx.attr.int('axis', coerced ? 1 : -1);
  if (axis < -rank || axis >= rank) ctx.unsupported(`axis ${axis} is out of range for rank ${rank}`);
  const a = axis < 0 ? axis + rank : axis;
  return coerced ? Array.from({ length: rank - a }, (_, k) => a + k) : [a];
}

function softmaxOp(opType: string, grad: (ctx: GradContext, dy: Grad, axes: number[]) => Grad | undefined): OpDef {
  return {
    opType,
    opsets: ALL_OPSETS,
    attributes: { axis: { kind: 'int' } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      if (x.shape !== null) normAxis(ctx, ctx.attr.int('axis', ctx.opset < 13 ? 1 : -1), x.shape.length);
      return [typeOf(x.dtype, x.shape)];
    },
    differentiable: [0],
    grad: (ctx, [dy]) => {
      if (dy === undefined) return [];
      const rank = ctx.inType(0).shape?.length;
      if (rank === undefined) return ctx.unsupported(`${opType} gradients need the input rank`);
      return [grad(ctx, dy, groupAxes(ctx, rank))];
    },
  };
}

/** The number of elements of one group when static. */
function groupSize(ctx: GradContext, axes: number[]): number | null {
  const shape = ctx.inType(0).shape ?? [];
  let n = 1;
  for (const a of axes) {
    const d = shape[a];
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

export const softmaxOps: OpDef[] = [
  softmaxOp('Softmax', (ctx, dy, axes) => {
    // A uniform dy has no effect: every group of y sums to 1 whatever x is.
    if (typeof dy !== 'string') return undefined;
    const b = ctx.b;
    const y = ctx.output(0);
    const weighted = b.op('Mul', [dy, y]);
    return b.op('Sub', [weighted, b.op('Mul', [y, b.reduce('ReduceSum', weighted, axes, true)])]);
  }),
  softmaxOp('LogSoftmax', (ctx, dy, axes) => {
    const b = ctx.b;
    const p = b.op('Exp', [ctx.output(0)]);
    const n = groupSize(ctx, axes);
    // A uniform dy = u: dx = u (1 - n exp(y)).
    if (typeof dy !== 'string' && n !== null) return ctx.scale({ uniform: dy.uniform, like: ctx.input(0) }, b.op('Sub', [ctx.scalar(1), b.op('Mul', [p, ctx.scalar(n)])]));
    const g = typeof dy === 'string' ? dy : ctx.tensor({ uniform: dy.uniform, like: ctx.output(0) });
    return b.op('Sub', [g, b.op('Mul', [p, b.reduce('ReduceSum', g, axes, true)])]);
  }),
];
