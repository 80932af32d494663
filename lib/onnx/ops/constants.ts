/**
 * Constant and ConstantOfShape. Their values are known to inference (never trainable), so they feed
 * shape folding; neither has a differentiable input.
 */
import { scalarTensor, tensorOf, type Tensor } from '../tensor.js';
import { constantType, dimProduct, MAX_VALUE_ELEMENTS, typeOf, unknownShape } from './support/shape-utils.js';
import type { InferContext, OpDef } from './types.js';
import { ALL_OPSETS, MAX_OPSET } from './support/opsets.js';

/** The tensor a Constant node holds, whichever attribute carries it. */
function constantValue(ctx: InferContext): Tensor {
  const a = ctx.attr;
  const t = a.tensor('value');
  if (t !== undefined) return t;
  if (a.has('value_float')) return scalarTensor('float32', a.float('value_float'));
  if (a.has('value_int')) return tensorOf('int64', [], [a.int('value_int')]);
  if (a.has('value_floats')) return tensorOf('float32', [a.floats('value_floats').length], a.floats('value_floats'));
  if (a.has('value_ints')) return tensorOf('int64', [a.ints('value_ints').length], a.ints('value_ints'));
  return ctx.unsupported('Constant needs a tensor, float(s) or int(s) value (sparse and string constants are not supported)');
}

/** Definitions of the constant operators. */
export const constantOps: OpDef[] = [
  {
    opType: 'Constant',
    opsets: ALL_OPSETS,
    attributes: {
      value: { kind: 'tensor' },
      value_float: { kind: 'float', opsets: [12, MAX_OPSET] },
      value_floats: { kind: 'floats', opsets: [12, MAX_OPSET] },
      value_int: { kind: 'int', opsets: [12, MAX_OPSET] },
      value_ints: { kind: 'ints', opsets: [12, MAX_OPSET] },
    },
    inputs: [0, 0],
    outputs: [1, 1],
    infer: (ctx) => [constantType(constantValue(ctx))],
    differentiable: [],
  },
  {
    opType: 'ConstantOfShape',
    opsets: ALL_OPSETS,
    attributes: { value: { kind: 'tensor' } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const fill = ctx.attr.tensor('value');
      if (fill !== undefined && fill.data.length !== 1) ctx.fail(`value must hold one element; it has ${fill.data.length}`);
      const dtype = fill === undefined ? 'float32' : fill.dtype;
      const target = ctx.type(0);
      const shape = target.value ?? (typeof target.shape?.[0] === 'number' ? unknownShape(target.shape[0]) : null);
      // A damaged or miswired shape input (a Reshape target's -1, say) would otherwise size an array with it.
      const bad = shape?.find((d) => typeof d === 'number' && !(Number.isSafeInteger(d) && d >= 0));
      if (bad !== undefined) ctx.fail(`the shape input holds ${bad}; extents must be integers >= 0`);
      const count = shape === null ? null : dimProduct(shape);
      if (shape !== null && fill !== undefined && shape.length <= 1 && count !== null && count <= MAX_VALUE_ELEMENTS) {
        const v = Number(fill.data[0]);
        return [constantType(tensorOf(dtype, shape as number[], new Array<number>(count).fill(v)))];
      }
      return [typeOf(dtype, shape)];
    },
    differentiable: [],
  },
];
