/**
 * The decoder's gradient in Langevin PC: the mean of dE/dtheta over kept states, chains and batch equals the
 * float64 gradient of the mean energy computed directly; its scale does not change when the same states are
 * counted twice (as more steps or chains would); restarted chains are dropped exactly; and a trainer whose
 * chains restart counts and drops them.
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { mlpDecoder } from '../../lib/models/mlp.js';
import type { Decoder } from '../../lib/models/networks.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { createImageSet } from '../../lib/data/image-set.js';
import { keptStateWeights, meanThetaGradients } from '../../lib/training/theta-gradient.js';
import { LpcTrainer } from '../../lib/training/lpc-trainer.js';
import { batch as makeBatch, expectClose, smallDecoder } from '../likelihoods/support.js';
import { valuesOf } from '../likelihoods/reference.js';
import { energies, expectParamGradients } from './support/reference.js';

const BERNOULLI = { kind: 'bernoulli' } as const;
const [B, S, K, d] = [2, 3, 2, 3];

describe('keptStateWeights', () => {
  it('gives each state of a surviving chain 1 / (S * survivors) in the [B, S, K] layout and drops restarted chains', () => {
    const w = keptStateWeights(Int32Array.of(0, 2, 0, 0), B, K, S);
    expect([w.survivors, w.dropped]).toEqual([3, 1]);
    // Chain 1 is datapoint 0, chain k = 1: rows (0*S + s)*K + 1 = 1, 3, 5.
    const expected = Array.from({ length: B * S * K }, (_, r) => ([1, 3, 5].includes(r) ? 0 : Math.fround(1 / 9)));
    expect(Array.from(w.weights)).toEqual(expected);
    const none = keptStateWeights(Int32Array.of(1, 1, 1, 1), B, K, S);
    expect([none.survivors, none.dropped, none.weights.every((v) => v === 0)]).toEqual([0, 4, true]);
  });
});

describe('mean theta-gradient', () => {
  async function setup() {
    const decoder = smallDecoder('sigmoid', 31);
    const energy = await EnergyModel.create(decoder, { likelihood: BERNOULLI, trainable: true });
    const { x } = makeBatch(decoder, B, 1, 'binary', 32);
    const states = new Mulberry32(33).normals(B * S * K * d);
    return { decoder, energy, x, states };
  }

  it('equals the float64 gradient of the mean energy over kept states, chains and batch', async () => {
    const { decoder, energy, x, states } = await setup();
    await using _ = energy;
    const { weights } = keptStateWeights(new Int32Array(B * K), B, K, S);
    const grads = await meanThetaGradients(energy, x, B, states, weights);
    const mean = (v: ReturnType<typeof valuesOf>) => energies(decoder, BERNOULLI, x, B, states, v).reduce((s, e) => s + e, 0) / (B * S * K);
    // float32 sums of 12 rows through a 3-8-16 network against float64 differences (step 1e-6): 2e-4 of sum |g_i v_i|.
    expectParamGradients('mean', new Map(energy.params.names.map((n, i) => [n, grads[i]])), valuesOf(energy), mean, 2e-4, 1e-9);
    // Counting every state twice (as twice the steps or chains would) leaves the mean unchanged: 1e-6 relative.
    const doubled = new Float32Array(2 * states.length);
    for (let b = 0; b < B; b++) {
      const block = states.subarray(b * S * K * d, (b + 1) * S * K * d);
      doubled.set(block, 2 * b * S * K * d);
      doubled.set(block, (2 * b + 1) * S * K * d);
    }
    const twice = await meanThetaGradients(energy, x, B, doubled, keptStateWeights(new Int32Array(B * K), B, K, 2 * S).weights);
    twice.forEach((g, i) => expectClose(g, grads[i], 1e-6, 1e-7, energy.params.names[i]));
  });

  it('drops restarted chains exactly: the mean over the survivors alone, whatever the dropped states hold', async () => {
    const { decoder, energy, x, states } = await setup();
    await using _ = energy;
    const restarts = Int32Array.of(0, 0, 0, 3);
    const { weights } = keptStateWeights(restarts, B, K, S);
    const grads = await meanThetaGradients(energy, x, B, states, weights);
    const rows = Array.from({ length: B * S * K }, (_, r) => r).filter((r) => weights[r] !== 0);
    expect(rows.length).toBe(S * 3);
    const mean = (v: ReturnType<typeof valuesOf>) => {
      const e = energies(decoder, BERNOULLI, x, B, states, v);
      return rows.reduce((s, r) => s + e[r], 0) / rows.length;
    };
    expectParamGradients('survivors', new Map(energy.params.names.map((n, i) => [n, grads[i]])), valuesOf(energy), mean, 2e-4, 1e-9);
    // Datapoint 1, chain 1: rows (1*S + s)*K + 1 = 7, 9, 11; new values there change nothing, to the bit.
    const moved = states.slice();
    for (const r of [7, 9, 11]) moved.fill(-7.5, r * d, (r + 1) * d);
    const again = await meanThetaGradients(energy, x, B, moved, weights);
    again.forEach((g, i) => expect(g).toEqual(grads[i]));
  });
});

/**
 * An MLP decoder whose energy is NaN wherever a latent coordinate is below -3 (z + 0 * sqrt(z + 3) feeds the
 * network), and unchanged elsewhere: Langevin chains that wander there restart.
 */
function decoderWithNanRegion(): Decoder {
  const decoder = mlpDecoder({ latentDim: 2, imageShape: [1, 4, 4], hidden: [8], seed: 41 });
  const model = decoder.model.clone();
  const b = new GraphBuilder(model, 'nan_region/');
  const consumers = model.graph.nodes.filter((n) => n.inputs.includes('z'));
  const probe = b.op('Mul', [b.op('Sqrt', [b.op('Add', ['z', b.scalar(3, 'float32')])]), b.scalar(0, 'float32')]);
  const guarded = b.op('Add', ['z', probe]);
  for (const n of consumers) n.inputs = n.inputs.map((v) => (v === 'z' ? guarded : v));
  return { ...decoder, model };
}

describe('LpcTrainer with restarting chains', () => {
  it('counts the restarted chains as dropped and still updates the decoder from the others', async () => {
    const decoder = decoderWithNanRegion();
    const rng = new Mulberry32(42);
    const images = Uint8Array.from({ length: 40 * 16 }, () => (rng.uniform() < 0.5 ? 0 : 255));
    const data = createImageSet({ name: 'coins', count: 40, shape: [1, 4, 4], images, labels: null, range: [0, 255] });
    await using trainer = await LpcTrainer.create({ decoder, langevin: { steps: 30, stepSize: 0.3, chains: 4 }, seed: 3, threads: 1 });
    const before = Float32Array.from(decoder.params.get('fc1.weight').data);
    let restarts = 0;
    let dropped = 0;
    for await (const e of trainer.run({ data, batchSize: 20, updates: 4 })) {
      if (e.type !== 'update') continue;
      // A dropped chain restarted at least once, so restarts >= dropped; both are counts over B * K = 80 chains.
      expect(e.restarts).toBeGreaterThanOrEqual(e.droppedChains);
      expect(e.droppedChains).toBeLessThan(80);
      restarts += e.restarts;
      dropped += e.droppedChains;
    }
    // At eta = 0.3 coordinates wander past -3 now and then (13 of 320 chain-minibatches with this seed).
    expect(dropped).toBeGreaterThan(0);
    expect(restarts).toBeGreaterThanOrEqual(dropped);
    const after = decoder.params.get('fc1.weight').data;
    expect(after.every(Number.isFinite)).toBe(true);
    expect(after).not.toEqual(before);
  });
});
