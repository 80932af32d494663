/**
 * Evaluation of trained models in nats per image: the test ELBO, the importance-sampled log-likelihood
 * (IWAE-K) with encoder or Langevin proposals, reconstructions and samples, and the Fréchet distance ("fd")
 * between real and generated images under the package's own feature classifiers (not Inception FID), and
 * convergence diagnostics of MCMC draws (split-R-hat, effective sample size).
 *
 * @module eval
 */
export { elbo, type ElboOptions, type ElboResult } from './elbo.js';
export { importanceSampledLogLikelihood, type ImportanceSampleResult } from './importance-sampling.js';
export { DEFAULT_CHUNK_ROWS, forEachProposalChunk, type DrawOptions, type LikelihoodFunction, type ProposalChunk } from './proposal-draws.js';
export { checkProposal, inflateProposal, klToStandardNormal, proposalFromVariance, type GaussianProposal } from './proposal.js';
export { MarginalBernoulli, type MarginalBernoulliOptions, type MarginalBernoulliScore } from './marginal-bernoulli.js';
export { checkEvaluable, isBinary, isNormalised } from './units.js';
export { evaluateModel, type EvaluateOptions, type EvaluationResult, type ProposalKind, type ProposalReport } from './evaluate.js';
export { DEFAULT_EVAL_KEEP, DEFAULT_EVAL_LANGEVIN, DEFAULT_INFLATION, langevinProposal, type LangevinProposal, type LangevinProposalOptions } from './langevin-proposal.js';
export { reconstruct, sampleGridPng, sampleImages, type Reconstruction } from './reconstruction.js';
export { meanAndStdErr } from './statistics.js';
export { effectiveSampleSize, MIN_DRAWS_PER_CHAIN, splitRhat } from './chain-diagnostics.js';
export { buildFeatureClassifier, CLASSIFIER_IO, FEATURE_CLASSIFIER_OPSET, FEATURE_CLASSIFIER_SIZES, type FeatureClassifierOptions, NETWORK_NAME_KEY, withNllHead } from './feature-classifier.js';
export { type ClassifierScore, FeatureNetwork, type FeatureNetworkOptions, type NetworkImages } from './feature-network.js';
export { featureStatistics, type FeatureStatistics } from './feature-statistics.js';
export { type FrechetParts, frechetDistanceOfMoments, type GaussianMoments } from './frechet-distance.js';
export { frechetDistance, type FrechetDistanceOptions, type FrechetDistanceResult, type FrechetInput } from './image-frechet-distance.js';
export { randomShift } from './random-shift.js';
export {
  FEATURE_DATASETS,
  type FeatureClassifierRecord,
  type FeatureDataset,
  featureClassifierPath,
  featureClassifierRecordPath,
  loadFeatureClassifier,
  MODELS_DIR,
  readFeatureClassifierRecord,
  sharedFeatureClassifier,
} from './shipped-classifiers.js';
export { type PsdSqrt, PSD_TOLERANCE, sqrtPsd, symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
export { type EpochReport, type TrainedFeatureClassifier, trainFeatureClassifier, type TrainFeatureClassifierOptions } from './train-feature-classifier.js';
