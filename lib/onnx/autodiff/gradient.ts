/**
 * Reverse-mode automatic differentiation of ONNX graphs into ONNX graphs.
 *
 * The emitted model computes, in one run, the forward outputs and the requested gradients, sharing the
 * forward activations. Gradients flow only along floating-point values and through the inputs each
 * operator declares differentiable, so shape arithmetic, integer tensors, comparisons and piecewise constant
 * operators (Floor, ArgMax) are cut, and what lies only beyond such a cut contributes a zero gradient (its
 * operators need not even be supported); a value read by several nodes receives the sum of their contributions.
 */
import { LpcError } from '../../errors.js';
import { GraphBuilder } from '../builder.js';
import { readValues } from '../captures.js';
import { isFloat } from '../dtype.js';
import { foldConstants } from '../fold.js';
import { inferTypes, makeInferContext } from '../infer.js';
import { describeNode, type Model, type Node } from '../ir.js';
import { findOp } from '../ops/index.js';
import type { Grad, GradRule } from '../ops/types.js';
import { promoteParameters } from '../params.js';
import { removeDeadNodes, sortNodes } from '../topo.js';
import { makeGradContext, GradSession } from './context.js';
import { rewriteSoftplus } from './rewrite.js';

/** What to differentiate, and with respect to what. */
export interface GradientRequest {
  /** A float output holding one objective per sample (e.g. `energy` [N]); gradients are of its sum. */
  objective?: string;
  /** Float outputs that receive upstream gradients as new inputs `grad_in/<output>` (a vector-Jacobian product). */
  vjp?: readonly string[];
  /** Graph inputs to differentiate with respect to; their gradients are outputs `grad_<input>`. */
  inputs?: readonly string[];
  /** Parameters (float initializers) to differentiate; they become inputs, their gradients outputs `grad/<name>`. */
  params?: readonly string[];
  /** Parameters to feed as inputs without differentiating them (all others stay initializers, frozen). */
  feedParams?: readonly string[];
  /**
   * Values whose gradient is cut: they are treated as constants (stop-gradient), so nothing flows through
   * them to what they depend on. E.g. the batch variance of the optimal-sigma Gaussian likelihood.
   */
  stopGradient?: readonly string[];
  /** Gradient rules replacing the registry's, by op type (tests use this to inject a wrong rule). */
  overrides?: Readonly<Record<string, GradRule>>;
}

/** The gradient model and the names of what it computes. */
export interface GradientModel {
  model: Model;
  /** wrt input or parameter name -> gradient output name. */
  gradients: Map<string, string>;
  /** vjp output name -> upstream-gradient input name. */
  upstream: Map<string, string>;
}

/** The output name of the gradient of graph input `input`. */
export const inputGradName = (input: string) => `grad_${input}`;
/** The output name of the gradient of parameter `param`. */
export const paramGradName = (param: string) => `grad/${param}`;
/** The input name of the upstream gradient of output `output` in a vector-Jacobian product. */
export const upstreamName = (output: string) => `grad_in/${output}`;

/**
 * Builds one model computing the forward outputs and the requested gradients.
 *
 * @example
 * const { model: energyGrad } = buildGradientModel(energyModel, { objective: 'energy', inputs: ['z'], feedParams: params.names });
 * const session = await ort.InferenceSession.create(writeModel(energyGrad), { graphOptimizationLevel: 'all' });
 * // outputs: energy [N], grad_z [N, d]
 */
export function buildGradientModel(forward: Model, request: GradientRequest): GradientModel {
  const model = forward.clone();
  const graph = model.graph;
  const inputs = [...(request.inputs ?? [])];
  const params = [...(request.params ?? [])];
  const vjp = [...(request.vjp ?? [])];
  if (request.objective === undefined && vjp.length === 0) throw new LpcError('LPC_INVALID_ARGUMENT', 'a gradient request needs an objective or vjp outputs');
  if (inputs.length + params.length === 0) throw new LpcError('LPC_INVALID_ARGUMENT', 'a gradient request needs inputs or params to differentiate with respect to');
  for (const name of inputs) {
    if (!graph.input(name) || graph.initializers.has(name)) throw new LpcError('LPC_NOT_FOUND', `'${name}' is not a graph input (inputs: ${graph.inputs.map((v) => v.name).join(', ')})`);
  }
  promoteParameters(model, [...new Set([...params, ...(request.feedParams ?? [])])]);
  foldConstants(model);
  const targets = [...(request.objective !== undefined ? [request.objective] : []), ...vjp];
  for (const t of targets) if (!graph.output(t)) throw new LpcError('LPC_NOT_FOUND', `'${t}' is not a graph output (outputs: ${graph.outputs.map((v) => v.name).join(', ')})`);

  const nodes = sortNodes(graph);
  const wrt = [...inputs, ...params];
  const stopped = new Set(request.stopGradient ?? []);
  const known = new Set([...graph.inputs.map((v) => v.name), ...graph.initializers.keys(), ...nodes.flatMap((n) => n.outputs)]);
  for (const name of stopped) if (!known.has(name)) throw new LpcError('LPC_NOT_FOUND', `stop-gradient value '${name}' is not a value of the graph`);
  for (const name of wrt) if (stopped.has(name)) throw new LpcError('LPC_INVALID_ARGUMENT', `'${name}' is both differentiated and stop-gradient`);
  // A tolerant first pass finds the integer and boolean values: a node that the differentiated values reach
  // only through them (shape arithmetic, indices, masks) carries no gradient, so its operator need not be known.
  const loose = inferTypes(model, { strict: () => false });
  const onPath = structuralPath(nodes, wrt, targets, (v) => {
    const dtype = loose.get(v)?.dtype;
    return dtype === undefined || isFloat(dtype);
  });
  const types = inferTypes(model, { strict: (n) => onPath.has(n) });
  for (const name of [...wrt, ...targets]) {
    const dtype = types.get(name)?.dtype;
    if (!isFloat(dtype)) throw new LpcError('LPC_INVALID_ARGUMENT', `'${name}' has element type ${dtype ?? 'unknown'}; gradients need floating-point values`);
  }
  const diffInputs = new Map<Node, Set<number>>();
  for (const n of nodes) {
    if (!onPath.has(n)) continue;
    const def = findOp(n, model.opset);
    const d = def?.differentiable ?? [];
    diffInputs.set(n, new Set(typeof d === 'function' ? d(makeInferContext(n, model.opset, types)) : d));
  }
  const need = neededValues(nodes, wrt, targets, diffInputs, (v) => isFloat(types.get(v)?.dtype) && !stopped.has(v));

  const b = new GraphBuilder(model, 'grad/');
  const session = new GradSession(b, types);
  const contributions = new Map<string, Grad[]>();
  const add = (value: string, g: Grad) => contributions.set(value, [...(contributions.get(value) ?? []), g]);
  if (request.objective !== undefined) add(request.objective, { uniform: 1, like: request.objective });
  const upstream = new Map<string, string>();
  for (const o of vjp) {
    const t = types.get(o);
    const name = b.input(upstreamName(o), t?.dtype ?? 'float32', t?.shape ?? null);
    upstream.set(o, name);
    add(o, name);
  }

  for (const node of [...nodes].reverse()) {
    if (!node.outputs.some((o) => need.has(o) && contributions.has(o))) continue;
    const diff = diffInputs.get(node) ?? new Set<number>();
    const needed = (i: number) => diff.has(i) && need.has(node.inputs[i]);
    if (!node.inputs.some((_, i) => needed(i))) continue;
    const rule = request.overrides?.[node.opType] ?? findOp(node, model.opset)?.grad;
    if (rule === undefined) throw new LpcError('LPC_UNSUPPORTED_OP', `node ${describeNode(node)} at opset ${model.opset} has no gradient rule`);
    const dOut = node.outputs.map((o) => (need.has(o) ? sumGrads(session, contributions.get(o)) : undefined));
    const dIn = rule(makeGradContext(session, node, model.opset, needed), dOut);
    node.inputs.forEach((input, i) => {
      const g = dIn[i];
      if (needed(i) && g !== undefined) add(input, g);
    });
  }

  const gradients = new Map<string, string>();
  for (const name of wrt) {
    const g = sumGrads(session, contributions.get(name));
    const value = g === undefined ? session.filled(0, name) : session.tensor(g);
    const t = types.get(name);
    const out = b.output(value, params.includes(name) ? paramGradName(name) : inputGradName(name), t?.dtype, t?.shape ?? null);
    gradients.set(name, out);
  }
  rewriteSoftplus(model);
  removeDeadNodes(graph);
  graph.nodes = sortNodes(graph);
  return { model, gradients, upstream };
}

/**
 * Nodes that lie on some path from a wrt value to a target along values that may be floats (`floatish`: float
 * or of unknown type): these must be supported. A node whose subgraph reads a value on the path is on it too,
 * so a branch that captures z is refused, not skipped.
 */
function structuralPath(nodes: Node[], wrt: string[], targets: string[], floatish: (value: string) => boolean): Set<Node> {
  const from = new Set(wrt);
  const forward = new Set<Node>();
  for (const n of nodes) {
    if (readValues(n).some((i) => from.has(i))) {
      forward.add(n);
      n.outputs.forEach((o) => floatish(o) && from.add(o));
    }
  }
  const to = new Set(targets);
  const path = new Set<Node>();
  for (const n of [...nodes].reverse()) {
    if (forward.has(n) && n.outputs.some((o) => to.has(o))) {
      path.add(n);
      readValues(n).forEach((i) => to.add(i));
    }
  }
  return path;
}

/** Values that carry gradients (float, not stop-gradient), depend on a wrt value through differentiable inputs and reach a target. */
function neededValues(nodes: Node[], wrt: string[], targets: string[], diff: Map<Node, Set<number>>, carries: (v: string) => boolean): Set<string> {
  const active = new Set(wrt);
  for (const n of nodes) {
    const d = diff.get(n);
    if (d === undefined) continue;
    if (n.inputs.some((input, i) => d.has(i) && active.has(input))) n.outputs.forEach((o) => o !== '' && carries(o) && active.add(o));
  }
  const useful = new Set(targets.filter((t) => active.has(t)));
  for (const n of [...nodes].reverse()) {
    const d = diff.get(n);
    if (d === undefined || !n.outputs.some((o) => useful.has(o))) continue;
    n.inputs.forEach((input, i) => d.has(i) && active.has(input) && useful.add(input));
  }
  return useful;
}

/** The sum of a value's gradient contributions (uniform ones fold into one scalar, negated ones are subtracted). */
function sumGrads(session: GradSession, list: Grad[] | undefined): Grad | undefined {
  if (list === undefined || list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  const tensors = list.filter((g): g is string => typeof g === 'string');
  const uniforms = list.filter((g): g is { uniform: number; like: string } => typeof g !== 'string');
  const c = uniforms.reduce((s, g) => s + g.uniform, 0);
  if (tensors.length === 0) return { uniform: c, like: uniforms[0].like };
  const b = session.b;
  const plus = tensors.filter((t) => !session.negations.has(t));
  const minus = tensors.filter((t) => session.negations.has(t)).map((t) => session.negations.get(t) as string);
  const total = (ts: string[]) => (ts.length === 1 ? ts[0] : ts.length === 2 ? b.op('Add', ts) : b.op('Sum', ts));
  let sum = plus.length === 0 ? session.neg(total(minus)) : minus.length === 0 ? total(plus) : b.op('Sub', [total(plus), total(minus)]);
  // Tensor contributions have the value's full shape, so a scalar constant broadcasts correctly.
  if (uniforms.length > 0 && c !== 0) sum = b.op('Add', [sum, b.scalar(c, session.floatType(uniforms[0].like))]);
  return sum;
}
