/**
 * The Fréchet distance between real and generated images ("fd" in evaluation output): the distance of
 * Gaussians fitted to their features under a feature network. By default the network is the package's own
 * small classifier trained on the same dataset (shipped in models/). This is NOT the Fréchet Inception
 * Distance: the features are not Inception-v3's, so numbers compare only with other numbers from the same
 * network, the same image counts (the estimate is biased upwards by O(1/n)) and the same dataset.
 */
import { invalidArgument } from '../errors.js';
import type { FeatureNetwork, NetworkImages } from './feature-network.js';
import type { FeatureStatistics } from './feature-statistics.js';
import { frechetDistanceOfMoments } from './frechet-distance.js';
import { type FeatureDataset, sharedFeatureClassifier } from './shipped-classifiers.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Which feature network judges the images: a shipped dataset's classifier, or one you opened. */
export interface FrechetDistanceOptions {
  /** Use the shipped classifier of this dataset. */
  dataset?: FeatureDataset;
  /** Use this network instead (e.g. one trained with trainFeatureClassifier). */
  network?: FeatureNetwork;
}

/** Every key of FrechetDistanceOptions (a misspelt option is refused, not ignored). */
const FRECHET_KEYS = { dataset: true, network: true } satisfies OptionKeys<FrechetDistanceOptions>;

/** The distance, its parts, and what it was measured with. */
export interface FrechetDistanceResult {
  /** The Fréchet distance between the two feature Gaussians. */
  readonly fd: number;
  /** ||mu_real - mu_generated||^2. */
  readonly meanTerm: number;
  /** The covariance part, fd - meanTerm. */
  readonly covarianceTerm: number;
  /** The feature network's name (reports print it with "fd": this is not Inception FID). */
  readonly network: string;
  readonly featureDim: number;
  readonly realCount: number;
  readonly generatedCount: number;
  /** Rounding-level negative eigenvalues clamped to zero (see sqrtPsd). */
  readonly clamped: number;
}

/**
 * Images, or statistics computed earlier with the same network's statistics() (to score many generated
 * sets against one real set without recomputing its features).
 */
export type FrechetInput = NetworkImages | FeatureStatistics;

/**
 * The Fréchet distance between the feature statistics of `real` and `generated` images ([n, 1, 28, 28],
 * values in [0, 1] when given as a Float32Array; an ImageSet in any declared range).
 *
 * @example
 * const { test } = loadFashionMnist();
 * const samples = decoderMeans;                 // Float32Array [n * 784] in [0, 1]
 * const { fd, network } = await frechetDistance(test, samples, { dataset: 'fashion-mnist' });
 * console.log(`fd ${fd.toFixed(2)} (${network}; not Inception FID)`);
 */
export async function frechetDistance(real: FrechetInput, generated: FrechetInput, options: FrechetDistanceOptions): Promise<FrechetDistanceResult> {
  checkKnownKeys(options, FRECHET_KEYS, 'frechetDistance');
  if (typeof options !== 'object' || options === null || (options.dataset === undefined) === (options.network === undefined)) {
    invalidArgument('options', 'an object with exactly one of dataset and network', options);
  }
  const network = options.network ?? (await sharedFeatureClassifier(options.dataset as FeatureDataset));
  const realStats = await statisticsOf(network, real, 'real');
  const generatedStats = await statisticsOf(network, generated, 'generated');
  const parts = frechetDistanceOfMoments(realStats, generatedStats);
  return {
    fd: parts.distance,
    meanTerm: parts.meanTerm,
    covarianceTerm: parts.covarianceTerm,
    network: network.name,
    featureDim: network.featureDim,
    realCount: realStats.count,
    generatedCount: generatedStats.count,
    clamped: parts.clamped,
  };
}

async function statisticsOf(network: FeatureNetwork, input: FrechetInput, name: string): Promise<FeatureStatistics> {
  if (typeof input === 'object' && input !== null && 'covariance' in input) {
    if (input.dim !== network.featureDim) invalidArgument(name, `statistics of ${network.featureDim}-dimensional features from '${network.name}'`, `statistics of dimension ${input.dim}`);
    return input;
  }
  return network.statistics(input);
}
