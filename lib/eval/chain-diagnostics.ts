/**
 * Convergence diagnostics of MCMC draws: the split potential scale reduction (split-R-hat) and the multi-chain
 * effective sample size, per dimension. They tell whether several chains have forgotten their starts and agree
 * (R-hat near 1) and how many independent draws their correlated draws are worth (ESS), e.g. for a MALA
 * reference posterior that Langevin samplers are compared against.
 *
 * Draws are laid out as [chains, draws, dims] (chain c's draw i of dimension j is at (c * draws + i) * dims + j),
 * Float32Array or Float64Array; everything is computed in float64. Both statistics split every chain into its
 * first and second half (an odd number of draws drops the middle one), so a chain that drifts looks like two
 * chains that disagree (Gelman et al., Bayesian Data Analysis, 3rd ed., §11.4-11.5). Neither rank-normalises
 * the draws (Vehtari et al. 2021 do): they are the classic statistics of the draws themselves, so they assume
 * finite variances.
 */
import { checkFloatArray, checkInteger, checkPositiveInt } from '../checks.js';
import { invalidArgument } from '../errors.js';

/** Fewer draws per chain than this leave half-chains of one draw, whose variance is undefined. */
export const MIN_DRAWS_PER_CHAIN = 4;

/**
 * Split-R-hat per dimension: sqrt(var+ / W) over the 2 * chains half-chains of n draws, where W is the mean of
 * the half-chains' variances (divisor n - 1), B / n the variance of their means (divisor 2 chains - 1) and
 * var+ = (n - 1) / n W + B / n. Near 1 (below ~1.01) when the chains sample one distribution; a dimension
 * whose draws are all equal gives NaN, one whose half-chains are each constant but differ gives Infinity.
 *
 * @example
 * // 4 chains of 1000 draws of 32 latents, [4, 1000, 32]
 * const rhat = splitRhat(draws, 4, 1000, 32); // Float64Array(32)
 */
export function splitRhat(samples: Float32Array | Float64Array, chains: number, draws: number, dims: number): Float64Array {
  checkDraws(samples, chains, draws, dims);
  const rhat = new Float64Array(dims);
  for (let j = 0; j < dims; j++) {
    const halves = halfChainMoments(samples, chains, draws, dims, j);
    rhat[j] = Math.sqrt(halves.varPlus / halves.within);
  }
  return rhat;
}

/**
 * Effective sample size per dimension, combining within-chain autocorrelation with the between-chain variance
 * (BDA3 §11.5; the autocovariance form Stan uses): over the m = 2 * chains half-chains of n draws,
 * rho_t = 1 - (W - mean_c acov_c(t)) / var+ with acov_c(t) the half-chain's autocovariance at lag t (divisor
 * n), rho_0 = 1; the sum is truncated by Geyer's initial monotone sequence (pairs rho_2k + rho_2k+1 summed while
 * positive, each capped by the one before), tau = -1 + 2 sum, and ESS = m n / tau. tau is floored at
 * 1 / log10(m n), so antithetic chains give at most m n log10(m n). NaN for a dimension whose draws are all equal.
 *
 * @example
 * const ess = effectiveSampleSize(draws, 4, 1000, 32); // Float64Array(32), each at most ~4000 for positively correlated draws
 */
export function effectiveSampleSize(samples: Float32Array | Float64Array, chains: number, draws: number, dims: number): Float64Array {
  checkDraws(samples, chains, draws, dims);
  const ess = new Float64Array(dims);
  for (let j = 0; j < dims; j++) {
    const halves = halfChainMoments(samples, chains, draws, dims, j);
    const { n, rows, means, within, varPlus } = halves;
    const m = rows.length;
    // The mean over half-chains of the autocovariance at `lag`, with divisor n (the biased, positive-definite estimate).
    const meanAutocovariance = (lag: number): number => {
      let total = 0;
      for (let c = 0; c < m; c++) {
        const row = rows[c];
        const mean = means[c];
        let sum = 0;
        for (let i = 0; i + lag < n; i++) sum += (row[i] - mean) * (row[i + lag] - mean);
        total += sum / n;
      }
      return total / m;
    };
    const rho = (lag: number): number => (lag === 0 ? 1 : 1 - (within - meanAutocovariance(lag)) / varPlus);
    let sum = 0;
    let previousPair = Infinity;
    for (let k = 0; 2 * k + 1 < n; k++) {
      const pair = rho(2 * k) + rho(2 * k + 1);
      if (!(pair > 0)) break;
      // Monotone: an estimated pair above the one before is noise (the true sequence decreases for reversible chains).
      const capped = Math.min(pair, previousPair);
      sum += capped;
      previousPair = capped;
    }
    const total = m * n;
    const tau = Math.max(-1 + 2 * sum, 1 / Math.log10(total));
    ess[j] = varPlus > 0 ? total / tau : NaN;
  }
  return ess;
}

/** One dimension's half-chains and the variance components both statistics share. */
interface HalfChainMoments {
  /** Draws per half-chain. */
  n: number;
  /** The 2 * chains half-chains, n float64 draws each: chain c's first half is row 2c, its second row 2c + 1. */
  rows: Float64Array[];
  /** Each half-chain's mean. */
  means: Float64Array;
  /** W: the mean of the half-chains' variances (divisor n - 1). */
  within: number;
  /** var+ = (n - 1) / n W + B / n, with B / n the variance of the half-chain means (divisor m - 1). */
  varPlus: number;
}

function halfChainMoments(samples: Float32Array | Float64Array, chains: number, draws: number, dims: number, dim: number): HalfChainMoments {
  const n = Math.floor(draws / 2);
  // An odd chain drops its middle draw: the second half starts at ceil(draws / 2).
  const secondStart = draws - n;
  const m = 2 * chains;
  const rows: Float64Array[] = [];
  const means = new Float64Array(m);
  let within = 0;
  for (let c = 0; c < chains; c++) {
    for (const start of [0, secondStart]) {
      const row = new Float64Array(n);
      let mean = 0;
      for (let i = 0; i < n; i++) {
        row[i] = samples[(c * draws + start + i) * dims + dim];
        mean += row[i];
      }
      mean /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (row[i] - mean) ** 2;
      means[rows.length] = mean;
      rows.push(row);
      within += ss / (n - 1);
    }
  }
  within /= m;
  let grand = 0;
  for (const mean of means) grand += mean;
  grand /= m;
  let between = 0;
  for (const mean of means) between += (mean - grand) ** 2;
  between /= m - 1;
  return { n, rows, means, within, varPlus: ((n - 1) / n) * within + between };
}

/** The argument checks of both statistics: sizes first, then the array's type and length, then finite values. */
function checkDraws(samples: unknown, chains: number, draws: number, dims: number): asserts samples is Float32Array | Float64Array {
  checkInteger('chains', chains, 2);
  checkInteger('draws', draws, MIN_DRAWS_PER_CHAIN);
  checkPositiveInt('dims', dims);
  const values = checkFloatArray('samples', samples, chains * draws * dims, `chains * draws * dims = ${chains} * ${draws} * ${dims} = ${chains * draws * dims}`);
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      const c = Math.floor(k / (draws * dims));
      const i = Math.floor(k / dims) % draws;
      invalidArgument(`samples[${c}, ${i}, ${k % dims}] (chain, draw, dim of [${chains}, ${draws}, ${dims}])`, 'a finite number', values[k]);
    }
  }
}
