/**
 * The contract between energy models and the samplers that use them (docs/ARCHITECTURE.md §4).
 *
 * An energy function evaluates, for a batch x of B datapoints and z holding K chains per datapoint laid out
 * row-major as [B*K, d] (chain index b*K + k), the per-chain energy
 *   E(z; x) = -log p(x | z) + 0.5 ||z||^2
 * and its gradient with respect to z. Implementations: ONNX energy graphs run by onnxruntime-node
 * (lib/likelihoods), and analytic targets written in JavaScript (tests).
 */
export interface EnergyEvaluation {
  /** E per chain, [B*K]. */
  readonly energy: Float32Array;
  /** dE/dz per chain, [B*K, d]. */
  readonly gradZ: Float32Array;
}

/** What a sampler needs of a model: per-chain energies and their z-gradients for a batch (see the file comment). */
export interface EnergyFunction {
  /** The latent dimension d. */
  readonly latentDim: number;
  /** The number of values in one datapoint of x (e.g. C*H*W). */
  readonly dataSize: number;
  /**
   * True when a chain's energy depends on the other chains it is evaluated with (a Gaussian likelihood with
   * the "optimal" sigma, recomputed from the whole batch). Such an energy is no fixed target density, so
   * MALA's acceptance ratio would not be exact and the sampler refuses MALA with it. Absent: false.
   */
  readonly batchDependent?: boolean;
  /**
   * Evaluates energies and gradients at z for the datapoints x.
   * @param x the batch, [batch, dataSize] (any image layout flattened as the model expects)
   * @param batch B, the number of datapoints in x
   * @param z the chains, [B*K, d]; K = z.length / (B * d) must be a whole number
   */
  evaluate(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyEvaluation>;
}
