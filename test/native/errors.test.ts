/**
 * Bad input of every kind ends in a JavaScript error, never a crash: coded LpcErrors from the classes and from
 * the typed binding, TypeError/RangeError with code LPC_NATIVE from the raw addon. The nastiest calls run in a
 * child process whose exit is checked.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Chains, LpcError, Optimizer, Rng, logSumExpRows, setThreads, weightedMeanRows } from '../../lib/index.js';
import { binding, type NativeChainsOptions } from '../../lib/native/binding.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof LpcError ? e.code : `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
  return 'no error';
}

describe('coded errors from the classes', () => {
  const base = { n: 4, d: 3, stepSize: 0.1 };
  it.each([
    ['no options', () => new Chains(undefined as never), 'LPC_INVALID_ARGUMENT'],
    ['NaN step size', () => new Chains({ ...base, stepSize: NaN }), 'LPC_INVALID_ARGUMENT'],
    ['negative step size', () => new Chains({ ...base, stepSize: -1 }), 'LPC_INVALID_ARGUMENT'],
    ['zero chains', () => new Chains({ ...base, n: 0 }), 'LPC_INVALID_ARGUMENT'],
    ['fractional dims', () => new Chains({ ...base, d: 2.5 }), 'LPC_INVALID_ARGUMENT'],
    ['too many elements', () => new Chains({ ...base, n: 1 << 20, d: 1 << 12 }), 'LPC_SHAPE_MISMATCH'],
    ['unknown preconditioner', () => new Chains({ ...base, preconditioner: 'lbfgs' as never }), 'LPC_INVALID_ARGUMENT'],
    ['beta2 of 1', () => new Chains({ ...base, beta2: 1 }), 'LPC_INVALID_ARGUMENT'],
    ['NaN gMax', () => new Chains({ ...base, gMax: NaN }), 'LPC_INVALID_ARGUMENT'],
    ['momentum without adam', () => new Chains({ ...base, preconditioner: 'rmsprop', momentum: true }), 'LPC_INVALID_ARGUMENT'],
    ['negative seed', () => new Chains({ ...base, seed: -3 }), 'LPC_INVALID_ARGUMENT'],
    ['unknown device', () => new Chains({ ...base, device: 'tpu' as never }), 'LPC_INVALID_ARGUMENT'],
    ['misspelt option', () => new Chains({ ...base, precondtioner: 'adam' } as never), 'LPC_INVALID_ARGUMENT'],
    ['misspelt MALA option', () => new Chains({ ...base, mala: { warmpu: 3 } } as never), 'LPC_INVALID_ARGUMENT'],
    ['target acceptance of 1', () => new Chains({ ...base, mala: { targetAccept: 1 } }), 'LPC_INVALID_ARGUMENT'],
    ['seed beyond 64 bits', () => new Rng({ seed: 1n << 64n }), 'LPC_INVALID_ARGUMENT'],
    ['empty optimiser', () => new Optimizer([]), 'LPC_INVALID_ARGUMENT'],
    ['float64 parameter', () => new Optimizer([new Float64Array(2) as never]), 'LPC_INVALID_ARGUMENT'],
    ['NaN learning rate', () => new Optimizer([new Float32Array(2)], { lr: NaN }), 'LPC_INVALID_ARGUMENT'],
    ['nesterov without momentum', () => new Optimizer([new Float32Array(2)], { kind: 'sgd', nesterov: true }), 'LPC_INVALID_ARGUMENT'],
    ['logSumExp of Int32Array', () => logSumExpRows(new Int32Array(4) as never, 2, 2), 'LPC_INVALID_ARGUMENT'],
    ['weighted mean of too few values', () => weightedMeanRows(new Float32Array(4), new Float32Array(7), 2, 2, 2), 'LPC_SHAPE_MISMATCH'],
    ['zero threads', () => setThreads(0), 'LPC_INVALID_ARGUMENT'],
  ])('rejects %s', (_name, fn, code) => {
    expect(codeOf(fn)).toBe(code);
  });

  it('names a misspelt option instead of running with its default', () => {
    for (const [options, key] of [
      [{ ...base, precondtioner: 'adam' }, 'Chains options.precondtioner'],
      [{ ...base, mala: { warmpu: 3 } }, 'mala options.warmpu'],
    ] as const) {
      let message = '';
      try {
        new Chains(options as never).dispose();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(key);
    }
    expect(codeOf(() => new Rng({ seed: 1, stram: 2 } as never))).toBe('LPC_INVALID_ARGUMENT');
    expect(codeOf(() => new Optimizer([new Float32Array(2)], { lr: 1e-3, weightdecay: 0.1 } as never))).toBe('LPC_INVALID_ARGUMENT');
  });

  it('rejects bad step arguments with codes naming the argument', () => {
    const chains = new Chains(base);
    chains.initPrior();
    expect(codeOf(() => chains.step(new Float64Array(12) as never))).toBe('LPC_INVALID_ARGUMENT');
    expect(codeOf(() => chains.step(new Float32Array(11)))).toBe('LPC_SHAPE_MISMATCH');
    expect(codeOf(() => chains.step(new Float32Array(12), { energy: new Float32Array(5) }))).toBe('LPC_SHAPE_MISMATCH');
    expect(codeOf(() => chains.step(new Float32Array(12), { stepSize: NaN }))).toBe('LPC_INVALID_ARGUMENT');
    expect(codeOf(() => chains.initFromEncoder(new Float32Array(9), new Float32Array(9)))).toBe('LPC_SHAPE_MISMATCH');
    try {
      chains.step(new Float32Array(11));
    } catch (e) {
      expect((e as Error).message).toMatch(/grad must be a Float32Array of length n\*d = 12; received Float32Array\(11\)/);
    }
  });

  it('throws LPC_DISPOSED after dispose(), which may be called twice or through `using`', () => {
    const chains = new Chains(base);
    chains.dispose();
    chains.dispose();
    expect(chains.disposed).toBe(true);
    expect(codeOf(() => chains.z)).toBe('LPC_DISPOSED');
    expect(codeOf(() => chains.step(new Float32Array(12)))).toBe('LPC_DISPOSED');
    let leaked: Rng | undefined;
    {
      using rng = new Rng();
      leaked = rng;
    }
    expect(codeOf(() => leaked!.normal(3))).toBe('LPC_DISPOSED');
    const opt = new Optimizer([new Float32Array(2)]);
    opt[Symbol.dispose]();
    expect(codeOf(() => opt.step([new Float32Array(2)]))).toBe('LPC_DISPOSED');
  });

  it('keeps handed-out views valid after dispose (the engine owns the memory)', () => {
    const chains = new Chains(base);
    chains.initPrior();
    const z = chains.z;
    const copy = Float32Array.from(z);
    chains.dispose();
    expect(z).toEqual(copy);
  });
});

describe('errors from inside the addon', () => {
  const options: NativeChainsOptions = {
    ...{ n: 4, d: 3, preconditioner: 'rmsprop', beta1: 0.9, beta2: 0.99, eps: 1e-8, gMax: 10, momentum: false, stepSize: 0.1 },
    ...{ seed: 1n, stream: 0n, device: 'cpu', warmup: 0, adapt: false, targetAccept: 0.57, adaptRate: 0.05 },
  };

  /** The LpcError `fn` throws, or null. */
  function lpcErrorOf(fn: () => unknown): LpcError | null {
    try {
      fn();
    } catch (e) {
      return e instanceof LpcError ? e : null;
    }
    return null;
  }

  it('reach callers as LpcError LPC_NATIVE with the addon error as cause, from constructors, methods and functions', () => {
    const fromConstructor = lpcErrorOf(() => new binding.Chains({ ...options, preconditioner: 'lbfgs' as never }));
    expect(fromConstructor?.code).toBe('LPC_NATIVE');
    expect(fromConstructor?.cause).toBeInstanceOf(RangeError);
    expect((fromConstructor?.cause as { code?: string }).code).toBe('LPC_NATIVE');
    expect(fromConstructor?.message).toContain('options.preconditioner');

    const chains = new binding.Chains(options);
    const fromMethod = lpcErrorOf(() => chains.step(new Float64Array(12) as never, undefined, undefined));
    expect(fromMethod?.code).toBe('LPC_NATIVE');
    expect(fromMethod?.cause).toBeInstanceOf(TypeError);
    const outOfOrder = lpcErrorOf(() => chains.accept(new Float32Array(4), new Float32Array(12)));
    expect(outOfOrder?.code).toBe('LPC_NATIVE');
    expect(outOfOrder?.message).toContain('propose()');
    // A working call still returns its value through the translation.
    expect(chains.step(new Float32Array(12), undefined, undefined)).toBe(0);
    chains.dispose();

    expect(lpcErrorOf(() => binding.logSumExpRows(new Float32Array(3), 2, 2))?.code).toBe('LPC_NATIVE');
    expect(binding.logSumExpRows(new Float64Array([0, 0]), 1, 2)[0]).toBeCloseTo(Math.LN2, 12);
  });
});

describe('raw addon under abuse (child process)', () => {
  it('answers every bad call with a JavaScript error and exits normally', () => {
    const run = spawnSync(process.execPath, [path.join(here, 'support', 'nasty-calls.cjs')], { cwd: root, encoding: 'utf8' });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    const results = JSON.parse(run.stdout) as Record<string, string>;
    const expectedToWork = ['step(SharedArrayBuffer grad) succeeds', 'dispose twice succeeds'];
    for (const [name, outcome] of Object.entries(results)) {
      if (name === 'codes' || name === 'uncoded') continue;
      if (expectedToWork.includes(name)) expect(outcome, name).toBe('no error');
      else expect(['TypeError', 'RangeError', 'Error'], name).toContain(outcome);
    }
    // Wrong types are TypeErrors, wrong sizes and values RangeErrors; every one carries a code.
    expect(results['codes']).toBe('LPC_NATIVE');
    // Errors without a code come from outside the addon: V8 refuses a call without `new` or on the wrong
    // receiver before the addon runs, and an options getter's own error passes through unchanged.
    const outsideTheAddon = ['Chains without new', 'Chains getter that throws', 'step on a plain object', 'step on an Rng', 'normal on Chains', 'step on the prototype'];
    expect(results['uncoded']!.split(',')).toEqual(outsideTheAddon);
    expect(results['step(Float64Array)']).toBe('TypeError');
    expect(results['step(detached grad)']).toBe('TypeError');
    expect(results['step after transfer']).toBe('TypeError');
    expect(results['step on an Rng']).toBe('TypeError');
    expect(results['step(short)']).toBe('RangeError');
    expect(results['step(stepSize NaN)']).toBe('RangeError');
    expect(results['step(per-chain NaN step size)']).toBe('RangeError');
    expect(results['step(grad = z)']).toBe('RangeError');
    expect(results['Chains n*d too large']).toBe('RangeError');
    expect(results['Optimizer.step(detached param)']).toBe('TypeError');
    expect(Object.keys(results).length).toBeGreaterThan(80);
  });

  it.each([
    ['exits with live native objects', 'c.step(new Float32Array(12)); process.exit(0);'],
    ['exits after dispose', 'c.dispose(); r.dispose(); o.dispose(); process.exit(0);'],
    ['finalises undisposed objects at garbage collection', 'c = r = o = null; for (let i = 0; i < 5; i++) global.gc(); setTimeout(() => process.exit(0), 10);'],
    [
      'ends while a worker thread uses the addon',
      `const { Worker } = require('node:worker_threads');
      const w = new Worker("const b = require('node-gyp-build')(process.cwd()); const r = new b.Rng({seed: 1n, stream: 0n, device: 'cpu'}); for (;;) r.normal(new Float32Array(1 << 16));", { eval: true });
      setTimeout(() => process.exit(0), 200);`,
    ],
  ])('%s without crashing', (_name, tail) => {
    const script = `
      const b = require('node-gyp-build')(process.cwd());
      let c = new b.Chains({ n: 4, d: 3, preconditioner: 'rmsprop', beta1: 0.9, beta2: 0.99, eps: 1e-8, gMax: 10,
        momentum: false, stepSize: 0.1, seed: 1n, stream: 0n, device: 'cpu', warmup: 0, adapt: false, targetAccept: 0.57, adaptRate: 0.05 });
      c.initPrior();
      let r = new b.Rng({ seed: 1n, stream: 0n, device: 'cpu' });
      let o = new b.Optimizer([new Float32Array(100)], { kind: 'adam', lr: 1e-3, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, device: 'cpu' });
      ${tail}`;
    // Five runs: exiting while a worker is inside a native call is a race worth several tries.
    for (let run = 0; run < 5; run++) {
      const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      expect(out).toBe('');
    }
  });
});
