/**
 * The `gradients` suite: the emitted energy graphs of the reference MLP decoder (d = 32 -> 512 -> 512 -> 784,
 * ReLU, Bernoulli energy on logits), against the best single onnxruntime MatMul with the decoder's layer shapes
 * at the same batch, measured in the same run (the ceiling on this machine); efficiencyVsMatMul = graph
 * GFLOP/s / ceiling, per round (median and range over the rounds).
 *
 * FLOPs: F = 2 B sum(in * out) for the forward pass, 2F for energy + dE/dz, 3F with dE/dtheta.
 * Run: npm run bench -- --suite gradients [--quick]   (or, after npm run build:ts, node bench/onnx-mlp.mjs [--quick]
 *      [--out DIR]; writes bench/results/gradients.json). BENCH_BATCHES=1024 BENCH_THREADS=2 time one configuration
 *      into gradients-subset.json; BENCH_PROFILE=1 adds onnxruntime's per-node profile of each graph.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { onnx } from '../dist/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const { buildGradientModel, GraphBuilder, writeModel, Graph, Model, ParameterSet, Mulberry32, makeTensor, scalarTensor } = onnx;
const QUICK = process.argv.includes('--quick');
const SIZES = [32, 512, 512, 784];
/** Configurations; BENCH_BATCHES / BENCH_THREADS (comma lists) select a subset, e.g. to repeat one that was disturbed. */
const list = (env, fallback) => (env ? env.split(',').map(Number) : fallback);
const SUBSET = process.env.BENCH_BATCHES !== undefined || process.env.BENCH_THREADS !== undefined;
const BATCHES = list(process.env.BENCH_BATCHES, QUICK ? [64, 256] : [64, 256, 1024]);
const THREADS = list(process.env.BENCH_THREADS, [...new Set([1, os.availableParallelism()])]);
const ROUNDS = QUICK ? 3 : 5;
/** Time spent timing each session of a configuration, over all rounds. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? (QUICK ? 300 : 1000));
const PROFILE = process.env.BENCH_PROFILE !== undefined;
const MIN_RUNS = 3;

const flopsForward = (batch) => 2 * batch * SIZES.slice(1).reduce((s, out, i) => s + SIZES[i] * out, 0);

/** The decoder and its Bernoulli energy E = sum_j softplus(l_j) - x_j l_j + |z|^2 / 2, per row. */
function energyModel() {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(1);
  const z = b.input('z', 'float32', ['batch', SIZES[0]]);
  let h = z;
  const x = b.input('x', 'float32', ['batch', SIZES[SIZES.length - 1]]);
  for (let i = 1; i < SIZES.length; i++) {
    const scale = 1 / Math.sqrt(SIZES[i - 1]);
    const w = b.initializer(`fc${i}.weight`, makeTensor('float32', [SIZES[i], SIZES[i - 1]], rng.normals(SIZES[i] * SIZES[i - 1], scale)));
    const bias = b.initializer(`fc${i}.bias`, makeTensor('float32', [SIZES[i]], rng.normals(SIZES[i], scale)));
    h = b.op('Gemm', [h, w, bias], { transB: 1 });
    if (i < SIZES.length - 1) h = b.op('Relu', [h]);
  }
  // The autodiff differentiates Softplus as Sigmoid(l) and then writes the forward sum of Softplus in the
  // fast form (Relu, and Log of chunked products of Sigmoid(Abs(l)); see lib/onnx/autodiff/rewrite.ts).
  const nll = b.op('Sub', [b.reduce('ReduceSum', b.op('Softplus', [h]), [1], false), b.reduce('ReduceSum', b.op('Mul', [x, h]), [1], false)]);
  const prior = b.op('Mul', [b.reduce('ReduceSumSquare', z, [1], false), b.constant(scalarTensor('float32', 0.5))]);
  b.output(b.op('Add', [nll, prior]), 'energy', 'float32', ['batch']);
  return model;
}

/** One MatMul [B, k] x [k, n] with the weight as an initializer (prepacked, as frozen decoder weights are). */
function matmulModel(k, n) {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const w = b.initializer('w', makeTensor('float32', [k, n], new Mulberry32(2).normals(k * n, 0.05)));
  b.output(b.op('MatMul', [b.input('a', 'float32', ['batch', k]), w]), 'y');
  return model;
}

/**
 * The dE/dtheta graph with each parameter gradient summed to a scalar inside the graph: the same work, but
 * onnxruntime-node no longer copies 2.7 MB of gradients into JavaScript arrays on every run. The difference
 * to the full graph is the cost of reading the gradients out.
 */
function withoutReadout(model) {
  const m = model.clone();
  const b = new GraphBuilder(m, 'bench/');
  const outputs = m.graph.outputs;
  m.graph.outputs = [];
  for (const o of outputs) {
    if (!o.name.startsWith('grad/')) m.graph.outputs.push(o);
    else b.output(b.op('ReduceSum', [o.name], { keepdims: 0 }), `sum/${o.name}`, 'float32', []);
  }
  return m;
}

/** Per-node profile lines: GEMMs, everything else, and the largest nodes. */
function describeProfile(label, p) {
  const gemm = p.nodes.filter((n) => /Gemm|MatMul/.test(n.op)).reduce((s, n) => s + n.medianUs, 0);
  const other = p.nodes.reduce((s, n) => s + n.medianUs, 0) - gemm;
  const top = p.nodes
    .slice(0, 8)
    .map((n) => `${n.node} ${n.medianUs}`)
    .join(', ');
  return `  profile ${label}: run ${p.runUs} us, GEMMs ${gemm} us, other kernels ${other} us, between kernels ${p.runUs - gemm - other} us; largest: ${top}`;
}

/** Times one session for about `budgetMs` after warm-up; returns the run times (ms). */
async function timeRuns(session, feeds, budgetMs) {
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const times = [];
  const start = performance.now();
  while (times.length < MIN_RUNS || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
    if (times.length >= 2000) break;
  }
  return times;
}

async function session(model, threads) {
  return ort.InferenceSession.create(writeModel(model), { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
}

const tensor = (data, dims) => new ort.Tensor('float32', data, dims);
const gflopsAt = (flops, ms) => flops / (ms * 1e6);

async function main() {
  const machine = machineInfo();
  const profileGraph = PROFILE ? (await import('./onnx-profile.mjs')).profileGraph : undefined;
  const forward = energyModel();
  const params = ParameterSet.fromModel(forward);
  const graphs = [
    // The sampling graph with frozen weights.
    { name: 'energy+dE/dz', model: buildGradientModel(forward, { objective: 'energy', inputs: ['z'] }).model, flopsFactor: 2, feedParams: false },
    { name: 'energy+dE/dz (weights as inputs)', model: buildGradientModel(forward, { objective: 'energy', inputs: ['z'], feedParams: params.names }).model, flopsFactor: 2, feedParams: true },
    { name: 'energy+dE/dz+dE/dtheta', model: buildGradientModel(forward, { objective: 'energy', inputs: ['z'], params: params.names }).model, flopsFactor: 3, feedParams: true },
  ];
  graphs.push({ name: 'energy+dE/dz+dE/dtheta (no readout)', model: withoutReadout(graphs[2].model), flopsFactor: 3, feedParams: true });
  const results = [];
  const rng = new Mulberry32(3);
  const begin = performance.now();
  for (const threads of THREADS) {
    for (const batch of BATCHES) {
      // Every session of this configuration is timed in interleaved rounds, so that load from other
      // processes on the machine falls on all of them alike; ratios to the ceiling are taken per round.
      const cases = [];
      for (let i = 1; i < SIZES.length; i++) {
        const [k, n] = [SIZES[i - 1], SIZES[i]];
        cases.push({ label: `matmul ${k}x${n}`, session: await session(matmulModel(k, n), threads), feeds: { a: tensor(rng.normals(batch * k), [batch, k]) }, flops: 2 * batch * k * n, rounds: [] });
      }
      const feeds = {
        z: tensor(rng.normals(batch * SIZES[0]), [batch, SIZES[0]]),
        x: tensor(
          Float32Array.from({ length: batch * SIZES[3] }, () => (rng.uniform() < 0.2 ? 1 : 0)),
          [batch, SIZES[3]],
        ),
      };
      for (const p of params) feeds[p.name] = tensor(p.data, [...p.dims]);
      for (const g of graphs) {
        const use = Object.fromEntries(Object.entries(feeds).filter(([k]) => g.feedParams || !params.has(k)));
        cases.push({ label: g.name, session: await session(g.model, threads), feeds: use, flops: g.flopsFactor * flopsForward(batch), rounds: [], model: g.model });
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of cases) c.rounds.push(await timeRuns(c.session, c.feeds, BUDGET_MS / ROUNDS));
      }
      const matmuls = cases.slice(0, SIZES.length - 1);
      // The ceiling of a round: the best MatMul's GFLOP/s at its median time in that round.
      const roundCeilings = Array.from({ length: ROUNDS }, (_, r) => Math.max(...matmuls.map((c) => gflopsAt(c.flops, spread(c.rounds[r]).median))));
      const ceiling = Math.max(...matmuls.map((c) => gflopsAt(c.flops, spread(c.rounds.flat()).median)));
      const matmulGflops = Object.fromEntries(matmuls.map((c) => [c.label, gflopsAt(c.flops, spread(c.rounds.flat()).median)]));
      for (const c of cases.slice(SIZES.length - 1)) {
        const ms = spread(c.rounds.flat());
        const gflops = gflopsAt(c.flops, ms.median);
        const efficiencyVsMatMul = spread(c.rounds.map((times, r) => gflopsAt(c.flops, spread(times).median) / roundCeilings[r]));
        const profile = profileGraph ? await profileGraph(writeModel(c.model), c.feeds, threads, Math.max(15, Math.round(20000 / batch))) : undefined;
        results.push({ graph: c.label, batch, threads, ms, runs: c.rounds.flat().length, gflops, ceilingGflops: ceiling, matmulGflops, efficiencyVsMatMul, ...(profile ? { profile } : {}) });
        console.log(
          `${c.label.padEnd(40)} B=${String(batch).padStart(4)} threads=${threads}  ${ms.median.toFixed(3).padStart(8)} ms [${ms.min.toFixed(3)}, ${ms.max.toFixed(3)}]  ${gflops.toFixed(1).padStart(6)} GFLOP/s  ceiling ${ceiling.toFixed(1)}  efficiencyVsMatMul ${efficiencyVsMatMul.median.toFixed(3)} [${efficiencyVsMatMul.min.toFixed(3)}, ${efficiencyVsMatMul.max.toFixed(3)}]`,
        );
        if (profile) console.log(describeProfile(c.label, profile));
      }
      for (const c of cases) await c.session.release();
    }
  }
  const json = {
    suite: 'gradients',
    quick: QUICK,
    rounds: ROUNDS,
    budgetMs: BUDGET_MS,
    sizes: SIZES,
    flops: 'forward 2*B*sum(in*out); x2 with dE/dz; x3 with dE/dtheta',
    seconds: (performance.now() - begin) / 1000,
    machine,
    results,
  };
  console.log(`wrote ${writeResults(SUBSET ? 'gradients-subset' : 'gradients', QUICK, json)} (${json.seconds.toFixed(1)} s)`);
}

await main();
