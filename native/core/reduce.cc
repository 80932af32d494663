#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace lpc {
namespace {

constexpr std::size_t kGrainElements = 1 << 14;

template <class T>
double row_lse(const T* x, std::size_t cols) {
  double mx = -std::numeric_limits<double>::infinity();
  bool nan = false;
  for (std::size_t c = 0; c < cols; ++c) {
    const double v = static_cast<double>(x[c]);
    nan |= std::isnan(v);
    mx = v > mx ? v : mx;
  }
  if (nan) return std::numeric_limits<double>::quiet_NaN();
  if (!std::isfinite(mx)) return mx;  // all -inf, or some +inf
  double s = 0.0;
  for (std::size_t c = 0; c < cols; ++c) s += std::exp(static_cast<double>(x[c]) - mx);
  return mx + std::log(s);
}

std::size_t grain_rows(std::size_t cols) { return std::max<std::size_t>(1, kGrainElements / std::max<std::size_t>(1, cols)); }

}  // namespace

template <class T>
void logsumexp_rows(ThreadPool& pool, const T* x, std::size_t rows, std::size_t cols, double* out) {
  pool.parallel_for(rows, grain_rows(cols), [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) out[r] = row_lse(x + r * cols, cols);
  });
}

template <class T, class V>
void weighted_mean_rows(ThreadPool& pool, const T* logw, const V* values, std::size_t rows, std::size_t cols, std::size_t dim, double* out, double* lse) {
  pool.parallel_for(rows, grain_rows(cols * dim), [&](std::size_t r0, std::size_t r1) {
    std::vector<double> acc(dim);
    for (std::size_t r = r0; r < r1; ++r) {
      const T* lw = logw + r * cols;
      const double l = row_lse(lw, cols);
      if (lse != nullptr) lse[r] = l;
      double* o = out + r * dim;
      if (!std::isfinite(l)) {
        for (std::size_t k = 0; k < dim; ++k) o[k] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      const V* vals = values + r * cols * dim;
      for (std::size_t c = 0; c < cols; ++c) {
        const double w = std::exp(static_cast<double>(lw[c]) - l);
        const V* vc = vals + c * dim;
        for (std::size_t k = 0; k < dim; ++k) acc[k] += w * static_cast<double>(vc[k]);
      }
      for (std::size_t k = 0; k < dim; ++k) o[k] = acc[k];
    }
  });
}

template void logsumexp_rows<float>(ThreadPool&, const float*, std::size_t, std::size_t, double*);
template void logsumexp_rows<double>(ThreadPool&, const double*, std::size_t, std::size_t, double*);
template void weighted_mean_rows<float, float>(ThreadPool&, const float*, const float*, std::size_t, std::size_t, std::size_t, double*, double*);
template void weighted_mean_rows<float, double>(ThreadPool&, const float*, const double*, std::size_t, std::size_t, std::size_t, double*, double*);
template void weighted_mean_rows<double, float>(ThreadPool&, const double*, const float*, std::size_t, std::size_t, std::size_t, double*, double*);
template void weighted_mean_rows<double, double>(ThreadPool&, const double*, const double*, std::size_t, std::size_t, std::size_t, double*, double*);

}  // namespace lpc
