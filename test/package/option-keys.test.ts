/**
 * Every public function and class that takes an options object refuses a key it does not know, with
 * LPC_INVALID_ARGUMENT naming the function and the key: a misspelt option would otherwise be ignored and the
 * run would quietly use its default. Each call is otherwise valid, so the misspelt key is the only fault.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFeatureClassifier,
  Chains,
  CheckpointStore,
  createImageSet,
  DecoderMeans,
  elbo,
  EncoderModel,
  EnergyModel,
  evaluateModel,
  FeatureNetwork,
  frechetDistance,
  imageGridPng,
  imageSetFromArray,
  importanceSampledLogLikelihood,
  inferPosterior,
  LangevinSampler,
  langevinProposal,
  loadFashionMnist,
  loadImages,
  loadMnist,
  LpcError,
  LpcTrainer,
  MarginalBernoulli,
  MinibatchLoader,
  mlpDecoder,
  mlpEncoder,
  onnx,
  readIdx,
  readNpy,
  readPngFiles,
  readPngFolder,
  Rng,
  trainFeatureClassifier,
  TrainingWorker,
  VaeTrainer,
  writeIdx,
  writeNpy,
  writePngFolder,
  type ImageSet,
} from '../../lib/index.js';

const SHAPE = [1, 4, 4] as const;
const BERNOULLI = { kind: 'bernoulli' } as const;
const DECODER_SPEC = { kind: 'mlp' as const, options: { latentDim: 2, imageShape: [1, 4, 4] as [number, number, number], hidden: [4] } };
const ENCODER_SPEC = DECODER_SPEC;
let dir: string;
let images: ImageSet;
let energy: EnergyModel;
let encoder: EncoderModel;
let pngs: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lpc-option-keys-'));
  images = createImageSet({ name: 'tiny', count: 3, shape: [...SHAPE], images: new Float32Array(48).fill(0.5), labels: null, range: [0, 1] });
  energy = await EnergyModel.create(mlpDecoder({ latentDim: 2, imageShape: [...SHAPE], hidden: [8], seed: 1 }), { likelihood: BERNOULLI, threads: 1 });
  encoder = await EncoderModel.create(mlpEncoder({ latentDim: 2, imageShape: [...SHAPE], hidden: [8], seed: 2 }), { threads: 1 });
  writeIdx(path.join(dir, 'images.idx'), { dtype: 'uint8', shape: [3, 4, 4], data: new Uint8Array(48) });
  writeNpy(path.join(dir, 'images.npy'), { dtype: 'uint8', shape: [3, 4, 4], data: new Uint8Array(48) });
  pngs = writePngFolder(createImageSet({ name: 'bytes', count: 1, shape: [...SHAPE], images: new Uint8Array(16), labels: null, range: [0, 255] }), path.join(dir, 'pngs'));
});

afterAll(async () => {
  await energy?.[Symbol.asyncDispose]();
  await encoder?.[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

/** Each entry calls one function with `extra` spread into otherwise valid options. */
const CALLS: [string, (extra: object) => unknown][] = [
  ['Chains.step', (extra) => new Chains({ n: 1, d: 2, stepSize: 0.1 }).step(new Float32Array(2), extra)],
  ['EnergyModel.create', (extra) => EnergyModel.create(mlpDecoder({ latentDim: 2, imageShape: [...SHAPE], hidden: [4], seed: 1 }), { likelihood: BERNOULLI, ...extra })],
  ['EncoderModel.create', (extra) => EncoderModel.create(mlpEncoder({ latentDim: 2, imageShape: [...SHAPE], hidden: [4], seed: 1 }), extra)],
  ['DecoderMeans.create', (extra) => DecoderMeans.create(mlpDecoder({ latentDim: 2, imageShape: [...SHAPE], hidden: [4], seed: 1 }), extra)],
  ['evaluateModel', (extra) => evaluateModel(energy, images, { iwaeSamples: 2, ...extra })],
  ['elbo', (extra) => elbo(energy, images.images as Float32Array, 3, proposal(), { samples: 1, rng: new Rng({ seed: 1 }), ...extra })],
  ['importanceSampledLogLikelihood', (extra) => importanceSampledLogLikelihood(energy, images.images as Float32Array, 3, proposal(), { samples: 2, rng: new Rng({ seed: 1 }), ...extra })],
  ['inferPosterior', (extra) => inferPosterior(energy, images.images as Float32Array, { steps: 2, stepSize: 0.1, ...extra })],
  ['langevinProposal', (extra) => langevinProposal(new LangevinSampler(energy, { steps: 4, stepSize: 0.1, keep: { burnIn: 1 } }), images.images as Float32Array, extra)],
  ['frechetDistance', (extra) => frechetDistance(images, images, { dataset: 'mnist', ...extra })],
  ['buildFeatureClassifier', (extra) => buildFeatureClassifier(extra)],
  ['FeatureNetwork.load', (extra) => FeatureNetwork.load(new Uint8Array(0), extra)],
  ['trainFeatureClassifier', (extra) => trainFeatureClassifier(images, { epochs: 0, ...extra })],
  ['MarginalBernoulli.fit', (extra) => MarginalBernoulli.fit(images, extra)],
  ['loadMnist', (extra) => loadMnist(extra)],
  ['loadFashionMnist', (extra) => loadFashionMnist({ directory: dir, ...extra })],
  ['loadImages', (extra) => loadImages(path.join(dir, 'images.idx'), extra)],
  ['readIdx', (extra) => readIdx(path.join(dir, 'images.idx'), extra)],
  ['readNpy', (extra) => readNpy(path.join(dir, 'images.npy'), extra)],
  ['writeIdx', (extra) => writeIdx(path.join(dir, 'out.idx'), { dtype: 'uint8', shape: [1], data: new Uint8Array(1) }, extra)],
  ['readPngFolder', (extra) => readPngFolder(path.join(dir, 'pngs'), extra)],
  ['readPngFiles', (extra) => readPngFiles(pngs, extra)],
  ['imageSetFromArray', (extra) => imageSetFromArray({ dtype: 'uint8', shape: [1, 4, 4], data: new Uint8Array(16) }, extra)],
  ['imageGridPng', (extra) => imageGridPng(new Float32Array(16), [1, 1, 4, 4], extra)],
  ['MinibatchLoader', (extra) => new MinibatchLoader(images, { batchSize: 2, ...extra })],
  ['CheckpointStore', (extra) => new CheckpointStore(path.join(dir, 'checkpoints'), extra)],
  ['LpcTrainer.run', async (extra) => firstEvent(await LpcTrainer.create({ decoder: DECODER_SPEC, langevin: { steps: 2, stepSize: 0.1 } }), extra)],
  ['VaeTrainer.run', async (extra) => firstEvent(await VaeTrainer.create({ decoder: DECODER_SPEC, encoder: ENCODER_SPEC }), extra)],
  ['TrainingWorker.start', (extra) => TrainingWorker.start({ algo: 'vae', options: { decoder: DECODER_SPEC, encoder: ENCODER_SPEC } }, extra)],
  ['onnx.createSession', (extra) => onnx.createSession(new Uint8Array(0), extra)],
  ['onnx.inferTypes', (extra) => onnx.inferTypes(tinyModel(), extra)],
  ['onnx.checkGradients', (extra) => onnx.checkGradients(tinyModel(), { batch: 2, ...extra })],
  ['onnx.ParameterSet.fromModel', (extra) => onnx.ParameterSet.fromModel(tinyModel(), extra)],
  ['onnx.GraphBuilder.node', (extra) => new onnx.GraphBuilder(tinyModel()).node('Relu', ['x'], {}, extra)],
];

/** The standard normal as a proposal for the 3 tiny images' 2 latents. */
function proposal() {
  return { mean: new Float32Array(6), logSigma: new Float32Array(6) };
}

async function firstEvent(trainer: LpcTrainer | VaeTrainer, extra: object): Promise<void> {
  try {
    for await (const _event of trainer.run({ data: images, batchSize: 2, updates: 1, ...extra })) break;
  } finally {
    await trainer[Symbol.asyncDispose]();
  }
}

/** y = tanh(x), x of shape [batch, 3]. */
function tinyModel(): onnx.Model {
  const model = new onnx.Model(new onnx.Graph(), 17);
  const b = new onnx.GraphBuilder(model);
  b.output(b.op('Tanh', [b.input('x', 'float32', ['batch', 3])]), 'y', 'float32', ['batch', 3]);
  return model;
}

describe('a misspelt option key is refused everywhere in the API', () => {
  it.each(CALLS)('%s', async (name, call) => {
    let error: unknown;
    try {
      await call({ seeed: 1 });
    } catch (e) {
      error = e;
    }
    expect(error, name).toBeInstanceOf(LpcError);
    expect((error as LpcError).code).toBe('LPC_INVALID_ARGUMENT');
    expect((error as LpcError).message).toMatch(/options\.seeed/);
  });
});
