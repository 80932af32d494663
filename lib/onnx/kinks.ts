/**
 * Kink freezing for gradient checks. Piecewise-linear operators select one branch per element (which side
 * of a ReLU, which tap of a max-pooling window); a finite-difference step that moves any element across a
 * kink errs by the jump, and in a ReLU conv net with thousands of units most steps float32 allows do
 * (measured: relative errors of 1e-3 to 4e-2 on correct rules for 28x28 encoders). The frozen model takes
 * every selection as an extra input, fed with the branch taken at the base point: it equals the model on
 * the base point's linear region, has the same gradient there, and is smooth across the kinks, so its
 * central differences test the gradient rules without kink error. The selections themselves (ReLU's mask,
 * MaxPool's first maximum) are checked by the operators' own tests.
 *
 * Frozen: Relu, LeakyRelu, Abs, HardSigmoid, Clip, Elu and Selu (which branch of 0), Min and Max (which
 * input, ties to the first, as their gradient rule routes them), MaxPool (row-major Indices) and Where's
 * condition. Elu with alpha != 1, Selu and Max have jumps in slope; left unfrozen, correct 28x28 conv decoders
 * with such units failed the check (Elu 1.07, Max 1.53 of its tolerance; Selu 0.64), frozen they measure
 * 0.06-0.16, as with ReLU.
 */
import { GraphBuilder } from './builder.js';
import { isFloat, type DType } from './dtype.js';
import { inferTypes, type TypeMap } from './infer.js';
import type { Attribute, Model, Node } from './ir.js';
import { makeTensor, toNumbers, type Tensor } from './tensor.js';
import { sortNodes } from './topo.js';

/** A model whose selections are fed, and how to feed them. */
export interface FrozenKinks {
  /** The model plus outputs capturing what each selection depends on (the same inputs as the model). */
  capture: Model;
  /** The names of those extra outputs. */
  captured: string[];
  /** The model with every selection read from extra inputs (the model itself when it has no kinks). */
  frozen: Model;
  /** The frozen model's extra inputs, from a run of `capture` at the base point. */
  feeds(base: Record<string, Tensor>): Record<string, Tensor>;
}

/** One frozen node: what to capture, and its replacement fed with the selections. */
interface Kink {
  /** Names of the values to capture, in the capture model (may add an output to the node there). */
  capture(node: Node, b: GraphBuilder): string[];
  /** Element types of the selections (extra inputs of the frozen model). */
  inputs: DType[];
  /** The selections from the captured values. */
  feeds(captured: Tensor[]): Tensor[];
  /** Emits the replacement given the selection inputs' names; `write` makes the node that writes the outputs. */
  emit(b: GraphBuilder, selections: string[], write: Writer): void;
}

/** Appends a node writing the replaced node's outputs (by default all of them) under its name. */
type Writer = (opType: string, inputs: string[], attrs?: Map<string, Attribute>, outputs?: string[]) => void;

const LOWEST = -3.4028234663852886e38;

/** A tensor shaped like t of f applied elementwise, in t's float type. */
function mapTensor(t: Tensor, f: (v: number) => number): Tensor {
  const src = t.data as Float32Array | Float64Array;
  const out = t.dtype === 'float64' ? new Float64Array(src.length) : new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return makeTensor(t.dtype === 'float64' ? 'float64' : 'float32', t.dims, out);
}

/** An elementwise selection: y = x * factor(x0). */
function scaling(node: Node, dtype: DType, factor: (v: number) => number): Kink {
  return {
    capture: () => [node.inputs[0]],
    inputs: [dtype],
    feeds: ([x]) => [mapTensor(x, factor)],
    emit: (_b, [m], write) => write('Mul', [node.inputs[0], m]),
  };
}

function freezer(node: Node, opset: number, types: TypeMap): Kink | undefined {
  const dtype = types.get(node.inputs[0] ?? '')?.dtype;
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  if (node.opType === 'Where' && isFloat(types.get(node.outputs[0])?.dtype)) {
    return {
      capture: () => [node.inputs[0]],
      inputs: ['bool'],
      feeds: (captured) => captured,
      emit: (_b, [c], write) => write('Where', [c, node.inputs[1], node.inputs[2]]),
    };
  }
  if (dtype === undefined || !isFloat(dtype)) return undefined;
  const attr = (name: string, fallback: number) => {
    const a = node.attrs.get(name);
    return a?.kind === 'float' ? a.value : fallback;
  };
  switch (node.opType) {
    case 'Relu':
      return scaling(node, dtype, (v) => (v > 0 ? 1 : 0));
    case 'LeakyRelu':
      return scaling(node, dtype, (v) => (v > 0 ? 1 : attr('alpha', 0.01)));
    case 'Abs':
      return scaling(node, dtype, Math.sign);
    case 'HardSigmoid': {
      const [alpha, beta] = [attr('alpha', 0.2), attr('beta', 0.5)];
      return {
        capture: () => [node.inputs[0]],
        inputs: [dtype, dtype],
        feeds: ([x]) => [mapTensor(x, (v) => (alpha * v + beta > 0 && alpha * v + beta < 1 ? 1 : 0)), mapTensor(x, (v) => (alpha * v + beta >= 1 ? 1 : 0))],
        emit: (b, [inside, above], write) => {
          const line = b.op('Add', [b.op('Mul', [node.inputs[0], b.scalar(alpha, dtype)]), b.scalar(beta, dtype)]);
          write('Add', [b.op('Mul', [line, inside]), above]);
        },
      };
    }
    case 'Clip':
      return clipKink(node, opset, dtype, attr);
    case 'Elu':
      return exponentialKink(node, dtype, attr('alpha', 1), 1);
    case 'Selu':
      return exponentialKink(node, dtype, attr('alpha', 1.6732632423543772), attr('gamma', 1.0507009873554805));
    case 'Min':
    case 'Max':
      return node.inputs.length > 1 ? selectionKink(node, opset) : undefined;
    case 'MaxPool': {
      const order = node.attrs.get('storage_order');
      if (order?.kind === 'int' && order.value !== 0) return undefined;
      return {
        capture: (n, b) => {
          if (n.outputs[1] === undefined || n.outputs[1] === '') n.outputs[1] = b.fresh('kink/indices');
          return [n.outputs[1]];
        },
        inputs: ['int64'],
        feeds: (captured) => captured,
        emit: (b, [indices], write) => {
          // Indices are flat offsets into X, shaped like Y: gathering at them is the pooling, frozen.
          write('Gather', [b.reshape(node.inputs[0], [-1]), indices], new Map([['axis', { kind: 'int', value: 0 }]]), [node.outputs[0]]);
          if (node.outputs[1]) write('Identity', [indices], new Map(), [node.outputs[1]]);
        },
      };
    }
    default:
      return undefined;
  }
}

/** Elu and Selu: y = gamma x for x > 0, gamma alpha (exp(x) - 1) otherwise, with the branch taken at the base point. */
function exponentialKink(node: Node, dtype: DType, alpha: number, gamma: number): Kink {
  const x = node.inputs[0];
  return {
    capture: () => [x],
    inputs: ['bool'],
    feeds: ([t]) => {
      const v = t.data as Float32Array | Float64Array;
      return [makeTensor('bool', t.dims, Uint8Array.from(v, (a) => (a > 0 ? 1 : 0)))];
    },
    emit: (b, [positive], write) => {
      const curved = b.op('Mul', [b.op('Sub', [b.op('Exp', [x]), b.scalar(1, dtype)]), b.scalar(alpha, dtype)]);
      if (gamma === 1) write('Where', [positive, x, curved]);
      else write('Mul', [b.op('Where', [positive, x, curved]), b.scalar(gamma, dtype)]);
    },
  };
}

/** a == b on floats: Equal takes floats from opset 11 only. */
function floatEqual(b: GraphBuilder, opset: number, a: string, c: string): string {
  return opset >= 11 ? b.op('Equal', [a, c]) : b.op('Not', [b.op('Or', [b.op('Less', [a, c]), b.op('Greater', [a, c])])]);
}

/**
 * Min and Max of several inputs: which input each output element takes (the first of tied ones), computed
 * by the capture model itself so that broadcasting follows onnxruntime's; the frozen model takes it again.
 */
function selectionKink(node: Node, opset: number): Kink {
  const n = node.inputs.length;
  return {
    capture: (captured, b) => {
      const y = captured.outputs[0];
      const masks: string[] = [];
      let taken: string | undefined;
      for (let i = 0; i < n - 1; i++) {
        let m = floatEqual(b, opset, captured.inputs[i], y);
        if (taken !== undefined) m = b.op('And', [m, b.op('Not', [taken])]);
        taken = taken === undefined ? m : b.op('Or', [taken, m]);
        masks.push(m);
      }
      return masks;
    },
    inputs: new Array<DType>(n - 1).fill('bool'),
    feeds: (captured) => captured,
    emit: (_b, masks, write) => {
      // Where(m0, x0, Where(m1, x1, ... x_last)): the innermost node writes nothing of the original's.
      let value = node.inputs[n - 1];
      for (let i = n - 2; i >= 0; i--) {
        if (i === 0) write('Where', [masks[i], node.inputs[i], value]);
        else {
          const inner = _b.fresh(`${node.name}_select`);
          write('Where', [masks[i], node.inputs[i], value], new Map(), [inner]);
          value = inner;
        }
      }
    },
  };
}

/** Clip: y = x inside [lo, hi], lo below, hi above (bounds are scalars: inputs from opset 11, attributes before). */
function clipKink(node: Node, opset: number, dtype: DType, attr: (name: string, fallback: number) => number): Kink {
  const bound = (i: number) => (opset >= 11 && node.inputs[i] !== undefined && node.inputs[i] !== '' ? node.inputs[i] : undefined);
  const [lo, hi] = [bound(1), bound(2)];
  return {
    capture: () => [node.inputs[0], ...(lo ? [lo] : []), ...(hi ? [hi] : [])],
    inputs: [dtype, dtype, dtype],
    feeds: ([x, ...bounds]) => {
      const low = opset >= 11 ? (lo ? toNumbers(bounds.shift()!)[0] : -Infinity) : attr('min', LOWEST);
      const high = opset >= 11 ? (hi ? toNumbers(bounds.shift()!)[0] : Infinity) : attr('max', -LOWEST);
      return [mapTensor(x, (v) => (v >= low && v <= high ? 1 : 0)), mapTensor(x, (v) => (v < low ? 1 : 0)), mapTensor(x, (v) => (v > high && v >= low ? 1 : 0))];
    },
    emit: (b, [inside, below, above], write) => {
      const lowValue = opset >= 11 ? lo : b.scalar(attr('min', LOWEST), dtype);
      const highValue = opset >= 11 ? hi : b.scalar(attr('max', -LOWEST), dtype);
      const terms = [b.op('Mul', [node.inputs[0], inside])];
      if (lowValue) terms.push(b.op('Mul', [lowValue, below]));
      if (highValue) terms.push(b.op('Mul', [highValue, above]));
      write('Sum', terms);
    },
  };
}

/**
 * The capture and frozen forms of `model` (whose parameters to vary are already graph inputs).
 *
 * @example
 * const kinks = freezeKinks(forward);
 * const base = await runSession(captureSession, feeds, [...outputs, ...kinks.captured]);
 * const y = await runSession(frozenSession, { ...feeds, ...kinks.feeds(base) }, outputs);
 */
export function freezeKinks(model: Model): FrozenKinks {
  const types = inferTypes(model, { strict: () => false });
  const kinks = model.graph.nodes.map((n) => freezer(n, model.opset, types));
  if (kinks.every((k) => k === undefined)) return { capture: model, captured: [], frozen: model, feeds: () => ({}) };

  const capture = model.clone();
  const cb = new GraphBuilder(capture, 'kink/');
  const captured: string[][] = kinks.map((k, i) => (k === undefined ? [] : k.capture(capture.graph.nodes[i], cb).map((v, j) => cb.output(v, `kink/${i}/capture_${j}`))));

  const frozen = model.clone();
  // The replaced nodes are removed first, so that their replacements can take their names and outputs.
  frozen.graph.nodes = frozen.graph.nodes.filter((_, i) => kinks[i] === undefined);
  const fb = new GraphBuilder(frozen, 'kink/');
  const inputs = kinks.map((k, i) => {
    if (k === undefined) return [];
    const node = model.graph.nodes[i];
    const names = k.inputs.map((dtype, j) => fb.input(`kink/${i}/selection_${j}`, dtype, null));
    // Written directly: the outputs may be graph outputs, whose names the builder will not hand out again.
    let copy = 0;
    k.emit(fb, names, (opType, nodeInputs, attrs = new Map(), outputs = node.outputs) => {
      frozen.graph.nodes.push({ name: copy++ === 0 ? node.name : fb.fresh(`${node.name}_frozen`), opType, domain: '', inputs: nodeInputs, outputs: [...outputs], attrs });
    });
    return names;
  });
  frozen.graph.nodes = sortNodes(frozen.graph);

  return {
    capture,
    captured: captured.flat(),
    frozen,
    feeds: (base) => {
      const out: Record<string, Tensor> = {};
      kinks.forEach((k, i) => {
        if (k === undefined) return;
        k.feeds(captured[i].map((name) => base[name])).forEach((t, j) => (out[inputs[i][j]] = t));
      });
      return out;
    },
  };
}
