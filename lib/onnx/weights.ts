/**
 * Which float initializers are weights. A weight reaches a graph output through inputs that operators
 * differentiate and that are not settings (OpDef.settings: BatchNormalization's running statistics, Clip's
 * bounds, Pow's exponent). Every other float initializer only configures the graph: Resize and Upsample
 * scales and roi (torch constant folding writes them as float initializers named like onnx::Resize_123),
 * Dropout's ratio, Pad's constant value, running statistics, or values no output depends on. Those are
 * frozen by default (params.ts) and inference reads their values (infer.ts), which is what lets a Resize
 * with initializer scales be shaped and differentiated.
 *
 * Nodes of operators the registry does not know count every input as a weight input (the conservative
 * reading: such a node cannot be differentiated anyway, and its initializers keep the old default).
 */
import { isFloat } from './dtype.js';
import { makeInferContext } from './infer-context.js';
import type { Model, Node } from './ir.js';
import { findOp } from './ops/index.js';
import { sortNodes } from './topo.js';

/** The inputs of `node` that carry trainable values: differentiable ones that are not settings. */
function weightInputs(node: Node, opset: number): readonly number[] {
  const def = findOp(node, opset);
  if (def === undefined) return node.inputs.map((_, i) => i);
  // The definitions' input lists depend on the node and opset only, never on types.
  const differentiable = typeof def.differentiable === 'function' ? def.differentiable(makeInferContext(node, opset, new Map())) : def.differentiable;
  const settings = def.settings ?? [];
  return differentiable.filter((i) => !settings.includes(i));
}

/**
 * The names of the model's float initializers that are weights (see the file comment).
 *
 * @example
 * weightInitializers(model).has('onnx::Resize_123'); // false: a Resize's scales are never trained
 */
export function weightInitializers(model: Model): Set<string> {
  const g = model.graph;
  const floats = [...g.initializers].filter(([name, t]) => isFloat(t.dtype) && !g.input(name)).map(([name]) => name);
  if (floats.length === 0) return new Set();
  const reaching = new Set(g.outputs.map((o) => o.name));
  for (const node of [...sortNodes(g)].reverse()) {
    if (!node.outputs.some((o) => reaching.has(o))) continue;
    for (const i of weightInputs(node, model.opset)) if (node.inputs[i]) reaching.add(node.inputs[i]);
  }
  return new Set(floats.filter((name) => reaching.has(name)));
}
