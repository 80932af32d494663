/**
 * Test helper: a small seeded generator that satisfies RandomSource, so data tests are deterministic
 * without the native addon. A Weyl sequence (step 0x9e3779b9) passed through the murmur3 32-bit
 * finaliser; period 2^32, ample for tests that draw a few million numbers.
 */
import type { RandomSource } from '../../lib/data/random-source.js';

export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** (k + 0.5) / 2^23 for a 23-bit k: strictly inside (0, 1) and exact in float32. */
  uniform(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = ((this.nextUint32() >>> 9) + 0.5) / 8388608;
  }

  /** Fisher-Yates with rejection sampling, so every permutation is equally likely. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const bound = i + 1;
      const reject = 0x100000000 % bound; // values below this would favour small remainders
      let r = this.nextUint32();
      while (r < reject) r = this.nextUint32();
      const j = r % bound;
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
