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
 * Each piecewise operator declares its kink beside its gradient (OpDef.kink in ops/types.ts); kinkedOps() lists
 * them: Relu, LeakyRelu, PRelu, Abs, HardSigmoid, HardSwish, Clip, Elu and Selu (which branch or region), Min
 * and Max (which input, ties to the first, as their gradient rule routes them), MaxPool (row-major Indices),
 * GlobalMaxPool, ReduceMax and ReduceMin (each slice's extrema), TopK (its indices), Where's condition, and the piecewise constant
 * Floor, Ceil, Round, Sign, ArgMax and ArgMin (their outputs, so that differences never meet their jumps).
 * Elu with alpha != 1, Selu and Max have jumps in slope; left unfrozen, correct 28x28 conv decoders with such
 * units failed the check (Elu 1.07, Max 1.53 of its tolerance; Selu 0.64), frozen they measure 0.06-0.16, as
 * with ReLU.
 */
import { GraphBuilder } from './builder.js';
import { inferTypes, type TypeMap } from './infer.js';
import type { Model, Node } from './ir.js';
import { findOp } from './ops/index.js';
import { attrReader } from './ops/support/attrs.js';
import type { Kink } from './ops/types.js';
import type { Tensor } from './tensor.js';
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

/** The kink the node's operator declares, if any. */
function freezer(node: Node, opset: number, types: TypeMap): Kink | undefined {
  const kink = findOp(node, opset)?.kink;
  if (kink === undefined) return undefined;
  return kink({ node, opset, attr: attrReader(node), inDtype: types.get(node.inputs[0] ?? '')?.dtype, outDtype: types.get(node.outputs[0] ?? '')?.dtype });
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
