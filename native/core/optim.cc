#include "optim.h"

#include <algorithm>

namespace lpc {
namespace {

constexpr std::size_t kGrain = 1 << 15;        // elements per thread below which splitting does not pay
constexpr std::size_t kNormChunk = 1 << 16;    // fixed reduction chunk, independent of the thread count

LPC_CPU_CLONES void update_range(OptKind kind, const OptCoeffs& c, float* __restrict p, const float* __restrict g, float* __restrict s0, float* __restrict s1, std::size_t n) {
  switch (kind) {
    case OptKind::Sgd:
      if (c.momentum != 0.0f) {
        for (std::size_t i = 0; i < n; ++i) sgd_element(p[i], g[i], s0[i], c);
      } else {
        float unused = 0.0f;
        for (std::size_t i = 0; i < n; ++i) sgd_element(p[i], g[i], unused, c);
      }
      break;
    case OptKind::Adam:
      for (std::size_t i = 0; i < n; ++i) adam_element<false>(p[i], g[i], s0[i], s1[i], c);
      break;
    case OptKind::AdamW:
      for (std::size_t i = 0; i < n; ++i) adam_element<true>(p[i], g[i], s0[i], s1[i], c);
      break;
  }
}

LPC_CPU_CLONES double chunk_squares(const float* x, std::size_t n) {
  // Eight fixed lanes: a set order of additions that the compiler can still vectorise.
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) lane[j] += static_cast<double>(x[i + j]) * x[i + j];
  }
  for (; i < n; ++i) lane[0] += static_cast<double>(x[i]) * x[i];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

}  // namespace

void optimizer_update(ThreadPool& pool, OptKind kind, const OptCoeffs& c, float* p, const float* g, float* s0, float* s1, std::size_t n) {
  pool.parallel_for(n, kGrain, [&](std::size_t b, std::size_t e) { update_range(kind, c, p + b, g + b, s0 == nullptr ? nullptr : s0 + b, s1 == nullptr ? nullptr : s1 + b, e - b); });
}

double sum_of_squares(ThreadPool& pool, const std::vector<const float*>& tensors, const std::vector<std::size_t>& lengths) {
  struct Chunk {
    const float* x;
    std::size_t n;
  };
  std::vector<Chunk> chunks;
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    for (std::size_t o = 0; o < lengths[t]; o += kNormChunk) {
      chunks.push_back(Chunk{tensors[t] + o, std::min(kNormChunk, lengths[t] - o)});
    }
  }
  std::vector<double> partial(chunks.size());
  pool.parallel_for(chunks.size(), 2, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) partial[i] = chunk_squares(chunks[i].x, chunks[i].n);
  });
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

}  // namespace lpc
