/**
 * The feature classifiers that ship with the package, one per built-in dataset, in the package's
 * models/ folder: feature-classifier-<dataset>.onnx and a JSON record of how it was trained and the test
 * accuracy it reached (scripts/train-feature-classifier.mjs writes both).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidArgument, LpcError } from '../errors.js';
import { FeatureNetwork, type FeatureNetworkOptions } from './feature-network.js';

/** The datasets with a shipped feature classifier. */
export const FEATURE_DATASETS = Object.freeze(['mnist', 'fashion-mnist'] as const);
/** A dataset with a shipped feature classifier ('mnist' or 'fashion-mnist'). */
export type FeatureDataset = (typeof FEATURE_DATASETS)[number];

// Both lib/eval (sources under vitest) and dist/eval (compiled) sit two levels below the package root.
/** The folder holding the shipped classifiers. */
export const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

/** What the training script records next to each shipped classifier. */
export interface FeatureClassifierRecord {
  readonly dataset: FeatureDataset;
  /** The name stored in the ONNX metadata. */
  readonly network: string;
  readonly sizes: readonly number[];
  readonly trainImages: number;
  readonly testImages: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly maxShift: number;
  readonly seed: number;
  readonly threads: number;
  /** Accuracy and mean NLL on the full test split. */
  readonly testAccuracy: number;
  readonly testNll: number;
  readonly trainSeconds: number;
  /** sha256 of the ONNX file, hex. */
  readonly sha256: string;
  readonly bytes: number;
  /** The command that trained it, from the package root. */
  readonly command: string;
  readonly onnxruntime: string;
  readonly node: string;
}

/** The path of the shipped classifier of `dataset`. */
export function featureClassifierPath(dataset: FeatureDataset, dir = MODELS_DIR): string {
  return path.join(dir, `feature-classifier-${checkDataset(dataset)}.onnx`);
}

/** The path of the JSON record of `dataset`'s shipped classifier. */
export function featureClassifierRecordPath(dataset: FeatureDataset, dir = MODELS_DIR): string {
  return path.join(dir, `feature-classifier-${checkDataset(dataset)}.json`);
}

/** Reads the training record of `dataset`'s shipped classifier. */
export function readFeatureClassifierRecord(dataset: FeatureDataset, dir = MODELS_DIR): FeatureClassifierRecord {
  return JSON.parse(readShipped(featureClassifierRecordPath(dataset, dir)).toString('utf8')) as FeatureClassifierRecord;
}

/**
 * Opens the shipped classifier of `dataset` (a new session; dispose() it when done).
 *
 * @example
 * const net = await loadFeatureClassifier('fashion-mnist');
 * net.name; // 'langevin-pc feature classifier fashion-mnist MLP 784-256-128-10'
 */
export async function loadFeatureClassifier(dataset: FeatureDataset, options: FeatureNetworkOptions = {}): Promise<FeatureNetwork> {
  return FeatureNetwork.load(readShipped(featureClassifierPath(dataset)), options);
}

const shared = new Map<FeatureDataset, Promise<FeatureNetwork>>();

/**
 * One session per dataset kept for the life of the process, for repeated evaluations (the session is
 * ~1 MB; never dispose the returned network).
 */
export function sharedFeatureClassifier(dataset: FeatureDataset): Promise<FeatureNetwork> {
  let network = shared.get(checkDataset(dataset));
  if (network === undefined) {
    network = loadFeatureClassifier(dataset);
    // A failed load is not cached, so a later call can succeed once the cause is fixed.
    network.catch(() => shared.delete(dataset));
    shared.set(dataset, network);
  }
  return network;
}

function checkDataset(dataset: FeatureDataset): FeatureDataset {
  if (!FEATURE_DATASETS.includes(dataset)) invalidArgument('dataset', `one of ${FEATURE_DATASETS.join(', ')}`, dataset);
  return dataset;
}

function readShipped(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `${file} is missing: the package ships it; run \`npm run train:feature-classifiers\` in a checkout to rebuild it`, { cause: error });
  }
}
