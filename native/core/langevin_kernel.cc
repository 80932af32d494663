#include "langevin_kernel.h"

#include <algorithm>

namespace lpc {
namespace {

// Normals per tile. Short alternations between generating normals (compute only) and the update (memory
// streams) keep the hardware prefetchers running across the compute phase: 256 was 10-15% faster than 1024
// on the large-array step (bench/native.mjs).
constexpr std::size_t kTile = 256;

LPC_ALWAYS_INLINE void seg_plain(const float* __restrict z, const float* __restrict g, const float* __restrict xi, float* __restrict out, std::size_t len, RowFactors r) {
  for (std::size_t i = 0; i < len; ++i) out[i] = step_plain(z[i], g[i], xi[i], r);
}

LPC_ALWAYS_INLINE void seg_update(const float* __restrict z, const float* __restrict g, const float* __restrict xi, float* __restrict v, float* __restrict out, std::size_t len, RowFactors r,
                                  PrecondConfig c) {
  float unusedM = 0.0f;
  for (std::size_t i = 0; i < len; ++i) out[i] = step_precond_update<false>(z[i], g[i], xi[i], v[i], unusedM, r, c);
}

LPC_ALWAYS_INLINE void seg_update_momentum(const float* __restrict z, const float* __restrict g, const float* __restrict xi, float* __restrict v, float* __restrict m, float* __restrict out,
                                           std::size_t len, RowFactors r, PrecondConfig c) {
  for (std::size_t i = 0; i < len; ++i) out[i] = step_precond_update<true>(z[i], g[i], xi[i], v[i], m[i], r, c);
}

LPC_ALWAYS_INLINE void seg_frozen(const float* __restrict z, const float* __restrict g, const float* __restrict xi, const float* __restrict v, float* __restrict out, std::size_t len, RowFactors r,
                                  PrecondConfig c) {
  for (std::size_t i = 0; i < len; ++i) out[i] = step_precond_frozen(z[i], g[i], xi[i], v[i], r, c);
}

LPC_ALWAYS_INLINE void apply_segment(const StepKernelArgs& a, std::size_t row, std::size_t e0, std::size_t e1, const float* xi) {
  const std::size_t len = e1 - e0;
  RowFactors r = a.rows[row];
  const float* z = a.z + e0;
  const float* g = a.grad + e0;
  float* out = a.out + e0;
  if (a.cfg.kind == Precond::None) {
    seg_plain(z, g, xi, out, len, r);
  } else if (a.updateState) {
    if (a.cfg.momentum && a.cfg.kind == Precond::Adam) {
      seg_update_momentum(z, g, xi, a.v + e0, a.m + e0, out, len, r, a.cfg);
    } else {
      seg_update(z, g, xi, a.v + e0, out, len, r, a.cfg);
    }
  } else if (r.bc2 == 0.0f) {
    const float g0 = unseen_g(a.cfg);
    r.eta *= g0;
    r.sqrt2Eta *= std::sqrt(g0);
    seg_plain(z, g, xi, out, len, r);
  } else {
    seg_frozen(z, g, xi, a.v + e0, out, len, r, a.cfg);
  }
}

}  // namespace

LPC_CPU_CLONES void langevin_update_rows(const StepKernelArgs& a, std::size_t r0, std::size_t r1) {
  alignas(64) float xi[kTile];
  const std::size_t e0 = r0 * a.d, e1 = r1 * a.d;
  for (std::size_t t0 = e0; t0 < e1; t0 += kTile) {
    const std::size_t t1 = std::min(e1, t0 + kTile);
    bool any = false;
    for (std::size_t row = t0 / a.d; row * a.d < t1; ++row) any |= a.active[row] != 0;
    if (!any) continue;
    normals_range(a.site, t0, t1 - t0, xi);
    for (std::size_t s = t0; s < t1;) {
      const std::size_t row = s / a.d;
      const std::size_t segEnd = std::min(t1, (row + 1) * a.d);
      if (a.active[row]) apply_segment(a, row, s, segEnd, xi + (s - t0));
      s = segEnd;
    }
  }
}

}  // namespace lpc
