/**
 * Benchmark of the emitted energy graphs of the reference MLP decoder (d = 32 -> 512 -> 512 -> 784, ReLU,
 * Bernoulli energy on logits), against the best single onnxruntime MatMul with the decoder's layer shapes
 * at the same batch, measured in the same run (the ceiling on this machine).
 *
 * FLOPs: F = 2 B sum(in * out) for the forward pass, 2F for energy + dE/dz, 3F with dE/dtheta.
 * Run: npm run bench:onnx   (writes bench/out/onnx-mlp.json; BENCH_BATCHES=1024 BENCH_THREADS=2 times one configuration
 *      into bench/out/onnx-mlp.subset.json; BENCH_PROFILE=1 adds onnxruntime's per-node profile of each graph)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { buildGradientModel } from '../lib/onnx/autodiff/gradient.js';
import { GraphBuilder } from '../lib/onnx/builder.js';
import { writeModel } from '../lib/onnx/convert.js';
import { Graph, Model } from '../lib/onnx/ir.js';
import { ParameterSet } from '../lib/onnx/params.js';
import { Rng } from '../lib/onnx/random.js';
import { makeTensor, scalarTensor } from '../lib/onnx/tensor.js';
import { profileGraph, type GraphProfile } from './onnx-profile.js';

const SIZES = [32, 512, 512, 784];
/** Configurations; BENCH_BATCHES / BENCH_THREADS (comma lists) select a subset, e.g. to repeat one that was disturbed. */
const list = (env: string | undefined, fallback: number[]) => (env ? env.split(',').map(Number) : fallback);
const BATCHES = list(process.env.BENCH_BATCHES, [64, 256, 1024]);
const THREADS = list(process.env.BENCH_THREADS, [1, 2]);
/** Time spent timing each session of a configuration, over all rounds; medians over the runs that fit. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 1000);
const PROFILE = process.env.BENCH_PROFILE !== undefined;
const MIN_RUNS = 3;
const ROUNDS = 5;

const flopsForward = (batch: number) => 2 * batch * SIZES.slice(1).reduce((s, out, i) => s + SIZES[i] * out, 0);

/** The decoder and its Bernoulli energy E = sum_j softplus(l_j) - x_j l_j + |z|^2 / 2, per row. */
function energyModel(): Model {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const rng = new Rng(1);
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
function matmulModel(k: number, n: number): Model {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const w = b.initializer('w', makeTensor('float32', [k, n], new Rng(2).normals(k * n, 0.05)));
  b.output(b.op('MatMul', [b.input('a', 'float32', ['batch', k]), w]), 'y');
  return model;
}

/**
 * The dE/dtheta graph with each parameter gradient summed to a scalar inside the graph: the same work, but
 * onnxruntime-node no longer copies 2.7 MB of gradients into JavaScript arrays on every run. The difference
 * to the full graph is the cost of reading the gradients out.
 */
function withoutReadout(model: Model): Model {
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
function describeProfile(label: string, p: GraphProfile): string {
  const gemm = p.nodes.filter((n) => /Gemm|MatMul/.test(n.op)).reduce((s, n) => s + n.medianUs, 0);
  const other = p.nodes.reduce((s, n) => s + n.medianUs, 0) - gemm;
  const top = p.nodes.slice(0, 8).map((n) => `${n.node} ${n.medianUs}`).join(', ');
  return `  profile ${label}: run ${p.runUs} us, GEMMs ${gemm} us, other kernels ${other} us, between kernels ${p.runUs - gemm - other} us; largest: ${top}`;
}

interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

/** Times one session for about `budgetMs` after warm-up, appending run times to `times`. */
async function timeInto(times: number[], session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, budgetMs: number): Promise<void> {
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const start = performance.now();
  let n = 0;
  while (n < MIN_RUNS || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
    if (++n > 2000) break;
  }
}

function summarise(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1], runs: sorted.length };
}

async function session(model: Model, threads: number) {
  return ort.InferenceSession.create(writeModel(model), { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
}

const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

async function main() {
  const forward = energyModel();
  const params = ParameterSet.fromModel(forward);
  const graphs: { name: string; model: Model; flopsFactor: number; feedParams: boolean }[] = [
    { name: 'energy', model: buildGradientModel(forward, { objective: 'energy', inputs: ['z'] }).model, flopsFactor: 2, feedParams: false },
    { name: 'energy+dE/dz (weights as inputs)', model: buildGradientModel(forward, { objective: 'energy', inputs: ['z'], feedParams: params.names }).model, flopsFactor: 2, feedParams: true },
    { name: 'energy+dE/dz+dE/dtheta', model: buildGradientModel(forward, { objective: 'energy', inputs: ['z'], params: params.names }).model, flopsFactor: 3, feedParams: true },
  ];
  graphs.push({ name: 'energy+dE/dz+dE/dtheta (no readout)', model: withoutReadout(graphs[2].model), flopsFactor: 3, feedParams: true });
  // The first graph is the sampling graph with frozen weights; label it by what it computes.
  graphs[0].name = 'energy+dE/dz';
  const results: Record<string, unknown>[] = [];
  const rng = new Rng(3);
  for (const threads of THREADS) {
    for (const batch of BATCHES) {
      // Every session of this configuration is timed in interleaved rounds, so that load from other
      // processes on the machine falls on all of them alike.
      const cases: { label: string; session: ort.InferenceSession; feeds: Record<string, ort.Tensor>; flops: number; times: number[]; model?: Model }[] = [];
      for (let i = 1; i < SIZES.length; i++) {
        const [k, n] = [SIZES[i - 1], SIZES[i]];
        cases.push({ label: `matmul ${k}x${n}`, session: await session(matmulModel(k, n), threads), feeds: { a: tensor(rng.normals(batch * k), [batch, k]) }, flops: 2 * batch * k * n, times: [] });
      }
      const feeds: Record<string, ort.Tensor> = {
        z: tensor(rng.normals(batch * SIZES[0]), [batch, SIZES[0]]),
        x: tensor(Float32Array.from({ length: batch * SIZES[3] }, () => (rng.uniform() < 0.2 ? 1 : 0)), [batch, SIZES[3]]),
      };
      for (const p of params) feeds[p.name] = tensor(p.data, [...p.dims]);
      for (const g of graphs) {
        const use = Object.fromEntries(Object.entries(feeds).filter(([k]) => g.feedParams || !params.has(k)));
        cases.push({ label: g.name, session: await session(g.model, threads), feeds: use, flops: g.flopsFactor * flopsForward(batch), times: [], model: g.model });
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of cases) await timeInto(c.times, c.session, c.feeds, BUDGET_MS / ROUNDS);
      }
      const gflopsOf = (c: (typeof cases)[number]) => c.flops / (summarise(c.times).medianMs * 1e6);
      const matmuls = cases.slice(0, SIZES.length - 1);
      const ceiling = Math.max(...matmuls.map(gflopsOf));
      const matmulGflops = Object.fromEntries(matmuls.map((c) => [c.label, gflopsOf(c)]));
      for (const c of cases.slice(SIZES.length - 1)) {
        const t = summarise(c.times);
        const gflops = gflopsOf(c);
        const profile = PROFILE ? await profileGraph(writeModel(c.model!), c.feeds, threads, Math.max(15, Math.round(20000 / batch))) : undefined;
        results.push({ graph: c.label, batch, threads, ...t, gflops, ceilingGflops: ceiling, matmulGflops, efficiencyVsMatMul: gflops / ceiling, ...(profile ? { profile } : {}) });
        console.log(`${c.label.padEnd(40)} B=${String(batch).padStart(4)} threads=${threads}  ${t.medianMs.toFixed(3).padStart(8)} ms [${t.minMs.toFixed(3)}, ${t.maxMs.toFixed(3)}]  ${gflops.toFixed(1).padStart(6)} GFLOP/s  ceiling ${ceiling.toFixed(1)}  eff ${(gflops / ceiling).toFixed(3)}`);
        if (profile) console.log(describeProfile(c.label, profile));
      }
      for (const c of cases) await c.session.release();
    }
  }
  // npm scripts run from the package root.
  mkdirSync('bench/out', { recursive: true });
  const subset = process.env.BENCH_BATCHES !== undefined || process.env.BENCH_THREADS !== undefined;
  const out = subset ? 'bench/out/onnx-mlp.subset.json' : 'bench/out/onnx-mlp.json';
  writeFileSync(out, JSON.stringify({ sizes: SIZES, flops: 'forward 2*B*sum(in*out); x2 with dE/dz; x3 with dE/dtheta', ortVersion: ort.env.versions.common, results }, null, 2));
  console.log(`wrote ${out}`);
}

await main();
