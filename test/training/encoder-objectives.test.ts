/**
 * The amortised encoder's objectives (forward KL, reverse KL, Jeffreys) as the LPC trainer computes them:
 * latent gradients from encoder-objectives.ts carried to the encoder's parameters by its VJP graph, and the
 * whole step as one graph (FusedEncoderStep), each checked against float64 central differences of each loss
 * written from its definition (float64 encoder and decoder).
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import type { EncoderObjective } from '../../lib/training/encoder-objectives.js';
import { encoderStepGradients, type EncoderStepInput } from '../../lib/training/encoder-step.js';
import { FusedEncoderStep } from '../../lib/training/fused-encoder-step.js';
import { keptStateWeights } from '../../lib/training/theta-gradient.js';
import { batch as makeBatch, smallDecoder } from '../likelihoods/support.js';
import { valuesOf, type Values } from '../likelihoods/reference.js';
import { encoderReference, energies, expectParamGradients, HALF_LOG_2PI, reparameterise, smallEncoder } from './support/reference.js';

const BERNOULLI = { kind: 'bernoulli' } as const;
const [B, S, K, d] = [3, 2, 2, 3];

async function setup() {
  const decoder = smallDecoder('sigmoid', 5);
  const encoder = smallEncoder(6);
  const energy = await EnergyModel.create(decoder, { likelihood: BERNOULLI, trainable: true });
  const encoderModel = await EncoderModel.create(encoder, { trainable: true });
  const { x } = makeBatch(decoder, B, 1, 'binary', 7);
  const rng = new Mulberry32(8);
  const states = rng.normals(B * S * K * d);
  // Chain k = 0 of datapoint 1 restarted: its states are dropped, the mean is over the other 5 chains.
  const restarts = Int32Array.of(0, 0, 1, 0, 0, 0);
  const { weights } = keptStateWeights(restarts, B, K, S);
  const eps = rng.normals(B * d);
  return { decoder, encoder, energy, encoderModel, x, states, weights, eps };
}

/** The objective in float64 as a function of the encoder's parameter values. */
function referenceLoss(objective: EncoderObjective, s: Awaited<ReturnType<typeof setup>>): (values: Values) => number {
  const decoderValues = valuesOf(s.energy);
  return (values) => {
    const { mu, logSigma } = encoderReference(values, s.x, B);
    let loss = 0;
    if (objective !== 'reverse') {
      for (let r = 0; r < B * S * K; r++) {
        const b = Math.floor(r / (S * K));
        for (let j = 0; j < d; j++) {
          const u = (s.states[r * d + j] - mu[b * d + j]) / Math.exp(logSigma[b * d + j]);
          loss += s.weights[r] * (logSigma[b * d + j] + HALF_LOG_2PI + 0.5 * u * u);
        }
      }
    }
    if (objective !== 'forward') {
      const z = reparameterise(mu, logSigma, s.eps, 1, d);
      const e = energies(s.decoder, BERNOULLI, s.x, B, z, decoderValues);
      for (let b = 0; b < B; b++) {
        let term = e[b];
        for (let j = b * d; j < (b + 1) * d; j++) term += -0.5 * z[j] * z[j] + 0.5 * (mu[j] ** 2 + Math.exp(2 * logSigma[j]) - 1 - 2 * logSigma[j]);
        loss += term / B;
      }
    }
    return loss;
  };
}

type StepResult = { losses: Record<string, number>; phi: Float32Array[] | null };
type Setup = Awaited<ReturnType<typeof setup>>;

/** The two implementations of the encoder step: separate runs with JavaScript between, and one graph. */
const IMPLEMENTATIONS: [string, (s: Setup, input: EncoderStepInput) => Promise<StepResult>][] = [
  ['separate runs', (_s, input) => encoderStepGradients(input)],
  [
    'one graph',
    async (s, input) => {
      await using step = (await FusedEncoderStep.create(s.energy, s.encoder, input.objective))!;
      return await step.gradients(input);
    },
  ],
];

describe('encoder objectives', () => {
  for (const [implementation, stepOf] of IMPLEMENTATIONS) {
    for (const objective of ['forward', 'reverse', 'jeffreys'] as const) {
      it(`${objective}, ${implementation}: loss and encoder-parameter gradients match float64 central differences`, async () => {
        const s = await setup();
        try {
          const encoded = await s.encoderModel.forward(s.x, B);
          let draws = 0;
          const out = await stepOf(s, {
            objective,
            encoder: s.encoderModel,
            energy: s.energy,
            x: s.x,
            batch: B,
            encoded,
            states: s.states,
            rowsPer: S * K,
            weights: s.weights,
            drawEps: () => (draws++, s.eps),
          });
          // Noise is drawn only for an objective with a reverse term.
          expect(draws).toBe(objective === 'forward' ? 0 : 1);
          const loss = referenceLoss(objective, s);
          const base = valuesOf(s.encoder);
          const reported = (out.losses.forwardKl ?? 0) + (out.losses.reverseKl ?? 0);
          // float32 encoder and decoder outputs (relative rounding ~1e-6) summed into O(10) losses: 1e-5 relative.
          expect(Math.abs(reported - loss(base))).toBeLessThanOrEqual(1e-5 * Math.abs(loss(base)));
          expect(Object.keys(out.losses).sort()).toEqual(objective === 'forward' ? ['forwardKl'] : objective === 'reverse' ? ['reverseKl'] : ['forwardKl', 'reverseKl']);
          const grads = new Map(s.encoder.params.names.map((n, i) => [n, out.phi![i]]));
          // float32 gradients (sums of at most a few dozen terms through two small networks) against float64
          // differences with step 1e-6 (truncation and rounding < 1e-8): 2e-4 of sum |g_i v_i|.
          expectParamGradients(objective, grads, base, loss, 2e-4, 1e-8);
        } finally {
          await s.energy.dispose();
          await s.encoderModel.dispose();
        }
      });
    }

    it(`forward KL ignores the states of dropped chains bit for bit, ${implementation}`, async () => {
      const s = await setup();
      try {
        const encoded = await s.encoderModel.forward(s.x, B);
        const run = (states: Float32Array) =>
          stepOf(s, { objective: 'forward', encoder: s.encoderModel, energy: s.energy, x: s.x, batch: B, encoded, states, rowsPer: S * K, weights: s.weights, drawEps: () => s.eps });
        const a = await run(s.states);
        const moved = s.states.slice();
        // Datapoint 1, chain 0: rows (1*S + s)*K + 0 for s = 0, 1; values whose squares overflow float32.
        for (const r of [4, 6]) moved.fill(3e25, r * d, (r + 1) * d);
        const b = await run(moved);
        expect(b.losses.forwardKl).toBe(a.losses.forwardKl);
        b.phi!.forEach((g, i) => expect(g).toEqual(a.phi![i]));
      } finally {
        await s.energy.dispose();
        await s.encoderModel.dispose();
      }
    });
  }
});
