/**
 * Resize (opset 10: scales; 11-12: roi, scales, sizes; 13+: optional inputs; 18+: axes, antialias 0,
 * keep_aspect_ratio_policy stretch) and Upsample (opset 9), in modes nearest and linear, and from opset 11
 * cubic (cubic_coeff_a, exclude_outside), with the coordinate transforms PyTorch exports (see interpolation.ts). Each axis is resized by a constant matrix
 * A [out, in], so the gradient applies A^T along every resized axis: a MatMul (through a Transpose for axes
 * other than the last two), or, for nearest upsampling by an integer factor, a Reshape and a ReduceSum over
 * the repeats. Resized axes need static extents; scales and sizes must be constants.
 */
import type { Dim, Shape } from '../ir.js';
import { tensorOf, toNumbers } from '../tensor.js';
import { typeOf, range } from './support/shape-utils.js';
import type { AttrSpec, Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { interpolationMatrix, interpolationTaps, isIdentity, repeatFactor, type AxisResize, type CoordinateMode, type NearestMode } from './support/interpolation.js';
import { MAX_OPSET, MIN_OPSET } from './support/opsets.js';

const MODES = ['nearest', 'linear'];
/** Cubic mode came with Resize-11. */
const MODES_11 = [...MODES, 'cubic'];
/**
 * Limits of what a gradient builds for one axis: its extents (the taps take O(out) memory) and the entries of
 * a dense matrix A [out, in] (a float32 constant of 64 MiB at most; 4096 -> 4096 needs 2^24). Larger ones come
 * from damaged attributes or scales, and the refusal names them instead of failing to allocate.
 */
const MAX_EXTENT = 2 ** 24;
const MAX_MATRIX_ENTRIES = 2 ** 24;

type Reader = Pick<InferContext, 'opset' | 'attr' | 'has' | 'constant' | 'node'>;
type Fail = (message: string) => never;

/** Per axis: output extent and the scale of the coordinate transform (undefined where not known). */
interface Plan {
  out: Dim[];
  scales: (number | undefined)[];
  mode: 'nearest' | 'linear' | 'cubic';
  coordinate: CoordinateMode;
  nearest: NearestMode;
  cubicA: number;
  excludeOutside: boolean;
  /** The scales or sizes input when it is given but not a known constant. */
  unknown?: string;
}

/** A known, non-empty constant input's values; undefined when absent or empty, null when not a known constant. */
function optionalValues(ctx: Reader, i: number): number[] | undefined | null {
  if (!ctx.has(i)) return undefined;
  const t = ctx.constant(i);
  if (t === undefined) return null;
  return t.data.length === 0 ? undefined : toNumbers(t);
}

function plan(ctx: Reader, shape: Shape, fail: Fail): Plan {
  const rank = shape.length;
  const legacy = ctx.node.opType === 'Upsample' || ctx.opset < 11;
  const scales = optionalValues(ctx, legacy ? 1 : 2);
  const sizes = legacy ? undefined : optionalValues(ctx, 3);
  const p: Plan = {
    out: shape.map(() => null),
    scales: shape.map(() => undefined),
    mode: ctx.attr.string('mode', 'nearest') as Plan['mode'],
    coordinate: legacy ? 'asymmetric' : (ctx.attr.string('coordinate_transformation_mode', 'half_pixel') as CoordinateMode),
    nearest: legacy ? 'simple' : (ctx.attr.string('nearest_mode', 'round_prefer_floor') as NearestMode),
    cubicA: legacy ? -0.75 : Math.fround(ctx.attr.float('cubic_coeff_a', -0.75)),
    excludeOutside: !legacy && ctx.attr.int('exclude_outside', 0) === 1,
  };
  if (scales === null) p.unknown = ctx.node.inputs[legacy ? 1 : 2];
  if (sizes === null) p.unknown = ctx.node.inputs[3];
  if (scales !== undefined && scales !== null && sizes !== undefined && sizes !== null) fail('give either scales or sizes, not both');
  if (scales === undefined && sizes === undefined) fail('needs scales or sizes');
  const axes =
    ctx.opset >= 18 && ctx.attr.has('axes') ? ctx.attr.ints('axes').map((a) => (a < -rank || a >= rank ? fail(`axis ${a} is out of range for rank ${rank}`) : a < 0 ? a + rank : a)) : range(rank);
  for (const [name, values] of [
    ['scales', scales],
    ['sizes', sizes],
  ] as const) {
    if (values && values.length !== axes.length) fail(`${name} has ${values.length} values for ${axes.length} axes`);
  }
  shape.forEach((d, a) => {
    const k = axes.indexOf(a);
    if (k < 0) {
      p.out[a] = d;
      p.scales[a] = 1;
    } else if (scales) {
      const s = scales[k];
      if (!(s > 0)) fail(`scale ${s} of axis ${a} is not positive`);
      p.scales[a] = s;
      p.out[a] = typeof d === 'number' ? Math.floor(Math.fround(s * d)) : s === 1 ? d : null;
    } else if (sizes) {
      p.out[a] = sizes[k];
      p.scales[a] = typeof d === 'number' ? Math.fround(sizes[k] / d) : undefined;
    }
  });
  return p;
}

function inferResize(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const p = plan(ctx, x.shape, ctx.fail);
  p.out.forEach((d, a) => typeof d === 'number' && d < 1 && ctx.fail(`axis ${a} resizes to extent ${d}`));
  return [typeOf(x.dtype, p.out)];
}

function resizeGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  const shape = ctx.inType(0).shape;
  if (shape === null) return ctx.unsupported(`${ctx.node.opType} gradients need the input rank`);
  const p = plan(ctx, shape, ctx.unsupported);
  if (p.unknown !== undefined) {
    ctx.unsupported(
      `${ctx.node.opType} gradients need constant scales or sizes; '${p.unknown}' is computed or fed at run time (a float initializer made a trainable parameter is fed too: leave it frozen)`,
    );
  }
  const b = ctx.b;
  const dtype = ctx.outType(0).dtype ?? 'float32';
  const rank = shape.length;
  const repeats = new Map<number, number>();
  const matrices = new Map<number, Float64Array>();
  shape.forEach((d, a) => {
    if (p.scales[a] === 1 && p.out[a] === d) return;
    const [inLen, outLen, scale] = [d, p.out[a], p.scales[a]];
    if (typeof inLen !== 'number' || typeof outLen !== 'number' || scale === undefined) ctx.unsupported(`${ctx.node.opType} gradients need static extents on resized axis ${a}`);
    const tooLarge = (limit: string) =>
      ctx.unsupported(`${ctx.node.opType} gradients resize axis ${a} from ${inLen} to ${outLen}${limit} (check the scales or sizes, and the extents before the node)`);
    if (!(inLen <= MAX_EXTENT && outLen <= MAX_EXTENT)) tooLarge(`; extents up to ${MAX_EXTENT} are supported`);
    const axis: AxisResize = { inLen, outLen, scale, mode: p.mode, coordinate: p.coordinate, nearest: p.nearest, cubicA: p.cubicA, excludeOutside: p.excludeOutside };
    const taps = interpolationTaps(axis);
    if (isIdentity(taps)) return;
    const f = repeatFactor(taps);
    if (f !== undefined) repeats.set(a, f);
    else if (inLen * outLen > MAX_MATRIX_ENTRIES) tooLarge(`, which needs a dense ${outLen} x ${inLen} matrix; at most ${MAX_MATRIX_ENTRIES} entries are supported`);
    else matrices.set(a, interpolationMatrix(taps));
  });
  let g = ctx.tensor(dy);
  if (repeats.size > 0) g = sumRepeats(ctx, g, p.out, shape, repeats);
  for (const [a, m] of matrices) {
    const [inLen, outLen] = [shape[a] as number, p.out[a] as number];
    if (a === rank - 1) g = b.op('MatMul', [g, b.constant(tensorOf(dtype, [outLen, inLen], m), 'resize_weights')]);
    else if (a === rank - 2) g = b.op('MatMul', [b.constant(tensorOf(dtype, [inLen, outLen], transposed(m, outLen, inLen)), 'resize_weights'), g]);
    else {
      const toLast = [...range(rank).filter((k) => k !== a), a];
      const back = range(rank).map((k) => toLast.indexOf(k));
      g = b.transpose(b.op('MatMul', [b.transpose(g, toLast), b.constant(tensorOf(dtype, [outLen, inLen], m), 'resize_weights')]), back);
    }
  }
  return [g];
}

function transposed(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** Nearest upsampling by integer factors: view each repeated axis as [in, f] and sum over the f repeats. */
function sumRepeats(ctx: GradContext, g: string, out: Dim[], shape: Shape, repeats: Map<number, number>): string {
  const first = Math.min(...repeats.keys());
  const dynamic = out.filter((d) => typeof d !== 'number').length;
  const target: number[] = [];
  const summed: number[] = [];
  out.forEach((d, a) => {
    const f = repeats.get(a);
    if (f !== undefined) {
      target.push(shape[a] as number, f);
      summed.push(target.length - 1);
    } else if (typeof d === 'number') target.push(d);
    else if (a < first)
      target.push(0); // Reshape's 0 copies the dim at the same position: unchanged before the first split.
    else if (dynamic === 1) target.push(-1);
    else ctx.unsupported(`${ctx.node.opType} gradients need static extents after the first resized axis`);
  });
  return ctx.b.reduce('ReduceSum', ctx.b.reshape(g, target), summed, false);
}

const RESIZE_ATTRS: Record<string, AttrSpec> = {
  mode: { kind: 'string', values: MODES_11 },
  coordinate_transformation_mode: { kind: 'string', values: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'], opsets: [11, MAX_OPSET] },
  nearest_mode: { kind: 'string', values: ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'], opsets: [11, MAX_OPSET] },
  cubic_coeff_a: { kind: 'float', opsets: [11, MAX_OPSET] },
  // Used by tf_crop_and_resize only, which is refused: any value computes the same.
  extrapolation_value: { kind: 'float', opsets: [11, MAX_OPSET] },
  exclude_outside: { kind: 'int', values: [0, 1], opsets: [11, MAX_OPSET] },
  antialias: { kind: 'int', values: [0], opsets: [18, MAX_OPSET] },
  axes: { kind: 'ints', opsets: [18, MAX_OPSET] },
  keep_aspect_ratio_policy: { kind: 'string', values: ['stretch'], opsets: [18, MAX_OPSET] },
};

export const resizeOps: OpDef[] = [
  { opType: 'Upsample', opsets: [MIN_OPSET, 9], attributes: { mode: { kind: 'string', values: MODES } }, inputs: [2, 2], outputs: [1, 1], infer: inferResize, differentiable: [0], grad: resizeGrad },
  { opType: 'Resize', opsets: [10, 10], attributes: { mode: { kind: 'string', values: MODES } }, inputs: [2, 2], outputs: [1, 1], infer: inferResize, differentiable: [0], grad: resizeGrad },
  { opType: 'Resize', opsets: [11, 12], attributes: RESIZE_ATTRS, inputs: [3, 4], outputs: [1, 1], infer: inferResize, differentiable: [0], grad: resizeGrad },
  { opType: 'Resize', opsets: [13, MAX_OPSET], attributes: RESIZE_ATTRS, inputs: [1, 4], outputs: [1, 1], infer: inferResize, differentiable: [0], grad: resizeGrad },
];
