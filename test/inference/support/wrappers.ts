/**
 * EnergyFunction wrappers for tests: one records what the sampler passes in, one poisons a region of the
 * latent space with non-finite values and counts what it returned.
 */
import type { EnergyEvaluation, EnergyFunction } from '../../../lib/likelihoods/energy-function.js';

/** Records a copy of every z (and the batch) it is evaluated at, and the energies it returned. */
export class RecordingEnergy implements EnergyFunction {
  readonly latentDim: number;
  readonly dataSize: number;
  readonly states: Float32Array[] = [];
  readonly energies: Float32Array[] = [];
  readonly batches: number[] = [];

  constructor(readonly inner: EnergyFunction) {
    this.latentDim = inner.latentDim;
    this.dataSize = inner.dataSize;
  }

  async evaluate(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyEvaluation> {
    this.states.push(Float32Array.from(z));
    this.batches.push(batch);
    const out = await this.inner.evaluate(x, batch, z);
    this.energies.push(Float32Array.from(out.energy));
    return out;
  }
}

/**
 * Returns a NaN energy where `nanEnergy(row)` holds and an infinite gradient (finite energy) where
 * `infGradient(row)` holds; counts, per chain and per evaluation, the rows it made non-finite.
 */
export class PoisonedEnergy implements EnergyFunction {
  readonly latentDim: number;
  readonly dataSize: number;
  /** Non-finite rows returned, per chain (sized on the first call). */
  perChain = new Int32Array(0);
  /** Non-finite rows returned by each evaluation, in call order. */
  readonly perCall: Int32Array[] = [];

  constructor(
    readonly inner: EnergyFunction,
    readonly nanEnergy: (row: Float32Array, chain: number) => boolean,
    readonly infGradient: (row: Float32Array, chain: number) => boolean = () => false,
  ) {
    this.latentDim = inner.latentDim;
    this.dataSize = inner.dataSize;
  }

  async evaluate(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyEvaluation> {
    const d = this.latentDim;
    const n = z.length / d;
    if (this.perChain.length !== n) this.perChain = new Int32Array(n);
    const out = await this.inner.evaluate(x, batch, z);
    const hits = new Int32Array(n);
    for (let c = 0; c < n; c++) {
      const row = z.subarray(c * d, (c + 1) * d);
      if (this.nanEnergy(row, c)) {
        out.energy[c] = NaN;
        hits[c] = 1;
      } else if (this.infGradient(row, c)) {
        out.gradZ[c * d + d - 1] = -Infinity;
        hits[c] = 1;
      }
      this.perChain[c] += hits[c];
    }
    this.perCall.push(hits);
    return out;
  }
}
