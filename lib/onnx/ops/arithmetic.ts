/**
 * Broadcasting arithmetic: Add, Sub, Mul, Div, Pow, Min, Max, Sum, Mean, Where. Gradients are summed back
 * over broadcast axes with ctx.unbroadcast; integer versions (shape arithmetic) carry their known values.
 */
import { isFloat, isIntegral } from '../dtype.js';
import { broadcast, broadcastAll, combineValues, shapeEq, typeOf } from './support/shape-utils.js';
import type { Shape } from '../ir.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { toNumbers } from '../tensor.js';
import { ALL_OPSETS } from './support/opsets.js';
import { floatEqual, selectionKink } from './support/kink-rules.js';

function binaryInfer(ctx: InferContext, valueOp?: (x: number, y: number) => number): ValueType[] {
  const a = ctx.type(0);
  const b = ctx.type(1);
  if (a.dtype && b.dtype && a.dtype !== b.dtype) ctx.fail(`operands have different element types (${a.dtype}, ${b.dtype})`);
  const dtype = a.dtype ?? b.dtype;
  const shape = broadcast(ctx, a.shape, b.shape);
  const value = valueOp && dtype && isIntegral(dtype) ? combineValues(a.value, b.value, valueOp) : undefined;
  return [typeOf(dtype, shape, value)];
}

/**
 * g * expr * factor, where expr has shape `exprShape`; a uniform g stays symbolic when expr has the output's
 * shape (then the result is expr scaled), else it is materialised and multiplied.
 */
export function times(ctx: GradContext, g: Grad, expr: string, exprShape: Shape | null, factor = 1): Grad {
  if (typeof g !== 'string' && shapeEq(exprShape, ctx.outType(0).shape)) return ctx.scale(g, expr, factor);
  return ctx.scale(ctx.b.op('Mul', [ctx.tensor(g), expr]), null, factor);
}

const binary = (opType: string, grad: OpDef['grad'], valueOp?: (x: number, y: number) => number): OpDef => ({
  opType,
  opsets: ALL_OPSETS,
  attributes: {},
  inputs: [2, 2],
  outputs: [1, 1],
  infer: (ctx) => binaryInfer(ctx, valueOp),
  differentiable: [0, 1],
  grad,
});

/** The value of input i when it is a known constant with one element (a scalar factor). */
function scalarConstant(ctx: GradContext, i: number): number | undefined {
  const t = ctx.constant(i);
  return t !== undefined && t.data.length === 1 && t.dtype !== 'float16' && t.dtype !== 'bfloat16' ? toNumbers(t)[0] : undefined;
}

/** Where(cond, g, 0) (keep) or Where(cond, 0, g), shaped like the output. */
function masked(ctx: GradContext, g: Grad, keep: boolean): string {
  const zero = ctx.scalar(0);
  // A uniform g may enter as a scalar only when the condition alone has the output's shape.
  const value = typeof g !== 'string' && shapeEq(ctx.inType(0).shape, ctx.outType(0).shape) ? ctx.scalar(g.uniform) : ctx.tensor(g);
  return ctx.b.op('Where', keep ? [ctx.input(0), value, zero] : [ctx.input(0), zero, value]);
}

/** Min/Max: each input gets the gradient where it is the selected one; ties go to the first such input. */
function selectGrad(ctx: GradContext, dOut: (Grad | undefined)[]): (Grad | undefined)[] {
  const dy = dOut[0];
  if (dy === undefined) return [];
  const n = ctx.node.inputs.length;
  if (n === 1) return [dy];
  const g = ctx.tensor(dy);
  const zero = ctx.scalar(0);
  let taken: string | undefined;
  const out: (Grad | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    let mask = floatEqual(ctx.b, ctx.opset, ctx.input(i), ctx.output(0));
    if (taken !== undefined) mask = ctx.b.op('And', [mask, ctx.b.op('Not', [taken])]);
    if (i < n - 1) taken = taken === undefined ? mask : ctx.b.op('Or', [taken, mask]);
    out.push(ctx.needs(i) ? ctx.unbroadcast(ctx.b.op('Where', [mask, g, zero]), i) : undefined);
  }
  return out;
}

/** A variadic operator with multidirectional broadcasting; integer versions combine known values with `value`, when given. */
const variadic = (opType: string, value: ((x: number, y: number) => number) | undefined, grad: OpDef['grad']): OpDef => ({
  opType,
  opsets: ALL_OPSETS,
  attributes: {},
  inputs: [1, 2 ** 31],
  outputs: [1, 1],
  infer: (ctx) => {
    const types = ctx.node.inputs.map((_, i) => ctx.type(i));
    const dtype = types.find((t) => t.dtype !== undefined)?.dtype;
    for (const [i, t] of types.entries()) {
      if (t.dtype !== undefined && t.dtype !== dtype) ctx.fail(`input ${i} '${ctx.node.inputs[i]}' is ${t.dtype} where another input is ${dtype}; ${opType} needs one element type`);
    }
    let v = types[0].value;
    for (let i = 1; i < types.length && value !== undefined; i++) v = combineValues(v, types[i].value, value);
    return [typeOf(dtype, broadcastAll(ctx, types), value !== undefined && dtype && isIntegral(dtype) ? v : undefined)];
  },
  differentiable: (ctx) => ctx.node.inputs.map((_, i) => i),
  grad,
});

/** Sum and Mean: every input receives the output's gradient (scaled by 1/n for Mean), summed back over its broadcast axes. */
const spreadGrad =
  (mean: boolean): OpDef['grad'] =>
  (ctx, [dy]) => {
    if (dy === undefined) return [];
    const n = ctx.node.inputs.length;
    const g = mean && n > 1 ? ctx.scale(dy, null, 1 / n) : dy;
    return ctx.node.inputs.map((_, i) => (ctx.needs(i) ? ctx.unbroadcast(g, i) : undefined));
  };

/** Definitions of the broadcasting arithmetic operators. */
export const arithmeticOps: OpDef[] = [
  binary(
    'Add',
    (ctx, [dy]) => (dy === undefined ? [] : [ctx.unbroadcast(dy, 0), ctx.unbroadcast(dy, 1)]),
    (x, y) => x + y,
  ),
  binary(
    'Sub',
    (ctx, [dy]) => (dy === undefined ? [] : [ctx.unbroadcast(dy, 0), ctx.needs(1) ? ctx.unbroadcast(ctx.scale(dy, null, -1), 1) : undefined]),
    (x, y) => x - y,
  ),
  binary(
    'Mul',
    (ctx, [dy]) => {
      if (dy === undefined) return [];
      const grad = (i: number) => {
        if (!ctx.needs(i)) return undefined;
        // Multiplying by a known scalar scales the gradient (and keeps a uniform one symbolic).
        const k = scalarConstant(ctx, 1 - i);
        return ctx.unbroadcast(k !== undefined ? ctx.scale(dy, null, k) : times(ctx, dy, ctx.input(1 - i), ctx.inType(1 - i).shape), i);
      };
      return [grad(0), grad(1)];
    },
    (x, y) => x * y,
  ),
  binary(
    'Div',
    (ctx, [dy]) => {
      if (dy === undefined) return [];
      const b = ctx.b;
      const k = scalarConstant(ctx, 1);
      if (k !== undefined) return [ctx.needs(0) ? ctx.unbroadcast(ctx.scale(dy, null, 1 / k), 0) : undefined];
      const g = ctx.tensor(dy);
      const da = ctx.needs(0) ? ctx.unbroadcast(b.op('Div', [g, ctx.input(1)]), 0) : undefined;
      // d(a/b)/db = -a/b^2 = -y/b.
      const db = ctx.needs(1) ? ctx.unbroadcast(b.op('Neg', [b.op('Div', [b.op('Mul', [g, ctx.output(0)]), ctx.input(1)])]), 1) : undefined;
      return [da, db];
    },
    (x, y) => (y === 0 ? NaN : Math.trunc(x / y)),
  ),
  {
    opType: 'Pow',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [2, 2],
    outputs: [1, 1],
    infer: (ctx) => [typeOf(ctx.type(0).dtype, broadcast(ctx, ctx.type(0).shape, ctx.type(1).shape))],
    differentiable: [0, 1],
    settings: [1],
    grad: (ctx, [dy]) => {
      if (dy === undefined) return [];
      const b = ctx.b;
      const x = ctx.input(0);
      const p = ctx.constant(1);
      let dx: Grad | undefined;
      if (ctx.needs(0)) {
        if (p !== undefined && p.data.length === 1) {
          const k = toNumbers(p)[0];
          // y = x^k: dy/dx = k x^(k-1), written without Pow for the common exponents 1, 2 and 1/2.
          if (k === 1) dx = dy;
          else if (k === 2) dx = times(ctx, dy, x, ctx.inType(0).shape, 2);
          else if (k === 0.5) dx = times(ctx, dy, b.op('Reciprocal', [ctx.output(0)]), ctx.outType(0).shape, 0.5);
          else dx = times(ctx, dy, b.op('Pow', [x, ctx.scalar(k - 1)]), ctx.inType(0).shape, k);
        } else {
          let e = ctx.input(1);
          if (isIntegral(ctx.inType(1).dtype)) e = b.cast(e, ctx.outType(0).dtype ?? 'float32');
          dx = b.op('Mul', [ctx.tensor(dy), b.op('Mul', [e, b.op('Pow', [x, b.op('Sub', [e, ctx.scalar(1)])])])]);
        }
        dx = ctx.unbroadcast(dx, 0);
      }
      // dy/dp = y ln x (defined for x > 0).
      const dp = ctx.needs(1) ? ctx.unbroadcast(b.op('Mul', [b.op('Mul', [ctx.tensor(dy), ctx.output(0)]), b.op('Log', [x])]), 1) : undefined;
      return [dx, dp];
    },
  },
  { ...variadic('Min', Math.min, selectGrad), kink: selectionKink },
  { ...variadic('Max', Math.max, selectGrad), kink: selectionKink },
  variadic('Sum', (x, y) => x + y, spreadGrad(false)),
  // Mean is defined for floats only, so it carries no integer values.
  variadic('Mean', undefined, spreadGrad(true)),
  {
    opType: 'Where',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [3, 3],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(1);
      const y = ctx.type(2);
      return [typeOf(x.dtype ?? y.dtype, broadcastAll(ctx, [ctx.type(0), x, y]))];
    },
    differentiable: [1, 2],
    grad: (ctx, [dy]) => {
      if (dy === undefined) return [];
      return [undefined, ctx.needs(1) ? ctx.unbroadcast(masked(ctx, dy, true), 1) : undefined, ctx.needs(2) ? ctx.unbroadcast(masked(ctx, dy, false), 2) : undefined];
    },
    // The condition, fed as it was at the base point (when the selected values are floats).
    kink: ({ node, outDtype }) =>
      outDtype === undefined || !isFloat(outDtype)
        ? undefined
        : { capture: () => [node.inputs[0]], inputs: ['bool'], feeds: (captured) => captured, emit: (_b, [c], write) => write('Where', [c, node.inputs[1], node.inputs[2]]) },
  },
];
