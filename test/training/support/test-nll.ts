/**
 * Test NLL of a trained decoder in nats per image, by importance sampling (lib/eval) with K fresh draws per
 * image from a diagonal Gaussian proposal: the encoder's q(z|x), or for encoder-free models a Gaussian fitted
 * to each image's kept Langevin states with its variance doubled (wider than the posterior it approximates,
 * so the importance weights keep light tails).
 */
import type { ImageSet } from '../../../lib/data/image-set.js';
import { importanceSampledLogLikelihood } from '../../../lib/eval/importance-sampling.js';
import { inflateProposal, proposalFromVariance, type GaussianProposal } from '../../../lib/eval/proposal.js';
import { LangevinSampler } from '../../../lib/inference/langevin-sampler.js';
import { fitDiagonalGaussian } from '../../../lib/inference/summaries.js';
import { EnergyModel } from '../../../lib/likelihoods/energy-model.js';
import { EncoderModel } from '../../../lib/models/encoder-model.js';
import type { Decoder, Encoder } from '../../../lib/models/networks.js';
import { Rng } from '../../../lib/native/rng.js';

/** The variance inflation of the Langevin proposal. */
export const LANGEVIN_PROPOSAL_INFLATION = 2;

export interface TestNll {
  /** Mean -log p^(x) over the images. */
  nll: number;
  /** Its standard error over the images. */
  stdErr: number;
  /** -log p^(x) of each image, in the order of the set (for errors paired with another model's). */
  perImage: number[];
}

/**
 * -log p(x) averaged over `test` (binary values in [0, 1], Bernoulli likelihood), K = samples per image.
 * Encoder-free: 4 chains of 60 steps (eta 0.1) per image, the 30 states after a burn-in of 30 kept.
 */
export async function testNll(decoder: Decoder, encoder: Encoder | null, test: ImageSet<Float32Array>, samples: number, seed: number): Promise<TestNll> {
  await using energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, threads: 1 });
  await using encoderModel = encoder === null ? null : await EncoderModel.create(encoder, { threads: 1 });
  using rng = new Rng({ seed });
  const sampler = new LangevinSampler(energy, { steps: 60, stepSize: 0.1, chains: 4, keep: { burnIn: 30 }, seed });
  const size = test.images.length / test.count;
  const batch = 100;
  const values: number[] = [];
  for (let first = 0; first < test.count; first += batch) {
    const n = Math.min(batch, test.count - first);
    const x = test.images.subarray(first * size, (first + n) * size);
    let proposal: GaussianProposal;
    if (encoderModel !== null) {
      const { mu, logSigma } = await encoderModel.forward(x, n);
      proposal = { mean: mu, logSigma };
    } else {
      const result = await sampler.run(x);
      const fit = fitDiagonalGaussian(result.kept!, n, energy.latentDim);
      proposal = inflateProposal(proposalFromVariance(fit.mean, fit.variance), LANGEVIN_PROPOSAL_INFLATION);
    }
    const iw = await importanceSampledLogLikelihood(energy, x, n, proposal, { samples, rng });
    for (const l of iw.logLikelihood) values.push(-l);
  }
  const nll = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - nll) ** 2, 0) / (values.length - 1);
  return { nll, stdErr: Math.sqrt(variance / values.length), perImage: values };
}
