import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { tensorOf } from '../../lib/onnx/tensor.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { expectGradOk, opModel, randn } from './support.js';

describe('Gather gradients', () => {
  const cases: [string, number, number[], number[]][] = [
    ['axis 0 with duplicate indices', 0, [4], [0, 2, 2, 1]],
    ['axis 1 with 2-D indices', 1, [2, 2], [0, 3, 1, 1]],
    ['negative indices', 1, [3], [-1, 0, -4]],
    ['a scalar index', 1, [], [2]],
  ];
  for (const [label, axis, idxShape, idx] of cases) {
    // Below 16 the gradient goes through a OneHot MatMul, from 16 through ScatterElements(reduction 'add').
    for (const opset of [9, 13, 15, 16, 18]) {
      it(`${label} at opset ${opset}`, async () => {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', [3, 4, 2]);
          b.output(b.op('Gather', [x, b.constant(tensorOf('int64', idxShape, idx))], { axis }), 'y');
        });
        await expectGradOk(m);
      });
    }
  }
  for (const opset of [15, 16]) {
    it(`repeated and negative indices into the same rows accumulate at opset ${opset}`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [4, 3]);
        b.output(b.op('Gather', [x, b.constant(tensorOf('int64', [2, 3], [1, -3, 3, -1, 1, 1]))], { axis: 0 }), 'y');
      });
      const { model } = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] });
      const ops = model.graph.nodes.map((n) => n.opType);
      expect(ops).toContain(opset >= 16 ? 'ScatterElements' : 'OneHot');
      expect(ops).not.toContain(opset >= 16 ? 'OneHot' : 'ScatterElements');
      // With the upstream gradient 1 everywhere, row r of dx counts how often r was gathered (-3 is row 1, -1 row 3).
      const session = await createSession(model);
      const out = await runSession(session, { x: randn([4, 3], 1), 'grad_in/y': tensorOf('float32', [2, 3, 3], new Array<number>(18).fill(1)) });
      const dx = Array.from(out['grad_x'].data as Float32Array);
      expect(dx).toEqual([0, 0, 0, 4, 4, 4, 0, 0, 0, 2, 2, 2]);
      await expectGradOk(m);
    });
  }
  for (const opset of [13, 16, 21]) {
    it(`an embedding: rows of a [V, D] parameter gathered by int32 token ids fed at run time, opset ${opset}`, async () => {
      const m = opModel(opset, (b) => {
        const ids = b.input('ids', 'int32', ['n', 5]);
        const table = b.initializer('embedding.weight', randn([7, 4], 3));
        b.output(b.op('Gather', [table, ids], { axis: 0 }), 'y');
      });
      const result = await expectGradOk(m, { inputs: { ids: tensorOf('int32', [2, 5], [0, 6, 6, 2, -1, 3, 3, 3, 0, 5]) } });
      expect(result.tensors.map((t) => t.name)).toEqual(['embedding.weight']);
    });
  }
  it('with a dynamic leading dim and indices fed at run time', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 4]);
      const idx = b.input('idx', 'int64', [3]);
      b.output(b.op('Gather', [x, idx], { axis: 1 }), 'y');
    });
    await expectGradOk(m, { inputs: { idx: tensorOf('int64', [3], [3, 0, 3]) }, batch: 3 });
  });
});

describe('Slice gradients', () => {
  const cases: [string, number[], number[], number[], number[] | undefined][] = [
    ['unit steps on two axes', [1, 0], [3, -1], [0, 2], undefined],
    ['step 2', [0], [5], [1], [2]],
    ['step -1 (reversal)', [-1], [-(2 ** 31)], [1], [-1]],
    ['negative start and huge end', [-2], [2 ** 53 - 1], [0], [1]],
  ];
  for (const [label, starts, ends, axes, steps] of cases) {
    it(`${label} at opset 13`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [4, 5, 2]);
        b.output(b.slice(x, starts, ends, axes, steps), 'y');
      });
      await expectGradOk(m);
    });
  }
  it('opset 9 attributes (unit steps)', async () => {
    const m = opModel(9, (b) => {
      const x = b.input('x', 'float32', [4, 5, 2]);
      b.output(b.slice(x, [1, 1], [3, 4], [0, 1]), 'y');
    });
    await expectGradOk(m);
  });
  it('opset 10 without axes', async () => {
    const m = opModel(10, (b) => {
      const x = b.input('x', 'float32', [4, 5]);
      b.output(b.op('Slice', [x, b.ints([1, 0]), b.ints([3, 3])]), 'y');
    });
    await expectGradOk(m);
  });
  it('a full-range slice of a dynamic axis with a slice of a static one', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 5]);
      b.output(b.slice(x, [0, 1], [2 ** 53 - 1, 4], [0, 1]), 'y');
    });
    await expectGradOk(m, { batch: 3 });
  });
});

describe('Concat and Split gradients', () => {
  it('Concat of an input and a parameter along axis 1', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 2]);
      const w = b.initializer(
        'w',
        tensorOf(
          'float32',
          [3, 4],
          Array.from({ length: 12 }, (_, i) => i / 10),
        ),
      );
      b.output(b.op('Tanh', [b.op('Concat', [x, w, x], { axis: -1 })]), 'y');
    });
    await expectGradOk(m);
  });
  it('Concat along a dynamic axis', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 2]);
      const y = b.input('y', 'float32', ['m', 2]);
      b.output(b.op('Tanh', [b.op('Concat', [x, y], { axis: 0 })]), 'out');
    });
    await expectGradOk(m, { batch: 3 });
  });
  const splits: [number, string, number, (b: Parameters<Parameters<typeof opModel>[1]>[0], x: string) => string[]][] = [
    [11, 'split attribute', 6, (b, x) => b.node('Split', [x], { axis: 1, split: [1, 3, 2] }, { outputs: 3 })],
    [13, 'split input', 6, (b, x) => b.node('Split', [x, b.ints([1, 3, 2])], { axis: 1 }, { outputs: 3 })],
    [13, 'equal pieces', 6, (b, x) => b.node('Split', [x], { axis: 1 }, { outputs: 3 })],
    [18, 'num_outputs with an uneven last piece', 7, (b, x) => b.node('Split', [x], { axis: 1, num_outputs: 4 }, { outputs: 4 })],
  ];
  for (const [opset, label, width, split] of splits) {
    it(`Split with ${label} at opset ${opset}, one piece unused`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, width]);
        const parts = split(b, x);
        b.output(b.op('Tanh', [parts[0]]), 'a');
        b.output(b.op('Mul', [parts[2], parts[2]]), 'c');
      });
      await expectGradOk(m);
    });
  }
});

describe('reduction gradients', () => {
  const shapes: Dim[] = ['n', 3, 4];
  for (const op of ['ReduceSum', 'ReduceSumSquare', 'ReduceMean']) {
    for (const opset of [11, 13, 18]) {
      for (const keepdims of [false, true]) {
        it(`${op} over axes [1, -1], keepdims ${keepdims}, opset ${opset}`, async () => {
          const m = opModel(opset, (b) => {
            const x = b.input('x', 'float32', shapes);
            b.output(b.reduce(op, x, [1, -1], keepdims), 'y');
          });
          await expectGradOk(m, { batch: 2 });
        });
      }
    }
    it(`${op} over all axes (no axes given)`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', shapes);
        b.output(b.reduce(op, x, null, false), 'y');
      });
      await expectGradOk(m, { batch: 2 });
    });
  }
});
