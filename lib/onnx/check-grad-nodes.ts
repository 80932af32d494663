/**
 * check-grad --per-node: every differentiable node checked on its own. Each node becomes a one-node model
 * whose differentiable float inputs are graph inputs holding the values they take at the base point (other
 * inputs are constants), and its vector-Jacobian product against a random upstream gradient is compared with
 * finite differences by the whole-model check. A rule that is wrong only where the rest of the network hides
 * it (a branch multiplied by a zero or tiny weight) shows here, since the node's own outputs are projected.
 */
import { findOp } from './ops/index.js';
import { isFloat } from './dtype.js';
import { makeInferContext } from './infer-context.js';
import { Graph, Model, type Node } from './ir.js';
import { createSession, runSession } from './runtime.js';
import type { Tensor } from './tensor.js';
import type { inferTypes } from './infer.js';

/** What one node's check needs from the whole-model check (its own entry point, without per-node). */
export type NodeChecker = (model: Model, inputs: Record<string, Tensor>) => Promise<{ status: CheckStatus; maxRelErr: number | null }>;

/** The verdict of a check: the gradient agrees, disagrees, or the function is not finite where it was checked. */
export type CheckStatus = 'ok' | 'wrong' | 'non-finite';

/** One node's verdict. */
export interface NodeCheck {
  name: string;
  opType: string;
  status: CheckStatus;
  maxRelErr: number | null;
}

/** The indices of a node's inputs that carry gradients and are not settings, or null for a node the check skips. */
function checkedInputs(node: Node, opset: number): number[] | null {
  if (node.domain !== '' || [...node.attrs.values()].some((a) => a.kind === 'opaque')) return null;
  const def = findOp(node, opset);
  if (def?.grad === undefined) return null;
  const differentiable = typeof def.differentiable === 'function' ? def.differentiable(makeInferContext(node, opset, new Map())) : def.differentiable;
  const settings = def.settings ?? [];
  return differentiable.filter((i) => node.inputs[i] !== undefined && node.inputs[i] !== '' && !settings.includes(i));
}

/**
 * Checks every differentiable node of `model` at the base point `feeds` (the whole model's inputs, in their
 * declared types) with `check`. Nodes without float inputs to differentiate are skipped.
 */
export async function checkNodes(model: Model, types: ReturnType<typeof inferTypes>, feeds: Record<string, Tensor>, check: NodeChecker): Promise<NodeCheck[]> {
  const values = await captureValues(model, types, feeds);
  const results: NodeCheck[] = [];
  for (const [index, node] of model.graph.nodes.entries()) {
    const checked = checkedInputs(node, model.opset)?.filter((i) => isFloat(values.get(node.inputs[i])?.dtype));
    const outputs = node.outputs.filter((o) => o !== '' && isFloat(values.get(o)?.dtype));
    if (checked === undefined || checked.length === 0 || outputs.length === 0) continue;
    const one = new Model(new Graph(), model.opset, model.irVersion);
    one.opsetImports = model.opsetImports.map((o) => ({ ...o }));
    const g = one.graph;
    const inputs: Record<string, Tensor> = {};
    for (const [i, name] of node.inputs.entries()) {
      if (name === '' || inputs[name] !== undefined || g.initializers.has(name)) continue;
      const value = values.get(name)!;
      if (checked.includes(i)) {
        g.inputs.push({ name, dtype: value.dtype, shape: [...value.dims] });
        inputs[name] = value;
      } else g.initializers.set(name, value);
    }
    g.nodes = [{ ...node, attrs: new Map(node.attrs) }];
    g.outputs = outputs.map((o) => ({ name: o, dtype: values.get(o)!.dtype, shape: [...values.get(o)!.dims] }));
    const verdict = await check(one, inputs);
    results.push({ name: node.name !== '' ? node.name : `#${index}`, opType: node.opType, ...verdict });
  }
  return results;
}

/** Every value of the model at `feeds`: inputs, initializers and each node output whose type inference knows. */
async function captureValues(model: Model, types: ReturnType<typeof inferTypes>, feeds: Record<string, Tensor>): Promise<Map<string, Tensor>> {
  const values = new Map<string, Tensor>(Object.entries(feeds));
  for (const [name, t] of model.graph.initializers) values.set(name, t);
  const probe = model.clone();
  const known = new Set(probe.graph.outputs.map((o) => o.name));
  for (const node of probe.graph.nodes) {
    for (const o of node.outputs) {
      const dtype = types.get(o)?.dtype;
      if (o !== '' && !known.has(o) && dtype !== undefined) {
        probe.graph.outputs.push({ name: o, dtype, shape: null });
        known.add(o);
      }
    }
  }
  const session = await createSession(probe, { threads: 1 });
  try {
    for (const [name, t] of Object.entries(await runSession(session, feeds))) values.set(name, t);
  } finally {
    await session.release();
  }
  return values;
}
