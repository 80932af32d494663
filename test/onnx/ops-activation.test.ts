import { describe, expect, it } from 'vitest';
import { floatAttr } from '../../lib/onnx/builder.js';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor, scalarTensor } from '../../lib/onnx/tensor.js';
import type { AttrInput } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { expectGradOk, opModel, randn } from './support.js';

const act = (op: string, attrs: Record<string, AttrInput> = {}, opset = 13) =>
  opModel(opset, (b) => {
    const x = b.input('x', 'float32', [3, 5]);
    b.output(b.op(op, [x], attrs), 'y');
  });

describe('activation gradients', () => {
  const cases: [string, Record<string, AttrInput>, number?][] = [
    ['Relu', {}],
    ['Relu', {}, 9],
    ['LeakyRelu', {}],
    ['LeakyRelu', { alpha: floatAttr(0.2) }],
    ['Elu', {}],
    ['Elu', { alpha: floatAttr(0.7) }],
    ['Selu', {}],
    ['Selu', { alpha: floatAttr(1.5), gamma: floatAttr(0.9) }],
    ['Sigmoid', {}],
    ['HardSigmoid', {}],
    ['HardSigmoid', { alpha: floatAttr(0.3), beta: floatAttr(0.4) }],
    ['Tanh', {}],
    ['Softplus', {}],
    ['Softsign', {}],
    ['Gelu', {}, 20],
    ['Gelu', { approximate: 'tanh' }, 20],
    ['Mish', {}, 18],
    ['Mish', {}, MAX_OPSET],
  ];
  for (const [op, attrs, opset] of cases) {
    it(`${op} ${JSON.stringify(attrs)} at opset ${opset ?? 13}`, async () => {
      // Scale 2 spreads inputs over the piecewise regions (HardSigmoid saturates beyond |x| = 2.5).
      await expectGradOk(act(op, attrs, opset), { inputs: { x: randn([3, 5], 7, 2) } });
    });
  }

  it('Gelu written out with Erf (older exports) is differentiated op by op', async () => {
    const m = opModel(17, (b) => {
      const x = b.input('x', 'float32', [3, 5]);
      const erf = b.op('Erf', [b.op('Div', [x, b.constant(scalarTensor('float32', Math.SQRT2))])]);
      const half = b.op('Mul', [b.op('Mul', [x, b.op('Add', [erf, b.constant(scalarTensor('float32', 1))])]), b.constant(scalarTensor('float32', 0.5))]);
      b.output(half, 'y');
    });
    await expectGradOk(m);
  });

  it('emits Softplus as Relu(x) - Log(Sigmoid(Abs(x))) with Sigmoid(x) as its derivative, exact at 0', async () => {
    const m = act('Softplus');
    const g = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] });
    expect(g.model.graph.nodes.some((n) => n.opType === 'Softplus')).toBe(false);
    const session = await createSession(g.model);
    const x = makeTensor('float32', [3, 5], new Float32Array([0, -30, 30, 1, -1, 0.5, 2, -2, 5, -5, 0.1, 0, 0, 0, 0]));
    const ones = makeTensor('float32', [3, 5], new Float32Array(15).fill(1));
    const out = await runSession(session, { x, 'grad_in/y': ones });
    const y = out.y.data as Float32Array;
    const dx = out.grad_x.data as Float32Array;
    for (let i = 0; i < 15; i++) {
      const v = x.data[i] as number;
      // float64 references; 1e-6 relative covers float32 rounding of Log/Sigmoid near 1.
      expect(y[i]).toBeCloseTo(Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0), 6);
      expect(dx[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 6);
    }
    expect(dx[0]).toBe(0.5);
  });

  it('writes a ReduceSum of Softplus over the last axis with chunked products, exact to float32 rounding', async () => {
    // The rewrite takes the largest divisor of the extent up to 64 (48: one chunk; 96: two of 48); 7 has none from 8 up.
    for (const extent of [48, 96, 7]) {
      const m = opModel(13, (b) => {
        const l = b.input('l', 'float32', ['n', extent]);
        b.output(b.reduce('ReduceSum', b.op('Softplus', [l]), [1], false), 'e');
      });
      const g = buildGradientModel(m, { objective: 'e', inputs: ['l'] });
      expect(g.model.graph.nodes.some((n) => n.opType === 'ReduceProd')).toBe(extent !== 7);
      const rows = 3;
      const values = Float32Array.from({ length: rows * extent }, (_, i) => [0, 30, -30, 88, -88, 1e-3][i % 6] + (i % 5) * 0.37 - 0.7);
      const out = await runSession(await createSession(g.model), { l: makeTensor('float32', [rows, extent], values) });
      for (let r = 0; r < rows; r++) {
        let expected = 0;
        for (let j = 0; j < extent; j++) {
          const v = values[r * extent + j];
          expected += Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        }
        // Relative 1e-6: float32 sums of ~100 terms of size up to 90.
        expect(Math.abs((out.e.data as Float32Array)[r] - expected)).toBeLessThan(1e-6 * expected + 1e-5);
        for (let j = 0; j < extent; j++) expect((out.grad_l.data as Float32Array)[r * extent + j]).toBeCloseTo(1 / (1 + Math.exp(-values[r * extent + j])), 6);
      }
      await expectGradOk(m, { batch: 2 });
    }
  });

  // Scale 3 puts about a third of the inputs beyond the kinks at -3 and 3.
  for (const opset of [14, MAX_OPSET]) {
    it(`HardSwish on both sides of its kinks at -3 and 3, opset ${opset}`, async () => {
      await expectGradOk(act('HardSwish', {}, opset), { inputs: { x: randn([3, 5], 11, 3) } });
    });
  }

  it('HardSwish and Mish: values and vector-Jacobian products match float64 references', async () => {
    const values = [-5, -3, -1.5, -0.2, 0, 0.4, 2.5, 3, 4, 20, -20, 1, -1, 0.7, -2.9];
    const x = makeTensor('float32', [3, 5], Float32Array.from(values));
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const want: Record<string, [(v: number) => number, (v: number) => number]> = {
      HardSwish: [(v) => v * Math.min(1, Math.max(0, v / 6 + 0.5)), (v) => (v >= 3 ? 1 : v <= -3 ? 0 : v / 3 + 0.5)],
      Mish: [(v) => v * Math.tanh(softplus(v)), (v) => Math.tanh(softplus(v)) + v * sigmoid(v) * (1 - Math.tanh(softplus(v)) ** 2)],
    };
    for (const [op, [f, df]] of Object.entries(want)) {
      const g = buildGradientModel(act(op, {}, 18), { vjp: ['y'], inputs: ['x'] });
      const out = await runSession(await createSession(g.model), { x, 'grad_in/y': makeTensor('float32', [3, 5], new Float32Array(15).fill(1)) });
      values.forEach((v, i) => {
        expect(Math.abs((out.y.data as Float32Array)[i] - f(v))).toBeLessThan(1e-5 * Math.max(1, Math.abs(f(v))));
        expect(Math.abs((out.grad_x.data as Float32Array)[i] - df(v))).toBeLessThan(1e-5);
      });
    }
  });

  describe('PRelu', () => {
    // The slope broadcasts unidirectionally to X: per feature, per channel of an image, or one value.
    const cases: [string, number[], number[]][] = [
      ['per feature', [3, 5], [5]],
      ['per channel', [2, 3, 4, 4], [3, 1, 1]],
      ['one slope', [3, 5], [1]],
    ];
    for (const [label, xShape, slopeShape] of cases) {
      for (const opset of [9, 16, MAX_OPSET]) {
        it(`${label} (X ${JSON.stringify(xShape)}, slope ${JSON.stringify(slopeShape)}) at opset ${opset}: gradients for X and the slope`, async () => {
          const m = opModel(opset, (b) => {
            const x = b.input('x', 'float32', xShape);
            b.output(b.op('PRelu', [x, b.initializer('slope', randn(slopeShape, 12, 0.5))]), 'y');
          });
          expect(inferTypes(m).get('y')?.shape).toEqual(xShape);
          const result = await expectGradOk(m);
          expect(result.tensors.map((t) => t.name)).toEqual(['x', 'slope']);
        });
      }
    }
    it('refuses a slope that does not broadcast to X, or of higher rank', () => {
      for (const [xShape, slopeShape] of [
        [[3, 5], [4]],
        [
          [3, 5],
          [2, 3, 5],
        ],
        [
          [3, 1],
          [3, 5],
        ],
      ]) {
        const m = opModel(13, (b) => b.output(b.op('PRelu', [b.input('x', 'float32', xShape), b.initializer('slope', randn(slopeShape))]), 'y'));
        expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH' }));
      }
    });
  });

  describe('Clip', () => {
    it('opset 9 with min/max attributes', async () => {
      await expectGradOk(act('Clip', { min: floatAttr(-0.5), max: floatAttr(0.7) }, 9), { inputs: { x: randn([3, 5], 3) } });
    });
    it('opset 13 with min and max inputs (made parameters, so their gradients are checked too)', async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [3, 5]);
        const lo = b.initializer('lo', makeTensor('float32', [1], Float32Array.of(-0.5)));
        const hi = b.initializer('hi', makeTensor('float32', [1], Float32Array.of(0.6)));
        // Clip bounds are scalars: squeeze the [1] parameters.
        b.output(b.op('Clip', [x, b.squeeze(lo, [0]), b.squeeze(hi, [0])]), 'y');
      });
      // Bounds are settings, frozen by default; taking every initializer checks their rule.
      const result = await expectGradOk(m, { inputs: { x: randn([3, 5], 4) }, paramOptions: { include: () => true } });
      expect(result.tensors.map((t) => t.name)).toEqual(['x', 'lo', 'hi']);
    });
    it('opset 13 with only min, and with neither', async () => {
      for (const bounds of [['min'], []]) {
        const m = opModel(13, (b) => {
          const x = b.input('x', 'float32', [3, 5]);
          const inputs = [x, ...bounds.map(() => b.constant(scalarTensor('float32', -0.3)))];
          b.output(b.op('Clip', inputs), 'y');
        });
        await expectGradOk(m);
      }
    });
  });
});
