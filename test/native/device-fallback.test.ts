/**
 * `device: 'cuda'` on every native class: used only where a device answers and a test kernel runs on it;
 * otherwise the object computes on the CPU, says why, and gives the CPU's numbers. (The fallback after a
 * CUDA call fails part-way is checked on GPU machines by bench/native-cuda.mjs and CTest cuda_vs_cpu.)
 */
import { describe, expect, it } from 'vitest';
import { Chains, Optimizer, Rng, cudaStatus } from '../../lib/index.js';

const status = cudaStatus();

const make = () => [new Chains({ n: 2, d: 2, stepSize: 0.1, device: 'cuda' }), new Rng({ seed: 1, device: 'cuda' }), new Optimizer([new Float32Array(3)], { device: 'cuda' })];

describe("device: 'cuda'", () => {
  it('puts Chains, Rng and Optimizer on the GPU when one is usable, else on the CPU with the probe reason', () => {
    for (const o of make()) {
      if (status.available) {
        expect(o.device).toBe('cuda');
      } else {
        expect(o.device).toBe('cpu');
        expect(o.deviceReason).toBe(status.reason);
        expect(status.reason.length).toBeGreaterThan(0);
      }
    }
  });

  it("gives the CPU's numbers", () => {
    const gpu = new Rng({ seed: 9, device: 'cuda' }).normal(new Float32Array(100));
    const cpu = new Rng({ seed: 9 }).normal(new Float32Array(100));
    expect(gpu).toEqual(cpu);
    const pa = [Float32Array.from([1, -2, 3])];
    const pb = [Float32Array.from([1, -2, 3])];
    new Optimizer(pa, { device: 'cuda' }).step([Float32Array.from([0.1, 0.2, -0.3])]);
    new Optimizer(pb).step([Float32Array.from([0.1, 0.2, -0.3])]);
    expect(pa[0]).toEqual(pb[0]);
  });
});
