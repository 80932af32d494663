// The sampler's own cost per step: LangevinSampler.run against a bare loop of native Chains driving the same
// energy function, which only copies z into a gradient buffer it reuses (so the energy costs next to nothing
// and what remains is bookkeeping). Run after `npm run build:ts`:  node bench/inference-overhead.mjs [repeats]
import { Chains, LangevinSampler } from '../dist/index.js';

const repeats = Number(process.argv[2] ?? 7);
const steps = 200;

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
  for (let k = 0; k < steps; k++) {
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
  for (let k = 0; k < steps; k++) {
    const out = await fn.evaluate(x, batch, chains.propose());
    chains.accept(out.energy, out.gradZ);
  }
  chains.dispose();
}

async function time(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / steps; // microseconds per step
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}
const fmt = ({ median, min, max }) => `${median.toFixed(1)} (${min.toFixed(1)}-${max.toFixed(1)})`;

console.log(`repeats: ${repeats}, ${steps} steps per run, node ${process.version}; microseconds per step, median (range)`);
console.log('| B x K x d | bare ULA loop | sampler, ULA | ULA overhead | sampler, ULA keeping every state after T/2 | bare MALA loop | sampler, MALA | MALA overhead |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [batch, K, d] of [
  [128, 4, 32],
  [128, 16, 64],
]) {
  const n = batch * K;
  const fn = cheapEnergy(d, 784);
  const x = new Float32Array(batch * 784);
  const samplers = {
    ula: new LangevinSampler(fn, { steps, stepSize: 0.1, chains: K, seed: 1 }),
    keep: new LangevinSampler(fn, { steps, stepSize: 0.1, chains: K, seed: 1, keep: { burnIn: steps / 2 } }),
    mala: new LangevinSampler(fn, { steps, stepSize: 0.1, chains: K, seed: 1, sampler: 'mala' }),
  };
  const t = { bare: [], ula: [], keep: [], bareMala: [], mala: [], overhead: [], malaOverhead: [] };
  await bareLoop(fn, x, batch, n, d); // warm-up
  for (let r = 0; r < repeats; r++) {
    // Interleaved, so that machine noise hits every column alike.
    t.bare.push(await time(() => bareLoop(fn, x, batch, n, d)));
    t.ula.push(await time(() => samplers.ula.run(x)));
    t.keep.push(await time(() => samplers.keep.run(x)));
    t.bareMala.push(await time(() => bareMala(fn, x, batch, n, d)));
    t.mala.push(await time(() => samplers.mala.run(x)));
    t.overhead.push(t.ula[r] - t.bare[r]);
    t.malaOverhead.push(t.mala[r] - t.bareMala[r]);
  }
  const cols = [t.bare, t.ula, t.overhead, t.keep, t.bareMala, t.mala, t.malaOverhead].map((c) => fmt(summary(c)));
  console.log(`| ${batch} x ${K} x ${d} | ${cols.join(' | ')} |`);
}
