/**
 * Building blocks of the kink rules that piecewise operators declare beside their gradients (OpDef.kink): an
 * elementwise factor, the exponential branch of Elu and Selu, the input Min and Max select, Clip's three
 * regions, the sign mask of two-sided kinks, the indices a selection chose, and the output of a piecewise
 * constant function of a float (Floor, ArgMax, a Cast to integers). kinks.ts (lib/onnx) explains why gradient
 * checks freeze them.
 */
import type { GraphBuilder } from '../../builder.js';
import { isFloat, type DType } from '../../dtype.js';
import type { Node } from '../../ir.js';
import { makeTensor, toNumbers, type Tensor } from '../../tensor.js';
import type { Kink, KinkContext } from '../types.js';

/** The lowest float32: Clip's default lower bound before opset 11. */
const LOWEST_FLOAT32 = -3.4028234663852886e38;

/** Input 0's element type when it is a float (kinks of float paths only), else undefined. */
export function floatInput(ctx: KinkContext): DType | undefined {
  return ctx.inDtype !== undefined && isFloat(ctx.inDtype) ? ctx.inDtype : undefined;
}

/** A tensor shaped like t of f applied elementwise, in t's float type. */
export function mapTensor(t: Tensor, f: (v: number) => number): Tensor {
  const src = t.data as Float32Array | Float64Array;
  const out = t.dtype === 'float64' ? new Float64Array(src.length) : new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return makeTensor(t.dtype === 'float64' ? 'float64' : 'float32', t.dims, out);
}

/** Where t's values are > 0, as a bool tensor: the branch each element of a two-sided kink took at the base point. */
export function positiveMask(t: Tensor): Tensor {
  return makeTensor(
    'bool',
    t.dims,
    Uint8Array.from(t.data as Float32Array | Float64Array, (v) => (v > 0 ? 1 : 0)),
  );
}

/**
 * A kink's capture of a node's second output, the indices it selected (MaxPool's, TopK's), naming the output
 * when the model left it unused.
 */
export function captureIndices(n: Node, b: GraphBuilder): string[] {
  if (n.outputs[1] === undefined || n.outputs[1] === '') n.outputs[1] = b.fresh('kink/indices');
  return [n.outputs[1]];
}

/** Elementwise a == b on floats: Equal takes floats only from opset 11, so earlier opsets compare twice. */
export function floatEqual(b: GraphBuilder, opset: number, a: string, c: string): string {
  return opset >= 11 ? b.op('Equal', [a, c]) : b.op('Not', [b.op('Or', [b.op('Less', [a, c]), b.op('Greater', [a, c])])]);
}

/** A piecewise constant function of a float input: its output 0, fed as it was at the base point. */
export function constantKink(ctx: KinkContext): Kink | undefined {
  const { node, outDtype } = ctx;
  if (floatInput(ctx) === undefined || outDtype === undefined) return undefined;
  return { capture: () => [node.outputs[0]], inputs: [outDtype], feeds: (captured) => captured, emit: (_b, [value], write) => write('Identity', [value]) };
}

/** An elementwise selection on a float input: y = x * factor(x0). */
export function scalingKink(ctx: KinkContext, factor: (v: number) => number): Kink | undefined {
  const dtype = floatInput(ctx);
  if (dtype === undefined) return undefined;
  const x = ctx.node.inputs[0];
  return {
    capture: () => [x],
    inputs: [dtype],
    feeds: ([t]) => [mapTensor(t, factor)],
    emit: (_b, [m], write) => write('Mul', [x, m]),
  };
}

/** Elu and Selu: y = gamma x for x > 0, gamma alpha (exp(x) - 1) otherwise, with the branch taken at the base point. */
export function exponentialKink(ctx: KinkContext, alpha: number, gamma: number): Kink | undefined {
  const dtype = floatInput(ctx);
  if (dtype === undefined) return undefined;
  const x = ctx.node.inputs[0];
  return {
    capture: () => [x],
    inputs: ['bool'],
    feeds: ([t]) => [positiveMask(t)],
    emit: (b, [positive], write) => {
      const curved = b.op('Mul', [b.op('Sub', [b.op('Exp', [x]), b.scalar(1, dtype)]), b.scalar(alpha, dtype)]);
      if (gamma === 1) write('Where', [positive, x, curved]);
      else write('Mul', [b.op('Where', [positive, x, curved]), b.scalar(gamma, dtype)]);
    },
  };
}

/**
 * Min and Max of several inputs: which input each output element takes (the first of tied ones, as their
 * gradient routes it), computed by the capture model itself so that broadcasting follows onnxruntime's; the
 * frozen model takes it again.
 */
export function selectionKink(ctx: KinkContext): Kink | undefined {
  const node = ctx.node;
  const n = node.inputs.length;
  if (n < 2 || floatInput(ctx) === undefined) return undefined;
  return {
    capture: (captured: Node, b) => {
      const y = captured.outputs[0];
      const masks: string[] = [];
      let taken: string | undefined;
      for (let i = 0; i < n - 1; i++) {
        let m = floatEqual(b, ctx.opset, captured.inputs[i], y);
        if (taken !== undefined) m = b.op('And', [m, b.op('Not', [taken])]);
        taken = taken === undefined ? m : b.op('Or', [taken, m]);
        masks.push(m);
      }
      return masks;
    },
    inputs: new Array<DType>(n - 1).fill('bool'),
    feeds: (captured) => captured,
    emit: (b, masks, write) => {
      // Where(m0, x0, Where(m1, x1, ... x_last)): the innermost node writes nothing of the original's.
      let value = node.inputs[n - 1];
      for (let i = n - 2; i >= 0; i--) {
        if (i === 0) write('Where', [masks[i], node.inputs[i], value]);
        else {
          const inner = b.fresh(`${node.name}_select`);
          write('Where', [masks[i], node.inputs[i], value], new Map(), [inner]);
          value = inner;
        }
      }
    },
  };
}

/** Clip: y = x inside [lo, hi], lo below, hi above (bounds are scalars: inputs from opset 11, attributes before). */
export function clipKink(ctx: KinkContext): Kink | undefined {
  const dtype = floatInput(ctx);
  if (dtype === undefined) return undefined;
  const { node, opset } = ctx;
  const bound = (i: number) => (opset >= 11 && node.inputs[i] !== undefined && node.inputs[i] !== '' ? node.inputs[i] : undefined);
  const [lo, hi] = [bound(1), bound(2)];
  const minAttr = ctx.attr.float('min', LOWEST_FLOAT32);
  const maxAttr = ctx.attr.float('max', -LOWEST_FLOAT32);
  return {
    capture: () => [node.inputs[0], ...(lo ? [lo] : []), ...(hi ? [hi] : [])],
    inputs: [dtype, dtype, dtype],
    feeds: ([x, ...bounds]) => {
      const low = opset >= 11 ? (lo ? toNumbers(bounds.shift()!)[0] : -Infinity) : minAttr;
      const high = opset >= 11 ? (hi ? toNumbers(bounds.shift()!)[0] : Infinity) : maxAttr;
      return [mapTensor(x, (v) => (v >= low && v <= high ? 1 : 0)), mapTensor(x, (v) => (v < low ? 1 : 0)), mapTensor(x, (v) => (v > high && v >= low ? 1 : 0))];
    },
    emit: (b, [inside, below, above], write) => {
      const lowValue = opset >= 11 ? lo : b.scalar(minAttr, dtype);
      const highValue = opset >= 11 ? hi : b.scalar(maxAttr, dtype);
      const terms = [b.op('Mul', [node.inputs[0], inside])];
      if (lowValue) terms.push(b.op('Mul', [lowValue, below]));
      if (highValue) terms.push(b.op('Mul', [highValue, above]));
      write('Sum', terms);
    },
  };
}
