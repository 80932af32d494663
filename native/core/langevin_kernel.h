// The fused Langevin update over a range of chain rows: noise drawn inside the loop (never stored in
// a full-size buffer), preconditioner state updated in place, z written to a second buffer.
#pragma once
#include <cstddef>
#include <cstdint>

#include "langevin_math.h"
#include "random.h"

namespace lpc {

struct StepKernelArgs {
  const float* z = nullptr;        // [n, d] current state
  float* out = nullptr;            // [n, d] receives the new state of active rows; other rows untouched
  const float* grad = nullptr;     // [n, d] gradient at z
  float* v = nullptr;              // [n, d] second moments (preconditioned kinds)
  float* m = nullptr;              // [n, d] first moments (adam with momentum)
  const RowFactors* rows = nullptr;  // [n]
  const uint8_t* active = nullptr;   // [n] 0: skip the row
  std::size_t n = 0, d = 0;
  PrecondConfig cfg;
  // true: fold grad into v (and m) first (the unadjusted sampler). false: v frozen, as a MALA
  // proposal needs; a row whose bc2 is 0 (no gradient seen yet) then uses G = min(1, gMax).
  bool updateState = true;
  DrawSite site{};  // noise for element e = row * d + j is normal_at(site, e)
};

// Updates rows [r0, r1). Single-threaded; callers split rows across threads.
void langevin_update_rows(const StepKernelArgs& a, std::size_t r0, std::size_t r1);

// G used for a row whose preconditioner has seen no gradient (MALA's first proposal).
LPC_HD float unseen_g(const PrecondConfig& c) { return c.gMax < 1.0f ? c.gMax : 1.0f; }

}  // namespace lpc
