/**
 * Conv and ConvTranspose, 1-D to 3-D, with strides, pads, auto_pad, dilations, groups, output_padding and
 * output_shape. The two are adjoint, so each one's gradients are written with the other:
 * - Conv:          dX = ConvTranspose(dY, W) cut to X's extents; dW = kernelGrad(X, dY); dB = sum of dY.
 * - ConvTranspose: dX = Conv(dY, W) with the same pads;          dW = kernelGrad(dY, X); dB = sum of dY.
 * Gradients need static spatial extents (the batch may stay dynamic) and a weight of static shape.
 */
import type { Dim, Shape } from '../ir.js';
import { typeOf, range } from './support/shape-utils.js';
import type { AttrSpec, Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { AUTO_PAD, readWindowAttrs, slideAxis, staticWindows, transposeAxis, type AxisGeometry, type WindowAttrs, type Windows } from './support/window-geometry.js';
import { kernelGrad, windowsAdjoint } from './support/window-grad.js';
import { ALL_OPSETS } from './support/opsets.js';

const WINDOW_ATTRS: Record<string, AttrSpec> = {
  auto_pad: { kind: 'string', values: AUTO_PAD },
  dilations: { kind: 'ints' },
  group: { kind: 'int' },
  kernel_shape: { kind: 'ints' },
  pads: { kind: 'ints' },
  strides: { kind: 'ints' },
};

/** What both operators read from X and W. */
interface ConvShapes {
  x: Shape;
  w: Shape;
  rank: number;
  group: number;
  attrs: WindowAttrs;
}

type Ctx = InferContext | GradContext;

function convShapes(ctx: Ctx, x: Shape | null, w: Shape | null, fail: (message: string) => never): ConvShapes | undefined {
  if (x === null || w === null) return undefined;
  if (x.length < 3 || x.length > 5) fail(`X has rank ${x.length}; 1 to 3 spatial axes are supported (rank 3 to 5)`);
  if (w.length !== x.length) fail(`W has rank ${w.length} but X has rank ${x.length}`);
  const rank = x.length - 2;
  const spatial = w.slice(2);
  const kernel = spatial.every((d): d is number => typeof d === 'number') ? spatial : undefined;
  const group = ctx.attr.int('group', 1);
  if (group < 1) fail(`group is ${group}`);
  return { x, w, rank, group, attrs: readWindowAttrs(ctx.attr, rank, kernel, fail) };
}

// ---------------------------------------------------------------- Conv

function inferConv(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const s = convShapes(ctx, x.shape, ctx.type(1).shape, ctx.fail);
  if (s === undefined) return [typeOf(x.dtype, null)];
  const [c, m, cg] = [s.x[1], s.w[0], s.w[1]];
  if (typeof c === 'number' && typeof cg === 'number' && c !== cg * s.group) ctx.fail(`X has ${c} channels but W [${s.w.join(', ')}] with group ${s.group} takes ${cg * s.group}`);
  if (typeof m === 'number' && m % s.group !== 0) ctx.fail(`W has ${m} output channels, not a multiple of group ${s.group}`);
  if (ctx.has(2)) checkBias(ctx, m);
  const out = range(s.rank).map((i) => slideAxis(s.attrs, i, s.x[i + 2], false, ctx.fail).out);
  return [typeOf(x.dtype, [s.x[0], m, ...out])];
}

function checkBias(ctx: InferContext, channels: Dim): void {
  const bias = ctx.type(2).shape;
  if (bias !== null && (bias.length !== 1 || (typeof bias[0] === 'number' && typeof channels === 'number' && bias[0] !== channels))) {
    ctx.fail(`B has shape [${bias.join(', ')}]; expected [${channels}]`);
  }
}

/** Static shapes and windows for a gradient, or LPC_UNSUPPORTED_OP saying what is missing. */
function gradShapes(ctx: GradContext, resolve: (s: ConvShapes) => AxisGeometry[]): { s: ConvShapes; w: Windows; channels: number; wt: number[] } {
  const s = convShapes(ctx, ctx.inType(0).shape, ctx.inType(1).shape, ctx.unsupported);
  if (s === undefined) return ctx.unsupported(`${ctx.node.opType} gradients need the ranks of X and W`);
  if (!s.w.every((d): d is number => typeof d === 'number')) return ctx.unsupported(`${ctx.node.opType} gradients need a weight of static shape`);
  const channels = s.x[1];
  if (typeof channels !== 'number') return ctx.unsupported(`${ctx.node.opType} gradients need a static channel count`);
  const w = staticWindows(s.attrs, s.x.slice(2), resolve(s));
  if (typeof w === 'string') return ctx.unsupported(`${ctx.node.opType} gradients need ${w}`);
  return { s, w, channels, wt: s.w };
}

/** dB: dY summed over the batch and spatial axes. */
function biasGrad(ctx: GradContext, dy: string, rank: number): string {
  return ctx.b.reduce('ReduceSum', dy, [0, ...range(rank, 2)], false);
}

function convGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const { s, w, channels, wt } = gradShapes(ctx, (s) => range(s.rank).map((i) => slideAxis(s.attrs, i, s.x[i + 2], false, ctx.unsupported)));
  const g = ctx.tensor(dy);
  const dX = ctx.needs(0) ? windowsAdjoint(ctx, g, ctx.input(1), w, s.group) : undefined;
  const dW = ctx.needs(1)
    ? kernelGrad(ctx, ctx.input(0), g, {
        bigDims: w.inDims,
        smallDims: w.outDims,
        bigChannels: channels,
        smallChannels: wt[0],
        group: s.group,
        pads: w.pads,
        strides: w.strides,
        dilations: w.dilations,
        kernel: w.kernel,
      })
    : undefined;
  const dB = ctx.has(2) && ctx.needs(2) ? biasGrad(ctx, g, s.rank) : undefined;
  return [dX, dW, dB];
}

// ---------------------------------------------------------------- ConvTranspose

function transposeParams(ctx: Ctx, s: ConvShapes, fail: (message: string) => never): { op: number[]; outputShape: number[] | undefined } {
  const op = ctx.attr.ints('output_padding', new Array<number>(s.rank).fill(0));
  if (op.length !== s.rank || op.some((v) => v < 0)) fail(`output_padding [${op.join(', ')}] must hold ${s.rank} non-negative values`);
  let outputShape = ctx.attr.has('output_shape') ? ctx.attr.ints('output_shape') : undefined;
  if (outputShape !== undefined) {
    if (outputShape.length === s.rank + 2) outputShape = outputShape.slice(2);
    if (outputShape.length !== s.rank) fail(`output_shape [${ctx.attr.ints('output_shape').join(', ')}] must give ${s.rank} spatial extents`);
  }
  return { op, outputShape };
}

function transposeAxes(ctx: Ctx, s: ConvShapes, fail: (message: string) => never): (AxisGeometry & { op: number })[] {
  const { op, outputShape } = transposeParams(ctx, s, fail);
  return range(s.rank).map((i) => transposeAxis(s.attrs, i, s.x[i + 2], op, outputShape));
}

function inferConvTranspose(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const s = convShapes(ctx, x.shape, ctx.type(1).shape, ctx.fail);
  if (s === undefined) return [typeOf(x.dtype, null)];
  const [c, cw, mg] = [s.x[1], s.w[0], s.w[1]];
  if (typeof c === 'number' && typeof cw === 'number' && c !== cw) ctx.fail(`X has ${c} channels but W [${s.w.join(', ')}] takes ${cw}`);
  if (typeof cw === 'number' && cw % s.group !== 0) ctx.fail(`W has ${cw} input channels, not a multiple of group ${s.group}`);
  const m = typeof mg === 'number' ? mg * s.group : null;
  if (ctx.has(2)) checkBias(ctx, m);
  const out = transposeAxes(ctx, s, ctx.fail).map((a) => {
    if (typeof a.out === 'number' && a.out < 1) ctx.fail(`the output extent resolves to ${a.out}`);
    return a.out;
  });
  return [typeOf(x.dtype, [s.x[0], m, ...out])];
}

function convTransposeGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  // As windows, a ConvTranspose's are those of the Conv from its output back to its input.
  const { s, w: t, channels, wt } = gradShapes(ctx, (s) => transposeAxes(ctx, s, ctx.unsupported));
  const g = ctx.tensor(dy);
  let dX: string | undefined;
  if (ctx.needs(0)) {
    // That Conv's output has exactly X's extents: s (in - 1) + op + eff = out + pb + pe, with op < s
    // (onnxruntime refuses larger output padding).
    const attrs: Record<string, number[] | number> = { strides: t.strides, pads: t.pads };
    if (t.dilations.some((d) => d !== 1)) attrs.dilations = t.dilations;
    if (s.group !== 1) attrs.group = s.group;
    dX = ctx.b.op('Conv', [g, ctx.input(1)], attrs);
  }
  const dW = ctx.needs(1)
    ? kernelGrad(ctx, g, ctx.input(0), {
        bigDims: t.outDims,
        smallDims: t.inDims,
        bigChannels: wt[1] * s.group,
        smallChannels: channels,
        group: s.group,
        pads: t.pads,
        strides: t.strides,
        dilations: t.dilations,
        kernel: t.kernel,
      })
    : undefined;
  const dB = ctx.has(2) && ctx.needs(2) ? biasGrad(ctx, g, s.rank) : undefined;
  return [dX, dW, dB];
}

export const convOps: OpDef[] = [
  { opType: 'Conv', opsets: ALL_OPSETS, attributes: WINDOW_ATTRS, inputs: [2, 3], outputs: [1, 1], infer: inferConv, differentiable: [0, 1, 2], grad: convGrad },
  {
    opType: 'ConvTranspose',
    opsets: ALL_OPSETS,
    attributes: { ...WINDOW_ATTRS, output_padding: { kind: 'ints' }, output_shape: { kind: 'ints' } },
    inputs: [2, 3],
    outputs: [1, 1],
    infer: inferConvTranspose,
    differentiable: [0, 1, 2],
    grad: convTransposeGrad,
  },
];
