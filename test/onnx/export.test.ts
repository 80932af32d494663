import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../lib/onnx/codec.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { exportModel } from '../../lib/onnx/export.js';
import { ParameterSet, promoteParameters } from '../../lib/onnx/params.js';
import { Rng } from '../../lib/onnx/random.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { pytorchConvDecoder } from './fixtures/conv-models.js';
import { pytorchMlp } from './fixtures.js';

describe('export of trained parameters', () => {
  it('writes new values as initializers; plain onnxruntime reproduces the trained function', async () => {
    const original = writeModel(pytorchMlp(17, [4, 16, 6]));
    const model = readModel(original);
    const params = ParameterSet.fromModel(model);
    expect(params.names).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    // "Training": move every parameter.
    const rng = new Rng(11);
    for (const p of params) params.set(p.name, p.data.map((v) => v + 0.1 * rng.normal()));

    // The trained function: the model with parameters fed as inputs, as training runs it.
    const trainable = model.clone();
    promoteParameters(trainable, params.names);
    const z = makeTensor('float32', [5, 4], rng.normals(20));
    const feeds = Object.fromEntries([...params].map((p) => [p.name, makeTensor('float32', p.dims, p.data)]));
    const trained = (await runSession(await createSession(trainable), { z, ...feeds })).x_mean.data as Float32Array;

    const exported = exportModel(original, params);
    const reloaded = (await runSession(await createSession(exported), { z })).x_mean.data as Float32Array;
    for (let i = 0; i < trained.length; i++) expect(Math.abs(reloaded[i] - trained[i])).toBeLessThanOrEqual(1e-5 * Math.abs(trained[i]) + 1e-7);
    const before = (await runSession(await createSession(original), { z })).x_mean.data as Float32Array;
    expect(before.some((v, i) => Math.abs(v - trained[i]) > 1e-3)).toBe(true);

    // Same interface, opset and producer; parameters read back exactly.
    const a = decodeModel(original);
    const b = decodeModel(exported);
    expect(b.graph!.input.map((v) => v.name)).toEqual(a.graph!.input.map((v) => v.name));
    expect(b.graph!.output.map((v) => v.name)).toEqual(a.graph!.output.map((v) => v.name));
    expect(b.opsetImport.map((o) => o.version)).toEqual(a.opsetImport.map((o) => o.version));
    expect(b.producerName).toBe('pytorch');
    expect(b.graph!.node.map((n) => n.name)).toEqual(a.graph!.node.map((n) => n.name));
    const back = ParameterSet.fromModel(readModel(exported));
    for (const p of params) expect(back.get(p.name).data).toEqual(p.data);
  });

  it('a conv decoder keeps its whole interface, opset and frozen initializers; plain onnxruntime reproduces it at any batch', async () => {
    const original = writeModel(pytorchConvDecoder(17, { foldedScales: true }).model);
    const params = ParameterSet.fromModel(readModel(original));
    const rng = new Rng(12);
    for (const p of params) params.set(p.name, p.data.map((v) => v * (1 + 0.2 * rng.normal())));
    const exported = exportModel(original, params);
    const [a, b] = [decodeModel(original), decodeModel(exported)];
    // Inputs and outputs with their element types and dims ('batch_size' stays symbolic), opsets, IR version.
    expect(b.graph!.input).toEqual(a.graph!.input);
    expect(b.graph!.output).toEqual(a.graph!.output);
    expect(b.opsetImport).toEqual(a.opsetImport);
    expect(b.irVersion).toBe(a.irVersion);
    // Only the parameters changed: the folded Resize scales (frozen, not parameters) are written back as they were.
    const changed = b.graph!.initializer.filter((t, i) => JSON.stringify(t.rawData) !== JSON.stringify(a.graph!.initializer[i].rawData)).map((t) => t.name);
    expect(changed).toEqual(params.names);
    const trainable = readModel(original);
    promoteParameters(trainable, params.names);
    const weights = Object.fromEntries([...params].map((p) => [p.name, makeTensor('float32', p.dims, p.data)]));
    const [train, plain] = [await createSession(trainable), await createSession(exported)];
    for (const n of [1, 3]) {
      const z = makeTensor('float32', [n, 3], rng.normals(3 * n));
      const trained = (await runSession(train, { z, ...weights })).x_mean.data as Float32Array;
      const reloaded = (await runSession(plain, { z })).x_mean.data as Float32Array;
      expect(reloaded.length).toBe(n * 144);
      // 1e-5 relative: the bound (onnxruntime may prepack initializers and fuse differently).
      reloaded.forEach((v, i) => expect(Math.abs(v - trained[i])).toBeLessThanOrEqual(1e-5 * Math.abs(trained[i]) + 1e-7));
    }
  });

  it('refuses unknown names and wrong sizes', () => {
    const original = writeModel(pytorchMlp(13, [2, 3]));
    expect(() => exportModel(original, new Map([['nope', new Float32Array(1)]]))).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
    expect(() => exportModel(original, new Map([['fc1.weight', new Float32Array(5)]]))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH' }));
  });
});
