/**
 * Speed of Langevin posterior sampling through a convolutional decoder with a spatial latent: a 32x32 RGB image
 * from a [4, 4, 4] latent through three 2x ConvTranspose layers of 64 channels (8x upsampling) and a 3x3 Conv
 * (convSpatialDecoder), Gaussian likelihood with fixed sigma. Reports, per configuration (chains per run, threads,
 * onnxruntime optimisation level):
 * - the time of one Langevin step per image (LangevinSampler.run, native step included, over T steps; its
 *   EnergyModel always runs at the level 'all');
 * - the 'sample' gradient graph's (energy + dE/dz) FLOPs, counted from its Conv, ConvTranspose, MatMul and Gemm
 *   nodes at the shapes shape inference gives, its median time as a bare onnxruntime session, and its GFLOP/s;
 * - the Conv ceiling: the GFLOP/s of one onnxruntime Conv (64 -> 64 channels, 3x3, 32x32, the same rows) alone,
 *   and beside it that of one ConvTranspose as the decoder's last upsampling has it (16x16 -> 32x32, 4x4, stride 2);
 * - where the graph's time goes, per operator type (onnxruntime's profile).
 * Medians and [min, max] of interleaved rounds. These machines are shared: compare ratios from one run.
 *
 * Run: npm run build:ts && node bench/spatial-decoder.mjs [--quick]   (writes bench/results/spatial.json, or
 * spatial-quick.json; BENCH_BUDGET_MS sets the time per case and round), or npm run bench -- --suite spatial.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildEnergyGraph, convSpatialDecoder, EnergyModel, energyRunModel, LangevinSampler } from '../dist/index.js';
import { fixDims, GraphBuilder, Graph, Model, inferTypes, makeTensor, Mulberry32, writeModel } from '../dist/onnx/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const LATENT = [4, 4, 4];
const IMAGE = [3, 32, 32];
const CHANNELS = [64, 64, 64];
const K = 4;
const STEPS = 10;
const QUICK = process.argv.includes('--quick');
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? (QUICK ? 300 : 1500));
const ROUNDS = QUICK ? 1 : 3;
const LIKELIHOOD = { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.1 } };
const ALL_CONFIGS = [
  { B: 2, threads: 1, optimization: 'all' },
  { B: 8, threads: 1, optimization: 'all' },
  { B: 32, threads: 1, optimization: 'all' },
  { B: 8, threads: 1, optimization: 'extended' },
  { B: 8, threads: 2, optimization: 'all' },
];
const CONFIGS = QUICK ? ALL_CONFIGS.slice(1, 2) : ALL_CONFIGS;

/** FLOPs (2 per multiply-add) of the graph's Conv, ConvTranspose, MatMul and Gemm nodes, by operator type. */
function countFlops(model) {
  const types = inferTypes(model, { strict: () => false });
  const dims = (name) => types.get(name)?.shape;
  const flops = {};
  for (const node of model.graph.nodes) {
    let f = 0;
    const w = dims(node.inputs[1]);
    if (node.opType === 'Conv') f = 2 * prod(dims(node.outputs[0])) * (w[1] * prod(w.slice(2)));
    else if (node.opType === 'ConvTranspose') f = 2 * prod(dims(node.inputs[0])) * w[1] * prod(w.slice(2));
    else if (node.opType === 'MatMul' || node.opType === 'Gemm') {
      const a = dims(node.inputs[0]);
      const y = dims(node.outputs[0]);
      const inner = node.opType === 'Gemm' && Number(node.attrs.get('transA')?.value ?? 0) === 1 ? a[0] : a[a.length - 1];
      f = 2 * prod(y) * inner;
    } else continue;
    if (!Number.isFinite(f)) throw new Error(`cannot count the FLOPs of ${node.name} (${node.opType}): shapes unknown`);
    flops[node.opType] = (flops[node.opType] ?? 0) + f;
  }
  return flops;
}

function prod(shape) {
  if (shape === null || shape === undefined || !shape.every((d) => typeof d === 'number')) return NaN;
  return shape.reduce((p, d) => p * d, 1);
}

/** A one-node ConvTranspose model, the decoder's last upsampling: x [rows, 64, 16, 16] -> [rows, 64, 32, 32], kernel 4, stride 2, pad 1. */
function convTransposeModel(rows) {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const x = b.input('x', 'float32', [rows, 64, 16, 16]);
  const w = b.initializer('w', makeTensor('float32', [64, 64, 4, 4], new Mulberry32(6).normals(64 * 64 * 16, 0.05)));
  b.output(b.op('ConvTranspose', [x, w], { strides: [2, 2], pads: [1, 1, 1, 1] }), 'y', 'float32', [rows, 64, 32, 32]);
  return model;
}

/** A one-node Conv model: x [rows, 64, 32, 32] (*) w [64, 64, 3, 3], pad 1. */
function convModel(rows) {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  const x = b.input('x', 'float32', [rows, 64, 32, 32]);
  const w = b.initializer('w', makeTensor('float32', [64, 64, 3, 3], new Mulberry32(5).normals(64 * 64 * 9, 0.05)));
  b.output(b.op('Conv', [x, w], { pads: [1, 1, 1, 1] }), 'y', 'float32', [rows, 64, 32, 32]);
  return model;
}

async function session(bytes, threads, optimization, profileDir) {
  return ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: optimization,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    ...(profileDir === undefined ? {} : { enableProfiling: true, profileFilePrefix: join(profileDir, 'p') }),
  });
}

/** Times `call` for about budgetMs after two warm-up calls; returns the times (ms). */
async function timeCalls(call, budgetMs) {
  for (let i = 0; i < 2; i++) await call();
  const times = [];
  const start = performance.now();
  while (times.length < 3 || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Milliseconds per operator type in onnxruntime's profile of `runs` runs, per run. */
async function profileByOp(bytes, feeds, threads, optimization, runs = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'lpc-spatial-profile-'));
  try {
    const s = await session(bytes, threads, optimization, dir);
    for (let i = 0; i < runs + 2; i++) await s.run(feeds);
    s.endProfiling();
    await s.release();
    const events = JSON.parse(
      readFileSync(
        join(
          dir,
          readdirSync(dir).find((f) => f.endsWith('.json')),
        ),
        'utf8',
      ),
    );
    const byOp = {};
    for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp[e.args.op_name] = (byOp[e.args.op_name] ?? 0) + e.dur / 1000;
    // The first two runs were warm-up: scale the total to one run.
    for (const k of Object.keys(byOp)) byOp[k] /= runs + 2;
    return byOp;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(config, decoder, graph) {
  const { B, threads, optimization } = config;
  const rows = B * K;
  const rng = new Mulberry32(7);
  const D = IMAGE[0] * IMAGE[1] * IMAGE[2];
  const d = decoder.latentDim;
  const x = rng.uniforms(B * D, 0, 1);
  const z = rng.normals(rows * d);
  const sampleModel = energyRunModel(graph, 'sample', [], false);
  const flops = countFlops(fixDims(sampleModel, { batch: B, chains: rows }));
  const totalFlops = Object.values(flops).reduce((a, f) => a + f, 0);
  const bytes = writeModel(sampleModel);
  const feeds = { x: new ort.Tensor('float32', x, [B, ...IMAGE]), z: new ort.Tensor('float32', z, [rows, d]) };
  const graphSession = await session(bytes, threads, optimization);
  const convRows = await session(writeModel(convModel(rows)), threads, optimization);
  const convFeeds = { x: new ort.Tensor('float32', rng.normals(rows * 64 * 32 * 32), [rows, 64, 32, 32]) };
  const convFlops = 2 * rows * 64 * 32 * 32 * 64 * 9;
  const deconv = await session(writeModel(convTransposeModel(rows)), threads, optimization);
  const deconvFeeds = { x: new ort.Tensor('float32', rng.normals(rows * 64 * 16 * 16), [rows, 64, 16, 16]) };
  const deconvFlops = 2 * rows * 64 * 16 * 16 * 64 * 16;
  const energy = await EnergyModel.create(decoder, { likelihood: LIKELIHOOD, threads });
  const sampler = new LangevinSampler(energy, { steps: STEPS, chains: K, stepSize: 0.01, preconditioner: 'none', seed: 1 });
  const t = { graph: [], conv: [], deconv: [], step: [] };
  for (let round = 0; round < ROUNDS; round++) {
    t.graph.push(...(await timeCalls(() => graphSession.run(feeds), BUDGET_MS)));
    t.conv.push(...(await timeCalls(() => convRows.run(convFeeds), BUDGET_MS)));
    t.deconv.push(...(await timeCalls(() => deconv.run(deconvFeeds), BUDGET_MS)));
    // One run takes T steps and a final evaluation: per step and image.
    t.step.push(...(await timeCalls(() => sampler.run(x), BUDGET_MS)).map((ms) => ms / (STEPS + 1) / B));
  }
  const byOp = await profileByOp(bytes, feeds, threads, optimization);
  await graphSession.release();
  await convRows.release();
  await deconv.release();
  await energy.dispose();
  const graphMs = spread(t.graph);
  const convMs = spread(t.conv);
  const gflops = (flops, ms) => flops / (ms * 1e6);
  return {
    ...config,
    K,
    rows,
    stepMsPerImage: spread(t.step),
    graphMs,
    graphGflop: totalFlops / 1e9,
    graphGflopPerOp: Object.fromEntries(Object.entries(flops).map(([k, f]) => [k, f / 1e9])),
    graphGflops: gflops(totalFlops, graphMs.median),
    convGflops: gflops(convFlops, convMs.median),
    convTransposeGflops: gflops(deconvFlops, spread(t.deconv).median),
    ratioToConv: gflops(totalFlops, graphMs.median) / gflops(convFlops, convMs.median),
    profileMsByOp: byOp,
  };
}

async function main() {
  const decoder = convSpatialDecoder({ latentShape: LATENT, imageShape: IMAGE, channels: CHANNELS, seed: 1 });
  const graph = buildEnergyGraph(decoder, LIKELIHOOD);
  const results = [];
  console.log(`decoder: latent [${LATENT}], image [${IMAGE}], channels ${CHANNELS.join('/')}, K = ${K} chains per image, node ${process.version}, ort ${ort.env.versions?.common ?? ''}`);
  console.log('| images x chains | threads | level | ms per step per image | graph ms | graph GFLOP | graph GFLOP/s | Conv 3x3 GFLOP/s | ratio | ConvTranspose 4x4/2 GFLOP/s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const config of CONFIGS) {
    const r = await measure(config, decoder, graph);
    results.push(r);
    const s = r.stepMsPerImage;
    console.log(
      `| ${r.B} x ${K} | ${r.threads} | ${r.optimization} | ${s.median.toFixed(2)} [${s.min.toFixed(2)}, ${s.max.toFixed(2)}] | ${r.graphMs.median.toFixed(1)} | ${r.graphGflop.toFixed(2)} | ${r.graphGflops.toFixed(1)} | ${r.convGflops.toFixed(1)} | ${r.ratioToConv.toFixed(2)} | ${r.convTransposeGflops.toFixed(1)} |`,
    );
    const total = Object.values(r.profileMsByOp).reduce((a, v) => a + v, 0);
    const shares = Object.entries(r.profileMsByOp)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([op, ms]) => `${op} ${((100 * ms) / total).toFixed(0)}%`);
    console.log(
      `    profile: ${shares.join(', ')}; FLOPs: ${Object.entries(r.graphGflopPerOp)
        .map(([op, g]) => `${op} ${g.toFixed(2)}`)
        .join(', ')} GFLOP`,
    );
  }
  const json = { suite: 'spatial', quick: QUICK, rounds: ROUNDS, budgetMs: BUDGET_MS, steps: STEPS, decoder: { latent: LATENT, image: IMAGE, channels: CHANNELS }, machine: machineInfo(), results };
  console.log(`wrote ${writeResults('spatial', QUICK, json)}`);
}

await main();
