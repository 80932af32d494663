/**
 * The `step-overhead` suite: what a whole Langevin step costs beyond the onnxruntime run of its energy graph.
 *
 * 1. overheadVsOrtRun: LangevinSampler.run through an EnergyModel of the reference MLP decoder
 *    (32 -> 512 -> 512 -> 784, Bernoulli likelihood, frozen weights, one thread, rmsprop), per energy
 *    evaluation (a run of T steps makes T + 1 evaluations), divided by the bare onnxruntime run of the same
 *    sampling graph (energyRunModel(..., 'sample'), in a session made with the same options), and by
 *    EnergyModel.evaluate alone (the package's feeds and output copies around that run). All three are timed
 *    in the same interleaved rounds and the ratios taken per round (median and range over the rounds).
 * 2. Bookkeeping: LangevinSampler.run against a bare loop of native Chains driving an energy that only copies
 *    z into a reused gradient buffer, so what remains is the native step and the sampler's own bookkeeping
 *    (ULA, ULA keeping states, MALA), microseconds per step.
 *
 * Run: npm run bench -- --suite step-overhead [--quick]   (or, after npm run build:ts, node bench/inference-overhead.mjs
 * [--quick] [--out DIR]; writes bench/results/step-overhead.json)
 */
import * as ort from 'onnxruntime-node';
import { buildEnergyGraph, Chains, EnergyModel, energyRunModel, LangevinSampler, mlpDecoder, onnx, Rng, setThreads } from '../dist/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const QUICK = process.argv.includes('--quick');
const NET = { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] };
const LIKELIHOOD = { kind: 'bernoulli' };
/** Images x chains per image of the energy-graph cases. */
const CASES = QUICK
  ? [{ B: 64, K: 1 }]
  : [
      { B: 64, K: 1 },
      { B: 32, K: 4 },
    ];
const STEPS = QUICK ? 20 : 50;
const ROUNDS = QUICK ? 4 : 9;
const BOOKKEEPING_STEPS = 200;
const BOOKKEEPING_REPEATS = QUICK ? 3 : 7;

/** Times `a` and `b` alternately, `count` times each, so that both see the same load; returns their medians (ms). */
async function alternate(a, b, count) {
  const times = [[], []];
  for (let i = 0; i < count; i++) {
    for (const [k, call] of [a, b].entries()) {
      const t0 = performance.now();
      await call();
      times[k].push(performance.now() - t0);
    }
  }
  return times.map((t) => spread(t).median);
}

/** One energy-graph case: per-round step, bare run and evaluate times, and the ratios per round. */
async function energyCase({ B, K }, decoder) {
  const rows = B * K;
  const pixels = NET.imageShape.reduce((a, b) => a * b, 1);
  const rng = new Rng({ seed: 5 });
  const x = Float32Array.from(rng.uniform(B * pixels), (u) => (u < 0.3 ? 1 : 0));
  const z = rng.normal(rows * NET.latentDim);
  rng.dispose();
  const energy = await EnergyModel.create(decoder, { likelihood: LIKELIHOOD, threads: 1 });
  const sampler = new LangevinSampler(energy, { steps: STEPS, stepSize: 0.05, chains: K, preconditioner: 'rmsprop', seed: 1 });
  const session = await onnx.createSession(energyRunModel(buildEnergyGraph(decoder, LIKELIHOOD), 'sample', [], false), { threads: 1, optimization: 'all' });
  const feeds = { x: new ort.Tensor('float32', x, [B, ...NET.imageShape]), z: new ort.Tensor('float32', z, [rows, NET.latentDim]) };
  const evaluations = STEPS + 1;
  const t = { step: [], ort: [], evaluate: [], overhead: [], evaluateRatio: [] };
  await sampler.run(x); // warm-up, as for the others below
  await session.run(feeds);
  await energy.evaluate(x, B, z);
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    await sampler.run(x);
    const step = (performance.now() - t0) / evaluations;
    const [run, evaluate] = await alternate(
      () => session.run(feeds),
      () => energy.evaluate(x, B, z),
      evaluations,
    );
    t.step.push(step);
    t.ort.push(run);
    t.evaluate.push(evaluate);
    t.overhead.push(step / run);
    t.evaluateRatio.push(evaluate / run);
  }
  await session.release();
  await energy.dispose();
  const result = {
    B,
    K,
    rows,
    steps: STEPS,
    stepMs: spread(t.step),
    ortRunMs: spread(t.ort),
    evaluateMs: spread(t.evaluate),
    overheadVsOrtRun: spread(t.overhead),
    evaluateVsOrtRun: spread(t.evaluateRatio),
  };
  const f = result.overheadVsOrtRun;
  console.log(
    `B ${B} x K ${K}: step ${result.stepMs.median.toFixed(3)} ms, onnxruntime run ${result.ortRunMs.median.toFixed(3)} ms, evaluate ${result.evaluateMs.median.toFixed(3)} ms; overheadVsOrtRun ${f.median.toFixed(3)} [${f.min.toFixed(3)}, ${f.max.toFixed(3)}]`,
  );
  return result;
}

/** E = ||z||^2 / 2 with reused output arrays: the cheapest energy that keeps chains finite. */
function cheapEnergy(d, dataSize) {
  let energy = new Float32Array(0);
  let gradZ = new Float32Array(0);
  return {
    latentDim: d,
    dataSize,
    async evaluate(_x, _batch, z) {
      if (gradZ.length !== z.length) {
        energy = new Float32Array(z.length / d);
        gradZ = new Float32Array(z.length);
      }
      gradZ.set(z);
      return { energy, gradZ };
    },
  };
}

async function bareLoop(fn, x, batch, n, d) {
  const chains = new Chains({ n, d, stepSize: 0.1, seed: 1 });
  chains.initPrior();
  for (let k = 0; k < BOOKKEEPING_STEPS; k++) {
    const out = await fn.evaluate(x, batch, chains.z);
    chains.step(out.gradZ, { energy: out.energy });
  }
  await fn.evaluate(x, batch, chains.z); // the sampler's final evaluation, for a like-for-like count
  chains.dispose();
}

async function bareMala(fn, x, batch, n, d) {
  const chains = new Chains({ n, d, stepSize: 0.1, seed: 1 });
  chains.initPrior();
  const first = await fn.evaluate(x, batch, chains.z);
  chains.setCurrent(first.energy, first.gradZ);
  for (let k = 0; k < BOOKKEEPING_STEPS; k++) {
    const out = await fn.evaluate(x, batch, chains.propose());
    chains.accept(out.energy, out.gradZ);
  }
  chains.dispose();
}

/** Microseconds per step of one run of `fn`. */
async function usPerStep(fn) {
  const t0 = performance.now();
  await fn();
  return ((performance.now() - t0) * 1000) / BOOKKEEPING_STEPS;
}

/** One bookkeeping case, the columns interleaved per repeat so that machine noise hits every column alike. */
async function bookkeepingCase([batch, K, d]) {
  const n = batch * K;
  const fn = cheapEnergy(d, 784);
  const x = new Float32Array(batch * 784);
  const options = { steps: BOOKKEEPING_STEPS, stepSize: 0.1, chains: K, seed: 1 };
  const samplers = {
    ula: new LangevinSampler(fn, options),
    keep: new LangevinSampler(fn, { ...options, keep: { burnIn: BOOKKEEPING_STEPS / 2 } }),
    mala: new LangevinSampler(fn, { ...options, sampler: 'mala' }),
  };
  const t = { bareUla: [], samplerUla: [], ulaOverhead: [], samplerKeep: [], bareMala: [], samplerMala: [], malaOverhead: [] };
  await bareLoop(fn, x, batch, n, d); // warm-up
  for (let r = 0; r < BOOKKEEPING_REPEATS; r++) {
    t.bareUla.push(await usPerStep(() => bareLoop(fn, x, batch, n, d)));
    t.samplerUla.push(await usPerStep(() => samplers.ula.run(x)));
    t.samplerKeep.push(await usPerStep(() => samplers.keep.run(x)));
    t.bareMala.push(await usPerStep(() => bareMala(fn, x, batch, n, d)));
    t.samplerMala.push(await usPerStep(() => samplers.mala.run(x)));
    t.ulaOverhead.push(t.samplerUla[r] - t.bareUla[r]);
    t.malaOverhead.push(t.samplerMala[r] - t.bareMala[r]);
  }
  const result = { B: batch, K, d, ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, spread(v)])) };
  console.log(`bookkeeping ${batch} x ${K} x ${d}: ULA overhead ${result.ulaOverhead.median.toFixed(1)} us per step, MALA overhead ${result.malaOverhead.median.toFixed(1)} us per step`);
  return result;
}

async function main() {
  const machine = machineInfo();
  setThreads(1);
  const begin = performance.now();
  const decoder = mlpDecoder({ ...NET, seed: 1 });
  const results = [];
  for (const c of CASES) results.push(await energyCase(c, decoder));
  const bookkeeping = [];
  for (const c of [
    [128, 4, 32],
    [128, 16, 64],
  ])
    bookkeeping.push(await bookkeepingCase(c));
  const json = {
    suite: 'step-overhead',
    quick: QUICK,
    rounds: ROUNDS,
    threads: 1,
    decoder: `mlp ${NET.latentDim}-${NET.hidden.join('-')}-784, bernoulli, frozen`,
    seconds: (performance.now() - begin) / 1000,
    machine,
    results,
    bookkeeping: { steps: BOOKKEEPING_STEPS, repeats: BOOKKEEPING_REPEATS, unit: 'microseconds per step', results: bookkeeping },
  };
  console.log(`wrote ${writeResults('step-overhead', QUICK, json)} (${json.seconds.toFixed(1)} s)`);
}

await main();
