/**
 * Cutting a graph at named tensors: they become its outputs, and every node, initializer and input that does
 * not feed them is dropped. Web-demo exports often end a decoder in `Mul 255 -> Cast uint8 -> RGBA` of the
 * first image: cut at the float tensor before that, and the rest of the package sees an ordinary decoder.
 */
import { LpcError } from '../errors.js';
import { inferTypes } from './infer.js';
import type { Model, ValueInfo } from './ir.js';
import { liveValues, removeDeadNodes } from './topo.js';

/**
 * A copy of `model` whose outputs are the tensors `names`, in that order, with what does not feed them removed.
 * LPC_NOT_FOUND names a tensor the graph does not have.
 *
 * @example
 * const decoder = await loadDecoder(cutGraph(readModel(bytes), ['mean_image']), { imageShape: [1, 28, 28] });
 */
export function cutGraph(model: Model, names: readonly string[]): Model {
  if (names.length === 0) throw new LpcError('LPC_INVALID_ARGUMENT', 'cutGraph needs at least one tensor name');
  const cut = model.clone();
  const g = cut.graph;
  const known = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys(), ...g.nodes.flatMap((n) => n.outputs)]);
  for (const name of names) {
    if (!known.has(name)) {
      const candidates = g.nodes.flatMap((n) => n.outputs.filter((o) => o !== '').map((o) => `${o} (${n.opType})`));
      const listed = candidates.slice(-12).join(', ');
      throw new LpcError('LPC_NOT_FOUND', `the graph has no tensor '${name}'; the last node outputs are: ${listed}`);
    }
  }
  const types = inferTypes(model, { strict: () => false });
  g.outputs = names.map((name): ValueInfo => {
    const recorded = g.valueInfo.get(name) ?? g.outputs.find((v) => v.name === name) ?? g.input(name);
    const inferred = types.get(name);
    return { name, dtype: inferred?.dtype ?? recorded?.dtype, shape: inferred?.shape ?? recorded?.shape ?? null };
  });
  removeDeadNodes(g);
  const live = liveValues(g);
  g.inputs = g.inputs.filter((v) => live.has(v.name));
  return cut;
}
