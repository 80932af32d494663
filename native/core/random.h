// Uniform and normal draws from Philox blocks, in the element order every caller shares:
// element e of a request that starts at block `base` comes from block base + e/4, word e%4
// (normals: words 0,1 and 2,3 are Box-Muller pairs). Any sub-range can therefore be filled on its
// own, which is what makes the results independent of the thread count and equal on CPU and GPU.
#pragma once
#include <cstddef>
#include <cstdint>

#include "fastmath.h"
#include "philox.h"

namespace lpc {

// Where a request draws from: key (seed), stream id and the first block of the request.
struct DrawSite {
  PhiloxKey key;
  uint64_t stream;
  uint64_t base;
};

// The normal for element e of a request; the reference that the tiled CPU loop and the GPU kernel follow.
LPC_HD float normal_at(const DrawSite& site, uint64_t e) {
  const Block4 b = philox_block(site.key, site.stream, site.base + e / 4);
  float n0, n1, n2, n3;
  box_muller(b.x0, b.x1, n0, n1);
  box_muller(b.x2, b.x3, n2, n3);
  const unsigned w = static_cast<unsigned>(e % 4);
  return w == 0 ? n0 : w == 1 ? n1 : w == 2 ? n2 : n3;
}

// The uniform in (0, 1) for element e of a request (one per 32-bit word).
LPC_HD float uniform_at(const DrawSite& site, uint64_t e) {
  const Block4 b = philox_block(site.key, site.stream, site.base + e / 4);
  const unsigned w = static_cast<unsigned>(e % 4);
  return uniform_open(w == 0 ? b.x0 : w == 1 ? b.x1 : w == 2 ? b.x2 : b.x3);
}

// Normals for elements [first, first + n) of the request, written to out[0, n). Single-threaded;
// vectorised over Philox blocks in tiles that stay in L1.
void normals_range(const DrawSite& site, uint64_t first, std::size_t n, float* out);

// Uniforms in (0, 1) for elements [first, first + n), one per 32-bit word.
void uniforms_range(const DrawSite& site, uint64_t first, std::size_t n, float* out);

}  // namespace lpc
