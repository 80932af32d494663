#!/usr/bin/env node
// The addon's CUDA path through the JavaScript API, on a machine with a GPU: (1) checks that Chains and
// Optimizer with device 'cuda' follow the CPU ones (same seed, same gradients) within float rounding, and
// exits 1 if not; (2) times one step() per chain-array size on the CPU (1 thread and all threads) and on the
// GPU (host-device copies included, as every step makes them while onnxruntime-node runs on the CPU),
// sampled alternately, medians and ranges. Prints JSON lines. Run: npm run build:ts && node bench/native-cuda.mjs
import { Chains, Optimizer, Rng, cudaStatus, hardwareThreads, setThreads } from '../dist/native/index.js';
import { spread } from './stats.mjs';

const status = cudaStatus();
console.log(JSON.stringify({ cudaStatus: status }));
if (!status.available) process.exit(77);

const maxRelDiff = (a, b) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return worst;
};
let failures = 0;
const expectClose = (what, a, b, tol) => {
  const d = maxRelDiff(a, b);
  if (!(d <= tol)) failures++;
  console.log(JSON.stringify({ check: what, maxRelDiff: d, tolerance: tol, ok: d <= tol }));
};

// Chains: 20 unadjusted steps on a quadratic energy E = 0.5 |z|^2 (gradient z), every preconditioner.
// Tolerance 1e-4: both sides do the same float arithmetic without FMA, and rounding differences in sqrt
// and the transcendental functions of Box-Muller (a few ulp) grow slowly over 20 steps.
for (const [kind, options] of [
  ['none', {}],
  ['rmsprop', { preconditioner: 'rmsprop' }],
  ['adam', { preconditioner: 'adam', momentum: true }],
]) {
  const make = (device) => new Chains({ n: 300, d: 37, stepSize: 0.05, seed: 9, device, ...options });
  const cpu = make('cpu');
  const gpu = make('cuda');
  if (gpu.device !== 'cuda') throw new Error(`cuda chains fell back: ${gpu.deviceReason}`);
  for (const c of [cpu, gpu]) {
    c.initPrior();
    for (let t = 0; t < 20; t++) c.step(Float32Array.from(c.z));
  }
  expectClose(`chains ${kind} after 20 steps`, cpu.z, gpu.z, 1e-4);
  cpu.dispose();
  gpu.dispose();
}

// Optimizers: 100 steps on the same gradient sequence.
for (const kind of ['sgd', 'adam', 'adamw']) {
  const grads = new Rng({ seed: 4 });
  const pc = new Rng({ seed: 5 }).normal(50_001);
  const pg = Float32Array.from(pc);
  const cpu = new Optimizer([pc], { kind, lr: 1e-2, momentum: kind === 'sgd' ? 0.9 : 0 });
  const gpu = new Optimizer([pg], { kind, lr: 1e-2, momentum: kind === 'sgd' ? 0.9 : 0, device: 'cuda' });
  if (gpu.device !== 'cuda') throw new Error(`cuda optimizer fell back: ${gpu.deviceReason}`);
  for (let t = 0; t < 100; t++) {
    const g = grads.normal(pc.length);
    cpu.step([g]);
    gpu.step([g]);
  }
  // 1e-6 relative: identical element-wise formulas, rounding only in the bias-correction powers.
  expectClose(`optimizer ${kind} after 100 steps`, pc, pg, 1e-6);
}

// Timing, rmsprop chains of d = 128.
const D = 128;
for (const elements of [64 * 32 * 4, 65536, 1 << 20, 1 << 24]) {
  const n = elements / D;
  const grad = new Rng({ seed: 2 }).normal(elements);
  const arms = [
    ['cpu1', 'cpu', 1],
    ['cpuAll', 'cpu', hardwareThreads()],
    ['cuda', 'cuda', 1],
  ].map(([name, device, threads]) => {
    const chains = new Chains({ n, d: D, stepSize: 1e-3, seed: 1, preconditioner: 'rmsprop', device });
    chains.initPrior();
    return { name, threads, chains, us: [] };
  });
  const calls = Math.max(1, Math.round((1 << 22) / elements));
  for (let s = 0; s < 9; s++) {
    for (const arm of arms) {
      setThreads(arm.threads);
      arm.chains.step(grad);
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) arm.chains.step(grad);
      arm.us.push(((performance.now() - t0) * 1000) / calls);
    }
  }
  const row = { elements, chains: n, d: D };
  for (const arm of arms) {
    row[arm.name] = { ...spread(arm.us), threads: arm.threads };
    arm.chains.dispose();
  }
  row.cpu1OverCuda = row.cpu1.median / row.cuda.median;
  row.cpuAllOverCuda = row.cpuAll.median / row.cuda.median;
  console.log(JSON.stringify(row));
}
console.log(JSON.stringify({ failures }));
process.exit(failures === 0 ? 0 : 1);
