import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { exportDecoder } from '../../lib/models/export.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { gaussianNll, mlpPreactivation, valuesOf } from '../likelihoods/reference.js';
import { batch, expectClose, expectGradientsMatch, referenceEnergies } from '../likelihoods/support.js';
import { pytorchNhwcDecoder } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'lpc-loaders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading pretrained decoders', () => {
  for (const head of ['after', 'before'] as const) {
    it(`detects an NHWC output with a final Sigmoid ${head} the permute, and its energies and gradients are right`, async () => {
      const decoder = await loadDecoder(writeModel(pytorchNhwcDecoder({ head })));
      expect([decoder.latentInput, decoder.output, decoder.latentDim, decoder.layout, decoder.range, decoder.head]).toEqual(['z', 'output', 4, 'nhwc', '01', { op: 'Sigmoid', node: '/Sigmoid' }]);
      expect(decoder.imageShape).toEqual([3, 6, 5]);
      const data = batch(decoder, 2, 2, 'binary');
      for (const spec of [{ kind: 'bernoulli' }, { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.2 } }] as const) {
        await using model = await EnergyModel.create(decoder, { likelihood: spec, trainable: true });
        const m = await model.evaluateMetrics(data.x, data.B, data.z);
        // The reference reads the pre-activation in the view's NCHW order, as x is: 1e-5 relative of ~60 nats.
        expectClose(m.energy, referenceEnergies(decoder, spec, data.x, data.B, data.z).energy, 1e-5, 1e-5, `${spec.kind} energy`);
        await expectGradientsMatch(model, decoder, spec, data, false, 1);
      }
    });
  }

  it('detects a Tanh head as range 11, and uses the data image shape to read or refuse the layout', async () => {
    const bytes = writeModel(pytorchNhwcDecoder({ head: 'tanh' }));
    const tanh = await loadDecoder(bytes, { imageShape: [3, 6, 5] });
    expect([tanh.range, tanh.head?.op, tanh.layout]).toEqual(['11', 'Tanh', 'nhwc']);
    await expect(loadDecoder(bytes, { imageShape: [3, 5, 6] })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    // Forcing NCHW reads [6, 5, 3] as C=6, H=5, W=3, which the data contradict.
    await expect(loadDecoder(bytes, { imageShape: [3, 6, 5], layout: 'nchw' })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    expect((await loadDecoder(bytes, { layout: 'nchw' })).imageShape).toEqual([6, 5, 3]);
  });

  it('needs a range for a linear output, and then uses the output as the mean', async () => {
    const bytes = writeModel(pytorchNhwcDecoder({ head: 'none' }));
    await expect(loadDecoder(bytes)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('range') });
    const decoder = await loadDecoder(bytes, { range: '11' });
    expect([decoder.range, decoder.head]).toEqual(['11', null]);
    const data = batch(decoder, 1, 2, 'grey');
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.5 } } });
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    const values = valuesOf(decoder);
    for (let c = 0; c < 2; c++) {
      const mean = mlpPreactivation(values, 2, data.z.subarray(c * 4, (c + 1) * 4));
      // O(100)-nat values: 1e-5 relative.
      expect(Math.abs(m.nll[c] - gaussianNll(mean, data.x, 0.5))).toBeLessThan(1e-5 * Math.abs(m.nll[c]));
    }
  });

  it('reads the latent size from the input or the option, and refuses a contradiction', async () => {
    const bytes = writeModel(pytorchNhwcDecoder({ dynamicLatent: true }));
    await expect(loadDecoder(bytes)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('latentDim') });
    expect((await loadDecoder(bytes, { latentDim: 4 })).latentDim).toBe(4);
    await expect(loadDecoder(writeModel(pytorchNhwcDecoder()), { latentDim: 5 })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
  });

  it('finds the output shape by running the model when inference cannot, and reads flat outputs', async () => {
    // Sinh is not in the toolkit's registry, so shape inference stops there.
    const model = new Model(new Graph(), 17);
    const b = new GraphBuilder(model);
    const z = b.input('z', 'float32', ['n', 2]);
    const w = b.initializer('w', makeTensor('float32', [2, 784], new Float32Array(1568).fill(0.01)));
    b.output(b.op('Sinh', [b.op('MatMul', [z, w])]), 'y');
    const probed = await loadDecoder(writeModel(model), { range: '01' });
    expect([probed.imageShape, probed.layout]).toEqual([[1, 28, 28], 'nchw']);
    const ninety = model.clone();
    ninety.graph.initializers.set('w', makeTensor('float32', [2, 90], new Float32Array(180)));
    await expect(loadDecoder(writeModel(ninety), { range: '01' })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('imageShape') });
    expect((await loadDecoder(writeModel(ninety), { range: '01', imageShape: [3, 6, 5] })).imageShape).toEqual([3, 6, 5]);
  });

  it('loads from a path, with coded errors for absent and corrupt files', async () => {
    const path = join(dir, 'decoder.onnx');
    writeFileSync(path, writeModel(pytorchNhwcDecoder()));
    expect((await loadDecoder(path)).layout).toBe('nhwc');
    await expect(loadDecoder(join(dir, 'absent.onnx'))).rejects.toMatchObject({ code: 'LPC_NOT_FOUND' });
    writeFileSync(join(dir, 'corrupt.onnx'), Uint8Array.of(1, 2, 3, 4, 255, 255));
    await expect(loadDecoder(join(dir, 'corrupt.onnx'))).rejects.toMatchObject({ code: 'LPC_INVALID_MODEL' });
    await expect(loadDecoder(pytorchNhwcDecoder(), { layout: 'hwc' as never })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });

  it('exports trained parameters into the original file, which loads back with the same energies', async () => {
    const original = writeModel(pytorchNhwcDecoder());
    const decoder = await loadDecoder(original);
    decoder.params.get('fc2.bias').data.fill(0.25);
    const exported = exportDecoder(decoder);
    const back = readModel(exported);
    expect(Array.from(back.graph.initializers.get('fc2.bias')!.data as Float32Array)).toEqual(new Array(90).fill(0.25));
    expect(back.graph.nodes.map((n) => n.name)).toEqual(readModel(original).graph.nodes.map((n) => n.name));
    const reloaded = await loadDecoder(exported);
    const data = batch(decoder, 2, 1, 'binary');
    await using a = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' } });
    await using c = await EnergyModel.create(reloaded, { likelihood: { kind: 'bernoulli' } });
    expectClose((await c.evaluate(data.x, data.B, data.z)).energy, (await a.evaluate(data.x, data.B, data.z)).energy, 0, 0, 'energy');
  });
});
