/**
 * check-grad at base points the function is defined at: inputs drawn inside each model's domain, given ones
 * (--input values, --inputs TensorProto files), non-finite points reported as such (never as a wrong
 * gradient), the float32 fallback of 'auto' precision named, and failed runs coded.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TensorProtoSchema } from 'onnx-buf';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckGrad } from '../../lib/cli/commands/check-grad.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import { writeModel } from '../../lib/onnx/convert.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor, scalarTensor } from '../../lib/onnx/tensor.js';
import { tensorToProto } from '../../lib/onnx/tensor-proto.js';
import { tempFolder } from '../cli/support.js';
import { opModel, randn } from './support.js';

const tmp = tempFolder('lpc-check-grad-domain-');
afterAll(() => tmp.dispose());

/** A one-node model y = op(x) of x [n, 3], as ONNX's own PyTorch operator tests have (test_operator_sqrt, test_operator_pow). */
function unary(op: string, extra: (b: Parameters<Parameters<typeof opModel>[1]>[0]) => string[] = () => []) {
  return opModel(13, (b) => {
    const x = b.input('x', 'float32', ['n', 3]);
    b.output(b.op(op, [x, ...extra(b)]), 'y');
  });
}

/** Runs the CLI's check on `model` saved under `name`; returns the exit code and the JSON report. */
async function cli(model: ReturnType<typeof unary>, name: string, options: Parameters<typeof runCheckGrad>[1] = {}) {
  const file = path.join(tmp.dir, `${name}.onnx`);
  writeFileSync(file, writeModel(model));
  let out = '';
  const code = await runCheckGrad(file, { ...options, json: true }, (s) => (out += s));
  return { code, report: JSON.parse(out) };
}

describe('check-grad base points', () => {
  it('checks Sqrt, Pow with a fractional exponent, Log and log(1 - x^2) inside their domains', async () => {
    const models = {
      Sqrt: [unary('Sqrt'), 'uniform on [0.5, 1.5]'],
      Pow: [unary('Pow', (b) => [b.constant(scalarTensor('float32', 0.5))]), 'uniform on [0.5, 1.5]'],
      Log: [unary('Log'), 'uniform on [0.5, 1.5]'],
      // log(1 - x^2), finite on (-1, 1) only, as Acos and Atanh are.
      'log(1 - x^2)': [
        opModel(13, (b) => {
          const x = b.input('x', 'float32', ['n', 3]);
          b.output(b.op('Log', [b.op('Sub', [b.constant(scalarTensor('float32', 1)), b.op('Mul', [x, x])])]), 'y');
        }),
        'uniform on [0.3, 0.7]',
      ],
      Tanh: [unary('Tanh'), 'standard normal'],
    } as const;
    for (const [op, [model, domain]] of Object.entries(models)) {
      const { code, report } = await cli(model, op.replace(/\W/g, '_'));
      expect(report, op).toMatchObject({ ok: true, status: 'ok', inputDomain: domain });
      expect(code, op).toBe(0);
      expect(report.maxRelErr, op).toBeLessThanOrEqual(report.tolerance);
    }
  });

  it('reports a model not finite at the given inputs as non-finite (exit 2), not as a wrong gradient', async () => {
    const { code, report } = await cli(unary('Sqrt'), 'sqrt-negative', { input: ['x=-1'] });
    expect(code).toBe(2);
    expect(report).toMatchObject({ ok: false, status: 'non-finite', maxRelErr: null, inputDomain: null, nonFinite: expect.stringMatching(/output 'y' is not finite at the given inputs/) });
    // Finite at the base point, but a finite-difference step crosses into the undefined region: no verdict either.
    const edge = await checkGradients(unary('Sqrt'), { inputs: { x: makeTensor('float32', [1, 3], Float32Array.of(1, 1, 1e-4)) }, precision: 'float64' });
    expect(edge.status).toBe('non-finite');
    expect(edge.tensors[0].status).toBe('non-finite');
    let text = '';
    expect(await runCheckGrad(path.join(tmp.dir, 'sqrt-negative.onnx'), { input: ['x=-1'] }, (s) => (text += s))).toBe(2);
    expect(text).toMatch(/NOT FINITE: output 'y' is not finite at the given inputs; no verdict/);
  });

  it('takes integer inputs from --input and refuses to invent them', async () => {
    const model = opModel(13, (b) => {
      const idx = b.input('idx', 'int64', [2]);
      const table = b.initializer('table', randn([4, 3], 7));
      const x = b.input('x', 'float32', ['n', 3]);
      b.output(b.op('Add', [b.op('Gather', [table, idx], { axis: 0 }), x]), 'y');
    });
    const given = await cli(model, 'gather', { input: ['idx=3,1'], batch: '2' });
    expect(given.report).toMatchObject({ ok: true, status: 'ok' });
    expect(given.report.tensors.map((t: { name: string }) => t.name)).toEqual(['x', 'table']);
    const ignore = () => undefined;
    const file = path.join(tmp.dir, 'gather.onnx');
    await expect(runCheckGrad(file, {}, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringMatching(/input 'idx' has element type int64; give its value/) });
    await expect(runCheckGrad(file, { input: ['idx=0.5,1'] }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(file, { input: ['idx=1,2,3'] }, ignore)).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(runCheckGrad(file, { input: ['nothing=1'] }, ignore)).rejects.toMatchObject({ code: 'LPC_NOT_FOUND' });
    await expect(runCheckGrad(file, { input: ['idx'] }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    // An index out of range is onnxruntime's refusal, coded.
    await expect(runCheckGrad(file, { input: ['idx=9'] }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_MODEL', message: expect.stringMatching(/onnxruntime could not run the model/) });
  });

  it('reads the inputs of an ONNX test data set (input_0.pb, ...) from --inputs', async () => {
    const dir = path.join(tmp.dir, 'test_data_set_0');
    mkdirSync(dir);
    // Unnamed, as some test sets store them: taken in input order.
    const x = makeTensor('float32', [2, 3], Float32Array.of(0.25, 1, 4, 9, 0.5, 2));
    writeFileSync(path.join(dir, 'input_0.pb'), toBinary(TensorProtoSchema, tensorToProto(x, '')));
    writeFileSync(path.join(dir, 'output_0.pb'), toBinary(TensorProtoSchema, create(TensorProtoSchema, { name: 'y' })));
    const { code, report } = await cli(unary('Sqrt'), 'sqrt-given', { inputs: dir });
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'ok', inputDomain: null });
    await expect(runCheckGrad(path.join(tmp.dir, 'sqrt-given.onnx'), { inputs: path.join(tmp.dir, 'absent') }, () => undefined)).rejects.toMatchObject({ code: 'LPC_NOT_FOUND' });
  });

  it("says when 'auto' precision fell back to float32, and why", async () => {
    // onnxruntime's CPU kernels for this Conv exist in float32 only, so the float64 copy is refused.
    const model = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 2, 5, 5]);
      b.output(b.op('Conv', [x, b.initializer('w', randn([3, 2, 3, 3], 4, 0.3))], { pads: [1, 1, 1, 1] }), 'y');
    });
    const { report } = await cli(model, 'conv');
    expect(report).toMatchObject({ status: 'ok', precision: 'float32', precisionFallback: expect.stringMatching(/^onnxruntime cannot run the model in float64 \(/) });
    const double = await cli(unary('Tanh'), 'tanh');
    expect(double.report).toMatchObject({ precision: 'float64', precisionFallback: null });
    let text = '';
    await runCheckGrad(path.join(tmp.dir, 'conv.onnx'), {}, (s) => (text += s));
    expect(text).toMatch(/float32, not float64: onnxruntime cannot run the model in float64/);
  });

  it('codes a failed session run', async () => {
    const model = unary('Tanh');
    const session = await createSession(model, { threads: 1 });
    try {
      await expect(runSession(session, { x: makeTensor('float32', [2, 2], new Float32Array(4)) })).rejects.toMatchObject({
        code: 'LPC_INVALID_MODEL',
        message: expect.stringMatching(/onnxruntime could not run the model on x \[2, 2\]/),
      });
    } finally {
      await session.release();
    }
  });

  it('refuses an input declared with extent 0 before any run (onnxruntime can spin on such a tensor)', async () => {
    const empty = opModel(13, (b) => b.output(b.op('Tanh', [b.input('z', 'float32', [0, 4])]), 'y'));
    await expect(checkGradients(empty)).rejects.toMatchObject({ code: 'LPC_INVALID_MODEL', message: expect.stringMatching(/input 'z' is declared with extent 0 on axis 0/) });
  });
});
