/**
 * One energy evaluation as the sampling loops need it: the call, a check that the function kept the
 * EnergyFunction contract (docs/ARCHITECTURE.md §4), and the per-chain reductions the loops take from its output.
 */
import { LpcError, describeValue } from '../errors.js';
import type { EnergyEvaluation, EnergyFunction } from '../likelihoods/energy-function.js';

/** Evaluates all chains at z ([n, d]) and checks the output's kinds and lengths. */
export async function evaluateChecked(fn: EnergyFunction, x: Float32Array, batch: number, z: Float32Array, step: number): Promise<EnergyEvaluation> {
  const n = z.length / fn.latentDim;
  const out = await fn.evaluate(x, batch, z);
  if (typeof out !== 'object' || out === null) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the energy function returned ${describeValue(out)} at step ${step}; expected { energy, gradZ }`);
  }
  checkOutput('energy', out.energy, n, `B*K = ${n}`, step);
  checkOutput('gradZ', out.gradZ, n * fn.latentDim, `B*K*d = ${n}*${fn.latentDim}`, step);
  return out;
}

function checkOutput(name: string, value: unknown, length: number, what: string, step: number): void {
  if (!(value instanceof Float32Array) || value.length !== length) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the energy function's output ${name} at step ${step} must be a Float32Array of length ${what}; received ${describeValue(value)}`);
  }
}

/** Mean of the finite energies (float64), or NaN when none is finite. */
export function meanFinite(energy: Float32Array): number {
  let sum = 0;
  let count = 0;
  for (let c = 0; c < energy.length; c++) {
    const e = energy[c];
    if (Number.isFinite(e)) {
      sum += e;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/** True when chain c's energy and every element of its gradient row are finite. */
export function chainIsFinite(out: EnergyEvaluation, c: number, d: number): boolean {
  if (!Number.isFinite(out.energy[c])) return false;
  const g = out.gradZ;
  let probe = 0;
  for (let j = c * d, end = j + d; j < end; j++) probe += g[j] * 0;
  return probe === 0;
}

/** The number of chains whose energy or gradient is not finite, and the first of them (-1: none). */
export function countNonFinite(out: EnergyEvaluation, d: number): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let c = 0; c < out.energy.length; c++) {
    if (!chainIsFinite(out, c, d)) {
      count++;
      if (first < 0) first = c;
    }
  }
  return { count, first };
}
