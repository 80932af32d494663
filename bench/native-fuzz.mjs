// Hostile calls into the raw addon: seeded random argument lists mixing wrong types, wrong lengths, NaN and
// huge numbers, detached, shrunk and shared buffers, and getters that detach or shrink a buffer or dispose an
// object in the middle of the call. Every call must return or throw a JavaScript error; a crash (a signal or
// an abnormal exit of the child running a batch) is reported with its batch. bench/ROBUSTNESS.md has the figure.
//
//   node bench/native-fuzz.mjs [--cases 10000] [--seed 1] [--batch 500]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { random } from './random.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

function runBatch(seed, first, count) {
  const b = createRequire(import.meta.url)('node-gyp-build')(root);
  const rand = random(seed * 1_000_003 + first);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const live = []; // objects and buffers a getter may attack
  let scope = []; // those of the call being built: its receiver and its arguments, attacked most often
  const chainsOptions = () => ({
    n: pick([1, 4, 6]),
    d: pick([1, 3, 5]),
    preconditioner: pick(['none', 'rmsprop', 'adam', 'bogus']),
    beta1: pick([0.9, 1, -1, NaN]),
    beta2: 0.99,
    eps: pick([1e-8, 0]),
    gMax: pick([10, Infinity, -1]),
    momentum: pick([false, true, 1]),
    stepSize: pick([0.1, 0, NaN, 1e30]),
    seed: pick([1n, -1n, 2n ** 64n, 3]),
    stream: 0n,
    device: pick(['cpu', 'cuda', 'tpu']),
    warmup: pick([0, 3, -1]),
    adapt: pick([false, true]),
    targetAccept: 0.57,
    adaptRate: 0.05,
  });
  const floats = (length) => {
    const kind = rand();
    let a;
    if (kind < 0.1) a = new Float32Array(new SharedArrayBuffer(length * 4));
    else if (kind < 0.2) a = new Float32Array(new ArrayBuffer(length * 4, { maxByteLength: length * 8 }));
    else a = new Float32Array(length);
    for (let i = 0; i < length; i++) a[i] = rand() < 0.05 ? pick([NaN, Infinity, -1e38]) : rand() * 4 - 2;
    if (kind >= 0.1) live.push(a);
    scope.push(a);
    return a;
  };
  const attack = () => {
    const pool = scope.length > 0 && rand() < 0.8 ? scope : live;
    const target = pool.length > 0 ? pick(pool) : undefined;
    if (target === undefined) return;
    if (ArrayBuffer.isView(target)) {
      const buffer = target.buffer;
      if (buffer.resizable) buffer.resize(0);
      else if (!(buffer instanceof SharedArrayBuffer) && buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
    } else if (typeof target.dispose === 'function') {
      target.dispose();
    }
  };
  const value = (length) => {
    const r = rand();
    if (r < 0.35) return floats(length);
    if (r < 0.45) return floats(Math.max(0, length + pick([-1, 1, 7])));
    if (r < 0.5) return pick([new Float64Array(length), new Int32Array(length), new Uint8Array(length)]);
    if (r < 0.6) {
      // A getter that attacks, then hands back a good-looking array.
      const holder = [floats(length)];
      const good = floats(length);
      Object.defineProperty(holder, 0, { get: () => (attack(), good) });
      return pick([holder, Object.defineProperty({}, 'valueOf', { value: () => (attack(), 1) })]);
    }
    if (r < 0.7) return pick([undefined, null, NaN, -1, 0, 1.5, 2 ** 31, 1e308, -Infinity, 'x', Symbol('s'), 3n]);
    if (r < 0.8) return pick([{}, [], () => 1, new Proxy({}, { get: () => (attack(), 1) })]);
    return [floats(length), floats(length)];
  };
  const options = (make) => {
    const o = make();
    if (rand() < 0.3) {
      const key = pick(Object.keys(o));
      const v = o[key];
      Object.defineProperty(o, key, { enumerable: true, get: () => (attack(), v) });
    }
    if (rand() < 0.1) o[pick(Object.keys(o))] = value(3);
    return o;
  };
  const state = (s) => {
    if (s === null || typeof s !== 'object') return s;
    for (const v of Object.values(s)) if (ArrayBuffer.isView(v) || Array.isArray(v)) scope.push(...(Array.isArray(v) ? v : [v]));
    const copy = { ...s };
    const key = pick(Object.keys(copy));
    const v = copy[key];
    if (rand() < 0.5) Object.defineProperty(copy, key, { enumerable: true, get: () => (attack(), v) });
    else copy[key] = value(ArrayBuffer.isView(v) ? v.length : 3);
    return copy;
  };

  // A live object of class C, also put in scope so that the call's getters may dispose it.
  const receiver = (C) => {
    const o = pick(live.filter((x) => x instanceof C));
    if (o) scope.push(o);
    return o;
  };
  const calls = [
    () => {
      const c = new b.Chains(options(chainsOptions));
      live.push(c);
      c.initPrior();
      return c;
    },
    () => receiver(b.Chains)?.step(value(pick([4, 12, 18, 30])), value(pick([4, 6])), pick([undefined, 0.1, NaN])),
    () => receiver(b.Chains)?.setCurrent(value(pick([4, 6])), value(pick([12, 18, 30]))),
    () => receiver(b.Chains)?.propose(pick([undefined, 0.05, -1])),
    () => receiver(b.Chains)?.accept(value(pick([4, 6])), value(pick([12, 18, 30]))),
    () => receiver(b.Chains)?.initGaussian(value(pick([3, 6, 12])), value(pick([3, 6, 12])), pick([true, false, 0])),
    () => {
      const c = receiver(b.Chains);
      if (c) c.setState(state(c.getState()));
    },
    () => receiver(b.Chains)?.stats(),
    () => {
      const o = new b.Optimizer(
        value(pick([3, 5])),
        options(() => ({
          kind: pick(['adam', 'sgd', 'adamw', 'x']),
          lr: pick([1e-3, -1]),
          momentum: pick([0, 0.9]),
          nesterov: pick([false, true]),
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: pick([0, 0.01]),
          device: pick(['cpu', 'cuda']),
        })),
      );
      live.push(o);
      return o;
    },
    () => receiver(b.Optimizer)?.step(value(pick([3, 5])), pick([undefined, 1, NaN, value(1)])),
    () => {
      const o = receiver(b.Optimizer);
      if (o) o.setState(state(o.getState()));
    },
    () => {
      const r = new b.Rng(options(() => ({ seed: pick([1n, 2]), stream: pick([0n, -1]), device: pick(['cpu', 'cuda']) })));
      live.push(r);
      return r.normal(value(pick([1, 100])));
    },
    () => {
      const r = receiver(b.Rng);
      if (r) r.setState(state(r.getState()));
    },
    () => b.logSumExpRows(value(pick([6, 12])), pick([2, 3, 0, 2 ** 31]), pick([3, 4, -1]), pick([undefined, new Float64Array(3), value(2)])),
    () =>
      b.weightedMeanRows(
        value(12),
        value(pick([24, 36])),
        pick([2, 3, 2 ** 22]),
        pick([4, 6, 2 ** 21]),
        pick([2, 3, 2 ** 21]),
        pick([undefined, new Float64Array(6)]),
        pick([undefined, new Float64Array(2)]),
      ),
    () => b.sumOfSquares(value(pick([2, 50]))),
    () => b.copy(value(pick([8, 9])), value(8)),
    () => pick(live)?.dispose?.(),
  ];

  const outcomes = {};
  for (let i = 0; i < count; i++) {
    let outcome = 'returned';
    scope = [];
    try {
      pick(calls)();
    } catch (e) {
      outcome = e instanceof Error ? e.constructor.name : `non-Error ${typeof e}`;
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (live.length > 40) live.splice(0, 20);
  }
  return outcomes;
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(runBatch(arg('seed', 1), arg('first', 0), arg('count', 500))));
} else {
  const cases = arg('cases', 10_000);
  const seed = arg('seed', 1);
  const batch = arg('batch', 500);
  const totals = {};
  const crashes = [];
  const started = Date.now();
  for (let first = 0; first < cases; first += batch) {
    const count = Math.min(batch, cases - first);
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--seed', String(seed), '--first', String(first), '--count', String(count)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0 || run.signal !== null) {
      crashes.push({ first, count, status: run.status, signal: run.signal, stderr: run.stderr.slice(-400) });
      continue;
    }
    for (const [k, v] of Object.entries(JSON.parse(run.stdout))) totals[k] = (totals[k] ?? 0) + v;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ cases, seed, batch, seconds, outcomes: totals, crashedBatches: crashes }, null, 2));
  if (crashes.length > 0 || Object.keys(totals).some((k) => k.startsWith('non-Error'))) process.exitCode = 1;
}
