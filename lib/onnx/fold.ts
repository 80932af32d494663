/**
 * Constant folding of shape subgraphs: a node whose integer outputs inference fully knows (Shape of a
 * static tensor, Gather/Unsqueeze/Concat on such shapes, arithmetic on them) is replaced by initializers,
 * and the nodes that only fed it are removed. Values that depend on a dynamic dimension keep their nodes,
 * so a dynamic batch dimension stays dynamic. Floating-point values are never folded: they may depend on
 * trainable parameters.
 */
import { isIntegral } from './dtype.js';
import { inferTypes } from './infer.js';
import type { Model } from './ir.js';
import { removeDeadNodes } from './topo.js';

/**
 * Folds what can be folded, in place. Returns the number of nodes replaced by constants.
 *
 * @example
 * foldConstants(model); // Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) keeps only Reshape's dynamic part
 */
export function foldConstants(model: Model): number {
  const g = model.graph;
  const types = inferTypes(model, { strict: () => false });
  const outputs = new Set(g.outputs.map((o) => o.name));
  let folded = 0;
  g.nodes = g.nodes.filter((node) => {
    if (node.opType === 'Constant' || node.outputs.length === 0) return true;
    const known = node.outputs.map((o) => {
      const t = o === '' ? undefined : types.get(o);
      return t?.constant !== undefined && isIntegral(t.constant.dtype) && !outputs.has(o) ? t.constant : undefined;
    });
    if (known.some((t, i) => t === undefined && node.outputs[i] !== '')) return true;
    node.outputs.forEach((o, i) => o !== '' && g.initializers.set(o, known[i]!));
    folded++;
    return false;
  });
  if (folded > 0) removeDeadNodes(g);
  return folded;
}
