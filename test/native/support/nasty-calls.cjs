// Calls the raw addon with every kind of bad argument and prints, as JSON, how each call ended.
// Run in a child process by errors.test.ts: a crash shows as a signal or a non-zero exit instead of JSON.
'use strict';
const path = require('node:path');
const b = require('node-gyp-build')(path.resolve(__dirname, '..', '..', '..'));

const results = {};
const codes = new Set();
const uncoded = [];
function attempt(name, fn) {
  try {
    fn();
    results[name] = 'no error';
  } catch (e) {
    results[name] = e instanceof Error ? e.constructor.name : typeof e;
    if (e && e.code) codes.add(e.code);
    else uncoded.push(name);
  }
}

const chainsOptions = {
  n: 4,
  d: 3,
  preconditioner: 'adam',
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  gMax: 10,
  momentum: true,
  stepSize: 0.1,
  seed: 1n,
  stream: 0n,
  device: 'cpu',
  warmup: 0,
  adapt: false,
  targetAccept: 0.57,
  adaptRate: 0.05,
};
const make = (over = {}) => new b.Chains({ ...chainsOptions, ...over });
const good = () => new Float32Array(12);

// Constructor arguments.
attempt('Chains()', () => new b.Chains());
attempt('Chains(null)', () => new b.Chains(null));
attempt('Chains(number)', () => new b.Chains(5));
attempt('Chains without new', () => b.Chains(chainsOptions));
attempt('Chains missing stepSize', () => make({ stepSize: undefined }));
attempt('Chains NaN stepSize', () => make({ stepSize: NaN }));
attempt('Chains negative stepSize', () => make({ stepSize: -1 }));
attempt('Chains Infinity stepSize', () => make({ stepSize: Infinity }));
attempt('Chains n = 0', () => make({ n: 0 }));
attempt('Chains d = 1.5', () => make({ d: 1.5 }));
attempt('Chains n*d too large', () => make({ n: 65536, d: 65536 }));
attempt('Chains beta2 = 1', () => make({ beta2: 1 }));
attempt('Chains eps = 0', () => make({ eps: 0 }));
attempt('Chains gMax NaN', () => make({ gMax: NaN }));
attempt('Chains gMax -Infinity', () => make({ gMax: -Infinity }));
attempt('Chains seed negative bigint', () => make({ seed: -1n }));
attempt('Chains seed 2^64', () => make({ seed: 1n << 64n }));
attempt('Chains seed string', () => make({ seed: '1' }));
attempt('Chains preconditioner symbol', () => make({ preconditioner: Symbol('x') }));
attempt('Chains device tpu', () => make({ device: 'tpu' }));
attempt('Chains getter that throws', () =>
  make({
    get n() {
      throw new Error('boom');
    },
  }),
);

// step() arguments.
const c = make();
c.initPrior();
attempt('step()', () => c.step());
attempt('step(number)', () => c.step(3));
attempt('step(string)', () => c.step('x'));
attempt('step(Float64Array)', () => c.step(new Float64Array(12)));
attempt('step(Int32Array)', () => c.step(new Int32Array(12)));
attempt('step(DataView)', () => c.step(new DataView(new ArrayBuffer(48))));
attempt('step(short)', () => c.step(new Float32Array(11)));
attempt('step(long)', () => c.step(new Float32Array(13)));
attempt('step(empty)', () => c.step(new Float32Array(0)));
attempt('step(energy Float64Array)', () => c.step(good(), new Float64Array(4)));
attempt('step(energy short)', () => c.step(good(), new Float32Array(3)));
attempt('step(stepSize NaN)', () => c.step(good(), undefined, NaN));
attempt('step(stepSize 0)', () => c.step(good(), undefined, 0));
attempt('step(stepSize -0.1)', () => c.step(good(), undefined, -0.1));
attempt('step(stepSize 1e-50)', () => c.step(good(), undefined, 1e-50));
attempt('step(stepSize Infinity)', () => c.step(good(), undefined, Infinity));
attempt('step(stepSize "0.1")', () => c.step(good(), undefined, '0.1'));
attempt('step(grad = z)', () => c.step(c.z));
attempt('step(grad = other buffer)', () => {
  const z = c.z;
  c.step(good());
  c.step(z);
});
attempt('step(grad overlaps state)', () => c.step(new Float32Array(c.z.buffer, 4, 12 - 1)));
c.stepSizes[2] = NaN;
attempt('step(per-chain NaN step size)', () => c.step(good()));
c.stepSizes[2] = -1;
attempt('step(per-chain negative step size)', () => c.step(good()));
c.stepSizes[2] = 0.1;
attempt('step(SharedArrayBuffer grad) succeeds', () => c.step(new Float32Array(new SharedArrayBuffer(48))));
const detachedGrad = good();
structuredClone(detachedGrad.buffer, { transfer: [detachedGrad.buffer] });
attempt('step(detached grad)', () => c.step(detachedGrad));
attempt('initGaussian(bad mu length)', () => c.initGaussian(new Float32Array(5), new Float32Array(5), false));
attempt('initGaussian(B not dividing n)', () => c.initGaussian(new Float32Array(9), new Float32Array(9), false));
attempt('initGaussian(logScale length)', () => c.initGaussian(new Float32Array(6), new Float32Array(3), false));
attempt('initGaussian(logVariance string)', () => c.initGaussian(new Float32Array(6), new Float32Array(6), 'yes'));
attempt('accept before propose', () => make().accept(new Float32Array(4), good()));
attempt('propose before setCurrent', () => make().propose(undefined));
attempt('setState(garbage)', () => c.setState({ counter: 1n, z: new Float32Array(2) }));
attempt('setState(negative t)', () => c.setState({ ...c.getState(), t: Int32Array.from([0, -1, 0, 0]) }));

// Detaching the state itself (transferring chains.z's buffer).
const d = make();
d.initPrior();
structuredClone(d.z.buffer, { transfer: [d.z.buffer] });
attempt('z getter after transfer', () => d.z);
attempt('step after transfer', () => d.step(good()));
attempt('getState after transfer', () => d.getState());

// Receivers and lifecycle.
const r = new b.Rng({ seed: 1n, stream: 0n, device: 'cpu' });
attempt('step on a plain object', () => b.Chains.prototype.step.call({}, good()));
attempt('step on an Rng', () => b.Chains.prototype.step.call(r, good()));
attempt('normal on Chains', () => b.Rng.prototype.normal.call(c, good()));
attempt('z getter on Rng', () => Object.getOwnPropertyDescriptor(b.Chains.prototype, 'z').get.call(r));
attempt('step on the prototype', () => b.Chains.prototype.step(good()));
const e = make();
e.dispose();
attempt('step after dispose', () => e.step(good()));
attempt('z after dispose', () => e.z);
attempt('dispose twice succeeds', () => e.dispose());
r.dispose();
attempt('normal after dispose', () => r.normal(good()));

// Rng, Optimizer, reductions, runtime.
attempt('Rng seed -1', () => new b.Rng({ seed: -1, stream: 0n, device: 'cpu' }));
attempt('Rng seed 1.5', () => new b.Rng({ seed: 1.5, stream: 0n, device: 'cpu' }));
const r2 = new b.Rng({ seed: 1n, stream: 0n, device: 'cpu' });
attempt('normal(Float64Array)', () => r2.normal(new Float64Array(3)));
attempt('normal(empty)', () => r2.normal(new Float32Array(0)));
attempt('setState(counter -1)', () => r2.setState({ seed: 1n, stream: 0n, counter: -1n }));
const optOptions = { kind: 'adam', lr: 1e-3, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, device: 'cpu' };
attempt('Optimizer(not array)', () => new b.Optimizer(new Float32Array(3), optOptions));
attempt('Optimizer([])', () => new b.Optimizer([], optOptions));
attempt('Optimizer([Float64Array])', () => new b.Optimizer([new Float64Array(3)], optOptions));
attempt('Optimizer(overlapping params)', () => {
  const a = new Float32Array(8);
  new b.Optimizer([a, a.subarray(2)], optOptions);
});
attempt('Optimizer(lr NaN)', () => new b.Optimizer([new Float32Array(3)], { ...optOptions, lr: NaN }));
attempt('Optimizer(kind lion)', () => new b.Optimizer([new Float32Array(3)], { ...optOptions, kind: 'lion' }));
const p = new Float32Array(3);
const opt = new b.Optimizer([p], optOptions);
attempt('Optimizer.step(wrong count)', () => opt.step([new Float32Array(3), new Float32Array(3)], undefined));
attempt('Optimizer.step(wrong length)', () => opt.step([new Float32Array(4)], undefined));
attempt('Optimizer.step(grad = param)', () => opt.step([p], undefined));
attempt('Optimizer.step(maxNorm -1)', () => opt.step([new Float32Array(3)], -1));
attempt('Optimizer.setLearningRate(Infinity)', () => opt.setLearningRate(Infinity));
structuredClone(p.buffer, { transfer: [p.buffer] });
attempt('Optimizer.step(detached param)', () => opt.step([new Float32Array(3)], undefined));
attempt('logSumExpRows(rows*cols mismatch)', () => b.logSumExpRows(new Float32Array(5), 2, 3));
attempt('logSumExpRows(rows 0)', () => b.logSumExpRows(new Float32Array(5), 0, 5));
attempt('logSumExpRows(Int8Array)', () => b.logSumExpRows(new Int8Array(6), 2, 3));
attempt('logSumExpRows(out Float32Array)', () => b.logSumExpRows(new Float32Array(6), 2, 3, new Float32Array(2)));
attempt('logSumExpRows(out aliasing x)', () => {
  const x = new Float64Array(6);
  b.logSumExpRows(x, 2, 3, x.subarray(0, 2));
});
attempt('weightedMeanRows(values short)', () => b.weightedMeanRows(new Float32Array(6), new Float32Array(11), 2, 3, 2));
attempt('sumOfSquares(not array)', () => b.sumOfSquares(new Float32Array(3)));
attempt('setThreads(0)', () => b.setThreads(0));
attempt('setThreads(1e6)', () => b.setThreads(1e6));
attempt('setThreads("2")', () => b.setThreads('2'));

// The distinct codes the errors carried, and the calls whose errors had none, under keys no call uses.
results.codes = [...codes].join(',');
results.uncoded = uncoded.join(',');
process.stdout.write(JSON.stringify(results));
