#!/usr/bin/env node
// Measures how the clamp gMax on the preconditioner G changes sampling, to choose its default
// (lib/native/chains.ts DEFAULT_G_MAX; results in bench/RESULTS.md). Not a test. Needs `npm run build`.
//   node bench/gmax.mjs
// (a) tiny first gradient: chains started at the mode (z0 = 1e-3 xi, E = z^2/2), so G = 1/(|g| + eps) is
//     huge on the first steps: worst |z| in the first 20 steps and the variance after 50 and 400 steps.
// (b) stiff Gaussian, precisions 1 and 1e4, eta = 1e-3, beta2 = 0.9999 (the setting of the test): the
//     variance ratios to 1/lambda averaged over steps 8000-12000.
// (c) four precisions 1, 10, 100, 1000 (genuine G from 1 down to 0.03), rmsprop beta2 0.99, eta 1e-3:
//     variance ratios after 3000 steps, to see that the clamp does not bias genuine posteriors.
import { Chains } from '../dist/index.js';

const clamps = [0.3, 1, 3, 10, 100, 1e4, Infinity];

function tinyFirstGradient(gMax) {
  const n = 20000;
  const chains = new Chains({ n, d: 1, stepSize: 0.05, preconditioner: 'rmsprop', gMax, seed: 3, maxConsecutiveRestarts: 1000 });
  chains.initPrior();
  chains.z.forEach((v, i, z) => (z[i] = 1e-3 * v));
  const g = new Float32Array(n);
  let worst = 0;
  const variances = {};
  for (let t = 1; t <= 400; t++) {
    const z = chains.z;
    g.set(z);
    chains.step(g);
    const z2 = chains.z;
    if (t <= 20) for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(z2[i]));
    if (t === 50 || t === 400) variances[t] = z2.reduce((s, v) => s + v * v, 0) / n;
  }
  return { worstFirst20: worst, var50: variances[50], var400: variances[400] };
}

function diagonal(gMax, lambdas, eta, beta2, steps, avgFrom, n) {
  const d = lambdas.length;
  const chains = new Chains({ n, d, stepSize: eta, preconditioner: 'rmsprop', beta2, gMax, seed: 7, maxConsecutiveRestarts: 1000 });
  chains.initPrior();
  const g = new Float32Array(n * d);
  const sums = new Float64Array(d);
  let count = 0;
  for (let t = 1; t <= steps; t++) {
    const z = chains.z;
    for (let i = 0; i < n * d; i++) g[i] = lambdas[i % d] * z[i];
    chains.step(g);
    if (t > avgFrom && t % 50 === 0) {
      const z2 = chains.z;
      for (let i = 0; i < n * d; i++) sums[i % d] += z2[i] * z2[i];
      count += n;
    }
  }
  return Array.from(sums, (s, j) => (s / count) * lambdas[j]);
}

const rows = [];
for (const gMax of clamps) {
  const a = tinyFirstGradient(gMax);
  const b = diagonal(gMax, [1, 1e4], 1e-3, 0.9999, 12000, 8000, 2000);
  const c = diagonal(gMax, [1, 10, 100, 1000], 1e-3, 0.99, 3000, 2000, 2000);
  rows.push({ gMax, ...a, stiff: b, spread: c });
  console.log(
    `gMax ${String(gMax).padStart(8)} | (a) max|z| first 20 steps ${a.worstFirst20.toExponential(2)}, var@50 ${a.var50.toFixed(3)}, var@400 ${a.var400.toFixed(3)}` +
      ` | (b) var*lambda ${b.map((v) => v.toFixed(3)).join(' ')} | (c) var*lambda ${c.map((v) => v.toFixed(3)).join(' ')}`,
  );
}
