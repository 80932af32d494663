/**
 * Side-by-side timing of EnergyModel calls (lib/likelihoods) on the reference MLP decoder
 * (d = 32 -> 512 -> 512 -> 784, ReLU), against the floor: a plain Bernoulli energy + dE/dz graph of the same
 * decoder with x already repeated K times (bench/onnx-mlp.mjs's graph), run as a bare session. All cases of a
 * configuration are timed in interleaved rounds; medians and [min, max] of whole calls (validation, tensor
 * wrapping and output copies included), and per-round ratios to the floor.
 *
 * Run: npm run build:ts && node bench/energy-model.mjs   (writes bench/out/energy-model.json; BENCH_BUDGET_MS
 * sets the time per case). It runs the compiled package (dist/), as users do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { EnergyModel, mlpDecoder } from '../dist/index.js';
import { buildGradientModel, GraphBuilder, Mulberry32, scalarTensor, writeModel } from '../dist/onnx/index.js';
import { median } from './stats.mjs';

const CONFIGS = [
  { B: 64, K: 4 },
  { B: 128, K: 8 },
];
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 600);
const ROUNDS = 5;
const THREADS = 1;

/** The plain graph: the decoder's logits, E = sum softplus(l) - x l + |z|^2 / 2 per row, x given per row. */
function plainEnergy(decoder) {
  const model = decoder.model.clone();
  const g = model.graph;
  const head = g.nodes.find((n) => n.opType === 'Sigmoid');
  g.nodes = g.nodes.filter((n) => n !== head);
  g.outputs = [];
  const b = new GraphBuilder(model);
  const logits = b.reshape(head.inputs[0], [-1, 784]);
  const x = b.input('x', 'float32', ['rows', 784]);
  const nll = b.op('Sub', [b.reduce('ReduceSum', b.op('Softplus', [logits]), [1], false), b.reduce('ReduceSum', b.op('Mul', [x, logits]), [1], false)]);
  const prior = b.op('Mul', [b.reduce('ReduceSumSquare', 'z', [1], false), b.constant(scalarTensor('float32', 0.5))]);
  b.output(b.op('Add', [nll, prior]), 'energy', 'float32', ['rows']);
  return buildGradientModel(model, { objective: 'energy', inputs: ['z'] }).model;
}

/** Runs c.call for about budgetMs after two warm-up calls, appending the times of whole calls. */
async function timeInto(c, budgetMs) {
  for (let i = 0; i < 2; i++) await c.call();
  const start = performance.now();
  let n = 0;
  while (n < 3 || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await c.call();
    c.times.push(performance.now() - t0);
    if (++n > 5000) break;
  }
}

async function main() {
  const rng = new Mulberry32(3);
  const sigmoid = mlpDecoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512], seed: 1 });
  const tanh = mlpDecoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512], output: 'tanh', seed: 1 });
  const models = [];
  const add = async (label, decoder, likelihood, trainable, kind = 'evaluate') => models.push({ label, model: await EnergyModel.create(decoder, { likelihood, trainable, threads: THREADS }), kind });
  await add('bernoulli, frozen: evaluate', sigmoid, { kind: 'bernoulli' }, false);
  await add('bernoulli, trainable: evaluate', sigmoid, { kind: 'bernoulli' }, true);
  await add('bernoulli, trainable: thetaGradients', sigmoid, { kind: 'bernoulli' }, true, 'theta');
  await add('gaussian optimal sigma, frozen: evaluate', sigmoid, { kind: 'gaussian', sigma: { mode: 'optimal' } }, false);
  await add('discretized fixed sigma, frozen: evaluate', tanh, { kind: 'discretized', sigma: { mode: 'fixed', sigma: 0.1 } }, false);
  const plain = await ort.InferenceSession.create(writeModel(plainEnergy(sigmoid)), { graphOptimizationLevel: 'all', intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential' });
  const results = [];
  for (const { B, K } of CONFIGS) {
    const rows = B * K;
    const x = Float32Array.from({ length: B * 784 }, () => (rng.uniform() < 0.2 ? 1 : 0));
    const xs = Float32Array.from({ length: B * 784 }, (_, i) => 2 * x[i] - 1);
    const repeated = new Float32Array(rows * 784);
    for (let r = 0; r < rows; r++) repeated.set(x.subarray(Math.floor(r / K) * 784, (Math.floor(r / K) + 1) * 784), r * 784);
    const z = rng.normals(rows * 32);
    const floor = {
      label: 'floor: plain bernoulli energy+dE/dz, x repeated, bare session.run',
      call: () => plain.run({ z: new ort.Tensor('float32', z, [rows, 32]), x: new ort.Tensor('float32', repeated, [rows, 784]) }),
      times: [],
    };
    const cases = [
      floor,
      ...models.map((m) => ({
        label: m.label,
        times: [],
        call: () => (m.kind === 'theta' ? m.model.thetaGradients(m.label.startsWith('discretized') ? xs : x, B, z) : m.model.evaluate(m.label.startsWith('discretized') ? xs : x, B, z)),
      })),
    ];
    const ratios = cases.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const before = cases.map((c) => c.times.length);
      for (const c of cases) await timeInto(c, BUDGET_MS / ROUNDS);
      const floorMedian = median(floor.times.slice(before[0]));
      cases.forEach((c, i) => ratios[i].push(median(c.times.slice(before[i])) / floorMedian));
    }
    cases.forEach((c, i) => {
      const t = [...c.times].sort((a, b) => a - b);
      const r = [...ratios[i]].sort((a, b) => a - b);
      const row = { case: c.label, B, K, rows, medianMs: median(t), minMs: t[0], maxMs: t[t.length - 1], runs: t.length, ratioToFloor: median(r), ratioMin: r[0], ratioMax: r[r.length - 1] };
      results.push(row);
      console.log(
        `${c.label.padEnd(64)} B=${B} K=${K}  ${row.medianMs.toFixed(3).padStart(8)} ms [${row.minMs.toFixed(3)}, ${row.maxMs.toFixed(3)}]  x${row.ratioToFloor.toFixed(2)} [${row.ratioMin.toFixed(2)}, ${row.ratioMax.toFixed(2)}]`,
      );
    });
  }
  for (const m of models) await m.model.dispose();
  await plain.release();
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/energy-model.json', JSON.stringify({ threads: THREADS, ortVersion: ort.env.versions.common, results }, null, 2));
}

await main();
