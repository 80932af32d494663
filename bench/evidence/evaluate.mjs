/**
 * Test NLL of a decoder (and its encoder, if any) in nats per image with lib/eval's evaluateModel: importance
 * sampling with K = IWAE_K fresh draws per image; with an encoder, the better of its q and the Langevin proposal
 * started from q (default evaluation settings), and the test ELBO; without one, the Langevin proposal from the
 * prior. The networks are copied into frozen runtimes (prepacked weights, faster than the trainer's).
 */
import os from 'node:os';
import { EncoderModel, EnergyModel, evaluateModel } from '../../dist/index.js';
import { EVAL_SEED, IWAE_K } from './config.mjs';

/**
 * Evaluates on `images`; `encoderFree` adds the encoder-free estimate (Langevin from the prior) for a model with
 * an encoder, so that every model is also scored by the same estimator. Returns plain numbers for the JSON lines.
 */
export async function testNll(decoder, encoder, images, { encoderFree = false } = {}) {
  const started = performance.now();
  const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, threads: 1 });
  const encoderModel = encoder === null ? null : await EncoderModel.create(encoder, { threads: 1 });
  try {
    const r = await evaluateModel(energy, images, { encoder: encoderModel ?? undefined, iwaeSamples: IWAE_K, seed: EVAL_SEED });
    const proposals = r.proposals.map((p) => ({ kind: p.kind, nll: p.nll, nllStdErr: p.nllStdErr, mcStdErr: p.mcStdErr, essMean: p.essMean, restarts: p.restarts }));
    let nll = r.nll;
    let proposal = r.proposal;
    if (encoderFree && encoderModel !== null) {
      const free = await evaluateModel(energy, images, { iwaeSamples: IWAE_K, seed: EVAL_SEED });
      const p = free.proposals[0];
      proposals.push({ kind: 'langevin', nll: p.nll, nllStdErr: p.nllStdErr, mcStdErr: p.mcStdErr, essMean: p.essMean, restarts: p.restarts });
      if (p.nll < nll) {
        nll = p.nll;
        proposal = 'langevin';
      }
    }
    return {
      images: r.images,
      nllK: r.nllK,
      nll,
      nllStdErr: proposals.find((p) => p.kind === proposal).nllStdErr,
      proposal,
      proposals,
      negElbo: r.negElbo,
      negElboStdErr: r.negElboStdErr,
      reconMse: r.reconMse,
      normalised: r.normalised,
      evalSeconds: (performance.now() - started) / 1000,
      loadavg: os.loadavg(),
    };
  } finally {
    await energy.dispose();
    await encoderModel?.dispose();
  }
}
