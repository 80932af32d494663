/**
 * ReduceSum, ReduceSumSquare and ReduceMean (the reductions energies are written with). Axes move from an
 * attribute to an input at opset 13 for ReduceSum and at 18 for the others. Gradients broadcast the
 * upstream gradient back over the reduced axes; a uniform upstream gradient stays uniform.
 */
import { dimProduct, normAxis, typeOf } from './shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';

/** The reduced axes (sorted, non-negative), or null for "nothing reduced" (empty axes with noop). */
function reducedAxes(ctx: InferContext | GradContext, rank: number, inputSince: number): number[] | null {
  let axes: number[] | undefined;
  if (ctx.opset < inputSince) axes = ctx.attr.has('axes') ? ctx.attr.ints('axes') : undefined;
  else if (ctx.has(1)) {
    const t = ctx.constant(1);
    if (t === undefined) return ctx.unsupported('the axes input must be a constant');
    axes = Array.from(t.data as BigInt64Array, Number);
  }
  if (axes === undefined || axes.length === 0) {
    if (ctx.opset >= inputSince && ctx.attr.int('noop_with_empty_axes', 0) === 1) return null;
    return Array.from({ length: rank }, (_, i) => i);
  }
  const norm = axes.map((a) => (a < -rank || a >= rank ? ctx.unsupported(`axis ${a} is out of range for rank ${rank}`) : a < 0 ? a + rank : a));
  return [...new Set(norm)].sort((a, b) => a - b);
}

function inferReduce(ctx: InferContext, inputSince: number): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const rank = x.shape.length;
  const axes = reducedAxes(ctx, rank, inputSince);
  if (axes === null) return [typeOf(x.dtype, [...x.shape])];
  axes.forEach((a) => normAxis(ctx, a, rank));
  const keep = ctx.attr.int('keepdims', 1) === 1;
  return [typeOf(x.dtype, keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i)))];
}

/** dy reshaped to keepdims form (reduced axes as 1), so it broadcasts against the input. */
function keptDims(ctx: GradContext, dy: string, axes: number[]): string {
  return ctx.attr.int('keepdims', 1) === 1 || axes.length === 0 ? dy : ctx.b.unsqueeze(dy, axes);
}

const reduction = (opType: string, inputSince: number, grad: (ctx: GradContext, dy: Grad, axes: number[]) => Grad): OpDef => ({
  opType,
  opsets: [9, 21],
  attributes: {
    axes: { kind: 'ints', opsets: [9, inputSince - 1] },
    keepdims: { kind: 'int', values: [0, 1] },
    noop_with_empty_axes: { kind: 'int', values: [0, 1], opsets: [inputSince, 21] },
  },
  inputs: [1, inputSince <= 21 ? 2 : 1],
  outputs: [1, 1],
  infer: (ctx) => inferReduce(ctx, inputSince),
  differentiable: [0],
  grad: (ctx, [dy]) => {
    if (dy === undefined) return [];
    const rank = ctx.inType(0).shape?.length;
    if (rank === undefined) return ctx.unsupported(`${opType} gradients need the input rank`);
    const axes = reducedAxes(ctx, rank, inputSince);
    if (axes === null) return [typeof dy === 'string' ? dy : { uniform: dy.uniform, like: ctx.input(0) }];
    return [grad(ctx, dy, axes)];
  },
});

/** The number of elements each output element sums: static, or a runtime scalar of the float type. */
function count(ctx: GradContext, axes: number[]): number | string {
  const shape = ctx.inType(0).shape ?? [];
  const n = dimProduct(axes.map((a) => shape[a]));
  if (n !== null) return n;
  const b = ctx.b;
  return b.cast(b.op('Div', [b.op('Size', [ctx.input(0)]), b.op('Size', [ctx.output(0)])]), ctx.outType(0).dtype ?? 'float32');
}

/** Definitions of the sum and mean reductions. */
export const reduceOps: OpDef[] = [
  reduction('ReduceSum', 13, (ctx, dy, axes) => {
    if (typeof dy !== 'string') return { uniform: dy.uniform, like: ctx.input(0) };
    return ctx.b.op('Expand', [keptDims(ctx, dy, axes), ctx.shapeOf(ctx.input(0))]);
  }),
  // d/dx sum x^2 = 2x (the Mul broadcasts dy back over the reduced axes).
  reduction('ReduceSumSquare', 18, (ctx, dy, axes) => {
    const x = ctx.input(0);
    if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, x, 2);
    return ctx.b.op('Mul', [ctx.b.op('Mul', [x, keptDims(ctx, dy, axes)]), ctx.scalar(2)]);
  }),
  reduction('ReduceMean', 18, (ctx, dy, axes) => {
    const n = count(ctx, axes);
    if (typeof dy !== 'string' && typeof n === 'number') return { uniform: dy.uniform / n, like: ctx.input(0) };
    const b = ctx.b;
    const spread = b.op('Expand', [keptDims(ctx, ctx.tensor(dy), axes), ctx.shapeOf(ctx.input(0))]);
    return typeof n === 'number' ? ctx.scale(spread, null, 1 / n) : b.op('Div', [spread, n]);
  }),
];
