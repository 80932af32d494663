import { afterEach, describe, expect, it } from 'vitest';
import { Rng, getThreads, setThreads, type RandomSource } from '../../lib/index.js';
import { blockAt, boxMuller, boxMullerExact, fastLogf, philoxBlock, referenceNormals, referenceUniforms } from './support/philox-reference.js';
import { moments, sameBits } from './support/stats.js';

const defaultThreads = getThreads();
afterEach(() => setThreads(defaultThreads));

describe('Philox reference', () => {
  it('reproduces the published Philox4x32-10 known-answer vectors', () => {
    expect(philoxBlock(0, 0, 0, 0, 0, 0)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const ones = 0xffffffff;
    expect(philoxBlock(ones, ones, ones, ones, ones, ones)).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    expect(philoxBlock(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0)).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });
});

describe('Rng', () => {
  it('gives bit-for-bit the normals and uniforms of an independent JavaScript reference', () => {
    const seed = 0x0123456789abcdefn;
    const rng = new Rng({ seed, stream: 9 });
    const normals = rng.normal(4099);
    expect(normals).toEqual(referenceNormals(seed, 9n, 0n, 0, 4099));
    // The first request used ceil(4099 / 4) = 1025 blocks; the next one starts there.
    expect(rng.getState().counter).toBe(1025n);
    const uniforms = rng.uniform(1001);
    expect(uniforms).toEqual(referenceUniforms(seed, 9n, 1025n, 0, 1001));
    rng.dispose();
  });

  it('computes the Box-Muller log within 2 ulp of float64 Math.log over (2^-32, 1]', () => {
    // The reference reproduces the native fast_logf bit for bit (checked through the normals above), so this
    // measures the native approximation against libm-quality double precision.
    const view = new DataView(new ArrayBuffer(4));
    let worst = 0;
    for (let bits = 0x2f800000; bits <= 0x3f800000; bits += 97) {
      view.setUint32(0, bits);
      const x = view.getFloat32(0);
      const exact = Math.log(x);
      const rounded = Math.fround(exact);
      view.setFloat32(0, Math.abs(rounded));
      view.setUint32(0, view.getUint32(0) + 1);
      const ulp = view.getFloat32(0) - Math.abs(rounded);
      worst = Math.max(worst, Math.abs(fastLogf(x) - exact) / ulp);
    }
    expect(worst).toBeLessThan(2);
  });

  it('draws normals within 1e-6 (absolute, or relative beyond |z| = 1) of the exact Box-Muller transform', () => {
    // float32 rounding of a value below 7 is at most 4.8e-7; the fast log/sin/cos add about 1-2 ulp.
    let worst = 0;
    for (let b = 0; b < 50000; b++) {
      const w = blockAt(77n, 0n, BigInt(b));
      for (const [a, c] of [
        [w[0], w[1]],
        [w[2], w[3]],
      ]) {
        const got = boxMuller(a, c);
        const exact = boxMullerExact(a, c);
        for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(got[k] - exact[k]) / Math.max(1, Math.abs(exact[k])));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('has the moments of a standard normal within 4 standard errors', () => {
    const n = 2_000_000;
    const x = new Rng({ seed: 5 }).normal(n);
    const { mean, variance } = moments(x);
    let m3 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      m3 += x[i] ** 3;
      m4 += x[i] ** 4;
    }
    // Standard errors of independent draws: sd(z)/sqrt(n), sd(z^2)/sqrt(n) = sqrt(2/n), sd(z^3) = sqrt(15),
    // sd(z^4) = sqrt(96).
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(m3 / n)).toBeLessThan(4 * Math.sqrt(15 / n));
    expect(Math.abs(m4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
    // Tail mass beyond 3 sigma: 0.0026998; binomial standard error.
    let tail = 0;
    for (let i = 0; i < n; i++) if (Math.abs(x[i]) > 3) tail++;
    const p = 0.0026998;
    expect(Math.abs(tail / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
  });

  it('has uniform moments within 4 standard errors and never returns 0 or 1', () => {
    const n = 1_000_000;
    const u = new Rng({ seed: 6 }).uniform(n);
    const { mean, variance } = moments(u);
    // sd(u) = sqrt(1/12), sd((u - 1/2)^2) = sqrt(1/180).
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt(1 / 180 / n));
    expect(u.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('repeats a sequence for the same seed, and differs for another seed or stream', () => {
    const a = new Rng({ seed: 11n }).normal(1000);
    const b = new Rng({ seed: 11n }).normal(1000);
    const c = new Rng({ seed: 12n }).normal(1000);
    const d = new Rng({ seed: 11n, stream: 1 }).normal(1000);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(d);
  });

  it('gives the same numbers for any thread count', () => {
    // Above the 32 Ki-element split threshold, so two threads really split the work.
    const n = 1_000_003;
    setThreads(1);
    const one = new Rng({ seed: 3 }).normal(n);
    const oneU = new Rng({ seed: 3 }).uniform(n);
    setThreads(2);
    expect(getThreads()).toBe(2);
    expect(sameBits(new Rng({ seed: 3 }).normal(n), one)).toBe(true);
    expect(sameBits(new Rng({ seed: 3 }).uniform(n), oneU)).toBe(true);
    setThreads(3);
    expect(sameBits(new Rng({ seed: 3 }).normal(n), one)).toBe(true);
  });

  it('resumes a sequence from getState()', () => {
    const rng = new Rng({ seed: 21, stream: 4 });
    rng.normal(10);
    const saved = rng.getState();
    const next = rng.normal(37);
    const other = new Rng();
    other.setState(saved);
    expect(other.normal(37)).toEqual(next);
  });
});

describe('Rng.permutation', () => {
  it('is the Fisher-Yates shuffle of 48-bit integers made of two uniforms each, drawn in one request', () => {
    // A JavaScript Fisher-Yates over the reference uniforms: j = floor(r (i + 1) / 2^48), r = (k1 << 24) + k2.
    const seed = 0xfeedn;
    const n = 1001;
    const u = referenceUniforms(seed, 2n, 0n, 0, 2 * (n - 1));
    const expected = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1, k = 0; i > 0; i--, k += 2) {
      const r = Math.floor(u[k] * 2 ** 24) * 2 ** 24 + Math.floor(u[k + 1] * 2 ** 24);
      const j = Math.floor((r / 2 ** 48) * (i + 1));
      [expected[i], expected[j]] = [expected[j], expected[i]];
    }
    using rng = new Rng({ seed, stream: 2 });
    expect(Array.from(rng.permutation(n))).toEqual(expected);
    // 2000 uniforms are 500 Philox blocks; n < 2 draws nothing.
    expect(rng.getState().counter).toBe(500n);
    expect(Array.from(rng.permutation(1))).toEqual([0]);
    expect(rng.permutation(0)).toHaveLength(0);
    expect(rng.getState().counter).toBe(500n);
  });

  it('draws uniform permutations: each of the 24 orders of 4 items about 1/24 of the time', () => {
    using rng = new Rng({ seed: 9 });
    const counts = new Map<string, number>();
    const n = 24_000;
    for (let i = 0; i < n; i++) {
      const key = rng.permutation(4).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // Chi-square with 23 degrees of freedom: its 99.9% quantile is 49.7.
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - n / 24) ** 2 / (n / 24);
    expect(chi2).toBeLessThan(49.7);
    expect(Array.from(rng.permutation(1))).toEqual([0]);
  });

  it('permutations are valid, seeded, and uniform over the 24 orders of 4 items', () => {
    using rng = new Rng({ seed: 3 });
    const counts = new Map<string, number>();
    const draws = 4800;
    for (let k = 0; k < draws; k++) {
      const key = Array.from(rng.permutation(4)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // Binomial(4800, 1/24): mean 200, SE 13.98; 4.5 SE over 24 cells (p < 2e-4 of a chance failure).
    for (const c of counts.values()) expect(Math.abs(c - 200)).toBeLessThan(4.5 * 13.98);
    using a = new Rng({ seed: 9 });
    using b = new Rng({ seed: 9 });
    using c = new Rng({ seed: 10 });
    const p = a.permutation(60000);
    expect(
      Array.from(p)
        .sort((u, v) => u - v)
        .every((v, i) => v === i),
    ).toBe(true);
    expect(Buffer.from(p.buffer).equals(Buffer.from(b.permutation(60000).buffer))).toBe(true);
    expect(Buffer.from(p.buffer).equals(Buffer.from(c.permutation(60000).buffer))).toBe(false);
    expect(Array.from(rng.permutation(1))).toEqual([0]);
    expect(rng.permutation(0)).toHaveLength(0);
  });

  it('puts every item in every position equally often (n = 7, 7,000 draws)', () => {
    // The counts C[item][position] of N uniform permutations: the Pearson statistic sum (C - N/n)^2 / (N/n) is
    // n/(n-1) times a chi-square with (n-1)^2 = 36 degrees of freedom (a permutation matrix's covariance is
    // P (x) P / (n-1), P the centring matrix); the 99.9% quantile of chi-square(36) is 67.99.
    const n = 7;
    const draws = 7000;
    using rng = new Rng({ seed: 12 });
    const counts = new Float64Array(n * n);
    for (let k = 0; k < draws; k++) {
      const p = rng.permutation(n);
      for (let position = 0; position < n; position++) counts[p[position] * n + position]++;
    }
    let pearson = 0;
    for (const c of counts) pearson += (c - draws / n) ** 2 / (draws / n);
    expect((pearson * (n - 1)) / n).toBeLessThan(67.99);
  });

  it("is the data layer's RandomSource, and fills an empty array without drawing", () => {
    using rng = new Rng({ seed: 4 });
    const source: RandomSource = rng;
    source.uniform(new Float32Array(0));
    expect(rng.normal(new Float32Array(0))).toHaveLength(0);
    expect(rng.getState().counter).toBe(0n);
    expect(() => rng.permutation(-1)).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
    expect(() => rng.permutation(2.5)).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
  });
});
