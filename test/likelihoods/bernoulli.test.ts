import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import type { Decoder } from '../../lib/models/networks.js';
import { bernoulliNll } from './reference.js';
import { batch, expectClose, expectGradientsMatch, referenceEnergies, smallDecoder } from './support.js';

const SPEC = { kind: 'bernoulli' } as const;

/** A decoder x_mean = Sigmoid(W z) with W = scale * ones: logits of size scale * sum(z). */
function saturatedDecoder(scale: number): Decoder {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const z = b.input('z', 'float32', ['batch', 2]);
  const w = b.initializer('w', makeTensor('float32', [2, 4], new Float32Array(8).fill(scale)));
  const logits = b.reshape(b.op('MatMul', [z, w]), [-1, 1, 2, 2]);
  b.op('Sigmoid', [logits], {}, { name: 'head', outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch', 1, 2, 2] });
  return { model, params: ParameterSet.fromModel(model), latentInput: 'z', output: 'x_mean', latentDim: 2, imageShape: [1, 2, 2], layout: 'nchw', range: '01', head: { op: 'Sigmoid', node: 'head' } };
}

describe('Bernoulli likelihood', () => {
  for (const kind of ['grey', 'binary'] as const) {
    for (const output of ['sigmoid', 'tanh'] as const) {
      it(`energy and nll equal the float64 reference (${kind} targets, ${output} decoder)`, async () => {
        const decoder = smallDecoder(output);
        const data = batch(decoder, 2, 3, kind);
        await using model = await EnergyModel.create(decoder, { likelihood: SPEC });
        const metrics = await model.evaluateMetrics(data.x, data.B, data.z);
        const ref = referenceEnergies(decoder, SPEC, data.x, data.B, data.z);
        // Energies of ~10-20 nats summed in float32 over 16 pixels: 1e-5 relative is ~100 ulps.
        expectClose(metrics.energy, ref.energy, 1e-5, 1e-5, 'energy');
        expectClose(metrics.nll, ref.nll, 1e-5, 1e-5, 'nll');
        expectClose(metrics.sse, ref.sse, 1e-5, 1e-6, 'sse');
        expectClose((await model.evaluate(data.x, data.B, data.z)).energy, ref.energy, 1e-5, 1e-5, 'energy (sample graph)');
      });
    }
  }

  it('dE/dz and dE/dtheta match finite differences of the float64 reference', async () => {
    for (const output of ['sigmoid', 'tanh'] as const) {
      const decoder = smallDecoder(output, 3);
      const data = batch(decoder, 2, 2, 'grey', 4);
      await using model = await EnergyModel.create(decoder, { likelihood: SPEC, trainable: true });
      await expectGradientsMatch(model, decoder, SPEC, data);
    }
  });

  it('cuts the final Sigmoid: no Sigmoid feeds the energy', async () => {
    await using model = await EnergyModel.create(smallDecoder(), { likelihood: SPEC });
    const g = model.graph.model.graph;
    const producers = g.producers();
    // The only Sigmoid left computes the mean output, which the energy does not read.
    const sigmoids = g.nodes.filter((n) => n.opType === 'Sigmoid');
    expect(sigmoids.length).toBe(1);
    const energyInputs = new Set<string>();
    const stack = ['energy'];
    while (stack.length > 0) {
      const p = producers.get(stack.pop()!);
      if (p && !energyInputs.has(p.name)) {
        energyInputs.add(p.name);
        stack.push(...p.inputs);
      }
    }
    expect(energyInputs.has(sigmoids[0].name)).toBe(false);
  });

  it('differentiates softplus as Sigmoid(l), also at l = 0 where the stable rewrite has a kink', async () => {
    await using model = await EnergyModel.create(saturatedDecoder(5000), { likelihood: SPEC });
    // z = 0 gives logits exactly 0: dE/dz_k = 5000 * sum_j (sigmoid(0) - 0) = 10000 (the rewrite's own derivative would give 0).
    const out = await model.evaluate(new Float32Array(4), 1, new Float32Array(2));
    expect(Array.from(out.gradZ)).toEqual([10000, 10000]);
    expect(out.energy[0]).toBeCloseTo(4 * Math.log(2), 6);
  });

  it('stays finite and exact for logits of +-1e4, where the naive log(sigmoid) form gives Inf or NaN', async () => {
    const decoder = saturatedDecoder(5000);
    const x = Float32Array.of(1, 0, 1, 0);
    const z = Float32Array.of(1, 1, -1, -1); // logits +1e4 (chain 0) and -1e4 (chain 1)
    await using model = await EnergyModel.create(decoder, { likelihood: SPEC, trainable: true });
    const out = await model.evaluateWithGradients(x, 1, z);
    for (const v of [...out.energy, ...out.gradZ, ...out.gradients.get('w')!]) expect(Number.isFinite(v)).toBe(true);
    for (let c = 0; c < 2; c++) {
      const logit = 1e4 * (c === 0 ? 1 : -1);
      const expected = bernoulliNll([logit, logit, logit, logit], x) + 1;
      // 2e4-nat energies: float32 resolves them to ~1e-3; 1e-6 relative is a few ulps.
      expect(Math.abs(out.energy[c] - expected)).toBeLessThan(1e-6 * expected);
      // dE/dz_k = 5000 sum_j (sigmoid(l_j) - x_j) + z_k, with sigmoid(l) = 1 (chain 0) or 0 (chain 1) in float32.
      const residual = x.reduce((a, xj) => a + (c === 0 ? 1 : 0) - xj, 0);
      for (let k = 0; k < 2; k++) expect(out.gradZ[c * 2 + k]).toBe(5000 * residual + z[c * 2 + k]);
    }

    // The same energy written naively, -x log(sigmoid(l)) - (1 - x) log(1 - sigmoid(l)), is not finite here.
    const naive = new Model(new Graph(), 17);
    const b = new GraphBuilder(naive);
    const l = b.input('l', 'float32', [2, 4]);
    const t = b.input('t', 'float32', [1, 4]);
    const s = b.op('Sigmoid', [l]);
    const one = b.scalar(1, 'float32');
    const terms = b.op('Add', [b.op('Mul', [t, b.op('Log', [s])]), b.op('Mul', [b.op('Sub', [one, t]), b.op('Log', [b.op('Sub', [one, s])])])]);
    b.output(b.op('Neg', [b.reduce('ReduceSum', terms, [1], false)]), 'e');
    const bad = await runSession(await createSession(naive), { l: makeTensor('float32', [2, 4], Float32Array.of(1e4, 1e4, 1e4, 1e4, -1e4, -1e4, -1e4, -1e4)), t: makeTensor('float32', [1, 4], x) });
    expect(Array.from(bad.e.data as Float32Array).some((v) => !Number.isFinite(v))).toBe(true);
  });
});
