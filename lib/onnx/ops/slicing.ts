/**
 * Gather, Slice, Concat and Split. On integer shape vectors they carry known values (so shape subgraphs
 * fold); on float paths their gradients scatter back with standard operators: Gather through ScatterElements
 * with reduction 'add' into zeros from opset 16 (before it, through a dense OneHot MatMul; either way repeated
 * indices accumulate and negative ones wrap), Slice through Pad (unit steps) or a selection-matrix MatMul (other
 * steps), Concat through Split or runtime Slices, Split through Concat.
 */
import { isIntegral } from '../dtype.js';
import type { Dim, Shape } from '../ir.js';
import { LpcError } from '../../errors.js';
import { tensorOf, toNumbers } from '../tensor.js';
import { rearrangeConstant, smallIntConstant } from './support/constant-data.js';
import { constantType, dimProduct, normAxis, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { ALL_OPSETS, MAX_OPSET, MIN_OPSET } from './support/opsets.js';

// ---------------------------------------------------------------- Gather

function inferGather(ctx: InferContext): ValueType[] {
  const data = ctx.type(0);
  const idx = ctx.type(1);
  if (data.shape === null || idx.shape === null) return [typeOf(data.dtype, null)];
  const axis = normAxis(ctx, ctx.attr.int('axis', 0), data.shape.length);
  const out: Shape = [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)];
  let value: Dim[] | undefined;
  const indices = ctx.ints(1);
  const extent = data.shape[axis];
  if (indices && typeof extent === 'number') {
    for (const i of indices) if (i < -extent || i >= extent) ctx.fail(`index ${i} is out of range for axis ${axis} of extent ${extent}`);
  }
  if (data.value && data.shape.length === 1 && indices) {
    const n = data.value.length;
    value = indices.map((i) => (i < -n || i >= n ? ctx.fail(`index ${i} is out of range for extent ${n}`) : data.value![i < 0 ? i + n : i]));
  }
  return [typeOf(data.dtype, out, value)];
}

/** The product of dims [start, end) of value x: a number when static, else a runtime [1] int64 tensor. */
function dimsProduct(ctx: GradContext, x: string, shape: Shape, start: number, end: number): number | string {
  const p = dimProduct(shape.slice(start, end));
  if (p !== null) return p;
  const b = ctx.b;
  return b.op('ReduceProd', [b.slice(ctx.shapeOf(x), [start], [end], [0])], { keepdims: 1 });
}

/** A shape tensor from numbers and runtime [1] tensors; at most one unknown dim becomes -1. */
function shapeTensor(ctx: GradContext, parts: (number | string)[]): string {
  const dynamic = parts.filter((p) => typeof p === 'string').length;
  if (dynamic <= 1) return ctx.b.ints(parts.map((p) => (typeof p === 'number' ? p : -1)));
  return ctx.b.op(
    'Concat',
    parts.map((p) => (typeof p === 'number' ? ctx.b.ints([p]) : p)),
    { axis: 0 },
  );
}

function gatherGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  const b = ctx.b;
  const data = ctx.input(0);
  const shape = ctx.inType(0).shape;
  const idxShape = ctx.inType(1).shape;
  if (shape === null || idxShape === null) return ctx.unsupported('Gather gradients need the ranks of data and indices');
  const axis = ctx.attr.int('axis', 0) < 0 ? ctx.attr.int('axis', 0) + shape.length : ctx.attr.int('axis', 0);
  const depth = shape[axis];
  const depthTensor = typeof depth === 'number' ? b.ints([depth]) : b.dim(data, axis);
  const k = dimProduct(idxShape);
  const pre = dimsProduct(ctx, data, shape, 0, axis);
  const post = dimsProduct(ctx, data, shape, axis + 1, shape.length);
  const g3 = b.reshape(ctx.tensor(dy), shapeTensor(ctx, [pre, k ?? b.op('Size', [ctx.input(1)]), post]));
  if (ctx.opset >= 16) return [b.reshape(scatterAdd(ctx, g3, depthTensor, typeof depth === 'number' ? depth : depthTensor, pre, post), ctx.shapeOf(data))];
  // onnxruntime's OneHot takes int64 indices only (with float values), so int32 ones are cast.
  let idx = b.cast(b.reshape(ctx.input(1), [-1]), 'int64');
  if (ctx.opset < 11) {
    // OneHot before opset 11 leaves negative indices unset: wrap them first.
    idx = b.op('Where', [b.op('Less', [idx, b.ints([0])]), b.op('Add', [idx, depthTensor]), idx]);
  }
  const dtype = ctx.outType(0).dtype ?? 'float32';
  const onehot = b.op('OneHot', [idx, depthTensor, b.constant(tensorOf(dtype, [2], [0, 1]))], { axis: -1 }); // [K, N]
  const scattered = b.op('MatMul', [b.transpose(onehot, [1, 0]), g3]); // [pre, N, post]
  return [b.reshape(scattered, ctx.shapeOf(data))];
}

/**
 * The gradient g3 [pre, K, post] of a Gather scattered into zeros [pre, N, post] (N = depth) along axis 1 by
 * ScatterElements with reduction 'add' (opset 16+), which accumulates repeated indices without the dense
 * [K, N] OneHot matrix. Negative indices are wrapped first, and the indices broadcast to g3's shape. `depth`
 * is N as a [1] tensor, `depthDim` N as a number when static.
 */
function scatterAdd(ctx: GradContext, g3: string, depth: string, depthDim: number | string, pre: number | string, post: number | string): string {
  const b = ctx.b;
  const raw = b.cast(b.reshape(ctx.input(1), [1, -1, 1]), 'int64');
  const idx = b.op('Where', [b.op('Less', [raw, b.ints([0])]), b.op('Add', [raw, depth]), raw]);
  const zeros = b.reshape(ctx.zerosLike(ctx.input(0)), shapeTensor(ctx, [pre, depthDim, post]));
  return b.op('ScatterElements', [zeros, b.op('Expand', [idx, b.shapeOf(g3)]), g3], { axis: 1, reduction: 'add' });
}

// ---------------------------------------------------------------- Slice

interface SliceSpec {
  axes: number[];
  starts: number[];
  ends: number[];
  steps: number[];
}

function readSlice(ctx: InferContext | GradContext, rank: number): SliceSpec | undefined {
  let starts: number[] | undefined;
  let ends: number[] | undefined;
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.attr.ints('starts');
    ends = ctx.attr.ints('ends');
    axes = ctx.attr.has('axes') ? ctx.attr.ints('axes') : undefined;
  } else {
    const read = (i: number) => {
      const t = ctx.constant(i);
      return t === undefined ? undefined : toNumbers(t);
    };
    starts = read(1);
    ends = read(2);
    axes = ctx.has(3) ? read(3) : undefined;
    steps = ctx.has(4) ? read(4) : undefined;
    if (starts === undefined || ends === undefined || (ctx.has(3) && axes === undefined) || (ctx.has(4) && steps === undefined)) return undefined;
  }
  axes = (axes ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  steps = steps ?? starts.map(() => 1);
  if (steps.some((s) => s === 0)) throw new LpcError('LPC_INVALID_MODEL', `Slice node '${ctx.node.name}' has a step of 0`);
  return { axes, starts, ends, steps };
}

/** The indices a python-style slice selects from an axis of extent d. */
function sliceRange(d: number, start: number, end: number, step: number): { first: number; count: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (step > 0) {
    const s = clamp(start < 0 ? start + d : start, 0, d);
    const e = clamp(end < 0 ? end + d : end, 0, d);
    return { first: s, count: Math.max(0, Math.ceil((e - s) / step)) };
  }
  const s = clamp(start < 0 ? start + d : start, 0, d - 1);
  const e = clamp(end < 0 ? end + d : end, -1, d - 1);
  return { first: s, count: Math.max(0, Math.ceil((s - e) / -step)) };
}

/** True when a slice keeps a whole axis whatever its extent. */
function isFull(start: number, end: number, step: number): boolean {
  return step === 1 && start === 0 && end >= 2 ** 31 - 1;
}

function inferSlice(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const spec = readSlice(ctx, x.shape.length);
  if (spec === undefined)
    return [
      typeOf(
        x.dtype,
        x.shape.map(() => null),
      ),
    ];
  const out: Shape = [...x.shape];
  spec.axes.forEach((a, i) => {
    if (a < 0 || a >= out.length) ctx.fail(`axis ${spec.axes[i]} is out of range`);
    const d = x.shape![a];
    out[a] = typeof d === 'number' ? sliceRange(d, spec.starts[i], spec.ends[i], spec.steps[i]).count : isFull(spec.starts[i], spec.ends[i], spec.steps[i]) ? d : null;
  });
  const c = smallIntConstant(x);
  if (c !== undefined) {
    const firsts = c.dims.map(() => 0);
    const steps = c.dims.map(() => 1);
    spec.axes.forEach((a, i) => {
      firsts[a] = sliceRange(c.dims[a]!, spec.starts[i]!, spec.ends[i]!, spec.steps[i]!).first;
      steps[a] = spec.steps[i]!;
    });
    return [constantType(rearrangeConstant(c, out as number[], (o) => o.map((j, a) => firsts[a]! + j * steps[a]!)))];
  }
  let value: Dim[] | undefined;
  if (x.value && x.shape.length === 1 && spec.axes[0] === 0) {
    const { first, count } = sliceRange(x.value.length, spec.starts[0], spec.ends[0], spec.steps[0]);
    value = Array.from({ length: count }, (_, j) => x.value![first + j * spec.steps[0]]);
  }
  return [typeOf(x.dtype, out, value)];
}

function sliceGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  const b = ctx.b;
  const shape = ctx.inType(0).shape;
  if (shape === null) return ctx.unsupported('Slice gradients need the input rank');
  const spec = readSlice(ctx, shape.length);
  if (spec === undefined) return ctx.unsupported('Slice gradients need constant starts, ends, axes and steps');
  let g = ctx.tensor(dy);
  const pads = new Array<number>(2 * shape.length).fill(0);
  const r = shape.length;
  spec.axes.forEach((a, i) => {
    const d = shape[a];
    const [start, end, step] = [spec.starts[i], spec.ends[i], spec.steps[i]];
    if (typeof d !== 'number') {
      if (!isFull(start, end, step)) ctx.unsupported(`Slice gradients need a static extent on sliced axis ${a}`);
      return;
    }
    const { first, count } = sliceRange(d, start, end, step);
    if (step === 1) {
      pads[a] = first;
      pads[a + r] = d - first - count;
      return;
    }
    // Other steps: multiply by a [count, d] selection matrix along axis a.
    const sel = new Array<number>(count * d).fill(0);
    for (let j = 0; j < count; j++) sel[j * d + first + j * step] = 1;
    const toLast = [...Array.from({ length: r }, (_, k) => k).filter((k) => k !== a), a];
    const back = new Array<number>(r);
    toLast.forEach((p, k) => (back[p] = k));
    const moved = b.op('MatMul', [b.transpose(g, toLast), b.constant(tensorOf(ctx.outType(0).dtype ?? 'float32', [count, d], sel))]);
    g = b.transpose(moved, back);
  });
  return [pads.some((p) => p !== 0) ? b.pad(g, pads) : g];
}

// ---------------------------------------------------------------- Concat and Split

function inferConcat(ctx: InferContext): ValueType[] {
  const types = ctx.node.inputs.map((_, i) => ctx.type(i));
  const known = types.find((t) => t.shape !== null);
  if (known === undefined || types.some((t) => t.shape === null)) return [typeOf(types[0].dtype, known ? known.shape!.map(() => null) : null)];
  const rank = known.shape!.length;
  const axis = normAxis(ctx, ctx.attr.int('axis'), rank);
  const out: Shape = [...known.shape!];
  const lengths: Dim[] = types.map((t) => {
    if (t.shape!.length !== rank) ctx.fail(`inputs have ranks ${rank} and ${t.shape!.length}`);
    return t.shape![axis];
  });
  out[axis] = lengths.length === 1 ? lengths[0] : dimProduct(lengths) === null ? null : lengths.reduce((s: number, d) => s + (d as number), 0);
  for (let k = 0; k < rank; k++) {
    if (k === axis) continue;
    out[k] = types.map((t) => t.shape![k]).find((d) => typeof d === 'number') ?? out[k];
  }
  const value = rank === 1 && types.every((t) => t.value) ? types.flatMap((t) => t.value!) : undefined;
  return [typeOf(types[0].dtype, out, value && types[0].dtype && isIntegral(types[0].dtype) ? value : undefined)];
}

function concatGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const n = ctx.node.inputs.length;
  if (typeof dy !== 'string') return ctx.node.inputs.map((x) => ({ uniform: dy.uniform, like: x }));
  const b = ctx.b;
  const rank = ctx.outType(0).shape?.length;
  if (rank === undefined) return ctx.unsupported('Concat gradients need the output rank');
  const axis = ctx.attr.int('axis') < 0 ? ctx.attr.int('axis') + rank : ctx.attr.int('axis');
  const sizes = ctx.node.inputs.map((_, i) => ctx.inType(i).shape?.[axis] ?? null);
  if (sizes.every((s) => typeof s === 'number')) {
    const parts = b.split(dy, sizes as number[], axis);
    return parts.map((p, i) => (ctx.needs(i) ? p : undefined));
  }
  if (ctx.opset < 10) ctx.unsupported('Concat gradients along a dynamic axis need opset 10 or later');
  const out: (Grad | undefined)[] = [];
  let offset = b.ints([0]);
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    const end = b.op('Add', [offset, typeof s === 'number' ? b.ints([s]) : b.dim(ctx.input(i), axis)]);
    out.push(ctx.needs(i) ? b.op('Slice', [dy, offset, end, b.ints([axis])]) : undefined);
    offset = end;
  }
  return out;
}

function splitSizes(ctx: InferContext, extent: Dim, outputs: number): (number | null)[] {
  let sizes: number[] | undefined;
  if (ctx.opset < 13) sizes = ctx.attr.has('split') ? ctx.attr.ints('split') : undefined;
  else if (ctx.has(1)) {
    sizes = ctx.ints(1);
    if (sizes === undefined) ctx.unsupported('the split input must be a constant');
  }
  if (sizes !== undefined) {
    if (sizes.length !== outputs) ctx.fail(`split has ${sizes.length} sizes for ${outputs} outputs`);
    if (typeof extent === 'number' && sizes.reduce((s, v) => s + v, 0) !== extent) ctx.fail(`split sizes [${sizes.join(', ')}] do not add up to ${extent}`);
    return sizes;
  }
  if (ctx.opset >= 18 && ctx.attr.int('num_outputs', outputs) !== outputs) ctx.fail(`num_outputs is ${ctx.attr.int('num_outputs')} but the node has ${outputs} outputs`);
  if (typeof extent !== 'number') return new Array<null>(outputs).fill(null);
  // Equal pieces; from opset 18 an uneven extent leaves the last piece smaller.
  const chunk = ctx.opset >= 18 ? Math.ceil(extent / outputs) : extent / outputs;
  if (!Number.isInteger(chunk)) ctx.fail(`cannot split extent ${extent} into ${outputs} equal pieces`);
  return Array.from({ length: outputs }, (_, i) => Math.max(0, Math.min(chunk, extent - i * chunk)));
}

function inferSplit(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const n = ctx.node.outputs.length;
  if (x.shape === null) return Array.from({ length: n }, () => typeOf(x.dtype, null));
  const axis = normAxis(ctx, ctx.attr.int('axis', 0), x.shape.length);
  const sizes = splitSizes(ctx, x.shape[axis], n);
  return sizes.map((s) =>
    typeOf(
      x.dtype,
      x.shape!.map((d, k) => (k === axis ? s : d)),
    ),
  );
}

function splitGrad(ctx: GradContext, dOut: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dOut.every((g) => g === undefined)) return [];
  const rank = ctx.inType(0).shape?.length;
  if (rank === undefined) return ctx.unsupported('Split gradients need the input rank');
  const axis = ctx.attr.int('axis', 0) < 0 ? ctx.attr.int('axis', 0) + rank : ctx.attr.int('axis', 0);
  const parts = ctx.node.outputs.map((o, i) => (dOut[i] === undefined ? ctx.zerosLike(o) : ctx.tensor(dOut[i]!)));
  return [ctx.b.op('Concat', parts, { axis })];
}

/** Definitions of the Gather, Slice, Concat and Split. */
export const slicingOps: OpDef[] = [
  { opType: 'Gather', opsets: ALL_OPSETS, attributes: { axis: { kind: 'int' } }, inputs: [2, 2], outputs: [1, 1], infer: inferGather, differentiable: [0], grad: gatherGrad },
  {
    opType: 'Slice',
    opsets: ALL_OPSETS,
    attributes: { starts: { kind: 'ints', opsets: [MIN_OPSET, 9] }, ends: { kind: 'ints', opsets: [MIN_OPSET, 9] }, axes: { kind: 'ints', opsets: [MIN_OPSET, 9] } },
    inputs: [1, 5],
    outputs: [1, 1],
    infer: inferSlice,
    differentiable: [0],
    grad: sliceGrad,
  },
  {
    opType: 'Concat',
    opsets: ALL_OPSETS,
    attributes: { axis: { kind: 'int' } },
    inputs: [1, 2 ** 31],
    outputs: [1, 1],
    infer: inferConcat,
    differentiable: (ctx) => ctx.node.inputs.map((_, i) => i),
    grad: concatGrad,
  },
  {
    opType: 'Split',
    opsets: ALL_OPSETS,
    attributes: { axis: { kind: 'int' }, split: { kind: 'ints', opsets: [MIN_OPSET, 12] }, num_outputs: { kind: 'int', opsets: [18, MAX_OPSET] } },
    inputs: [1, 2],
    outputs: [1, 2 ** 31],
    infer: inferSplit,
    differentiable: [0],
    grad: splitGrad,
  },
];
