/**
 * Where the time of one training update goes, and the roofline it is measured against, on the reference
 * setup: MLP 784-512-512-32 decoder and encoder (ReLU), batch 64, Bernoulli on binarised Fashion-MNIST-sized
 * data, Adam 1e-3, one intra-op thread. Each phase of the trainers' updates is timed alone with the public
 * runtimes (EnergyModel, EncoderModel, LangevinSampler, Optimizer), interleaved in rounds with single
 * onnxruntime MatMuls at the networks' layer shapes (the ceiling) and with whole trainer updates.
 *
 * FLOPs count 2 * in * out per sample for every matrix product a step must do: forward, the input gradient
 * of every layer whose input needs one (not the encoder's first layer: x needs none), and the weight
 * gradient of every trained layer. The floor is those FLOPs at the ceiling's GFLOP/s.
 *
 * Run: npm run build:ts && node bench/update-profile.mjs [--quick] [--rounds N] [--threads N]
 * (writes bench/results/update-profile.json; `npm run bench -- --suite update-profile` does the same).
 */
import { EncoderModel, EnergyModel, LangevinSampler, LpcTrainer, mlpDecoder, mlpEncoder, onnx, Optimizer, reverseKl, Rng, setThreads, VaeTrainer } from '../dist/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { median, spread } from './stats.mjs';

const argument = (name, fallback) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const QUICK = process.argv.includes('--quick');
const ROUNDS = argument('--rounds', QUICK ? 2 : 5);
const THREADS = argument('--threads', 1);
const REPS = QUICK ? 5 : 10; // timed repetitions per phase per round (after one warm-up)
const B = 64;
const T = 20;
const D = 784;
const NET = { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] };
const ENCODER_LAYERS = [
  [784, 512],
  [512, 512],
  [512, 64],
];
const DECODER_LAYERS = [
  [32, 512],
  [512, 512],
  [512, 784],
];

const mm = (layers) => layers.reduce((s, [i, o]) => s + 2 * i * o, 0);
/** FLOPs per sample: forward F, and the backward pass (input gradients of all layers but the first when `skipFirstInput`, weight gradients when `weights`). */
const fwd = (layers) => mm(layers);
const back = (layers, { skipFirstInput, weights }) => mm(skipFirstInput ? layers.slice(1) : layers) + (weights ? mm(layers) : 0);

const FLOPS = {
  // encoder forward + backward to its weights; decoder forward + backward to z and its weights.
  vae: B * (fwd(ENCODER_LAYERS) + back(ENCODER_LAYERS, { skipFirstInput: true, weights: true }) + fwd(DECODER_LAYERS) + back(DECODER_LAYERS, { skipFirstInput: false, weights: true })),
  // encoder forward; T + 1 energy + dE/dz evaluations (z_0 .. z_T); the decoder's weights at z_T (its forward
  // is the (T+1)-th evaluation's, so only the weight gradients count); the reverse KL's energy + dE/dz at a
  // fresh sample; the encoder's backward to its weights.
  lpc:
    B *
    (fwd(ENCODER_LAYERS) +
      (T + 1) * (fwd(DECODER_LAYERS) + back(DECODER_LAYERS, { skipFirstInput: false, weights: false })) +
      mm(DECODER_LAYERS) +
      fwd(DECODER_LAYERS) +
      back(DECODER_LAYERS, { skipFirstInput: false, weights: false }) +
      back(ENCODER_LAYERS, { skipFirstInput: true, weights: true })),
};

function matmulModel(k, n) {
  const model = new onnx.Model(new onnx.Graph(), 17);
  const b = new onnx.GraphBuilder(model);
  const w = b.initializer('w', onnx.makeTensor('float32', [k, n], new onnx.Mulberry32(2).normals(k * n, 0.05)));
  b.output(b.op('MatMul', [b.input('a', 'float32', ['batch', k]), w]), 'y');
  return model;
}

async function matmulCase([k, n]) {
  const session = await onnx.createSession(matmulModel(k, n), { threads: THREADS });
  const a = new onnx.Mulberry32(3).normals(B * k, 1);
  const feeds = { a: onnx.toOrt(onnx.makeTensor('float32', [B, k], a)) };
  return { label: `MatMul [${B}, ${k}] x [${k}, ${n}]`, flops: 2 * B * k * n, run: () => session.run(feeds), dispose: () => session.release() };
}

/** The phases of one VAE update and one amortised LPC update, each runnable alone on fixed inputs. */
async function phaseCases() {
  const decoder = mlpDecoder({ ...NET, seed: 1 });
  const encoder = mlpEncoder({ ...NET, seed: 2 });
  const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true, threads: THREADS });
  const enc = await EncoderModel.create(encoder, { trainable: true, threads: THREADS });
  const rng = new Rng({ seed: 5n });
  const x = Float32Array.from(rng.uniform(B * D), (u) => (u < 0.3 ? 1 : 0));
  const eps = rng.normal(B * 32);
  const { mu, logSigma } = await enc.forward(x, B);
  const z = mu.map((m, i) => m + Math.exp(logSigma[i]) * eps[i]);
  const full = await energy.evaluateWithGradients(x, B, z);
  const thetaGrads = energy.params.names.map((n) => full.gradients.get(n));
  const rev = reverseKl(mu, logSigma, eps, z, full.energy, full.gradZ);
  const phiGrads = [...(await enc.vjp(x, B, rev.gradMu, rev.gradLogSigma)).values()];
  const thetaOpt = new Optimizer(
    energy.params.names.map((n) => energy.params.get(n).data.slice()),
    { kind: 'adam', lr: 1e-3 },
  );
  const phiOpt = new Optimizer(
    enc.params.names.map((n) => enc.params.get(n).data.slice()),
    { kind: 'adam', lr: 1e-3 },
  );
  const sampler = new LangevinSampler(energy, { steps: T, stepSize: 0.3, preconditioner: 'rmsprop', rng: new Rng({ seed: 7n }) });
  const weights = new Float32Array(B).fill(1 / B);
  const cases = [
    ['encoder forward', () => enc.forward(x, B)],
    ['reparameterisation (JS loop)', () => mu.map((m, i) => m + Math.exp(logSigma[i]) * eps[i])],
    ['energy + dE/dz + dE/dtheta (full graph)', () => energy.evaluateWithGradients(x, B, z)],
    ['dE/dtheta / B as Float32Array.map did before', () => thetaGrads.map((g) => g.map((v) => v / B))],
    ['reverse KL terms (JS loop)', () => reverseKl(mu, logSigma, eps, z, full.energy, full.gradZ)],
    ['encoder VJP (forward again + backward)', () => enc.vjp(x, B, rev.gradMu, rev.gradLogSigma)],
    ['Adam, decoder (6 tensors)', () => thetaOpt.step(thetaGrads)],
    ['Adam, encoder (6 tensors)', () => phiOpt.step(phiGrads)],
    ['energy + dE/dz (one Langevin evaluation)', () => energy.evaluate(x, B, z)],
    [`Langevin sampler, T = ${T} (rmsprop)`, () => sampler.run(x, { mu, logSigma })],
    ['weighted dE/dtheta at the last state', () => energy.weightedThetaGradients(x, B, z, weights)],
  ];
  return {
    cases: cases.map(([label, run]) => ({ label, run })),
    dispose: async () => {
      await energy.dispose();
      await enc.dispose();
      thetaOpt.dispose();
      phiOpt.dispose();
      rng.dispose();
    },
  };
}

const spec = { kind: 'mlp', options: NET };
async function updateCases() {
  const vae = await VaeTrainer.create({ decoder: spec, encoder: spec, binarize: false, seed: 1, threads: THREADS });
  const lpc = await LpcTrainer.create({
    decoder: spec,
    encoder: spec,
    encoderObjective: 'jeffreys',
    thetaGrad: 'last',
    langevin: { steps: T, stepSize: 0.3, preconditioner: 'rmsprop' },
    seed: 1,
    threads: THREADS,
  });
  const rng = new Rng({ seed: 9n });
  const x = Float32Array.from(rng.uniform(B * D), (u) => (u < 0.3 ? 1 : 0));
  return {
    cases: [
      { label: 'VAE update (VaeTrainer.step)', flops: FLOPS.vae, run: () => vae.step(x) },
      { label: `LPC update, Jeffreys, T = ${T}, last (LpcTrainer.step)`, flops: FLOPS.lpc, run: () => lpc.step(x) },
    ],
    dispose: async () => {
      await vae.dispose();
      await lpc.dispose();
      rng.dispose();
    },
  };
}

async function timeCase(c, times) {
  await c.run();
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    await c.run();
    times.push(performance.now() - t0);
  }
}

async function main() {
  setThreads(THREADS);
  const matmuls = await Promise.all([...ENCODER_LAYERS, ...DECODER_LAYERS].map(matmulCase));
  const phases = await phaseCases();
  const updates = await updateCases();
  const all = [...matmuls, ...phases.cases, ...updates.cases];
  const times = new Map(all.map((c) => [c.label, []]));
  for (let round = 0; round < ROUNDS; round++) for (const c of all) await timeCase(c, times.get(c.label));
  const results = all.map((c) => ({ label: c.label, ...spread(times.get(c.label)), ...(c.flops ? { gflops: c.flops / median(times.get(c.label)) / 1e6 } : {}) }));
  const ceiling = Math.max(...results.filter((r) => r.label.startsWith('MatMul')).map((r) => r.gflops));
  const roofline = Object.entries(FLOPS).map(([update, flops]) => ({ update, mflops: flops / 1e6, ceilingGflops: ceiling, floorMs: flops / ceiling / 1e6 }));
  for (const r of results) console.log(`${r.label.padEnd(50)} ${r.median.toFixed(3).padStart(8)} ms [${r.min.toFixed(3)}, ${r.max.toFixed(3)}]${r.gflops ? `  ${r.gflops.toFixed(1)} GFLOP/s` : ''}`);
  for (const r of roofline) console.log(`${r.update}: ${r.mflops.toFixed(1)} MFLOP per update, ceiling ${r.ceilingGflops.toFixed(1)} GFLOP/s, floor ${r.floorMs.toFixed(2)} ms`);
  for (const u of updates.cases) {
    const r = results.find((x) => x.label === u.label);
    r.efficiencyVsMatMul = r.gflops / ceiling;
    r.overFloor = r.median / (u.flops / ceiling / 1e6);
  }
  const json = { suite: 'update-profile', quick: QUICK, rounds: ROUNDS, reps: REPS, threads: THREADS, batch: B, machine: machineInfo(), results, roofline };
  console.log(`wrote ${writeResults('update-profile', QUICK, json)}`);
  for (const c of matmuls) await c.dispose();
  await phases.dispose();
  await updates.dispose();
}

await main();
