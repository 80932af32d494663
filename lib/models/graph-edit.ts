/**
 * Edits that composing graphs needs: renaming values, and moving a network's values out of the way of the
 * names a composed graph reserves for its own inputs and outputs.
 */
import { LpcError } from '../errors.js';
import type { Graph, Model } from '../onnx/ir.js';

/** Renames value `from` to `to` in node inputs and outputs, graph inputs, outputs, initializers and value_info. */
export function renameValue(graph: Graph, from: string, to: string): void {
  if (from === to) return;
  for (const n of graph.nodes) {
    n.inputs = n.inputs.map((v) => (v === from ? to : v));
    n.outputs = n.outputs.map((v) => (v === from ? to : v));
  }
  for (const v of [...graph.inputs, ...graph.outputs]) if (v.name === from) v.name = to;
  const t = graph.initializers.get(from);
  if (t !== undefined) {
    graph.initializers.delete(from);
    graph.initializers.set(to, t);
  }
  const info = graph.valueInfo.get(from);
  if (info !== undefined) {
    graph.valueInfo.delete(from);
    graph.valueInfo.set(to, { ...info, name: to });
  }
}

/** Every value name the graph uses. */
function valueNames(graph: Graph): Set<string> {
  const names = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.outputs.map((v) => v.name), ...graph.initializers.keys(), ...graph.valueInfo.keys()]);
  for (const n of graph.nodes) for (const v of [...n.inputs, ...n.outputs]) if (v !== '') names.add(v);
  return names;
}

/**
 * Renames the values of `model` that a composed graph reserves (exact names, or names starting with one of
 * `prefixes`) to fresh ones, and returns the renames. Parameters keep their names (they are the public
 * names of gradients and exports): a parameter with a reserved name is refused with LPC_INVALID_MODEL.
 */
export function freeReservedNames(model: Model, reserved: readonly string[], prefixes: readonly string[], parameters: ReadonlySet<string>): Map<string, string> {
  const g = model.graph;
  const names = valueNames(g);
  const isReserved = (v: string) => reserved.includes(v) || prefixes.some((p) => v.startsWith(p));
  const renames = new Map<string, string>();
  for (const v of names) {
    if (!isReserved(v)) continue;
    if (parameters.has(v))
      throw new LpcError('LPC_INVALID_MODEL', `parameter '${v}' has a name the composed graph reserves (${reserved.join(', ')}, ${prefixes.map((p) => `${p}*`).join(', ')}); rename it in the model`);
    let k = 1;
    let fresh = `orig/${v}`;
    while (names.has(fresh)) fresh = `orig/${v}_${++k}`;
    names.add(fresh);
    renameValue(g, v, fresh);
    renames.set(v, fresh);
  }
  return renames;
}
