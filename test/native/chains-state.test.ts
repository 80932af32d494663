/**
 * getState()/setState() carry everything the next calls depend on: a restore in the middle of a MALA run
 * (warm-up adaptation included) or right after a restart continues bit for bit, and bad states are refused
 * with coded errors.
 */
import { describe, expect, it } from 'vitest';
import { Chains, type ChainsOptions } from '../../lib/index.js';
import { expectLpcError } from '../support/expect-error.js';

const n = 6;
const d = 4;

// E(z) = sum_j lambda_j z_j^2 / 2 + 0.1 sum sin(z): anisotropic, so the preconditioner and MALA adapt.
function energyAndGrad(z: Float32Array): { energy: Float32Array; grad: Float32Array } {
  const energy = new Float32Array(n);
  const grad = new Float32Array(n * d);
  for (let c = 0; c < n; c++) {
    let e = 0;
    for (let j = 0; j < d; j++) {
      const lambda = 1 + 3 * j;
      const x = z[c * d + j];
      e += 0.5 * lambda * x * x + 0.1 * Math.sin(x);
      grad[c * d + j] = lambda * x + 0.1 * Math.cos(x);
    }
    energy[c] = e;
  }
  return { energy, grad };
}

function malaStep(chains: Chains): void {
  const y = chains.propose();
  const at = energyAndGrad(y);
  chains.accept(at.energy, at.grad);
}

const malaOptions: ChainsOptions = { n, d, stepSize: 0.2, preconditioner: 'rmsprop', seed: 5, mala: { warmup: 8, adapt: true } };

describe('Chains state', () => {
  it('continues a MALA run bit for bit from a state taken during warm-up', () => {
    const a = new Chains(malaOptions);
    a.initPrior();
    const start = energyAndGrad(a.z);
    a.setCurrent(start.energy, start.grad);
    for (let k = 0; k < 5; k++) malaStep(a); // inside the warm-up of 8
    const saved = a.getState();
    expect(saved.energy).not.toBeNull();
    for (let k = 0; k < 10; k++) malaStep(a); // crosses the end of warm-up

    const b = new Chains(malaOptions);
    b.setState(saved);
    for (let k = 0; k < 10; k++) malaStep(b); // no setCurrent(): the stored energy and gradient came along
    expect(b.z).toEqual(a.z);
    expect(b.stats()).toEqual(a.stats());
    expect(b.getState()).toEqual(a.getState());
  });

  it('continues bit for bit from a state taken right after a restart', () => {
    const options: ChainsOptions = { n, d, stepSize: 0.1, preconditioner: 'adam', momentum: true, seed: 9 };
    // Chain 2 gets a NaN gradient at calls 3 and 6, chain 4 at call 6: restarts that return to `previous`.
    const run = (chains: Chains, from: number, to: number) => {
      for (let k = from; k < to; k++) {
        const { energy, grad } = energyAndGrad(chains.z);
        if (k === 3 || k === 6) grad[2 * d] = NaN;
        if (k === 6) energy[4] = Infinity;
        chains.step(grad, { energy });
      }
    };
    const a = new Chains(options);
    a.initPrior();
    run(a, 0, 4); // call 3 restarted chain 2
    const saved = a.getState();
    expect(Array.from(saved.restarts)).toEqual([0, 0, 1, 0, 0, 0]);
    run(a, 4, 10);
    expect(a.stats().totalRestarts).toBe(3);

    const b = new Chains(options);
    b.initPrior(); // a different state in both buffers, to be overwritten
    b.step(energyAndGrad(b.z).grad);
    b.setState(saved);
    run(b, 4, 10);
    expect(b.z).toEqual(a.z);
    expect(b.stats()).toEqual(a.stats());
  });

  it('refuses a state between propose() and accept()', () => {
    const chains = new Chains(malaOptions);
    chains.initPrior();
    const at = energyAndGrad(chains.z);
    chains.setCurrent(at.energy, at.grad);
    chains.propose();
    expectLpcError(() => chains.getState(), 'LPC_INVALID_STATE');
  });

  it('refuses a negative or non-finite second moment, and missing fields', () => {
    const chains = new Chains(malaOptions);
    chains.initPrior();
    const state = chains.getState();
    const v = Float32Array.from(state.v!);
    v[3] = -1e-3;
    expectLpcError(() => chains.setState({ ...state, v }), 'LPC_INVALID_ARGUMENT', 'state.v[3]');
    v[3] = NaN;
    expectLpcError(() => chains.setState({ ...state, v }), 'LPC_INVALID_ARGUMENT', 'state.v[3]');
    const { previous: _previous, ...withoutPrevious } = state;
    expectLpcError(() => chains.setState(withoutPrevious as typeof state), 'LPC_INVALID_ARGUMENT', 'state.previous');
    expectLpcError(() => chains.setState({ ...state, energy: new Float32Array(n), grad: null }), 'LPC_INVALID_ARGUMENT');
  });

  it('saturates the gradients-seen count instead of overflowing', () => {
    const chains = new Chains({ n, d, stepSize: 0.1, preconditioner: 'rmsprop', seed: 3 });
    chains.initPrior();
    const state = chains.getState();
    chains.setState({ ...state, t: new Int32Array(n).fill(2 ** 31 - 1), v: new Float32Array(n * d).fill(1) });
    chains.step(energyAndGrad(chains.z).grad);
    expect(Array.from(chains.stats().gradientsSeen)).toEqual(new Array(n).fill(2 ** 31 - 1));
    expect(chains.z.every(Number.isFinite)).toBe(true);
  });
});
