/**
 * Shape and type inference over a whole graph: each node's definition computes its output types from its
 * inputs'; value_info recorded in the file fills what inference leaves unknown. Symbolic dims (such as a
 * dynamic 'batch_size') propagate as symbols, and the contents of small integer tensors (shapes, axes)
 * propagate as partially known values, which is what lets a Reshape whose target is computed from Shape
 * keep a dynamic batch dimension while every other dim is known.
 */
import { LpcError } from '../errors.js';
import { isIntegral } from './dtype.js';
import { describeNode, type Dim, type Model, type Node, type Shape } from './ir.js';
import { findOp, MAX_OPSET, MIN_OPSET, requireOp } from './ops/index.js';
import { sameOrderConstant } from './ops/support/constant-data.js';
import { constantType } from './ops/support/shape-utils.js';
import type { OpDef, ValueType } from './ops/types.js';
import { makeInferContext, type TypeMap } from './infer-context.js';
import { weightInitializers } from './weights.js';
import { formatDims, tensorOf, type Tensor } from './tensor.js';
import { MAX_DIM } from './tensor-proto.js';
import { sortNodes } from './topo.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

export { makeInferContext, type TypeMap } from './infer-context.js';

/** Options of inferTypes. */
export interface InferOptions {
  /**
   * Nodes that must be supported: for these an unknown operator or attribute raises LPC_UNSUPPORTED_OP.
   * Other nodes of unknown operators get the types recorded in value_info (or unknown). Default: all nodes.
   */
  strict?: (node: Node) => boolean;
}

/** Every key of InferOptions (a misspelt option is refused, not ignored). */
const INFER_KEYS = { strict: true } satisfies OptionKeys<InferOptions>;

/** Throws LPC_UNSUPPORTED_OP when the model's default opset is outside what the registry handles. */
function checkOpset(model: Model): void {
  const opset = model.opset;
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new LpcError('LPC_UNSUPPORTED_OP', `the model uses ONNX opset ${opset}; opsets ${MIN_OPSET} to ${MAX_OPSET} are supported`);
  }
}

/**
 * Infers the type of every value of the model's graph.
 *
 * @example
 * const types = inferTypes(model);
 * types.get('energy'); // { dtype: 'float32', shape: ['batch_size'] }
 */
export function inferTypes(model: Model, options: InferOptions = {}): TypeMap {
  checkKnownKeys(options, INFER_KEYS, 'inferTypes');
  checkOpset(model);
  const strict = options.strict ?? (() => true);
  const g = model.graph;
  const types: TypeMap = new Map();
  const weights = weightInitializers(model);
  for (const [name, t] of g.initializers) types.set(name, initializerType(t, weights.has(name)));
  for (const v of g.inputs) {
    // An input that shadows an initializer may be fed anything of its type: its value is not a constant.
    types.set(v.name, { dtype: v.dtype ?? types.get(v.name)?.dtype, shape: v.shape ?? types.get(v.name)?.shape ?? null });
  }
  for (const node of sortNodes(g)) {
    let def: OpDef | undefined;
    if (strict(node)) def = requireOp(node, model.opset);
    else {
      def = findOp(node, model.opset);
      if (def !== undefined) {
        try {
          requireOp(node, model.opset);
        } catch {
          def = undefined;
        }
      }
    }
    const recorded = node.outputs.map((o) => recordedType(model, o));
    if (def === undefined) {
      node.outputs.forEach((o, i) => o !== '' && types.set(o, recorded[i]));
      continue;
    }
    let out: ValueType[];
    try {
      out = def.infer(makeInferContext(node, model.opset, types));
    } catch (error) {
      // A node that need not be supported (not strict) whose form inference does not handle, e.g. a reduction
      // over axes known only at run time that the autodiff emitted, keeps its recorded types (or unknown ones).
      if (strict(node) || !(error instanceof LpcError && error.code === 'LPC_UNSUPPORTED_OP')) throw error;
      node.outputs.forEach((o, i) => o !== '' && types.set(o, recorded[i]));
      continue;
    }
    node.outputs.forEach((o, i) => {
      if (o === '') return;
      checkExtents(node, o, out[i]);
      let t = refine(node, o, out[i] ?? { dtype: undefined, shape: null }, recorded[i]);
      const c = t.constant === undefined ? sameOrderConstant(node.opType, types.get(node.inputs[0] ?? ''), t) : undefined;
      if (c !== undefined) t = constantType(c);
      types.set(o, t);
    });
  }
  return types;
}

/**
 * Refuses an inferred static extent that no tensor can have (negative, fractional or above MAX_DIM, the bound
 * on the file's own dims): damaged attributes, scales or shapes produce them, and every later step (sizes,
 * gradient constants, onnxruntime) would fail on them in its own way.
 */
function checkExtents(node: Node, name: string, t: ValueType | undefined): void {
  const bad = t?.shape?.find((d) => typeof d === 'number' && !(Number.isInteger(d) && d >= 0 && d <= MAX_DIM));
  if (bad === undefined || !t?.shape) return;
  throw new LpcError(
    'LPC_INVALID_MODEL',
    `node ${describeNode(node)}: output '${name}' would have shape ${formatDims(t.shape)}, whose extent ${bad} is outside [0, ${MAX_DIM}]; check the node's attributes and the shapes it reads`,
  );
}

function initializerType(t: Tensor, weight: boolean): ValueType {
  // Weights may be trained: inference knows their shape, never their value. Other float initializers
  // (Resize scales, BatchNormalization statistics, Clip bounds...) are frozen, and their values are known.
  return weight ? { dtype: t.dtype, shape: [...t.dims] } : constantType(t);
}

function recordedType(model: Model, name: string): ValueType {
  const v = model.graph.valueInfo.get(name) ?? model.graph.output(name);
  return { dtype: v?.dtype, shape: v?.shape ?? null };
}

/** Fills what inference left unknown from value_info, and rejects static dims that contradict it. */
function refine(node: Node, name: string, inferred: ValueType, recorded: ValueType): ValueType {
  const out: ValueType = { ...inferred, dtype: inferred.dtype ?? recorded.dtype };
  if (inferred.shape === null) out.shape = recorded.shape;
  else if (recorded.shape !== null) {
    if (recorded.shape.length !== inferred.shape.length) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `node ${describeNode(node)}: output '${name}' has inferred shape ${formatDims(inferred.shape)} but the model records ${formatDims(recorded.shape)}`);
    }
    out.shape = inferred.shape.map((d, i): Dim => {
      const r = recorded.shape?.[i] ?? null;
      if (typeof d === 'number' && typeof r === 'number' && d !== r) {
        throw new LpcError('LPC_SHAPE_MISMATCH', `node ${describeNode(node)}: output '${name}' has inferred shape ${formatDims(inferred.shape)} but the model records ${formatDims(recorded.shape)}`);
      }
      // A product of symbols inference derived (symbolic-dims.ts) yields to a symbol the model records:
      // the model's name for the same extent is the one the rest of the graph uses ('chains' = 'K*batch').
      if (typeof d === 'string' && d.includes('*') && typeof r === 'string') return r;
      return d ?? r;
    }) as Shape;
  }
  if (out.value && out.shape && out.value.every((v) => typeof v === 'number') && !out.constant && out.dtype && isIntegral(out.dtype)) {
    out.constant = tensorOf(out.dtype, out.shape as number[], out.value as number[]);
  }
  return out;
}
