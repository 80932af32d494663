/**
 * Shape queries and layout operators: Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand,
 * Tile. Shape and Size cut gradient paths and feed the partial values that let shape subgraphs fold.
 * Gradients of pure re-layouts reshape back to the input's shape: a constant when static (with -1 for one
 * dynamic dim), else the runtime Shape of the input.
 */
import type { Dim, Shape } from '../ir.js';
import { rearrangeConstant, smallIntConstant } from './support/constant-data.js';
import { constantType, dimProduct, normAxis, typeOf, unknownShape } from './support/shape-utils.js';
import { dimDivide, dimTimes } from './support/symbolic-dims.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { ALL_OPSETS, MAX_OPSET, MIN_OPSET } from './support/opsets.js';

/** g reshaped to the shape of input i (uniform gradients just take the input's shape). */
function reshapeTo(ctx: GradContext, g: Grad, i: number): Grad {
  const x = ctx.input(i);
  if (typeof g !== 'string') return { uniform: g.uniform, like: x };
  const s = ctx.inType(i).shape;
  if (s !== null) {
    const dynamic = s.filter((d) => typeof d !== 'number').length;
    if (dynamic <= 1 && !s.includes(0))
      return ctx.b.reshape(
        g,
        s.map((d) => (typeof d === 'number' ? d : -1)),
      );
  }
  return ctx.b.reshape(g, ctx.shapeOf(x));
}

/** Axes from the attribute (before `inputSince`) or from input 1, normalised; undefined when not known. */
function readAxes(ctx: InferContext, inputSince: number): number[] | undefined {
  if (ctx.opset < inputSince) return ctx.attr.has('axes') ? ctx.attr.ints('axes') : undefined;
  if (!ctx.has(1)) return undefined;
  const axes = ctx.ints(1);
  if (axes === undefined) ctx.unsupported('the axes input must be a constant');
  return axes;
}

/** -1 of a Reshape target: input elements over the other target dims, symbols cancelled (symbolic-dims.ts). */
function inferredDim(input: Shape, others: Dim[]): Dim {
  return dimDivide(dimTimes(input), dimTimes(others));
}

function inferReshape(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const target = ctx.type(1);
  const allowzero = ctx.attr.int('allowzero', 0);
  let value: Dim[] | undefined = target.value;
  if (value === undefined) {
    const len = target.shape?.[0];
    return [typeOf(x.dtype, typeof len === 'number' ? unknownShape(len) : null)];
  }
  if (value.filter((v) => v === -1).length > 1) ctx.fail('the target shape has more than one -1');
  value = value.map((v, i) => {
    if (v !== 0 || allowzero) return v;
    if (x.shape === null) return null;
    if (i >= x.shape.length) ctx.fail(`target dim ${i} is 0 (copy) but the input has rank ${x.shape.length}`);
    return x.shape[i];
  });
  const minus = value.indexOf(-1);
  if (minus >= 0)
    value[minus] =
      x.shape === null
        ? null
        : inferredDim(
            x.shape,
            value.filter((_, i) => i !== minus),
          );
  const out = value.map((v) => (typeof v === 'number' && v < 0 ? ctx.fail(`target dim ${v} is negative`) : v));
  if (x.shape && out.every((d) => typeof d === 'number') && x.shape.every((d) => typeof d === 'number')) {
    if (dimProduct(out) !== dimProduct(x.shape)) ctx.fail(`cannot reshape [${x.shape.join(', ')}] to [${out.join(', ')}]`);
  }
  return [typeOf(x.dtype, out, x.value)];
}

function squeezeInfer(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const axes = readAxes(ctx, 13);
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const rank = x.shape.length;
  let drop: number[];
  if (axes === undefined || axes.length === 0) {
    if (x.shape.some((d) => typeof d !== 'number')) return [typeOf(x.dtype, null)];
    drop = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    drop = axes.map((a) => normAxis(ctx, a, rank));
    for (const a of drop) if (typeof x.shape[a] === 'number' && x.shape[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of extent ${x.shape[a]}`);
  }
  return [
    typeOf(
      x.dtype,
      x.shape.filter((_, i) => !drop.includes(i)),
      x.value,
    ),
  ];
}

function unsqueezeInfer(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const axes = readAxes(ctx, 13);
  if (axes === undefined) ctx.fail('Unsqueeze needs axes');
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => normAxis(ctx, a, rank));
  const out: Shape = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[k++]);
  return [typeOf(x.dtype, out, x.value)];
}

const relayout = (opType: string, infer: OpDef['infer'], attributes: OpDef['attributes'], inputs: readonly [number, number]): OpDef => ({
  opType,
  opsets: ALL_OPSETS,
  attributes,
  inputs,
  outputs: [1, 1],
  infer,
  differentiable: [0],
  grad: (ctx, [dy]) => (dy === undefined ? [] : [reshapeTo(ctx, dy, 0)]),
});

/** Definitions of the shape queries and layout operators. */
/** Transpose's perm attribute; by default the axes reversed. */
function transposePerm(attr: InferContext['attr'], rank: number): number[] {
  return attr.ints(
    'perm',
    Array.from({ length: rank }, (_, i) => rank - 1 - i),
  );
}

/** The permutation that undoes `perm`. */
function invertPermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

export const reshapeOps: OpDef[] = [
  {
    opType: 'Shape',
    opsets: ALL_OPSETS,
    attributes: { start: { kind: 'int', opsets: [15, MAX_OPSET] }, end: { kind: 'int', opsets: [15, MAX_OPSET] } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const s = ctx.type(0).shape;
      if (s === null) return [typeOf('int64', [null])];
      const r = s.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const dims = s.slice(clamp(ctx.attr.int('start', 0)), clamp(ctx.attr.int('end', r)));
      return [typeOf('int64', [dims.length], dims)];
    },
    differentiable: [],
  },
  {
    opType: 'Size',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const s = ctx.type(0).shape;
      return [typeOf('int64', [], [s === null ? null : dimProduct(s)])];
    },
    differentiable: [],
  },
  relayout('Reshape', inferReshape, { allowzero: { kind: 'int', values: [0, 1], opsets: [14, MAX_OPSET] } }, [2, 2]),
  relayout(
    'Flatten',
    (ctx) => {
      const x = ctx.type(0);
      if (x.shape === null) return [typeOf(x.dtype, unknownShape(2))];
      const r = x.shape.length;
      const axis = ctx.attr.int('axis', 1);
      const a = axis === r ? r : normAxis(ctx, axis, r);
      return [typeOf(x.dtype, [dimTimes(x.shape.slice(0, a)), dimTimes(x.shape.slice(a))])];
    },
    { axis: { kind: 'int' } },
    [1, 1],
  ),
  relayout('Squeeze', squeezeInfer, { axes: { kind: 'ints', opsets: [MIN_OPSET, 12] } }, [1, 2]),
  relayout('Unsqueeze', unsqueezeInfer, { axes: { kind: 'ints', opsets: [MIN_OPSET, 12] } }, [1, 2]),
  {
    opType: 'Transpose',
    opsets: ALL_OPSETS,
    attributes: { perm: { kind: 'ints' } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      if (x.shape === null) return [typeOf(x.dtype, null)];
      const r = x.shape.length;
      const perm = transposePerm(ctx.attr, r);
      if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) ctx.fail(`perm [${perm.join(', ')}] is not a permutation of ${r} axes`);
      const c = smallIntConstant(x);
      if (c !== undefined) {
        const inverse = invertPermutation(perm);
        return [
          constantType(
            rearrangeConstant(
              c,
              perm.map((p) => c.dims[p]!),
              (o) => inverse.map((i) => o[i]!),
            ),
          ),
        ];
      }
      return [
        typeOf(
          x.dtype,
          perm.map((p) => (x.shape as Shape)[p]),
        ),
      ];
    },
    differentiable: [0],
    grad: (ctx, [dy]) => {
      if (dy === undefined) return [];
      if (typeof dy !== 'string') return [{ uniform: dy.uniform, like: ctx.input(0) }];
      const r = ctx.inType(0).shape?.length;
      if (r === undefined) return ctx.unsupported('Transpose gradients need the input rank');
      return [ctx.b.transpose(dy, invertPermutation(transposePerm(ctx.attr, r)))];
    },
  },
  {
    opType: 'Expand',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [2, 2],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      const target = ctx.type(1);
      const shape = target.value ?? (typeof target.shape?.[0] === 'number' ? unknownShape(target.shape[0]) : null);
      if (shape === null || x.shape === null) return [typeOf(x.dtype, null)];
      // Expand broadcasts both ways: a target dim of 1 keeps the input's dim.
      const rank = Math.max(shape.length, x.shape.length);
      const out: Shape = [];
      for (let i = 0; i < rank; i++) {
        const d = i < rank - x.shape.length ? 1 : x.shape[i - (rank - x.shape.length)];
        const t = i < rank - shape.length ? 1 : shape[i - (rank - shape.length)];
        if (typeof d === 'number' && typeof t === 'number' && d !== t && d !== 1 && t !== 1) ctx.fail(`cannot expand dimension ${d} to ${t}`);
        out.push(t === 1 ? d : d === 1 || d === t ? t : typeof t === 'number' ? t : typeof d === 'number' ? d : null);
      }
      return [typeOf(x.dtype, out)];
    },
    differentiable: [0],
    grad: (ctx, [dy]) => (dy === undefined ? [] : [ctx.unbroadcast(dy, 0)]),
  },
  {
    opType: 'Tile',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [2, 2],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      const repeats = ctx.type(1).value;
      if (x.shape === null) return [typeOf(x.dtype, null)];
      if (repeats !== undefined && repeats.length !== x.shape.length) ctx.fail(`repeats has ${repeats.length} entries for rank ${x.shape.length}`);
      return [
        typeOf(
          x.dtype,
          x.shape.map((d, i) => {
            const r = repeats?.[i] ?? null;
            return r === 1 ? d : typeof d === 'number' && typeof r === 'number' ? d * r : null;
          }),
        ),
      ];
    },
    differentiable: [0],
    grad: tileGrad,
  },
];

/** Tile's gradient: view dy as [r0, d0, r1, d1, ...] and sum over the repeat axes. */
function tileGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const repeats = ctx.constant(1);
  const shape = ctx.inType(0).shape;
  if (repeats === undefined || shape === null) ctx.unsupported('Tile gradients need constant repeats and the input rank');
  const reps = Array.from(repeats.data as BigInt64Array, Number);
  const b = ctx.b;
  const x = ctx.input(0);
  let target: string;
  if (shape.every((d) => typeof d === 'number')) target = b.ints(shape.flatMap((d, i) => [reps[i], d as number]));
  else
    target = b.op(
      'Concat',
      shape.flatMap((d, i) => [b.ints([reps[i]]), typeof d === 'number' ? b.ints([d]) : b.dim(x, i)]),
      { axis: 0 },
    );
  const folded = b.reshape(ctx.tensor(dy), target);
  return [
    b.reduce(
      'ReduceSum',
      folded,
      shape.map((_, i) => 2 * i),
      false,
    ),
  ];
}
