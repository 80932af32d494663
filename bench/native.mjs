#!/usr/bin/env node
// Native Langevin step throughput beside a plain memory copy of the same bytes, measured in the same run.
// Not a test: prints a table and writes bench/out/native.json. Run: npm run bench:native
//
// Bytes per element are all arrays the step reads and writes: z (read), gradient (read), next z (written),
// plus v (read and written) for rmsprop and v and m for adam (with momentum drift). Noise is generated in
// the loop and never stored. The copy moves the same number of bytes (reads half, writes half) with the
// same thread split, so fractionOfCopy = step bytes/s divided by copy bytes/s (per pair of alternating
// samples; the median is reported).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Chains, Rng, getThreads, setThreads } from '../dist/index.js';
import { binding } from '../dist/native/binding.js';
import { spread } from './stats.mjs';

const D = 128; // latent dims per chain; n = elements / D chains
const SIZES = [4096, 65536, 1 << 20, 1 << 24];
const KINDS = [
  { kind: 'none', options: {}, bytes: 12 },
  { kind: 'rmsprop', options: { preconditioner: 'rmsprop' }, bytes: 20 },
  { kind: 'adam', options: { preconditioner: 'adam', momentum: true }, bytes: 28 },
];
const SAMPLES = 7;
const MIN_SAMPLE_SECONDS = 0.02;

// Calls of `fn` that last at least MIN_SAMPLE_SECONDS (after two warm-up calls).
function callsPerSample(fn) {
  fn();
  fn();
  const t0 = performance.now();
  fn();
  const single = Math.max(1e-6, (performance.now() - t0) / 1000);
  return Math.max(1, Math.ceil(MIN_SAMPLE_SECONDS / single));
}

// Rate (units per second) of one sample of `calls` calls.
function sample(fn, calls, unitsPerCall) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (unitsPerCall * calls) / ((performance.now() - start) / 1000);
}

// Rates of `fn` over SAMPLES samples.
function measure(fn, unitsPerCall) {
  const calls = callsPerSample(fn);
  return spread(Array.from({ length: SAMPLES }, () => sample(fn, calls, unitsPerCall)));
}

// Step and copy sampled alternately, so that both see the same machine load (these machines are shared);
// the ratio is taken per pair of samples.
function measurePair(step, stepUnits, copy, copyUnits, bytesPerUnit) {
  const stepCalls = callsPerSample(step);
  const copyCalls = callsPerSample(copy);
  const steps = [];
  const copies = [];
  const fractions = [];
  for (let s = 0; s < SAMPLES; s++) {
    const stepRate = sample(step, stepCalls, stepUnits);
    const copyRate = sample(copy, copyCalls, copyUnits);
    steps.push(stepRate);
    copies.push(copyRate);
    fractions.push((stepRate * bytesPerUnit) / copyRate);
  }
  return { step: spread(steps), copy: spread(copies), fraction: spread(fractions) };
}

const results = [];
const normals = [];
const defaultThreads = getThreads();
const begin = performance.now();
for (const threads of [1, 2]) {
  setThreads(threads);
  for (const elements of SIZES) {
    for (const { kind, options, bytes } of KINDS) {
      const chains = new Chains({ n: elements / D, d: D, stepSize: 1e-3, seed: 1, ...options });
      chains.initPrior();
      const grad = new Rng({ seed: 2 }).normal(elements);
      // The copy: bytes * elements / 8 floats move the same bytes (4 read + 4 written per float).
      const floats = (bytes * elements) / 8;
      const src = new Float32Array(floats).fill(1);
      const dst = new Float32Array(floats);
      const m = measurePair(
        () => chains.step(grad),
        elements,
        () => binding.copy(dst, src),
        floats * 8,
        bytes,
      );
      chains.dispose();
      const step = m.step;
      results.push({
        kind,
        threads,
        elements,
        chains: elements / D,
        dims: D,
        bytesPerElement: bytes,
        stepElementsPerSecond: step,
        stepBytesPerSecond: { median: step.median * bytes, min: step.min * bytes, max: step.max * bytes },
        copyBytesPerSecond: m.copy,
        fractionOfCopy: m.fraction.median,
        fractionOfCopyRange: [m.fraction.min, m.fraction.max],
      });
    }
  }
  for (const count of [1 << 20, 1 << 24]) {
    const rng = new Rng({ seed: 3 });
    const out = new Float32Array(count);
    normals.push({ threads, count, normalsPerSecond: measure(() => rng.normal(out), count) });
  }
}
setThreads(defaultThreads);

const fmt = (x, digits = 1) => x.toFixed(digits).padStart(7);
const lines = ['| kind | threads | elements | step Melem/s median [min, max] | step GB/s | copy GB/s median [min, max] | fractionOfCopy median [min, max] |', '|---|---|---|---|---|---|---|'];
for (const r of results) {
  const s = r.stepElementsPerSecond;
  const c = r.copyBytesPerSecond;
  lines.push(
    `| ${r.kind} | ${r.threads} | ${r.elements} | ${fmt(s.median / 1e6)} [${(s.min / 1e6).toFixed(1)}, ${(s.max / 1e6).toFixed(1)}] | ${fmt(
      r.stepBytesPerSecond.median / 1e9,
      2,
    )} | ${fmt(c.median / 1e9, 2)} [${(c.min / 1e9).toFixed(2)}, ${(c.max / 1e9).toFixed(2)}] | ${r.fractionOfCopy.toFixed(2)} [${r.fractionOfCopyRange[0].toFixed(2)}, ${r.fractionOfCopyRange[1].toFixed(2)}] |`,
  );
}
lines.push('', '| normals | threads | count | Mnormals/s median [min, max] |', '|---|---|---|---|');
for (const n of normals) {
  const s = n.normalsPerSecond;
  lines.push(`| Rng.normal | ${n.threads} | ${n.count} | ${fmt(s.median / 1e6)} [${(s.min / 1e6).toFixed(1)}, ${(s.max / 1e6).toFixed(1)}] |`);
}
console.log(lines.join('\n'));

const report = {
  command: 'npm run bench:native',
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  hardwareThreads: os.cpus().length,
  samples: SAMPLES,
  minSampleSeconds: MIN_SAMPLE_SECONDS,
  seconds: (performance.now() - begin) / 1000,
  results,
  normals,
};
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/native.json', import.meta.url), JSON.stringify(report, null, 2));
console.log(`\nwrote bench/out/native.json (${report.seconds.toFixed(1)} s)`);
