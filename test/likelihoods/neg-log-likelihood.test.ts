import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { batch, smallDecoder } from './support.js';

describe('EnergyModel.negLogLikelihood', () => {
  it('returns the nll output of the evaluation graph alone, and the model names its likelihood', async () => {
    const decoder = smallDecoder();
    const spec = { kind: 'bernoulli' } as const;
    const model = await EnergyModel.create(decoder, { likelihood: spec, threads: 1 });
    expect(model.likelihood).toEqual(spec);
    const { x, z, B } = batch(decoder, 3, 5, 'binary');
    const nll = await model.negLogLikelihood(x, B, z);
    const metrics = await model.evaluateMetrics(x, B, z);
    // Same session, same graph: bit-identical.
    expect(Array.from(nll)).toEqual(Array.from(metrics.nll));
    // A trainable model feeds its parameters as inputs (what trainers evaluate with): the same values to
    // float32 rounding of a differently packed GEMM.
    const trainable = await EnergyModel.create(decoder, { likelihood: spec, trainable: true, threads: 1 });
    const fed = await trainable.negLogLikelihood(x, B, z);
    for (let i = 0; i < nll.length; i++) expect(fed[i]).toBeCloseTo(nll[i], 4);
    await trainable.dispose();
    await model.dispose();
    await expect(model.negLogLikelihood(x, B, z)).rejects.toMatchObject({ code: 'LPC_DISPOSED' });
  });
});
