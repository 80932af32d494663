import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType as AttrType, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, TensorProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { floatAttr } from '../../lib/onnx/builder.js';
import { encodeModel } from '../../lib/onnx/codec.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { removeDeadNodes } from '../../lib/onnx/topo.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor, scalarTensor, tensorOf } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

/** Standard ONNX operators the emitted gradient graphs may use (none of onnxruntime's training kernels). */
const STANDARD_OPS = new Set([
  'Abs',
  'Add',
  'And',
  'Cast',
  'Concat',
  'Constant',
  'ConstantOfShape',
  'Div',
  'Equal',
  'Erf',
  'Exp',
  'Expand',
  'Gather',
  'Gemm',
  'Greater',
  'Less',
  'Log',
  'MatMul',
  'Mul',
  'Neg',
  'NonZero',
  'Not',
  'OneHot',
  'Or',
  'Pad',
  'Pow',
  'Reciprocal',
  'ReduceProd',
  'ReduceSum',
  'Relu',
  'Reshape',
  'Shape',
  'Sigmoid',
  'Sign',
  'Size',
  'Slice',
  'Split',
  'Squeeze',
  'Sub',
  'Sum',
  'Tanh',
  'Transpose',
  'Unsqueeze',
  'Where',
  'Identity',
]);

/** A Bernoulli energy E = sum_j softplus(l_j) - x_j l_j + |z|^2 / 2 with l = W z + b, per row. */
function energyModel(d: number, n: number, w: Float32Array, bias: Float32Array) {
  return opModel(17, (b) => {
    const z = b.input('z', 'float32', ['N', d]);
    const x = b.input('x', 'float32', ['N', n]);
    const l = b.op('Gemm', [z, b.initializer('W', makeTensor('float32', [n, d], w)), b.initializer('b', makeTensor('float32', [n], bias))], { transB: 1 });
    const nll = b.reduce('ReduceSum', b.op('Sub', [b.op('Softplus', [l]), b.op('Mul', [x, l])]), [1], false);
    const prior = b.op('Mul', [b.reduce('ReduceSumSquare', z, [1], false), b.constant(scalarTensor('float32', 0.5))]);
    b.output(b.op('Add', [nll, prior]), 'energy', 'float32', ['N']);
  });
}

describe('reverse-mode autodiff', () => {
  it("objective mode: grad_z of the summed energy is each row's own gradient (float64 JS reference)", async () => {
    const [d, n, rows] = [3, 5, 4];
    const w = randn([n, d], 1).data as Float32Array;
    const bias = randn([n], 2).data as Float32Array;
    const { model } = buildGradientModel(energyModel(d, n, w, bias), { objective: 'energy', inputs: ['z'] });
    const z = randn([rows, d], 3);
    const x = makeTensor(
      'float32',
      [rows, n],
      Float32Array.from({ length: rows * n }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
    );
    const out = await runSession(await createSession(model), { z, x });
    expect(out.energy.dims).toEqual([rows]);
    expect(out.grad_z.dims).toEqual([rows, d]);
    for (let r = 0; r < rows; r++) {
      const zr = Array.from({ length: d }, (_, k) => (z.data as Float32Array)[r * d + k]);
      const expected = [...zr];
      let energy = zr.reduce((s, v) => s + (v * v) / 2, 0);
      for (let j = 0; j < n; j++) {
        const l = bias[j] + zr.reduce((s, v, k) => s + v * w[j * d + k], 0);
        const xj = (x.data as Float32Array)[r * n + j];
        energy += Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))) - xj * l;
        const delta = 1 / (1 + Math.exp(-l)) - xj;
        for (let k = 0; k < d; k++) expected[k] += delta * w[j * d + k];
      }
      // float32 evaluation of O(1) quantities: 1e-5 absolute is ~100 float32 ulps.
      expect((out.energy.data as Float32Array)[r]).toBeCloseTo(energy, 5);
      for (let k = 0; k < d; k++) expect((out.grad_z.data as Float32Array)[r * d + k]).toBeCloseTo(expected[k], 5);
    }
  });

  it('emits only standard operators, leaves frozen parameters as initializers and names outputs per the contract', () => {
    const model = energyModel(3, 5, randn([5, 3]).data as Float32Array, randn([5]).data as Float32Array);
    const both = buildGradientModel(model, { objective: 'energy', inputs: ['z'], params: ['W'] });
    const emitted = new Set(both.model.graph.nodes.filter((n) => n.name.startsWith('grad/') || n.name.startsWith('fast/')).map((n) => n.opType));
    expect(emitted.size).toBeGreaterThan(3);
    for (const op of emitted) expect(STANDARD_OPS.has(op), `unexpected op ${op}`).toBe(true);
    expect(both.model.graph.outputs.map((o) => o.name)).toEqual(['energy', 'grad_z', 'grad/W']);
    expect(both.model.graph.outputs.find((o) => o.name === 'grad/W')?.shape).toEqual([5, 3]);
    expect(both.model.graph.initializers.has('b')).toBe(true);
    expect(both.model.graph.initializers.has('W')).toBe(false);
    expect(both.model.graph.inputs.map((v) => v.name)).toEqual(['z', 'x', 'W']);
    const fed = buildGradientModel(model, { objective: 'energy', inputs: ['z'], feedParams: ['W', 'b'] });
    expect(fed.model.graph.inputs.map((v) => v.name)).toEqual(['z', 'x', 'W', 'b']);
    expect(fed.model.graph.outputs.map((o) => o.name)).toEqual(['energy', 'grad_z']);
  });

  it('checks out numerically in objective mode for inputs and parameters', async () => {
    const model = energyModel(3, 5, randn([5, 3]).data as Float32Array, randn([5]).data as Float32Array);
    await expectGradOk(model, { inputs: { x: makeTensor('float32', [2, 5], Float32Array.from([1, 0, 1, 1, 0, 0, 0, 1, 0, 1])) } });
  });

  it('cuts integer, comparison and shape paths', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 4]);
      const mask = b.op('Cast', [b.op('Greater', [x, b.constant(scalarTensor('float32', 0))])], { to: 1 });
      const count = b.op('Cast', [b.op('Size', [x])], { to: 1 });
      const shaped = b.reshape(b.op('Mul', [x, mask]), b.op('Shape', [x]));
      b.output(b.op('Div', [shaped, count]), 'y');
    });
    await expectGradOk(m, { batch: 3 });
    const grad = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model;
    expect(grad.graph.nodes.filter((n) => n.name.startsWith('grad/') && ['Greater', 'Size', 'Shape'].includes(n.opType) && n.inputs.includes('x'))).toEqual([]);
  });

  it('sums the gradients of a value used by several nodes', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const w = b.initializer('w', randn([4, 4], 4, 0.5));
      const h = b.op('Tanh', [b.op('MatMul', [x, w])]);
      b.output(b.op('Add', [b.op('Mul', [h, x]), b.op('MatMul', [h, w])]), 'y');
    });
    await expectGradOk(m);
  });

  it('names each gradient output even when several inputs share one gradient tensor', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const y = b.input('y', 'float32', [3, 4]);
      b.output(b.op('Tanh', [b.op('Add', [x, y])]), 'out');
    });
    const { model } = buildGradientModel(m, { vjp: ['out'], inputs: ['x', 'y'] });
    const out = await runSession(await createSession(model), { x: randn([3, 4], 1), y: randn([3, 4], 2), 'grad_in/out': randn([3, 4], 3) });
    expect(out.grad_x.data).toEqual(out.grad_y.data);
    await expectGradOk(m);
  });

  it('gives a zero gradient to an input the objective does not depend on', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 2]);
      b.input('unused', 'float32', ['n', 3]);
      b.output(b.reduce('ReduceSum', b.op('Exp', [x]), [1], false), 'e');
    });
    const { model } = buildGradientModel(m, { objective: 'e', inputs: ['x', 'unused'] });
    const out = await runSession(await createSession(model), { x: randn([2, 2]), unused: randn([2, 3]) });
    expect(Array.from(out.grad_unused.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(out.grad_unused.dims).toEqual([2, 3]);
  });

  it('sums broadcast gradients over axes known only at run time (opset 13)', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 4]);
      const s = b.input('s', 'float32', ['k', 4]);
      b.output(b.op('Mul', [x, s]), 'y');
    });
    const grad = buildGradientModel(m, { vjp: ['y'], inputs: ['s'] }).model;
    expect(grad.graph.nodes.some((n) => n.opType === 'NonZero')).toBe(true);
    // k = 1 (broadcast, summed) and k = n (not broadcast) both come out right.
    await expectGradOk(m, { inputs: { s: randn([1, 4], 5) }, batch: 3 });
    await expectGradOk(m, { inputs: { s: randn([3, 4], 5) }, batch: 3 });
  });

  it('refuses the same before opset 13 with LPC_UNSUPPORTED_OP', () => {
    const m = opModel(11, (b) => {
      const x = b.input('x', 'float32', ['n', 4]);
      b.output(b.op('Mul', [x, b.input('s', 'float32', ['k', 4])]), 'y');
    });
    expect(() => buildGradientModel(m, { vjp: ['y'], inputs: ['s'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP' }));
  });

  it('names the operator, node, opset and supported list for an unsupported operator', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      b.output(b.op('Tanh', [b.op('Celu', [x], {}, { name: '/act/Celu' })]), 'y');
    });
    let error: unknown;
    try {
      buildGradientModel(m, { vjp: ['y'], inputs: ['x'] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'LPC_UNSUPPORTED_OP' });
    const message = (error as Error).message;
    for (const part of ['Celu', "'/act/Celu'", 'opset 13', 'Gemm', 'Softplus']) expect(message).toContain(part);
  });

  it('refuses unknown attributes and unsupported attribute values', () => {
    const unknown = opModel(13, (b) => b.output(b.op('Relu', [b.input('x', 'float32', [2])], { slope: 2 }), 'y'));
    expect(() => buildGradientModel(unknown, { vjp: ['y'], inputs: ['x'] })).toThrow(/attribute 'slope'.*Relu accepts no attributes/);
    const gelu = opModel(20, (b) => b.output(b.op('Gelu', [b.input('x', 'float32', [2])], { approximate: 'erf' }), 'y'));
    expect(() => buildGradientModel(gelu, { vjp: ['y'], inputs: ['x'] })).toThrow(/approximate="erf".*"none", "tanh"/);
  });

  it('ignores unsupported operators off the differentiated path', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      b.output(b.op('Tanh', [x]), 'y');
      b.output(b.op('Sinh', [x]), 'sinh');
    });
    const { model } = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] });
    const out = await runSession(await createSession(model), { x: randn([3, 4]), 'grad_in/y': randn([3, 4], 2) });
    expect(Object.keys(out).sort()).toEqual(['grad_x', 'sinh', 'y']);
  });

  it('ignores unsupported operators that the differentiated values reach only through integers, whose path carries no gradient', async () => {
    // y = x * Cast(Mod(Cast(x * 4, int64), 3), float): the factor is piecewise constant, so dy/dx is the factor itself.
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const ints = b.cast(b.op('Mul', [x, b.scalar(4, 'float32')]), 'int64');
      const mod = b.op('Mod', [ints, b.constant(tensorOf('int64', [], [3]))]);
      // Its type as exporters record it in value_info (inference does not know Mod).
      b.model.graph.valueInfo.set(mod, { name: mod, dtype: 'int64', shape: [3, 4] });
      const factor = b.cast(mod, 'float32');
      b.output(b.op('Mul', [x, factor]), 'y');
    });
    const { model } = buildGradientModel(m, { objective: 'y', inputs: ['x'] });
    const x = randn([3, 4], 5, 2);
    const out = await runSession(await createSession(model), { x });
    // Integer Mod takes the divisor's sign (fmod 0).
    const want = Array.from(x.data as Float32Array, (v) => ((Math.trunc(Math.fround(v * 4)) % 3) + 3) % 3);
    expect(Array.from(out.grad_x.data as Float32Array)).toEqual(want);
    // The check freezes the truncating cast at the base point, so differences never meet its jumps.
    await expectGradOk(m, { inputs: { x } });
    // On a float path the same operator is still refused.
    const floatMod = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      b.output(b.op('Mod', [x, b.scalar(3, 'float32')], { fmod: 1 }), 'y');
    });
    expect(() => buildGradientModel(floatMod, { objective: 'y', inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('Mod') }));
  });

  it('refuses models outside opsets 9 to 23', () => {
    for (const opset of [8, 24]) {
      const m = opModel(opset, (b) => b.output(b.op('Relu', [b.input('x', 'float32', [2])]), 'y'));
      expect(() => buildGradientModel(m, { vjp: ['y'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('opsets 9 to 23') }));
    }
  });

  it('refuses requests naming values that do not exist or are not float', () => {
    const m = opModel(13, (b) => {
      b.input('i', 'int64', [2]);
      b.output(b.op('Relu', [b.input('x', 'float32', [2])]), 'y');
    });
    expect(() => buildGradientModel(m, { vjp: ['nope'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
    expect(() => buildGradientModel(m, { vjp: ['y'], inputs: ['nope'] })).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
    expect(() => buildGradientModel(m, { vjp: ['y'], inputs: ['i'] })).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
    expect(() => buildGradientModel(m, { vjp: ['y'], params: ['nope'] })).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
  });

  it('runs the emitted graph with onnxruntime optimisation level all and alpha folded into Gemm', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 4]);
      b.output(b.op('Gemm', [x, b.initializer('w', randn([3, 4]))], { transB: 1, alpha: floatAttr(2) }), 'y');
    });
    const grad = buildGradientModel(m, { vjp: ['y'], inputs: ['x'], params: ['w'] }).model;
    expect(grad.graph.nodes.filter((n) => n.opType === 'Transpose')).toEqual([]);
    await expectGradOk(m, { batch: 3 });
    const out = await runSession(await createSession(grad, { optimization: 'all', threads: 1 }), { x: randn([2, 4]), w: randn([3, 4]), 'grad_in/y': tensorOf('float32', [2, 3], [1, 0, 0, 0, 0, 0]) });
    expect(out['grad/w'].dims).toEqual([3, 4]);
  });

  // x and w are read only inside the branches of an If (outer-scope references, not inputs of the node), and
  // the If comes before the Relu whose output its then branch reads. The autodiff once left the If off the
  // gradient's path and returned zeros for x and w; removing dead nodes dropped w.
  describe('a control-flow node whose branches read values of the enclosing graph', () => {
    const node = (opType: string, input: string[], output: string[], attribute: ReturnType<typeof create<typeof AttributeProtoSchema>>[] = []) =>
      create(NodeProtoSchema, { name: `/${opType}`, opType, input, output, attribute });
    const branch = (name: string, nodes: ReturnType<typeof node>[], output: string) =>
      create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g: create(GraphProtoSchema, { name, node: nodes, output: [create(ValueInfoProtoSchema, { name: output })] }) });
    const floatInfo = (name: string) =>
      create(ValueInfoProtoSchema, { name, type: { value: { case: 'tensorType', value: { elemType: 1, shape: { dim: [{ value: { case: 'dimValue', value: 2n } }] } } } } });
    const model = () =>
      readModel(
        encodeModel(
          create(ModelProtoSchema, {
            irVersion: 8n,
            opsetImport: [{ domain: '', version: 13n }],
            graph: create(GraphProtoSchema, {
              name: 'captures',
              input: [floatInfo('x')],
              output: [floatInfo('y')],
              initializer: [
                create(TensorProtoSchema, { name: 'c', dataType: 9, dims: [], rawData: Uint8Array.of(1) }),
                create(TensorProtoSchema, { name: 'w', dataType: 1, dims: [2n], floatData: [2, -3] }),
              ],
              node: [
                node('If', ['c'], ['b'], [branch('then_branch', [node('Mul', ['h', 'w'], ['t'])], 't'), branch('else_branch', [node('Identity', ['x'], ['e'])], 'e')]),
                node('Relu', ['x'], ['h']),
                node('Sigmoid', ['b'], ['y']),
              ],
            }),
          }),
        ),
      );

    it('refuses gradients through it with respect to an input or a parameter the branches read', () => {
      for (const request of [{ inputs: ['x'] }, { params: ['w'] }]) {
        expect(() => buildGradientModel(model(), { vjp: ['y'], ...request }), JSON.stringify(request)).toThrow(
          expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/If/) }),
        );
      }
    });

    it('orders it after what its branches read, and keeps the initializers they read', async () => {
      const m = model();
      expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'If', 'Sigmoid']);
      expect(removeDeadNodes(m.graph)).toBe(0);
      expect([...m.graph.initializers.keys()].sort()).toEqual(['c', 'w']);
      const out = await runSession(await createSession(readModel(writeModel(m)), { threads: 1 }), { x: tensorOf('float32', [2], [1, 1]) });
      // y = sigmoid(relu(x) * w): float32 against float64, within a few ulps.
      [2, -3].forEach((w, k) => expect(Math.abs((out.y.data as Float32Array)[k] - 1 / (1 + Math.exp(-w)))).toBeLessThan(1e-6));
    });
  });
});
