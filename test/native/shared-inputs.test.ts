/**
 * Inputs backed by a SharedArrayBuffer are copied before the addon checks them, so another thread cannot
 * change a value between its finiteness check and the update; the results equal those of ordinary arrays.
 * Also: a negative Adam second moment in a restored state is refused.
 */
import { describe, expect, it } from 'vitest';
import { Chains, Optimizer } from '../../lib/index.js';
import { expectLpcError } from '../support/expect-error.js';

const shared = (values: Float32Array) => {
  const a = new Float32Array(new SharedArrayBuffer(values.byteLength));
  a.set(values);
  return a;
};

describe('SharedArrayBuffer inputs', () => {
  it('step the chains exactly as ordinary arrays do, non-finite restarts included', () => {
    const options = { n: 8, d: 5, stepSize: 0.1, preconditioner: 'rmsprop' as const, seed: 4 };
    const a = new Chains(options);
    const b = new Chains(options);
    a.initPrior();
    b.initPrior();
    for (let k = 0; k < 6; k++) {
      const grad = Float32Array.from(a.z, (z) => 2 * z);
      if (k === 3) grad[7] = NaN;
      const energy = new Float32Array(8).fill(1);
      a.step(grad, { energy });
      b.step(shared(grad), { energy: shared(energy) });
    }
    expect(b.z).toEqual(a.z);
    expect(b.stats()).toEqual(a.stats());
  });

  it('update parameters exactly as ordinary arrays do', () => {
    const pa = [new Float32Array([1, 2, 3])];
    const pb = [new Float32Array([1, 2, 3])];
    const a = new Optimizer(pa, { maxGradNorm: 1 });
    const b = new Optimizer(pb, { maxGradNorm: 1 });
    const g = new Float32Array([0.5, -4, 2]);
    expect(b.step([shared(g)])).toBe(a.step([g]));
    expect(pb[0]).toEqual(pa[0]);
  });
});

describe('Optimizer.setState', () => {
  it('refuses a negative second moment', () => {
    const opt = new Optimizer([new Float32Array(4)]);
    const state = opt.getState();
    state.s1[0][2] = -1;
    expectLpcError(() => opt.setState(state), 'LPC_INVALID_ARGUMENT', 'state.s1[0][2]');
  });
});
