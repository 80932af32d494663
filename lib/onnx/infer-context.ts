/**
 * The InferContext an operator definition reads its node's input types and constant values through,
 * over a map of the types inferred so far (used by inference and by the autodiff to read forward types).
 */
import { LpcError } from '../errors.js';
import { isIntegral } from './dtype.js';
import { describeNode, type Node } from './ir.js';
import { attrReader } from './ops/support/attrs.js';
import type { InferContext, ValueType } from './ops/types.js';
import { toNumbers, tensorOf } from './tensor.js';

/** Inferred types by value name. */
export type TypeMap = Map<string, ValueType>;

/** The InferContext of one node over a type map (also used by the autodiff to read forward types). */
export function makeInferContext(node: Node, opset: number, types: TypeMap): InferContext {
  const where = () => `node ${describeNode(node)} at opset ${opset}`;
  const ctx: InferContext = {
    node,
    opset,
    attr: attrReader(node),
    inputCount: node.inputs.length,
    has: (i) => i < node.inputs.length && node.inputs[i] !== '',
    type: (i) => {
      if (!ctx.has(i)) ctx.fail(`input ${i} is required`);
      return types.get(node.inputs[i]) ?? { dtype: undefined, shape: null };
    },
    constant: (i) => {
      if (!ctx.has(i)) return undefined;
      const t = ctx.type(i);
      if (t.constant) return t.constant;
      if (t.value && t.dtype && t.shape && t.value.every((v) => typeof v === 'number')) {
        return tensorOf(t.dtype, t.shape as number[], t.value as number[]);
      }
      return undefined;
    },
    ints: (i) => {
      if (!ctx.has(i)) return undefined;
      const t = ctx.type(i);
      if (t.value && t.value.every((v) => typeof v === 'number')) return t.value as number[];
      if (t.constant && isIntegral(t.constant.dtype)) return toNumbers(t.constant);
      return undefined;
    },
    fail: (message) => {
      throw new LpcError('LPC_SHAPE_MISMATCH', `${where()}: ${message}`);
    },
    unsupported: (message) => {
      throw new LpcError('LPC_UNSUPPORTED_OP', `${where()}: ${message}`);
    },
  };
  return ctx;
}
