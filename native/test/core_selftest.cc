// CPU self-test of the numeric core, runnable with CMake alone (ctest): Philox known-answer vectors,
// accuracy of the fast log/sin/cos and of Box-Muller against double-precision libm, equality of the tiled
// and the one-element RNG paths, thread-count independence of the step and of the gradient norm, and the
// subnormal-flushing mode of native/core/float_mode.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "chains_core.h"
#include "float_mode.h"
#include "optim.h"
#include "random.h"

using namespace lpc;

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

double ulps(float got, double exact) {
  const float e = static_cast<float>(exact);
  const double ulp = std::nextafter(std::fabs(e), INFINITY) - std::fabs(e);
  return std::fabs(got - exact) / ulp;
}

void philox_known_answers() {
  // Known-answer vectors of Philox4x32-10 published with the Random123 library.
  const Block4 a = philox4x32_10(0, 0, 0, 0, 0, 0);
  const Block4 b = philox4x32_10(~0u, ~0u, ~0u, ~0u, ~0u, ~0u);
  const Block4 c = philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
  expect(a.x0 == 0x6627e8d5u && a.x1 == 0xe169c58du && a.x2 == 0xbc57ac4cu && a.x3 == 0x9b00dbd8u, "philox zero");
  expect(b.x0 == 0x408f276du && b.x1 == 0x41c83b0eu && b.x2 == 0xa20bc7c6u && b.x3 == 0x6d5451fdu, "philox ones");
  expect(c.x0 == 0xd16cfe09u && c.x1 == 0x94fdccebu && c.x2 == 0x5001e420u && c.x3 == 0x24126ea1u, "philox pi");
}

void fastmath_accuracy() {
  double worstLog = 0, worstSin = 0, worstCos = 0;
  // Every 7th float in [2^-32, 1]: the range Box-Muller feeds the log.
  for (uint32_t u = 0x2F800000u; u <= 0x3F800000u; u += 7) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    worstLog = std::max(worstLog, ulps(fast_logf(x), std::log(static_cast<double>(x))));
  }
  for (int i = -(1 << 23); i < (1 << 23); ++i) {
    const float p = (static_cast<float>(i) + 0.5f) * 9.362675707309822e-8f;
    worstSin = std::max(worstSin, ulps(sin_quarter(p), std::sin(static_cast<double>(p))));
    worstCos = std::max(worstCos, ulps(cos_quarter(p), std::cos(static_cast<double>(p))));
  }
  std::printf("     fast_logf %.2f ulp, sin %.2f ulp, cos %.2f ulp (worst)\n", worstLog, worstSin, worstCos);
  expect(worstLog <= 2.0 && worstSin <= 2.0 && worstCos <= 2.0, "fast log/sin/cos within 2 ulp of libm");
}

void normals_match_reference() {
  const DrawSite site{philox_key(0x1234567890ABCDEFull), 7, 1000};
  std::vector<float> tiled(5003), uni(1001);
  normals_range(site, 13, tiled.size(), tiled.data());
  uniforms_range(site, 5, uni.size(), uni.data());
  bool same = true;
  for (std::size_t i = 0; i < tiled.size(); ++i) same &= tiled[i] == normal_at(site, 13 + i);
  for (std::size_t i = 0; i < uni.size(); ++i) same &= uni[i] == uniform_at(site, 5 + i);
  expect(same, "tiled normals and uniforms equal the one-element reference bit for bit");
}

std::vector<float> run_chains(unsigned threads, Precond kind) {
  ThreadPool pool(threads);
  const std::size_t n = 64, d = 1031;  // odd sizes: rows straddle tiles and thread ranges
  PrecondConfig cfg;
  cfg.kind = kind;
  cfg.momentum = kind == Precond::Adam;
  ChainsCore chains(n, d, cfg, 99, 3);
  std::vector<float> a(n * d), b(n * d), grad(n * d), eta(n, 0.01f);
  chains.init_prior(pool, a.data());
  float* z = a.data();
  float* out = b.data();
  for (int s = 0; s < 5; ++s) {
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] = 2.0f * z[i];
    if (s == 2) grad[5 * d + 3] = NAN;  // one restart on the way
    chains.step(pool, z, out, grad.data(), nullptr, ChainsCore::StepSizes{eta.data(), 0.0f});
    std::swap(z, out);
  }
  return std::vector<float>(z, z + n * d);
}

void step_thread_independence() {
  for (Precond k : {Precond::None, Precond::RmsProp, Precond::Adam}) {
    expect(run_chains(1, k) == run_chains(2, k) && run_chains(1, k) == run_chains(3, k), "step results are identical for 1, 2 and 3 threads");
  }
}

void norm_thread_independence() {
  std::vector<float> x(300001);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * 1e-3f;
  ThreadPool one(1), two(2);
  const std::vector<const float*> t{x.data(), x.data() + 5};
  const std::vector<std::size_t> len{x.size(), 70000};
  expect(sum_of_squares(one, t, len) == sum_of_squares(two, t, len), "sum of squares identical for 1 and 2 threads");
}

// The thread's mode flushes a subnormal product to zero inside a scope and keeps it outside; the scope restores
// the mode it found, either way.
void flush_denormals_mode() {
  if (!float_mode_supported()) {
    std::printf("skip subnormal mode: not supported on this CPU\n");
    return;
  }
  const bool before = set_flush_denormals(false);
  volatile float tiny = 1e-30f;
  volatile float scale = 1e-10f;
  expect(tiny * scale != 0.0f, "subnormal product kept without flushing");
  {
    const FloatModeScope scope(true);
    expect(flush_denormals(), "scope turns flushing on");
    expect(tiny * scale == 0.0f, "subnormal product flushed to zero inside the scope");
  }
  expect(!flush_denormals() && tiny * scale != 0.0f, "scope restores the mode it found (off)");
  set_flush_denormals(true);
  {
    const FloatModeScope scope(false);
    expect(!flush_denormals() && tiny * scale != 0.0f, "scope turns flushing off");
  }
  expect(flush_denormals(), "scope restores the mode it found (on)");

  // The pool's workers compute with the caller's mode: every part of the job agrees, on and off.
  ThreadPool pool(2);
  std::vector<float> out(1 << 16);
  for (const bool flush : {true, false}) {
    set_flush_denormals(flush);
    pool.parallel_for(out.size(), 1 << 10, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) out[i] = tiny * scale;
    });
    const auto zeros = std::count(out.begin(), out.end(), 0.0f);
    expect(flush ? zeros == static_cast<long>(out.size()) : zeros == 0, flush ? "pool workers flush with a flushing caller" : "pool workers keep subnormals with a keeping caller");
  }
  set_flush_denormals(before);
}

}  // namespace

int main() {
  philox_known_answers();
  fastmath_accuracy();
  normals_match_reference();
  step_thread_independence();
  norm_thread_independence();
  flush_denormals_mode();
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
