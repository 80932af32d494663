/**
 * Subnormal floats: under the default policy the addon's methods and functions compute with them flushed to
 * zero, on the calling thread and on the pool's workers alike; under 'keep' they stay; either way the
 * JavaScript thread's own mode is left as it was found.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getDenormals, getThreads, Optimizer, setDenormals, setThreads } from '../../lib/index.js';
import { flushDenormals, setFlushDenormals } from '../../lib/native/runtime.js';

const defaultThreads = getThreads();
afterEach(() => {
  setThreads(defaultThreads);
  setFlushDenormals(false);
  setDenormals('flush');
});

/** A product computed at run time: 1e-310 is a subnormal double, read as zero by a flushing thread. */
const product = (a: number, b: number) => a * b;
const jsKeepsSubnormals = () => product(1e-300, 1e-10) > 0;

describe('setFlushDenormals', () => {
  it('sets and reports the JavaScript thread mode, returning the previous one', () => {
    expect(flushDenormals()).toBe(false);
    expect(jsKeepsSubnormals()).toBe(true);
    expect(setFlushDenormals(true)).toBe(false);
    expect(flushDenormals()).toBe(true);
    expect(jsKeepsSubnormals()).toBe(false);
    expect(setFlushDenormals(false)).toBe(true);
    expect(jsKeepsSubnormals()).toBe(true);
  });

  it('refuses a value that is not a boolean', () => {
    expect(() => setFlushDenormals(1 as unknown as boolean)).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('on') }));
  });
});

describe('native methods and the subnormal policy', () => {
  it("defaults to 'flush' and refuses an unknown policy", () => {
    expect(getDenormals()).toBe('flush');
    expect(() => setDenormals('ieee' as never)).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('policy') }));
    expect(getDenormals()).toBe('flush');
  });

  // SGD with lr 1: p <- p - g. A subnormal gradient (1e-39 in float32) is read as zero; a normal one is not.
  for (const threads of [1, 2]) {
    it(`reads subnormal gradients as zero on ${threads} thread(s) and restores the caller's mode`, () => {
      setThreads(threads);
      // 70001 elements: above the split threshold, so two threads share the update.
      const n = 70001;
      const p = new Float32Array(n);
      const g = new Float32Array(n);
      for (let i = 0; i < n; i++) g[i] = i % 2 === 0 ? -1e-39 : -1e-30;
      expect(g[0]).not.toBe(0);
      using opt = new Optimizer([p], { kind: 'sgd', lr: 1 });
      opt.step([g]);
      let flushed = 0;
      let kept = 0;
      for (let i = 0; i < n; i++) {
        if (i % 2 === 0 && p[i] === 0) flushed++;
        if (i % 2 === 1 && p[i] === Math.fround(1e-30)) kept++;
      }
      expect(flushed).toBe(Math.ceil(n / 2));
      expect(kept).toBe(Math.floor(n / 2));
      expect(flushDenormals()).toBe(false);
      expect(jsKeepsSubnormals()).toBe(true);
    });
  }

  it("keeps subnormal gradients under 'keep', on two threads", () => {
    setThreads(2);
    setDenormals('keep');
    const n = 70001;
    const p = new Float32Array(n);
    using opt = new Optimizer([p], { kind: 'sgd', lr: 1 });
    opt.step([new Float32Array(n).fill(-1e-39)]);
    expect(p.every((v) => v === Math.fround(1e-39))).toBe(true);
  });

  it('leaves a flushing caller flushing', () => {
    setFlushDenormals(true);
    using opt = new Optimizer([new Float32Array(4)], { kind: 'sgd', lr: 1 });
    opt.step([new Float32Array(4).fill(1)]);
    expect(flushDenormals()).toBe(true);
  });
});
