/**
 * Non-finite energies or gradients (docs/ARCHITECTURE.md §2.5): the chain returns to its last finite state with its
 * step size halved and its preconditioner state reset, and the restarts are counted.
 */
import { describe, expect, it } from 'vitest';
import { Chains, LpcError } from '../../lib/index.js';

const n = 4;
const d = 3;

function setup(preconditioner: 'none' | 'rmsprop' = 'rmsprop') {
  const chains = new Chains({ n, d, stepSize: 0.1, preconditioner, seed: 21, maxConsecutiveRestarts: 3 });
  chains.initPrior();
  const grad = new Float32Array(n * d);
  const step = (poison?: (g: Float32Array) => void, energy?: Float32Array) => {
    grad.set(chains.z);
    poison?.(grad);
    return chains.step(grad, energy ? { energy } : {});
  };
  return { chains, step };
}

const row = (z: Float32Array, c: number) => Array.from(z.subarray(c * d, (c + 1) * d));

describe('non-finite restarts', () => {
  it('returns a chain to its last finite state, halves its step size and resets its preconditioner', () => {
    const { chains, step } = setup();
    step();
    step();
    const lastFinite = row(chains.z, 1); // its gradient is finite in the next call
    step();
    const restarted = step((g) => (g[1 * d + 2] = NaN)); // the gradient at chain 1's newest state is NaN
    expect(restarted).toBe(1);
    expect(row(chains.z, 1)).toEqual(lastFinite);
    const stats = chains.stats();
    expect(stats.restarts[1]).toBe(1);
    expect(stats.totalRestarts).toBe(1);
    expect(stats.stepScales[1]).toBe(0.5);
    expect(stats.stepScales[0]).toBe(1);
    expect(stats.gradientsSeen[1]).toBe(0);
    expect(stats.gradientsSeen[0]).toBe(4);
    expect(Array.from(chains.getState().v!.subarray(d, 2 * d))).toEqual([0, 0, 0]);
    chains.dispose();
  });

  it('keeps the restored state exactly (the last state whose gradient was finite)', () => {
    const { chains, step } = setup('none');
    step();
    const finiteState = Float32Array.from(chains.z); // gradient here will be finite
    step();
    const poisonedState = Float32Array.from(chains.z);
    step((g) => (g[2 * d] = Infinity));
    expect(row(chains.z, 2)).toEqual(row(finiteState, 2));
    expect(row(chains.z, 0)).not.toEqual(row(poisonedState, 0)); // others stepped
    // The restarted chain continues from there with half its step size.
    expect(chains.effectiveStepSizes()[2]).toBeCloseTo(0.05, 7);
    chains.dispose();
  });

  it('treats a non-finite energy like a non-finite gradient', () => {
    const { chains, step } = setup();
    step();
    const energy = new Float32Array(n);
    energy[3] = NaN;
    expect(step(undefined, energy)).toBe(1);
    expect(chains.restarts()).toEqual(Int32Array.from([0, 0, 0, 1]));
    chains.dispose();
  });

  it('stays at the initial state when the very first gradient is not finite', () => {
    const { chains, step } = setup();
    const init = Float32Array.from(chains.z);
    step((g) => (g[0] = NaN));
    expect(row(chains.z, 0)).toEqual(row(init, 0));
    chains.dispose();
  });

  it('throws LPC_DIVERGED after maxConsecutiveRestarts restarts in a row, keeping the last finite state', () => {
    const { chains, step } = setup();
    const finiteState = row(chains.z, 0); // the initial state: its gradient is finite in the first call
    step();
    let error: unknown;
    try {
      for (let k = 0; k < 5; k++) step((g) => (g[0] = NaN));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LpcError);
    expect((error as LpcError).code).toBe('LPC_DIVERGED');
    expect((error as LpcError).message).toMatch(/chain 0/);
    expect(chains.stats().consecutiveRestarts[0]).toBe(3);
    expect(row(chains.z, 0)).toEqual(finiteState);
    chains.dispose();
  });

  it('ends a run of restarts once a step from the restored state gives a finite gradient', () => {
    const { chains, step } = setup();
    step();
    step((g) => (g[0] = NaN));
    step((g) => (g[0] = NaN));
    expect(chains.stats().consecutiveRestarts[0]).toBe(2);
    step(); // from the restored state: finite, a step is taken
    step(); // the state that step produced has a finite gradient: the run is over
    expect(chains.stats().consecutiveRestarts[0]).toBe(0);
    expect(chains.stats().restarts[0]).toBe(2);
    expect(chains.stats().stepScales[0]).toBe(0.25);
    chains.reset();
    expect(chains.stats().restarts[0]).toBe(0);
    expect(chains.stats().stepScales[0]).toBe(1);
    chains.dispose();
  });
});
