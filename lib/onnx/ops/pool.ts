/**
 * MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool. Gradients fold batch and channels into one axis
 * (so the channel count may be dynamic) and need static spatial extents (the global pools only the rank):
 * - MaxPool routes each output's gradient to the first maximum of its window, as onnxruntime's Indices
 *   name it: from opset 16 by ScatterElements(reduction='add') at those indices; before, by taking every
 *   window's taps as channels (a Conv with one-hot kernels over the input padded with the lowest float),
 *   marking taps equal to the max, keeping the first (a MatMul with a strictly lower-triangular matrix
 *   counts earlier matches) and scattering back with the adjoint ConvTranspose.
 * - AveragePool scales the gradient by 1 / divisor per output (a constant: the window's taps inside the
 *   input, or inside the padded input with count_include_pad) and spreads it with a ConvTranspose of ones.
 * - GlobalAveragePool spreads dY / (H W) over the input.
 * - GlobalMaxPool sends dY to the positions equal to the maximum of each channel, shared equally among ties
 *   (as ReduceMax does); its kink freezes those shares.
 */
import type { Shape } from '../ir.js';
import { tensorOf } from '../tensor.js';
import { dimProduct, typeOf, range } from './support/shape-utils.js';
import type { AttrSpec, Grad, GradContext, InferContext, Kink, KinkContext, OpDef, ValueType } from './types.js';
import { AUTO_PAD, readWindowAttrs, slideAxis, staticWindows, type Windows } from './support/window-geometry.js';
import { floatType, oneHotKernels, onesKernel, padWith, windowsAdjoint } from './support/window-grad.js';
import { ALL_OPSETS, MAX_OPSET } from './support/opsets.js';
import { captureIndices, floatEqual, floatInput } from './support/kink-rules.js';

const product = (v: readonly number[]) => v.reduce((p, d) => p * d, 1);
/** Pads MaxPool's taps: below every float32 value, and finite, so that one-hot products stay exact. */
const LOWEST = -3.4028234663852886e38;

function poolAttrs(ceilSince: number, dilationsSince: number): Record<string, AttrSpec> {
  return {
    auto_pad: { kind: 'string', values: AUTO_PAD },
    ceil_mode: { kind: 'int', values: [0, 1], opsets: [ceilSince, MAX_OPSET] },
    dilations: { kind: 'ints', opsets: [dilationsSince, MAX_OPSET] },
    kernel_shape: { kind: 'ints' },
    pads: { kind: 'ints' },
    strides: { kind: 'ints' },
  };
}

type Fail = (message: string) => never;

function resolve(ctx: InferContext | GradContext, shape: Shape, fail: Fail) {
  if (shape.length < 3 || shape.length > 5) fail(`X has rank ${shape.length}; 1 to 3 spatial axes are supported (rank 3 to 5)`);
  const rank = shape.length - 2;
  const attrs = readWindowAttrs(ctx.attr, rank, undefined, fail);
  const ceil = ctx.attr.int('ceil_mode', 0) === 1;
  const axes = range(rank).map((i) => slideAxis(attrs, i, shape[i + 2], ceil, fail));
  return { rank, attrs, axes };
}

function inferPool(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf(x.dtype, null), typeOf('int64', null)];
  const { axes } = resolve(ctx, x.shape, ctx.fail);
  const out: Shape = [x.shape[0], x.shape[1], ...axes.map((a) => a.out)];
  return [typeOf(x.dtype, out), typeOf('int64', out)];
}

/** Static windows of the node, or LPC_UNSUPPORTED_OP. */
function windowsOf(ctx: GradContext): Windows {
  const shape = ctx.inType(0).shape;
  if (shape === null) return ctx.unsupported(`${ctx.node.opType} gradients need the input rank`);
  const { attrs, axes } = resolve(ctx, shape, ctx.unsupported);
  const w = staticWindows(attrs, shape.slice(2), axes);
  return typeof w === 'string' ? ctx.unsupported(`${ctx.node.opType} gradients need ${w}`) : w;
}

// ---------------------------------------------------------------- MaxPool

function maxPoolGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const w = windowsOf(ctx);
  const g = ctx.tensor(dy);
  const rowMajor = ctx.attr.int('storage_order', 0) === 0;
  return [ctx.opset >= 16 && rowMajor ? scatterAtIndices(ctx, g) : routeToFirstMax(ctx, g, w)];
}

/** dX = ScatterElements(zeros, Indices, dY, reduction add): Indices are flat offsets into X. */
function scatterAtIndices(ctx: GradContext, g: string): string {
  const b = ctx.b;
  const x = ctx.input(0);
  let indices = ctx.node.outputs[1];
  if (indices === undefined || indices === '') {
    const attrs = Object.fromEntries(ctx.node.attrs);
    indices = b.node('MaxPool', [x], attrs, { outputs: 2 })[1];
  }
  const zeros = b.op('ConstantOfShape', [b.reshape(b.op('Size', [x]), [1])], { value: tensorOf(floatType(ctx), [1], [0]) });
  const flat = b.op('ScatterElements', [zeros, b.reshape(indices, [-1]), b.reshape(g, [-1])], { axis: 0, reduction: 'add' });
  return b.reshape(flat, ctx.shapeOf(x));
}

/** The same routing in operators every opset has (see the file comment). */
function routeToFirstMax(ctx: GradContext, g: string, w: Windows): string {
  const b = ctx.b;
  const dtype = floatType(ctx);
  const r = w.kernel.length;
  const k = product(w.kernel);
  const n = product(w.outDims);
  const taps = oneHotKernels(b, dtype, w.kernel);
  // Pad so that the last window fits whole (ceil_mode windows may run past the end pads).
  const endPads = range(r).map((i) => Math.max(0, (w.outDims[i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - w.inDims[i] - w.pads[i]));
  const xf = padWith(ctx, b.reshape(ctx.input(0), [-1, 1, ...w.inDims]), [0, 0, ...w.pads.slice(0, r), 0, 0, ...endPads], LOWEST);
  const convAttrs: Record<string, number[]> = { strides: w.strides };
  if (w.dilations.some((d) => d !== 1)) convAttrs.dilations = w.dilations;
  const windows = b.reshape(b.op('Conv', [xf, taps], convAttrs), [-1, k, n]); // [NC, K, out]
  // The max is taken again from the taps rather than read from Y: ONNX shape inference overstates Y's
  // extent when ceil_mode drops a window, and onnxruntime then refuses to load a graph combining the two.
  const max = b.reduce('ReduceMax', windows, [1], true);
  // max >= tap everywhere, with equality exactly at the maxima.
  const atMax = b.cast(b.op('Not', [b.op('Greater', [max, windows])]), dtype);
  let first = atMax;
  if (k > 1) {
    const lower = new Array<number>(k * k).fill(0);
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) lower[i * k + j] = 1;
    const earlier = b.op('MatMul', [b.constant(tensorOf(dtype, [k, k], lower), 'earlier_taps'), atMax]);
    first = b.op('Mul', [atMax, b.op('Relu', [b.op('Sub', [ctx.scalar(1), earlier])])]);
  }
  const routed = b.reshape(b.op('Mul', [first, b.reshape(g, [-1, 1, n])]), [-1, k, ...w.outDims]);
  return b.reshape(windowsAdjoint(ctx, routed, taps, w), ctx.shapeOf(ctx.input(0)));
}

// ---------------------------------------------------------------- AveragePool

/**
 * 1 / divisor of every output position [1, 1, ...out]: the product over axes of the window's taps inside
 * the input, or with count_include_pad inside the padded input (a ceil_mode window is cut at the end pads).
 */
function reciprocalDivisors(w: Windows, includePad: boolean): number[] {
  const r = w.kernel.length;
  const perAxis = range(r).map((i) =>
    range(w.outDims[i]).map((o) => {
      let count = 0;
      for (let j = 0; j < w.kernel[i]; j++) {
        const p = o * w.strides[i] - w.pads[i] + j * w.dilations[i];
        if (includePad ? p >= -w.pads[i] && p < w.inDims[i] + w.pads[i + r] : p >= 0 && p < w.inDims[i]) count++;
      }
      return count;
    }),
  );
  const out: number[] = [];
  const walk = (axis: number, acc: number) => {
    if (axis === r) out.push(1 / acc);
    else for (const c of perAxis[axis]) walk(axis + 1, acc * c);
  };
  walk(0, 1);
  return out;
}

function averagePoolGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const w = windowsOf(ctx);
  const b = ctx.b;
  const dtype = floatType(ctx);
  const scale = b.constant(tensorOf(dtype, [1, 1, ...w.outDims], reciprocalDivisors(w, ctx.attr.int('count_include_pad', 0) === 1)), 'pool_scale');
  const scaled = b.op('Mul', [b.reshape(ctx.tensor(dy), [-1, 1, ...w.outDims]), scale]);
  return [b.reshape(windowsAdjoint(ctx, scaled, onesKernel(b, dtype, w.kernel), w), ctx.shapeOf(ctx.input(0)))];
}

// ---------------------------------------------------------------- GlobalAveragePool

function globalAverageGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const x = ctx.input(0);
  const count = dimProduct(ctx.inType(0).shape?.slice(2) ?? [null]);
  if (count !== null && typeof dy !== 'string') return [{ uniform: dy.uniform / count, like: x }];
  const b = ctx.b;
  const divisor = count !== null ? ctx.scalar(count) : b.cast(b.op('Div', [b.op('Size', [x]), b.op('Size', [ctx.output(0)])]), floatType(ctx));
  return [b.op('Expand', [b.op('Div', [ctx.tensor(dy), divisor]), ctx.shapeOf(x)])];
}

// ---------------------------------------------------------------- GlobalMaxPool

/** The spatial axes of a GlobalMaxPool input of known rank, or LPC_UNSUPPORTED_OP. */
function spatialAxes(rank: number | undefined, fail: (message: string) => never): number[] {
  return rank === undefined ? fail('GlobalMaxPool gradients need the input rank') : range(rank - 2, 2);
}

function globalMaxGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const b = ctx.b;
  const axes = spatialAxes(ctx.inType(0).shape?.length, ctx.unsupported);
  const hit = b.cast(floatEqual(b, ctx.opset, ctx.input(0), ctx.output(0)), floatType(ctx));
  const ties = b.reduce('ReduceSum', hit, axes, true);
  return [b.op('Mul', [hit, b.op('Div', [ctx.tensor(dy), ties])])];
}

/**
 * GlobalMaxPool: each channel's maxima and their shares (1 / ties) at the base point. The frozen node sums x
 * times the shares, written as GlobalAveragePool of x times shares scaled by the spatial extent (the
 * average pool keeps the output's rank without the node knowing it).
 */
function globalMaxKink(ctx: KinkContext): Kink | undefined {
  const dtype = floatInput(ctx);
  if (dtype === undefined) return undefined;
  const x = ctx.node.inputs[0];
  return {
    capture: () => [x],
    inputs: [dtype],
    feeds: ([t]) => {
      const data = t.data as Float32Array | Float64Array;
      const per = t.dims.slice(2).reduce((p, d) => p * d, 1);
      const shares = new Array<number>(data.length).fill(0);
      for (let start = 0; start < data.length; start += per) {
        const slice = Array.from(data.subarray(start, start + per));
        const max = Math.max(...slice);
        const ties = slice.filter((v) => v === max).length;
        slice.forEach((v, j) => {
          if (v === max) shares[start + j] = per / ties;
        });
      }
      return [tensorOf(dtype, t.dims, shares)];
    },
    emit: (b, [shares], write) => write('GlobalAveragePool', [b.op('Mul', [x, shares])]),
  };
}

/** MaxPool: which tap of each window was the maximum (row-major Indices), fed as it was at the base point. */
function maxPoolKink(ctx: KinkContext): Kink | undefined {
  const { node } = ctx;
  if (floatInput(ctx) === undefined || ctx.attr.int('storage_order', 0) !== 0) return undefined;
  return {
    capture: captureIndices,
    inputs: ['int64'],
    feeds: (captured) => captured,
    emit: (b, [indices], write) => {
      // Indices are flat offsets into X, shaped like Y: gathering at them is the pooling, frozen.
      write('Gather', [b.reshape(node.inputs[0], [-1]), indices], new Map([['axis', { kind: 'int', value: 0 }]]), [node.outputs[0]]);
      if (node.outputs[1]) write('Identity', [indices], new Map(), [node.outputs[1]]);
    },
  };
}

/** A global pool's definition without its gradient: [N, C, ...] to [N, C, 1, ...]. */
function globalPool(opType: string): OpDef {
  return {
    opType,
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      if (x.shape !== null && x.shape.length < 3) ctx.fail(`X has rank ${x.shape.length}; it needs a spatial axis`);
      return [typeOf(x.dtype, x.shape === null ? null : [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)])];
    },
    differentiable: [0],
  };
}

export const poolOps: OpDef[] = [
  {
    opType: 'MaxPool',
    opsets: ALL_OPSETS,
    attributes: { ...poolAttrs(10, 10), storage_order: { kind: 'int', values: [0, 1] } },
    inputs: [1, 1],
    outputs: [1, 2],
    infer: inferPool,
    differentiable: [0],
    grad: maxPoolGrad,
    kink: maxPoolKink,
  },
  {
    opType: 'AveragePool',
    opsets: ALL_OPSETS,
    attributes: { ...poolAttrs(10, 19), count_include_pad: { kind: 'int', values: [0, 1] } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => inferPool(ctx).slice(0, 1),
    differentiable: [0],
    grad: averagePoolGrad,
  },
  { ...globalPool('GlobalAveragePool'), grad: globalAverageGrad },
  { ...globalPool('GlobalMaxPool'), grad: globalMaxGrad, kink: globalMaxKink },
];
