/**
 * The step and MALA update rules against a float64 JavaScript reference that uses the same noise
 * (support/philox-reference.ts reproduces the native normals and uniforms bit for bit). Each step is
 * checked from the native state, so the comparison measures one step's float32 rounding, not drift.
 */
import { describe, expect, it } from 'vitest';
import { Chains, type Preconditioner } from '../../lib/index.js';
import { referenceNormals, referenceUniforms } from './support/philox-reference.js';

const f = Math.fround;
const blocks = (count: number) => BigInt(Math.ceil(count / 4));

// One float32 rounding is 6e-8 relative; a step does about a dozen operations on values of order 1, and
// the reference's state (v, m) differs from the native float32 state by accumulated rounding: 2e-6.
const TOL = 2e-6;

function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): boolean {
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * Math.max(1, Math.abs(want[i]))) return false;
  }
  return true;
}

/** A non-quadratic energy gradient with tiny values in some coordinates (so the clamp gMax engages). */
function gradient(z: Float32Array, d: number, out: Float32Array): void {
  for (let i = 0; i < z.length; i++) {
    const j = i % d;
    out[i] = f(j === 0 ? 1e-6 * z[i] : (j + 1) * z[i] + 0.3 * Math.sin(z[i]));
  }
}

interface RefState {
  v: Float64Array;
  m: Float64Array;
  t: Int32Array;
}

describe('preconditioned step rules (float64 reference)', () => {
  const cases: Array<{ preconditioner: Preconditioner; momentum: boolean }> = [
    { preconditioner: 'none', momentum: false },
    { preconditioner: 'rmsprop', momentum: false },
    { preconditioner: 'adam', momentum: false },
    { preconditioner: 'adam', momentum: true },
  ];
  for (const { preconditioner, momentum } of cases) {
    it(`follows the update of docs/ARCHITECTURE.md §2.3 for ${preconditioner}${momentum ? ' with momentum' : ''}, including reset()`, () => {
      const n = 3;
      const d = 5;
      const seed = 0xfeedn;
      const stream = 2n;
      const gMax = 5;
      const beta1 = 0.9;
      const beta2 = preconditioner === 'adam' ? 0.999 : 0.99;
      const eps = f(1e-8);
      const chains = new Chains({ n, d, stepSize: 0.02, preconditioner, momentum, seed, stream, gMax });
      chains.stepSizes.set([0.02, 0.05, 0.01]);
      chains.initPrior();
      expect(chains.z).toEqual(referenceNormals(seed, stream, 0n, 0, n * d));
      const ref: RefState = { v: new Float64Array(n * d), m: new Float64Array(n * d), t: new Int32Array(n) };
      const grad = new Float32Array(n * d);
      for (let step = 0; step < 30; step++) {
        if (step === 15) {
          chains.reset();
          ref.v.fill(0);
          ref.m.fill(0);
          ref.t.fill(0);
        }
        const scalar = step % 4 === 3 ? 0.03 : undefined; // some calls override the per-chain sizes
        const z = Float64Array.from(chains.z);
        gradient(chains.z, d, grad);
        const counter = chains.getState().counter;
        const xi = referenceNormals(seed, stream, counter, 0, n * d);
        const want = new Float64Array(n * d);
        for (let c = 0; c < n; c++) {
          const eta = scalar ?? chains.stepSizes[c];
          if (preconditioner !== 'none') ref.t[c]++;
          const t = ref.t[c];
          for (let j = 0; j < d; j++) {
            const i = c * d + j;
            const g = grad[i];
            let G = 1;
            let drift = g;
            if (preconditioner !== 'none') {
              ref.v[i] = beta2 * ref.v[i] + (1 - beta2) * g * g;
              G = Math.min(1 / (Math.sqrt(ref.v[i] / (1 - beta2 ** t)) + eps), gMax);
              if (momentum) {
                ref.m[i] = beta1 * ref.m[i] + (1 - beta1) * g;
                drift = ref.m[i] / (1 - beta1 ** t);
              }
            }
            want[i] = z[i] - eta * G * drift + Math.sqrt(2 * eta * G) * xi[i];
          }
        }
        chains.step(grad, { stepSize: scalar });
        expect(closeTo(chains.z, want, TOL)).toBe(true);
        const state = chains.getState();
        expect(state.counter).toBe(counter + blocks(n * d));
        if (preconditioner !== 'none') {
          expect(closeTo(state.v!, ref.v, TOL)).toBe(true);
          expect(Array.from(state.t)).toEqual(Array.from(ref.t));
        }
        if (momentum) expect(closeTo(state.m!, ref.m, TOL)).toBe(true);
      }
      chains.dispose();
    });
  }

  it('clamps G at gMax where the first gradient is tiny', () => {
    // Coordinate 0 has gradient 1e-6 z: without the clamp G would be about 1e6 / |z|.
    const chains = new Chains({ n: 1, d: 2, stepSize: 0.01, preconditioner: 'rmsprop', gMax: 5, seed: 1 });
    chains.initPrior();
    const z0 = Float64Array.from(chains.z);
    const grad = new Float32Array(2);
    gradient(chains.z, 2, grad);
    const xi = referenceNormals(1n, 0n, chains.getState().counter, 0, 2);
    chains.step(grad);
    // With G = gMax = 5 the move is -eta*5*g + sqrt(2*eta*5)*xi.
    const want = z0[0] - 0.01 * 5 * grad[0] + Math.sqrt(2 * 0.01 * 5) * xi[0];
    expect(Math.abs(chains.z[0] - want)).toBeLessThan(TOL * Math.max(1, Math.abs(want)));
  });
});

describe('MALA rules (float64 reference)', () => {
  it('proposes with G from the state before the current gradient and accepts by Metropolis-Hastings', () => {
    const n = 6;
    const d = 3;
    const seed = 99n;
    const warmup = 8;
    const gMax = 4;
    const beta2 = 0.99;
    const eps = f(1e-8);
    const chains = new Chains({ n, d, stepSize: 0.4, preconditioner: 'rmsprop', gMax, seed, mala: { warmup } });
    chains.initPrior();
    const energyOf = (z: ArrayLike<number>, c: number) => {
      let e = 0;
      for (let j = 0; j < d; j++) e += 0.5 * (j + 1) * z[c * d + j] ** 2 + 0.1 * z[c * d + j] ** 4;
      return e;
    };
    const evaluate = (z: Float32Array, energy: Float32Array, grad: Float32Array) => {
      for (let c = 0; c < n; c++) {
        energy[c] = energyOf(z, c);
        for (let j = 0; j < d; j++) grad[c * d + j] = (j + 1) * z[c * d + j] + 0.4 * z[c * d + j] ** 3;
      }
    };
    const energy = new Float32Array(n);
    const grad = new Float32Array(n * d);
    evaluate(chains.z, energy, grad);
    chains.setCurrent(energy, grad);
    const cur = { z: Float64Array.from(chains.z), e: Float64Array.from(energy), g: Float64Array.from(grad) };
    const v = new Float64Array(n * d);
    const t = new Int32Array(n);
    let acceptedTotal = 0;
    for (let step = 0; step < 20; step++) {
      const counter = chains.getState().counter;
      const xi = referenceNormals(seed, 0n, counter, 0, n * d);
      const G = new Float64Array(n * d);
      const y = new Float64Array(n * d);
      for (let i = 0; i < n * d; i++) {
        const c = Math.floor(i / d);
        G[i] = t[c] === 0 ? 1 : Math.min(1 / (Math.sqrt(v[i] / (1 - beta2 ** t[c])) + eps), gMax);
        y[i] = cur.z[i] - 0.4 * G[i] * cur.g[i] + Math.sqrt(2 * 0.4 * G[i]) * xi[i];
      }
      const proposal = chains.propose();
      expect(closeTo(proposal, y, TOL)).toBe(true);
      evaluate(proposal, energy, grad);
      const u = referenceUniforms(seed, 0n, counter + blocks(n * d), 0, n);
      const accepted = chains.accept(energy, grad);
      let expectedAccepted = 0;
      for (let c = 0; c < n; c++) {
        let logAlpha = cur.e[c] - energy[c];
        for (let j = 0; j < d; j++) {
          const i = c * d + j;
          const a = 0.4 * G[i];
          const fwd = proposal[i] - cur.z[i] + a * cur.g[i];
          const bwd = cur.z[i] - proposal[i] + a * grad[i];
          logAlpha += (fwd * fwd - bwd * bwd) / (4 * a);
        }
        if (step < warmup) {
          for (let j = 0; j < d; j++) v[c * d + j] = beta2 * v[c * d + j] + (1 - beta2) * cur.g[c * d + j] ** 2;
          t[c]++;
        }
        if (Math.log(u[c]) < logAlpha) {
          expectedAccepted++;
          for (let j = 0; j < d; j++) {
            cur.z[c * d + j] = proposal[c * d + j];
            cur.g[c * d + j] = grad[c * d + j];
          }
          cur.e[c] = energy[c];
        }
      }
      expect(accepted).toBe(expectedAccepted);
      expect(chains.z).toEqual(Float32Array.from(cur.z));
      acceptedTotal += accepted;
    }
    // Both outcomes occur, so both branches were compared.
    expect(acceptedTotal).toBeGreaterThan(0);
    expect(acceptedTotal).toBeLessThan(20 * n);
    chains.dispose();
  });
});
