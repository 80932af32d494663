/**
 * Range (opset 11+): the 1-D tensor start, start + delta, ... up to limit (exclusive), of
 * max(ceil((limit - start) / delta), 0) elements, in the type of its scalar inputs.
 * Inference knows the length when start, limit and delta are known (and keeps it symbolic for
 * Range(0, n, 1) with n a dimension), and the contents of a small integer Range, so shapes and indices
 * built from one fold. On float paths output i is start + i delta: the gradient to start is the sum of the
 * upstream gradient and to delta its sum weighted by i; limit only sets the length, which is piecewise
 * constant, so it gets none. start and delta are settings (an initializer feeding them is frozen).
 */
import { isIntegral } from '../dtype.js';
import type { Dim } from '../ir.js';
import { tensorOf, toNumbers } from '../tensor.js';
import { MAX_CONSTANT_ELEMENTS } from './support/constant-data.js';
import { constantType, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { MAX_OPSET } from './support/opsets.js';

const NAMES = ['start', 'limit', 'delta'];

/** The length of Range(start, limit, delta), computing limit - start in float32 for float32 inputs as the kernel does. */
export function rangeLength(start: number, limit: number, delta: number, dtype: string | undefined): number {
  const span = dtype === 'float32' ? Math.fround(limit - start) : limit - start;
  return Math.max(Math.ceil(span / delta), 0);
}

/** The single value of a known scalar input i, or undefined. */
function scalarValue(ctx: InferContext, i: number): number | undefined {
  const t = ctx.constant(i);
  if (t === undefined) return undefined;
  if (t.data.length !== 1) ctx.fail(`input ${NAMES[i]} has ${t.data.length} elements; it must be a scalar`);
  return toNumbers(t)[0];
}

function inferRange(ctx: InferContext): ValueType[] {
  const types = [0, 1, 2].map((i) => ctx.type(i));
  const dtype = types.find((t) => t.dtype !== undefined)?.dtype;
  types.forEach((t, i) => {
    if (t.dtype !== undefined && t.dtype !== dtype) ctx.fail(`input ${NAMES[i]} is ${t.dtype} but ${NAMES[0]} is ${dtype}; start, limit and delta must have one type`);
    if (t.shape !== null && t.shape.length > 1) ctx.fail(`input ${NAMES[i]} has shape [${t.shape.join(', ')}]; it must be a scalar`);
  });
  const [start, limit, delta] = [0, 1, 2].map((i) => scalarValue(ctx, i));
  if (delta === 0) ctx.fail('delta is 0');
  if (start !== undefined && limit !== undefined && delta !== undefined) {
    const n = rangeLength(start, limit, delta, dtype);
    if (dtype !== undefined && isIntegral(dtype) && n <= MAX_CONSTANT_ELEMENTS) {
      return [
        constantType(
          tensorOf(
            dtype,
            [n],
            Array.from({ length: n }, (_, i) => start + i * delta),
          ),
        ),
      ];
    }
    return [typeOf(dtype, [n])];
  }
  // Range(0, n, 1) over a dimension n (e.g. Gather(Shape(x), 1)) has n elements.
  const symbolic: Dim | undefined = types[1].value?.length === 1 ? types[1].value[0] : undefined;
  return [typeOf(dtype, [start === 0 && delta === 1 && typeof symbolic === 'string' ? symbolic : null])];
}

function rangeGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const b = ctx.b;
  const g = ctx.tensor(dy);
  const out: (Grad | undefined)[] = [];
  // A [1] start or delta (onnxruntime accepts them) gets its gradient in that shape.
  const like = (i: number, sum: string) => (ctx.inType(i).shape?.length === 1 ? b.reshape(sum, [1]) : sum);
  if (ctx.needs(0)) out[0] = like(0, b.reduce('ReduceSum', g, null, false));
  if (ctx.needs(2)) {
    // The step indices 0 .. n - 1, n read at run time: a differentiated Range has inputs inference cannot read.
    const n = b.cast(b.squeeze(b.dim(ctx.output(0), 0), [0]), ctx.outType(0).dtype ?? 'float32');
    const steps = b.op('Range', [ctx.scalar(0), n, ctx.scalar(1)]);
    out[2] = like(2, b.reduce('ReduceSum', b.op('Mul', [g, steps]), null, false));
  }
  return out;
}

/** The definition of Range. */
export const rangeOps: OpDef[] = [
  { opType: 'Range', opsets: [11, MAX_OPSET], attributes: {}, inputs: [3, 3], outputs: [1, 1], infer: inferRange, differentiable: [0, 2], settings: [0, 2], grad: rangeGrad },
];
