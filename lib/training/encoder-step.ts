/**
 * One evaluation of an amortised LPC encoder's objective (forward KL, reverse KL or Jeffreys) with the decoder
 * frozen: the loss terms and dL/dphi for the optimiser, from the encoder's output at x, the Langevin states
 * the decoder's gradient used (with the same weights) and, for the reverse KL, fresh reparameterisation noise.
 */
import type { EnergyModel } from '../likelihoods/energy-model.js';
import type { EncoderModel, EncoderOutput } from '../models/encoder-model.js';
import { addLatentGradients, forwardKl, reverseKl, type EncoderObjective, type LatentGradients } from './encoder-objectives.js';
import { encoderGradients } from './vae-objective.js';

/** What an encoder step works from. */
export interface EncoderStepInput {
  readonly objective: EncoderObjective;
  readonly encoder: EncoderModel;
  readonly energy: EnergyModel;
  /** The batch, [B, C, H, W]. */
  readonly x: Float32Array;
  readonly batch: number;
  /** The encoder's output at x (its parameters unchanged since). */
  readonly encoded: EncoderOutput;
  /** Langevin states, rowsPer rows per datapoint, and one weight per row (all zero: no forward term). */
  readonly states: Float32Array;
  readonly rowsPer: number;
  readonly weights: Float32Array;
  /** Draws eps [B, d] for the reverse KL (called only when the objective has one). */
  readonly drawEps: () => Float32Array;
}

/** Loss terms (forwardKl, reverseKl) and dL/dphi in the order of encoder.params; null when there is nothing to learn from. */
export async function encoderStepGradients(input: EncoderStepInput): Promise<{ losses: Record<string, number>; phi: Float32Array[] | null }> {
  const { objective, encoded, x, batch } = input;
  const losses: Record<string, number> = {};
  let grads: LatentGradients | null = null;
  if ((objective === 'forward' || objective === 'jeffreys') && input.weights.some((w) => w !== 0)) {
    const fwd = forwardKl(encoded.mu, encoded.logSigma, input.states, input.rowsPer, input.weights);
    losses.forwardKl = fwd.loss;
    grads = fwd;
  }
  if (objective === 'reverse' || objective === 'jeffreys') {
    const eps = input.drawEps();
    const z = encoded.mu.map((m, i) => m + Math.exp(encoded.logSigma[i]) * eps[i]);
    const at = await input.energy.evaluate(x, batch, z);
    const rev = reverseKl(encoded.mu, encoded.logSigma, eps, z, at.energy, at.gradZ);
    losses.reverseKl = rev.loss;
    grads = grads === null ? rev : addLatentGradients(grads, rev);
  }
  const phi = grads === null ? null : await encoderGradients(input.encoder, x, batch, grads.gradMu, grads.gradLogSigma);
  return { losses, phi };
}
