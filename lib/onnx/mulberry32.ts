/**
 * A small seeded generator for test data, gradient-check directions and benchmarks (not for sampling,
 * which the native Philox `Rng` does): mulberry32 for uniforms, Box-Muller for normals.
 */

/**
 * A deterministic stream of uniforms in [0, 1) and standard normals.
 *
 * @example
 * const rng = new Mulberry32(7);
 * const w = rng.normals(64, 0.1); // 64 normals of sd 0.1
 */
export class Mulberry32 {
  private state: number;
  private spare: number | undefined;

  /** A stream fixed by a 32-bit `seed`. */
  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }

  /** The next uniform in [0, 1). */
  uniform(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The next standard normal. */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** n standard normals as a Float32Array. */
  normals(n: number, scale = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * scale;
    return out;
  }

  /** n uniforms in [lo, hi) as a Float32Array. */
  uniforms(n: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }
}
