/**
 * Weight initialisation from the native Philox generator, so that a seed fixes a network exactly on any
 * machine and thread count. He (Kaiming) normal for layers followed by ReLU, Glorot (Xavier) normal for
 * the others: both keep activation variances of order one through depth.
 */
import { Rng } from '../native/rng.js';

/** 'he': N(0, 2 / fanIn); 'glorot': N(0, 2 / (fanIn + fanOut)). */
export type InitScheme = 'he' | 'glorot';

/** The standard deviation of a scheme for the given fan-in and fan-out. */
export function initStd(scheme: InitScheme, fanIn: number, fanOut: number): number {
  return scheme === 'he' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Draws weights from seeded normals.
 *
 * @example
 * using init = new WeightInit(7);
 * const w = init.normal(64 * 784, initStd('he', 784, 64));
 */
export class WeightInit {
  private readonly rng: Rng;

  /** Normals from the Philox stream keyed by `seed`. */
  constructor(seed: number | bigint) {
    this.rng = new Rng({ seed });
  }

  /** `count` normals with standard deviation `std`. */
  normal(count: number, std: number): Float32Array {
    const out = this.rng.normal(count);
    for (let i = 0; i < out.length; i++) out[i] *= std;
    return out;
  }

  /** Frees the generator. */
  dispose(): void {
    this.rng.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
