/**
 * Rewrites of forward operators into faster equivalents in emitted graphs. They run after
 * differentiation, so gradients use the original operator's rule (Softplus: Sigmoid(x)), never the
 * derivative of the rewrite (which for Softplus would be wrong at x = 0).
 *
 * - Softplus(x) becomes Relu(x) - Log(Sigmoid(Abs(x))): onnxruntime's CPU Softplus is about 7x slower.
 * - A ReduceSum of Softplus over the last axis (the Bernoulli log-likelihood) becomes
 *   ReduceSum(Relu(x)) - sum_chunks Log(ReduceProd(chunk of Sigmoid(Abs(x)))): onnxruntime's Log is
 *   scalar and costs as much as the rest of the energy, and the factors lie in [1/2, 1], so products of
 *   at most 64 of them stay above 2^-64 (no underflow in float32) with a relative rounding error below
 *   64 u, as good as summing their logs one by one. Log then runs on 1/k of the elements.
 */
import { GraphBuilder } from '../builder.js';
import { inferTypes } from '../infer.js';
import type { Model, Node } from '../ir.js';
import { sortNodes } from '../topo.js';

/** Largest chunk whose product of factors in [1/2, 1] cannot underflow float32. */
const MAX_CHUNK = 64;
/** Chunks smaller than this save too little Log work to pay for the reshape and product. */
const MIN_CHUNK = 8;

/** Replaces every Softplus node by a fast form, keeping output names. Returns the number rewritten. */
export function rewriteSoftplus(model: Model): number {
  const g = model.graph;
  const targets = g.nodes.filter((n) => n.opType === 'Softplus' && (n.domain === '' || n.domain === 'ai.onnx'));
  if (targets.length === 0) return 0;
  const types = inferTypes(model, { strict: () => false });
  const consumers = g.consumers();
  const outputs = new Set(g.outputs.map((o) => o.name));
  const removed = new Set<Node>(targets);
  const b = new GraphBuilder(model, 'fast/');
  for (const n of targets) {
    const x = n.inputs[0];
    const y = n.outputs[0];
    const readers = consumers.get(y) ?? [];
    const shape = types.get(x)?.shape ?? null;
    const dtype = types.get(x)?.dtype;
    const reduce = readers.length === 1 && !outputs.has(y) ? readers[0] : undefined;
    const chunk = shape && typeof shape[shape.length - 1] === 'number' ? chunkSize(shape[shape.length - 1] as number) : 0;
    if (reduce && (dtype === 'float32' || dtype === 'float64') && chunk > 0 && reducesLastAxisOnly(reduce, shape!.length, types.get(reduce.inputs[1] ?? '')?.value, model.opset)) {
      const keepdims = reduce.attrs.get('keepdims')?.kind === 'int' ? (reduce.attrs.get('keepdims') as { value: number }).value : 1;
      const r = shape!.length;
      const extent = shape![r - 1] as number;
      const relu = b.reduce('ReduceSum', b.op('Relu', [x]), [r - 1], keepdims === 1);
      const factors = b.reshape(b.op('Sigmoid', [b.op('Abs', [x])]), [...new Array<number>(r - 1).fill(0), extent / chunk, chunk]);
      const logs = b.op('Log', [b.reduce('ReduceProd', factors, [r], false)]);
      const sum = b.reduce('ReduceSum', logs, [r - 1], keepdims === 1);
      g.nodes.push({ name: reduce.name, opType: 'Sub', domain: '', inputs: [relu, sum], outputs: [reduce.outputs[0]], attrs: new Map() });
      removed.add(reduce);
      continue;
    }
    const relu = b.op('Relu', [x]);
    const logSig = b.op('Log', [b.op('Sigmoid', [b.op('Abs', [x])])]);
    g.nodes.push({ name: n.name, opType: 'Sub', domain: '', inputs: [relu, logSig], outputs: [y], attrs: new Map() });
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  g.nodes = sortNodes(g);
  return targets.length;
}

/** The largest divisor of n in [MIN_CHUNK, MAX_CHUNK], or 0. */
function chunkSize(n: number): number {
  for (let k = Math.min(MAX_CHUNK, n); k >= MIN_CHUNK; k--) if (n % k === 0) return k;
  return 0;
}

/** True when `node` is a ReduceSum over exactly the last axis of a rank-r input. */
function reducesLastAxisOnly(node: Node, rank: number, axesValue: unknown[] | undefined, opset: number): boolean {
  if (node.opType !== 'ReduceSum' || node.attrs.has('noop_with_empty_axes')) return false;
  const axes = opset >= 13 ? axesValue : node.attrs.get('axes')?.kind === 'ints' ? (node.attrs.get('axes') as { value: number[] }).value : undefined;
  return axes !== undefined && axes.length === 1 && typeof axes[0] === 'number' && (axes[0] === rank - 1 || axes[0] === -1);
}
