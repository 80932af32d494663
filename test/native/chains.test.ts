import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Chains, LpcError, cudaStatus, getThreads, hardwareThreads } from '../../lib/index.js';
import { referenceNormals } from './support/philox-reference.js';

describe('Chains', () => {
  it('exposes z as a zero-copy Float32Array of the current state, swapping buffers on each step', () => {
    const chains = new Chains({ n: 3, d: 2, stepSize: 0.1, seed: 1 });
    chains.initPrior();
    const first = chains.z;
    expect(first).toBeInstanceOf(Float32Array);
    expect(first.length).toBe(6);
    expect(chains.z).toBe(first); // same view until the next step
    chains.step(new Float32Array(6));
    const second = chains.z;
    expect(second).not.toBe(first);
    expect(second.buffer).not.toBe(first.buffer);
    // Writing through the view sets the state the next step starts from.
    second.fill(0);
    chains.step(new Float32Array(6), { stepSize: 1e-12 });
    expect(Math.max(...chains.z.map(Math.abs))).toBeLessThan(1e-5);
    chains.dispose();
  });

  it('hands z to onnxruntime-node as a tensor without a copy', () => {
    const chains = new Chains({ n: 6, d: 4, stepSize: 0.1 });
    chains.initPrior();
    const tensor = new ort.Tensor('float32', chains.z, [6, 4]);
    expect(tensor.data).toBe(chains.z);
    chains.z[3] = 42;
    expect((tensor.data as Float32Array)[3]).toBe(42);
  });

  it('uses the hardware threads by default', () => {
    expect(getThreads()).toBe(hardwareThreads());
  });

  it('initialises from the prior with the chains stream: z = xi', () => {
    const chains = new Chains({ n: 5, d: 7, stepSize: 0.1, seed: 123n, stream: 4 });
    chains.initPrior();
    expect(chains.z).toEqual(referenceNormals(123n, 4n, 0n, 0, 35));
  });

  it('initialises K chains per datapoint from an encoder: z[b*K + k] = mu[b] + sigma[b] xi', () => {
    const B = 3;
    const K = 4;
    const d = 5;
    const mu = Float32Array.from({ length: B * d }, (_, i) => i - 7);
    const logSigma = Float32Array.from({ length: B * d }, (_, i) => -1 + 0.1 * i);
    for (const logVariance of [false, true]) {
      const chains = new Chains({ n: B * K, d, stepSize: 0.1, seed: 9 });
      chains.initFromEncoder(mu, logSigma, { logVariance });
      const xi = referenceNormals(9n, 0n, 0n, 0, B * K * d);
      const z = chains.z;
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < d; j++) {
            const sigma = Math.exp((logVariance ? 0.5 : 1) * logSigma[b * d + j]);
            const want = mu[b * d + j] + sigma * xi[(b * K + k) * d + j];
            // float32 exp and one multiply-add: a few ulp of values up to 10.
            expect(Math.abs(z[(b * K + k) * d + j] - want)).toBeLessThan(4e-6 * Math.max(1, Math.abs(want)));
          }
        }
      }
      chains.dispose();
    }
  });

  it('continues bit for bit after getState()/setState()', () => {
    const options = { n: 16, d: 9, stepSize: 0.05, preconditioner: 'adam' as const, momentum: true, seed: 77 };
    const grad = new Float32Array(16 * 9);
    const run = (chains: Chains, steps: number) => {
      for (let t = 0; t < steps; t++) {
        const z = chains.z;
        for (let i = 0; i < z.length; i++) grad[i] = 2 * z[i] + Math.sin(z[i]);
        chains.step(grad);
      }
    };
    const a = new Chains(options);
    a.initPrior();
    run(a, 10);
    const saved = a.getState();
    run(a, 10);
    const b = new Chains(options);
    b.setState(saved);
    run(b, 10);
    expect(b.z).toEqual(a.z);
  });

  it('falls back to the CPU with the reason when CUDA is asked for but not usable', () => {
    const status = cudaStatus();
    const chains = new Chains({ n: 2, d: 2, stepSize: 0.1, device: 'cuda' });
    if (status.available) {
      expect(chains.device).toBe('cuda');
    } else {
      expect(chains.device).toBe('cpu');
      expect(chains.deviceReason).toBe(status.reason);
      expect(status.reason.length).toBeGreaterThan(0);
    }
  });

  it('throws LPC_INVALID_STATE for MALA calls out of order', () => {
    const chains = new Chains({ n: 2, d: 2, stepSize: 0.1 });
    chains.initPrior();
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as LpcError).code;
      }
      return 'none';
    };
    expect(code(() => chains.propose())).toBe('LPC_INVALID_STATE');
    expect(code(() => chains.accept(new Float32Array(2), new Float32Array(4)))).toBe('LPC_INVALID_STATE');
    chains.setCurrent(new Float32Array(2), new Float32Array(4));
    chains.propose();
    chains.step(new Float32Array(4)); // a step moves z: the stored energy no longer applies
    expect(code(() => chains.accept(new Float32Array(2), new Float32Array(4)))).toBe('LPC_INVALID_STATE');
    expect(code(() => chains.setCurrent(Float32Array.from([0, NaN]), new Float32Array(4)))).toBe('LPC_DIVERGED');
  });
});
