// Optimiser updates in place on float parameter arrays, and the global gradient norm.
#pragma once
#include <cstddef>
#include <vector>

#include "optim_math.h"
#include "thread_pool.h"

namespace lpc {

// Elementwise update of one tensor: p, g, and the kind's state arrays (sgd: s0 = momentum buffer;
// adam/adamw: s0 = m, s1 = v). Splits across the pool for large tensors.
void optimizer_update(ThreadPool& pool, OptKind kind, const OptCoeffs& c, float* p, const float* g, float* s0, float* s1, std::size_t n);

// Sum of squares of all tensors in double, accumulated over fixed 64 Ki-element chunks in order, so the
// result is bit-identical for any thread count.
double sum_of_squares(ThreadPool& pool, const std::vector<const float*>& tensors, const std::vector<std::size_t>& lengths);

}  // namespace lpc
