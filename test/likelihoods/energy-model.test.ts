import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { Optimizer } from '../../lib/native/optimizer.js';
import { batch, expectClose, smallDecoder } from './support.js';

const BERNOULLI = { likelihood: { kind: 'bernoulli' } } as const;

describe('EnergyModel', () => {
  it('frozen and trainable models agree; a trainable one sees in-place parameter updates at the next call', async () => {
    const decoder = smallDecoder();
    const data = batch(decoder, 2, 3, 'binary');
    await using frozen = await EnergyModel.create(decoder, BERNOULLI);
    await using trainable = await EnergyModel.create(decoder, { ...BERNOULLI, trainable: true });
    const a = await frozen.evaluate(data.x, data.B, data.z);
    const b = await trainable.evaluate(data.x, data.B, data.z);
    // The same float32 arithmetic; prepacked and fed weights may sum in different orders: 1e-6 relative.
    expectClose(b.energy, a.energy, 1e-6, 1e-6, 'energy');
    expectClose(b.gradZ, a.gradZ, 1e-5, 1e-6, 'grad_z');
    // The trainable model shares the decoder's arrays: scaling a weight in place changes its next energies.
    expect(trainable.params.get('fc2.weight').data).toBe(decoder.params.get('fc2.weight').data);
    decoder.params.get('fc2.weight').data.forEach((v, i, w) => (w[i] = 2 * v));
    const after = await trainable.evaluate(data.x, data.B, data.z);
    expect(after.energy.some((e, i) => Math.abs(e - b.energy[i]) > 1e-3)).toBe(true);
    // The frozen one keeps the values it was created with.
    expectClose((await frozen.evaluate(data.x, data.B, data.z)).energy, a.energy, 0, 0, 'frozen energy');
    // And a new frozen model starts from the current values.
    await using refrozen = await EnergyModel.create(decoder, BERNOULLI);
    expectClose((await refrozen.evaluate(data.x, data.B, data.z)).energy, after.energy, 1e-6, 1e-6, 'refrozen energy');
  });

  it('drives a native optimiser: Adam steps on the mean theta-gradient lower the mean energy of a batch', async () => {
    const decoder = smallDecoder('sigmoid', 21);
    const data = batch(decoder, 4, 2, 'binary', 22);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'learned', init: 0.5 } }, trainable: true });
    const names = model.params.names;
    using opt = new Optimizer(
      names.map((n) => model.params.get(n).data),
      { kind: 'adam', lr: 0.02 },
    );
    const mean = async () => (await model.evaluate(data.x, data.B, data.z)).energy.reduce((s, e) => s + e, 0) / (data.B * data.K);
    const start = await mean();
    for (let step = 0; step < 30; step++) {
      const grads = await model.thetaGradients(data.x, data.B, data.z);
      opt.step(names.map((n) => grads.get(n)!.map((g) => g / (data.B * data.K))));
    }
    const end = await mean();
    // 30 Adam steps of 0.02 on a 16-pixel batch: the fit improves by far more than float noise.
    expect(end).toBeLessThan(start - 1);
  });

  it('checks its arguments and lifecycle with coded errors', async () => {
    const decoder = smallDecoder();
    const { x, z, B } = batch(decoder, 2, 2, 'grey');
    const model = await EnergyModel.create(decoder, BERNOULLI);
    await expect(model.evaluate(x.subarray(1), B, z)).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(model.evaluate(x, B, z.subarray(1))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(model.evaluate(x, B, new Float32Array(0))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(model.evaluate(x, 0, z)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(model.evaluate(Array.from(x) as unknown as Float32Array, B, z)).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(model.thetaGradients(x, B, z)).rejects.toMatchObject({ code: 'LPC_INVALID_STATE' });
    await expect(model.evaluateWithGradients(x, B, z)).rejects.toMatchObject({ code: 'LPC_INVALID_STATE' });
    // Inputs are read, never written.
    const [xs, zs] = [x.slice(), z.slice()];
    await model.evaluateMetrics(x, B, z);
    expect(x).toEqual(xs);
    expect(z).toEqual(zs);
    await model.dispose();
    expect(model.disposed).toBe(true);
    await model.dispose();
    await expect(model.evaluate(x, B, z)).rejects.toMatchObject({ code: 'LPC_DISPOSED' });
    await expect(EnergyModel.create(decoder, { ...BERNOULLI, threads: 0 })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });
});
