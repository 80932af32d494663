// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
// A counter-based generator: block b of stream s under key k is a pure function of (k, s, b), so any
// element of any request can be computed independently, on any thread or device.
//
// Counter layout used throughout this package: word 0-1 = 64-bit block index, word 2-3 = 64-bit stream id.
// Each block gives 4 32-bit words, i.e. 4 uniforms or 4 normals (two Box-Muller pairs).
#pragma once
#include <cstdint>

#include "hd.h"

namespace lpc {

struct PhiloxKey {
  uint32_t k0, k1;
};

struct Block4 {
  uint32_t x0, x1, x2, x3;
};

LPC_HD PhiloxKey philox_key(uint64_t seed) { return PhiloxKey{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}; }

// One block: 10 rounds of the Philox S-box with the published multipliers and Weyl key increments.
LPC_HD Block4 philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
#if defined(__CUDACC__)
#pragma unroll
#endif
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  return Block4{c0, c1, c2, c3};
}

LPC_HD Block4 philox_block(PhiloxKey key, uint64_t stream, uint64_t block) {
  return philox4x32_10(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32), key.k0, key.k1);
}

// Uniform in the open interval (0, 1): the top 24 bits plus half an ulp, exactly representable.
LPC_HD float uniform_open(uint32_t x) {
  return (static_cast<float>(static_cast<int32_t>(x >> 8)) + 0.5f) * 5.9604644775390625e-8f;  // 2^-24
}

// Blocks needed for n outputs (4 per block).
inline uint64_t blocks_for(uint64_t n) { return (n + 3) / 4; }

}  // namespace lpc
