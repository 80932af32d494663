/** Float64 summaries for the statistical assertions of the evaluation tests: the library's own. */
import { meanAndStdErr } from '../../../lib/eval/statistics.js';

export function mean(values: ArrayLike<number>): number {
  return meanAndStdErr(values).mean;
}

/** The standard error of the mean: sample sd (divisor n - 1) over sqrt(n). */
export function standardError(values: ArrayLike<number>): number {
  return meanAndStdErr(values).stdErr;
}
