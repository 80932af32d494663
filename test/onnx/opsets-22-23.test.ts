/**
 * Opsets 22 and 23 gave new versions to these registered operators only to widen their element types
 * (bfloat16 at 22; float4e2m1 and the like at 23, per the ONNX changelog). Each is run by onnxruntime at both
 * opsets and its gradient checked, with the operators around it that shape inference must carry.
 */
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../../lib/onnx/builder.js';
import { floatAttr } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { int64Vector, scalarTensor, tensorOf } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

/** x is [2, 3, 4, 4]; each case writes one output from it. */
const CASES: Record<string, (b: GraphBuilder, x: string) => string> = {
  AveragePool: (b, x) => b.op('AveragePool', [x], { kernel_shape: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1, strides: [2, 2] }),
  MaxPool: (b, x) => b.op('MaxPool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }),
  GlobalAveragePool: (b, x) => b.op('GlobalAveragePool', [x]),
  GlobalMaxPool: (b, x) => b.op('GlobalMaxPool', [x]),
  Conv: (b, x) => b.op('Conv', [x, b.initializer('w', randn([2, 3, 3, 3], 2, 0.3)), b.initializer('bias', randn([2], 3))], { pads: [1, 1, 1, 1] }),
  ConvTranspose: (b, x) => b.op('ConvTranspose', [x, b.initializer('w', randn([3, 2, 2, 2], 2, 0.3))], { strides: [2, 2] }),
  InstanceNormalization: (b, x) => b.op('InstanceNormalization', [x, b.initializer('scale', randn([3], 4)), b.initializer('bias', randn([3], 5))]),
  Dropout: (b, x) => b.op('Dropout', [x, b.constant(scalarTensor('float32', 0.5)), b.constant(tensorOf('bool', [], [0]))]),
  'Elu Selu HardSigmoid HardSwish Mish Softplus Softsign': (b, x) => {
    let h = x;
    for (const op of ['Elu', 'Selu', 'HardSwish', 'Mish', 'Softplus', 'Softsign']) h = b.op('Add', [h, b.op(op, [x])]);
    return b.op('Add', [h, b.op('HardSigmoid', [x], { alpha: floatAttr(0.3) })]);
  },
  'Sin Cos Round': (b, x) => b.op('Mul', [b.op('Add', [b.op('Sin', [x]), b.op('Cos', [x])]), b.op('Round', [x])]),
  'Cast CastLike Identity': (b, x) => b.op('CastLike', [b.op('Identity', [b.cast(x, 'float64')]), x]),
  'Shape Size ConstantOfShape Constant Reshape Flatten': (b, x) => {
    const ones = b.op('ConstantOfShape', [b.op('Shape', [x])], { value: tensorOf('float32', [1], [1]) });
    const size = b.cast(b.op('Size', [x]), 'float32');
    const flat = b.op('Flatten', [b.op('Mul', [b.op('Mul', [x, ones]), size])], { axis: 2 });
    return b.op('Reshape', [flat, b.constant(int64Vector([2, -1]))]);
  },
  'Squeeze Unsqueeze Transpose Pad': (b, x) => {
    const t = b.op('Transpose', [b.op('Squeeze', [b.op('Unsqueeze', [x, b.ints([0])]), b.ints([0])])], { perm: [0, 2, 3, 1] });
    return b.op('Pad', [t, b.ints([0, 1, 0, 0, 0, 1, 0, 0])], { mode: 'reflect' });
  },
};

describe('operators whose versions at opsets 22 and 23 widened types', () => {
  for (const [label, build] of Object.entries(CASES)) {
    for (const opset of [22, 23]) {
      it(`${label} at opset ${opset}`, async () => {
        const m = opModel(opset, (b) => b.output(build(b, b.input('x', 'float32', [2, 3, 4, 4])), 'y'));
        expect(inferTypes(m).get('y')?.dtype).toBe('float32');
        await expectGradOk(m, { inputs: { x: randn([2, 3, 4, 4], 1, 2) } });
      });
    }
  }
});
