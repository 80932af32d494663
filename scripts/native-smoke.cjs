// A smoke test of a built addon on any platform: loads the .node file given as the first argument, runs a
// little of each part (random numbers, chains with every preconditioner, MALA, the optimisers, the
// reductions) and prints the results as JSON, floats as their bit patterns, so that two platforms' outputs
// can be compared exactly (scripts/platforms.sh runs it under qemu for linux-arm64 and natively).
'use strict';
const b = require(require('node:path').resolve(process.argv[2]));

const bits = (a) => Array.from(new Uint32Array(new Float32Array(a).buffer), (x) => x.toString(16));
const out = { arch: process.arch };

const rng = new b.Rng({ seed: 7n, stream: 1n, device: 'cpu' });
out.normals = bits(rng.normal(new Float32Array(1000)));
out.uniforms = bits(rng.uniform(new Float32Array(1000)));

const energyGrad = (z, n, d) => {
  const energy = new Float32Array(n);
  const grad = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) {
    grad[i] = 2 * z[i];
    energy[Math.floor(i / d)] += z[i] * z[i];
  }
  return { energy, grad };
};
const chainsOptions = (preconditioner, momentum, warmup) => ({
  n: 16,
  d: 8,
  preconditioner,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gMax: 10,
  momentum,
  stepSize: 0.05,
  seed: 3n,
  stream: 0n,
  device: 'cpu',
  warmup,
  adapt: warmup > 0,
  targetAccept: 0.57,
  adaptRate: 0.05,
});
for (const [name, precond, momentum] of [
  ['none', 'none', false],
  ['rmsprop', 'rmsprop', false],
  ['adam', 'adam', true],
]) {
  const c = new b.Chains(chainsOptions(precond, momentum, 0));
  c.initPrior();
  for (let k = 0; k < 20; k++) c.step(energyGrad(c.z, 16, 8).grad, undefined, undefined);
  out[`chains ${name}`] = bits(c.z);
}
{
  const c = new b.Chains(chainsOptions('rmsprop', false, 5));
  c.initPrior();
  let at = energyGrad(c.z, 16, 8);
  c.setCurrent(at.energy, at.grad);
  for (let k = 0; k < 10; k++) {
    c.propose(undefined);
    at = energyGrad(c.proposal, 16, 8);
    c.accept(at.energy, at.grad);
  }
  out.mala = bits(c.z);
}
for (const kind of ['sgd', 'adam', 'adamw']) {
  const p = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const o = new b.Optimizer([p], {
    kind,
    lr: 0.01,
    momentum: kind === 'sgd' ? 0.9 : 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    device: 'cpu',
  });
  for (let k = 0; k < 10; k++) o.step([Float32Array.from(p, (x) => x - 0.5)], 1);
  out[`optimizer ${kind}`] = bits(p);
}
out.logSumExpRows = Array.from(
  b.logSumExpRows(
    Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)),
    8,
    8,
  ),
);
process.stdout.write(JSON.stringify(out));
