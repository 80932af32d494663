/**
 * Evaluation of trained models in nats per image: the test ELBO, the importance-sampled log-likelihood
 * (IWAE-K) with encoder or Langevin proposals, and the pieces they are made of.
 */
export { elbo, type ElboOptions, type ElboResult } from './elbo.js';
export { importanceSampledLogLikelihood, type ImportanceSampleResult } from './importance-sampling.js';
export { DEFAULT_CHUNK_ROWS, forEachProposalChunk, type DrawOptions, type LikelihoodFunction, type ProposalChunk } from './proposal-draws.js';
export { checkProposal, inflateProposal, klToStandardNormal, proposalFromVariance, type GaussianProposal } from './proposal.js';
export { MarginalBernoulli, type MarginalBernoulliOptions, type MarginalBernoulliScore } from './marginal-bernoulli.js';
export { checkEvaluable, isBinary, isNormalised } from './units.js';
export { evaluateModel, type EvaluateOptions, type EvaluationResult, type ProposalKind, type ProposalReport } from './evaluate.js';
export { DEFAULT_EVAL_KEEP, DEFAULT_EVAL_LANGEVIN, DEFAULT_INFLATION, langevinProposal, type LangevinProposal } from './langevin-proposal.js';
export { reconstruct, sampleGridPng, sampleImages, type Reconstruction } from './reconstruction.js';
export { meanAndStdErr } from './statistics.js';
