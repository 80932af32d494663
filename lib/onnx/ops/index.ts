/**
 * The operator registry: every ONNX operator the toolkit infers shapes for and differentiates.
 *
 * How to add an operator family (e.g. convolutions):
 *   1. Create `lib/onnx/ops/<family>.ts` exporting `export const <family>Ops: OpDef[] = [...]`, one OpDef per
 *      operator (see types.ts): the opsets it handles, every attribute it accepts (others are refused with
 *      LPC_UNSUPPORTED_OP), input/output counts, `infer` (output dtypes and symbolic shapes; use the helpers in
 *      shape-utils.ts and read shape-carrying inputs with ctx.ints), which inputs are differentiable, and
 *      `grad`, which emits standard ONNX operators through ctx.b (a GraphBuilder whose helpers write
 *      Squeeze/ReduceSum/Slice/Pad/Split in the form the model's opset needs). Use ctx.unbroadcast for
 *      broadcasting inputs and ctx.scale to keep uniform gradients symbolic.
 *   2. Add one line to FAMILIES below.
 *   3. Add `test/onnx/ops-<family>.test.ts` that builds one small model per operator and attribute variant
 *      with `opModel` and checks it with `expectGradOk` (test/onnx/support.ts, which runs lib/onnx/check-grad.ts:
 *      float64 where onnxruntime has double kernels for the whole graph, float32 otherwise, e.g. for Conv),
 *      across the opsets whose signatures differ. Inference-only checks use inferTypes (lib/onnx/infer.ts).
 * An operator may have several definitions covering disjoint opset ranges; the one whose range holds the
 * model's opset is used.
 */
import { LpcError } from '../../errors.js';
import { describeNode, type Node } from '../ir.js';
import { activationOps } from './activation.js';
import { arithmeticOps } from './arithmetic.js';
import { batchNormOps } from './batchnorm.js';
import { constantOps } from './constants.js';
import { convOps } from './conv.js';
import { einsumOps } from './einsum.js';
import { linalgOps } from './linalg.js';
import { logicOps } from './logic.js';
import { normalizationOps } from './normalization.js';
import { padOps } from './pad.js';
import { poolOps } from './pool.js';
import { rangeOps } from './range.js';
import { rankingOps } from './ranking.js';
import { reduceOps } from './reduce.js';
import { reshapeOps } from './reshape.js';
import { resizeOps } from './resize.js';
import { slicingOps } from './slicing.js';
import { softmaxOps } from './softmax.js';
import { spaceDepthOps } from './space-depth.js';
import { stepwiseOps } from './stepwise.js';
import { triluOps } from './trilu.js';
import type { OpDef } from './types.js';
import { unaryOps } from './unary.js';

const FAMILIES: readonly (readonly OpDef[])[] = [
  arithmeticOps, // Add Sub Mul Div Pow Min Max Sum Mean Where
  unaryOps, // Neg Sqrt Reciprocal Exp Log Abs Erf Sin Cos Identity Dropout Cast CastLike
  activationOps, // Relu LeakyRelu PRelu Elu Selu Sigmoid HardSigmoid HardSwish Tanh Softplus Softsign Mish Gelu Clip
  linalgOps, // Gemm MatMul
  reshapeOps, // Shape Size Reshape Flatten Squeeze Unsqueeze Transpose Expand Tile
  slicingOps, // Gather Slice Concat Split
  constantOps, // Constant ConstantOfShape
  logicOps, // comparisons and boolean ops (no gradient: they cut paths)
  reduceOps, // ReduceSum ReduceSumSquare ReduceMean ReduceMax ReduceMin ReduceL2 ReduceProd ReduceLogSumExp
  softmaxOps, // Softmax LogSoftmax
  batchNormOps, // BatchNormalization
  normalizationOps, // InstanceNormalization LayerNormalization GroupNormalization
  convOps, // Conv ConvTranspose
  poolOps, // MaxPool AveragePool GlobalAveragePool GlobalMaxPool
  padOps, // Pad
  resizeOps, // Resize Upsample
  spaceDepthOps, // DepthToSpace SpaceToDepth
  triluOps, // Trilu
  rangeOps, // Range
  einsumOps, // Einsum
  stepwiseOps, // Floor Ceil Round Sign (piecewise constant: they cut paths)
  rankingOps, // ArgMax ArgMin (integer outputs) TopK
];

export { MAX_OPSET, MIN_OPSET } from './support/opsets.js';

const registry = new Map<string, OpDef[]>();
for (const family of FAMILIES) {
  for (const def of family) {
    const list = registry.get(def.opType) ?? [];
    if (list.some((d) => d.opsets[0] <= def.opsets[1] && def.opsets[0] <= d.opsets[1])) {
      throw new Error(`two definitions of ${def.opType} cover overlapping opsets`);
    }
    list.push(def);
    registry.set(def.opType, list);
  }
}

/** The operators whose definitions declare a kink (branch selections frozen by gradient checks), sorted. */
export function kinkedOps(): string[] {
  return [...registry.entries()]
    .filter(([, defs]) => defs.some((d) => d.kink !== undefined))
    .map(([opType]) => opType)
    .sort();
}

/** The operator types in the registry, sorted. */
export function supportedOps(): string[] {
  return [...registry.keys()].sort();
}

/** The definition handling `node` at `opset`, or undefined. */
export function findOp(node: Node, opset: number): OpDef | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  return registry.get(node.opType)?.find((d) => d.opsets[0] <= opset && opset <= d.opsets[1]);
}

/**
 * The definition handling `node`, after checking its attributes and input/output counts.
 * Throws LPC_UNSUPPORTED_OP naming the operator, node, opset and what is supported.
 */
export function requireOp(node: Node, opset: number): OpDef {
  const where = `node ${describeNode(node)} at opset ${opset}`;
  if (node.domain !== '' && node.domain !== 'ai.onnx') {
    throw new LpcError('LPC_UNSUPPORTED_OP', `operator ${node.domain}.${node.opType} (${where}) is not supported: only the default ONNX domain is; supported operators: ${supportedOps().join(', ')}`);
  }
  const defs = registry.get(node.opType);
  if (defs === undefined) {
    throw new LpcError('LPC_UNSUPPORTED_OP', `operator ${node.opType} (${where}) is not supported; supported operators: ${supportedOps().join(', ')}`);
  }
  const def = defs.find((d) => d.opsets[0] <= opset && opset <= d.opsets[1]);
  if (def === undefined) {
    const ranges = defs.map((d) => `${d.opsets[0]}-${d.opsets[1]}`).join(', ');
    throw new LpcError('LPC_UNSUPPORTED_OP', `operator ${node.opType} (${where}) is supported at opsets ${ranges} only`);
  }
  for (const [name, attr] of node.attrs) {
    const spec = def.attributes[name];
    const inRange = spec !== undefined && (spec.opsets === undefined || (spec.opsets[0] <= opset && opset <= spec.opsets[1]));
    if (!inRange) {
      const known = Object.keys(def.attributes);
      throw new LpcError('LPC_UNSUPPORTED_OP', `attribute '${name}' of ${where} is not supported; ${node.opType} accepts ${known.length > 0 ? known.join(', ') : 'no attributes'}`);
    }
    if (attr.kind !== spec.kind) {
      throw new LpcError('LPC_INVALID_MODEL', `attribute '${name}' of ${where} is ${attr.kind}; expected ${spec.kind}`);
    }
    if (spec.values !== undefined && (attr.kind === 'int' || attr.kind === 'string') && !spec.values.includes(attr.value)) {
      throw new LpcError(
        'LPC_UNSUPPORTED_OP',
        `attribute ${name}=${JSON.stringify(attr.value)} of ${where} is not supported; supported values: ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    }
  }
  const [minIn, maxIn] = def.inputs;
  if (node.inputs.length < minIn || node.inputs.length > maxIn) {
    throw new LpcError('LPC_INVALID_MODEL', `${where} has ${node.inputs.length} inputs; ${node.opType} takes ${minIn === maxIn ? minIn : `${minIn} to ${maxIn}`}`);
  }
  const [minOut, maxOut] = def.outputs;
  if (node.outputs.length < minOut || node.outputs.length > maxOut) {
    throw new LpcError('LPC_INVALID_MODEL', `${where} has ${node.outputs.length} outputs; ${node.opType} gives ${minOut === maxOut ? minOut : `${minOut} to ${maxOut}`}`);
  }
  return def;
}

/** The operator definition type, re-exported for family files. */
export type { OpDef } from './types.js';
