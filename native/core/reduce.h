// Row-wise reductions for importance sampling, accumulated in double: log-sum-exp of each row of
// log-weights, and softmax-weighted means of per-sample values. Rows are independent, so splitting them
// across threads never changes a result.
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace lpc {

// out[r] = log sum_c exp(x[r, c]). A row of all -inf gives -inf; any +inf gives +inf; any NaN gives NaN.
template <class T>
void logsumexp_rows(ThreadPool& pool, const T* x, std::size_t rows, std::size_t cols, double* out);

// out[r, :] = sum_c w[r, c] values[r, c, :] with w = softmax(logw[r, :]); values is [rows, cols, dim].
// lse (optional, [rows]) receives the row log-sum-exp. A row whose weights are all zero (all -inf) or
// not finite gives NaN means.
template <class T, class V>
void weighted_mean_rows(ThreadPool& pool, const T* logw, const V* values, std::size_t rows, std::size_t cols, std::size_t dim, double* out, double* lse);

}  // namespace lpc
