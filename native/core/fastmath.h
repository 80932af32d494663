// Branch-free float approximations of log and sin/cos for the Box-Muller transform. They vectorise under
// g++ at x86-64-v2 (only adds, multiplies, one divide, integer bit moves and selects) and compile unchanged
// as __host__ __device__ code, so CPU and GPU normals agree within float rounding.
// Coefficients: weighted least-squares fits made by scripts/fit-fastmath.mjs (polynomial error <= 7e-9
// relative, well under float's 6e-8 ulp); accuracy against double-precision libm is measured in
// fastmath_accuracy() in native/test/core_selftest.cc and test/native/rng.test.ts.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "hd.h"

namespace lpc {

LPC_HD uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

LPC_HD float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// Natural log of a positive, normal, finite float (what Box-Muller feeds it: (0, 1]).
// x = 2^e * m with m in [sqrt(1/2), sqrt(2)); ln m = ln((1+s)/(1-s)) with s = (m-1)/(m+1), |s| <= 0.1716.
LPC_HD float fast_logf(float x) {
  const int32_t bits = static_cast<int32_t>(float_bits(x));
  // Subtracting the bits of sqrt(1/2) puts the exponent boundary at m = sqrt(1/2) instead of 1.
  const int32_t e = (bits - 0x3F3504F3) >> 23;
  const float m = bits_float(static_cast<uint32_t>(bits) - (static_cast<uint32_t>(e) << 23));
  const float f = m - 1.0f;
  const float s = f / (2.0f + f);
  const float w = s * s;
  const float r = 0.666667759f + w * (0.399773777f + w * 0.298753023f);
  const float ef = static_cast<float>(e);
  // ln 2 split so that ef * kLn2Hi is exact for |e| < 2^9.
  constexpr float kLn2Hi = 0.693145751953125f, kLn2Lo = 1.42860682030941723e-6f;
  return ef * kLn2Hi + ((2.0f * s + s * w * r) + ef * kLn2Lo);
}

// sin and cos of p for |p| <= pi/4.
LPC_HD float sin_quarter(float p) {
  const float w = p * p;
  return p + p * w * (-0.166666538f + w * (0.00833214819f + w * -0.000195139321f));
}
LPC_HD float cos_quarter(float p) {
  const float w = p * p;
  return 1.0f - 0.5f * w + w * w * (0.0416666456f + w * (-0.00138872897f + w * 0.0000244305738f));
}

// Two standard normals from two 32-bit words (Box-Muller). The radius uses 31 bits of `a`, so
// u1 in [2^-32, 1] and |z| reaches 6.66 (tail mass beyond that: 3e-11). The angle is uniform on the
// circle: the top two bits of `b` pick a quadrant, the next 24 an offset within (-pi/4, pi/4).
LPC_HD void box_muller(uint32_t a, uint32_t b, float& n0, float& n1) {
  const float u1 = static_cast<float>(static_cast<int32_t>(a >> 1)) * 4.656612873077393e-10f  // 2^-31
                   + 2.3283064365386963e-10f;                                                // 2^-32
  const float r = std::sqrt(-2.0f * fast_logf(u1));
  const uint32_t quadrant = b >> 30;
  const float t = static_cast<float>(static_cast<int32_t>((b >> 6) & 0xFFFFFFu) - 0x800000) + 0.5f;
  const float p = t * 9.362675707309822e-8f;  // (pi/2) * 2^-24: p in (-pi/4, pi/4)
  const float s = sin_quarter(p), c = cos_quarter(p);
  // Rotate (c, s) by quadrant * 90 degrees with bit selects and sign flips (no branches):
  // q=0: (c, s), q=1: (-s, c), q=2: (-c, -s), q=3: (s, -c).
  const uint32_t swap = 0u - (quadrant & 1u);
  const uint32_t cosSign = ((quadrant ^ (quadrant >> 1)) & 1u) << 31;
  const uint32_t sinSign = (quadrant >> 1) << 31;
  const uint32_t cb = float_bits(c), sb = float_bits(s);
  const float cx = bits_float(((sb & swap) | (cb & ~swap)) ^ cosSign);
  const float sx = bits_float(((cb & swap) | (sb & ~swap)) ^ sinSign);
  n0 = r * cx;
  n1 = r * sx;
}

}  // namespace lpc
