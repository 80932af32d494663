/**
 * The decoder's gradient in Langevin PC (docs/ARCHITECTURE.md §2.7): the mean of dE/dtheta over the kept states of every
 * chain and every datapoint, so that its scale does not change with T, K or B. A chain that restarted during
 * the minibatch (a non-finite energy or gradient) is dropped: its states get weight zero, which the weighted
 * gradient graph removes exactly, and the mean is over the states of the chains that remain.
 */
import type { EnergyModel } from '../likelihoods/energy-model.js';
import type { ParameterGradients } from '../models/networks.js';

/** Weights of the stacked kept states and what was dropped. */
export interface KeptStateWeights {
  /** One weight per row of the stacked states [B, S, K]: 1 / (S * survivors) or 0 for a dropped chain. */
  readonly weights: Float32Array;
  /** Chains that never restarted. */
  readonly survivors: number;
  /** Chains dropped for this minibatch. */
  readonly dropped: number;
}

/**
 * Weights for states stacked [B, S, K] (row (b*S + s)*K + k holds chain b*K + k at its s-th kept time), given
 * each chain's restart count [B*K].
 *
 * @example
 * const { weights } = keptStateWeights(result.restarts, result.batch, result.chains, result.keptPerChain);
 * const grads = await energy.weightedThetaGradients(x, result.batch, result.kept!, weights);
 */
export function keptStateWeights(restarts: Int32Array, batch: number, chains: number, perChain: number): KeptStateWeights {
  let survivors = 0;
  for (let c = 0; c < batch * chains; c++) if (restarts[c] === 0) survivors++;
  const weights = new Float32Array(batch * perChain * chains);
  if (survivors > 0) {
    const w = 1 / (perChain * survivors);
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < perChain; s++) {
        for (let k = 0; k < chains; k++) if (restarts[b * chains + k] === 0) weights[(b * perChain + s) * chains + k] = w;
      }
    }
  }
  return { weights, survivors, dropped: batch * chains - survivors };
}

/**
 * The weighted mean of dE/dtheta over stacked states (S*K rows per datapoint) in the order of the model's
 * parameters, ready for Optimizer.step().
 */
export async function meanThetaGradients(energy: EnergyModel, x: Float32Array, batch: number, states: Float32Array, weights: Float32Array): Promise<Float32Array[]> {
  const grads: ParameterGradients = await energy.weightedThetaGradients(x, batch, states, weights);
  return energy.params.names.map((n) => grads.get(n) as Float32Array);
}
