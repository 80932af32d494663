/**
 * Whether another layout of the same products would speed up a training update: each matrix product of an MLP
 * layer at batch 64 (forward, input gradient, weight gradient) in every layout onnxruntime's Gemm can take,
 * with the weight fed as an input (as training graphs must) and, for the forward product, as an initializer
 * (prepacked once, as frozen graphs do). Each product feeds a ReduceSum, so no large output is copied out.
 * One thread, the cases interleaved in rounds; medians and ranges over rounds.
 *
 * Layouts, for a layer with weight W [out, in] (PyTorch's) and activations X [64, in], dY [64, out]:
 *   forward       X W^T (transB; PyTorch layout)   X Wt (W stored [in, out])   W X^T (feature-major output)
 *   input grad    dY W                             W^T dY^T (feature-major)
 *   weight grad   dY^T X (transA)                  X^T dY (the transpose)      dYt Xt^T (feature-major)
 *
 * Run: npm run build:ts && node bench/gemm-layouts.mjs [--rounds N]   (writes bench/results/gemm-layouts.json)
 */
import * as ort from 'onnxruntime-node';
import { onnx } from '../dist/index.js';
import { machineInfo } from './machine.mjs';
import { writeResults } from './output.mjs';
import { spread } from './stats.mjs';

const roundsAt = process.argv.indexOf('--rounds');
const ROUNDS = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 5;
const RUNS = 40;
const B = 64;
const LAYERS = [
  [784, 512],
  [512, 512],
  [512, 784],
];

/** The cases of one layer: [role, layout, A dims, B dims, transA, transB, B as initializer]. */
function layerCases(inF, out) {
  return [
    ['forward', 'X W^T, W an input (PyTorch layout)', [B, inF], [out, inF], 0, 1, false],
    ['forward', 'X W^T, W an initializer (prepacked)', [B, inF], [out, inF], 0, 1, true],
    ['forward', 'X Wt, Wt [in, out] an input', [B, inF], [inF, out], 0, 0, false],
    ['forward', 'W Xt, feature-major', [out, inF], [inF, B], 0, 0, false],
    ['input gradient', 'dY W', [B, out], [out, inF], 0, 0, false],
    ['input gradient', 'W^T dYt, feature-major', [out, inF], [out, B], 1, 0, false],
    ['weight gradient', 'dY^T X', [B, out], [B, inF], 1, 0, false],
    ['weight gradient', 'X^T dY (its transpose)', [B, inF], [B, out], 1, 0, false],
    ['weight gradient', 'dYt Xt^T, feature-major', [out, B], [inF, B], 0, 1, false],
  ];
}

async function gemmSession(aDims, bDims, transA, transB, bInitializer, rng) {
  const model = new onnx.Model(new onnx.Graph(), 17);
  const b = new onnx.GraphBuilder(model);
  const bData = rng.normals(bDims[0] * bDims[1], 0.05);
  const bInput = bInitializer ? b.initializer('b', onnx.makeTensor('float32', bDims, bData)) : b.input('b', 'float32', bDims);
  const product = b.op('Gemm', [b.input('a', 'float32', aDims), bInput], { transA, transB });
  b.output(b.op('ReduceSum', [product], { keepdims: 0 }), 'sum');
  const session = await onnx.createSession(model, { threads: 1 });
  const feeds = { a: new ort.Tensor('float32', rng.normals(aDims[0] * aDims[1], 1), aDims) };
  if (!bInitializer) feeds.b = new ort.Tensor('float32', bData, bDims);
  return { session, feeds };
}

async function main() {
  const rng = new onnx.Mulberry32(7);
  const cases = [];
  for (const [inF, out] of LAYERS) {
    for (const [role, layout, aDims, bDims, transA, transB, init] of layerCases(inF, out)) {
      const { session, feeds } = await gemmSession(aDims, bDims, transA, transB, init, rng);
      for (let i = 0; i < 5; i++) await onnx.runOrt(session, feeds);
      cases.push({ layer: `${inF} -> ${out}`, role, layout, flops: 2 * B * inF * out, session, feeds, ms: [] });
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const times = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await onnx.runOrt(c.session, c.feeds);
        times.push(performance.now() - t0);
      }
      c.ms.push(spread(times).median);
    }
  }
  const results = cases.map((c) => {
    const ms = spread(c.ms);
    return { layer: c.layer, role: c.role, layout: c.layout, ms, gflops: c.flops / ms.median / 1e6 };
  });
  for (const c of cases) await c.session.release();
  for (const r of results) console.log(`${r.layer} ${r.role}, ${r.layout}: ${r.ms.median.toFixed(3)} ms, ${r.gflops.toFixed(1)} GFLOP/s`);
  const json = { suite: 'gemm-layouts', rounds: ROUNDS, runsPerRound: RUNS, batch: B, threads: 1, machine: machineInfo(), results };
  console.log(`wrote ${writeResults('gemm-layouts', false, json)}`);
}

await main();
