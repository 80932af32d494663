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
    await model.dispose();
    await expect(model.negLogLikelihood(x, B, z)).rejects.toMatchObject({ code: 'LPC_DISPOSED' });
  });
});
