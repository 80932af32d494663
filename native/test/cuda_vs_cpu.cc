// Compares the CUDA kernels with the CPU ones on the same inputs: normals, the Langevin update for every
// preconditioner (state updated and frozen), and the optimisers. Exits 77, which CTest reports as skipped,
// when the build has no CUDA kernels or no device answers.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda_api.h"
#include "optim.h"
#include "random.h"

using namespace lpc;

namespace {

constexpr int kSkip = 77;
int failures = 0;

double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]) / std::max(1.0, std::fabs(static_cast<double>(a[i]))));
  }
  return worst;
}

// The build promises the same bits on both devices (no FMA contraction on either side, IEEE division and
// square root on the GPU, the same element functions): anything else is a failure. The relative difference
// is printed to tell a rounding slip from a wrong formula.
void expect_same_bits(const char* what, const std::vector<float>& cpu, const std::vector<float>& gpu) {
  std::size_t differing = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) differing += std::memcmp(&cpu[i], &gpu[i], sizeof(float)) != 0;
  const bool ok = differing == 0 && cpu.size() == gpu.size();
  std::printf("%s %s: %zu of %zu elements differ in their bits (max |cpu - gpu| / max(1, |cpu|) = %.3g)\n", ok ? "ok  " : "FAIL", what, differing, cpu.size(), max_rel_diff(cpu, gpu));
  if (!ok) ++failures;
}

float pseudo(std::size_t i, float scale) { return scale * std::sin(0.37f * static_cast<float>(i) + 0.1f); }

void compare_normals() {
  const DrawSite site{philox_key(2024), 5, 77};
  std::vector<float> cpu(1 << 20), gpu(cpu.size());
  normals_range(site, 3, cpu.size(), cpu.data());
  cuda::normals(site, 3, gpu.size(), gpu.data());
  expect_same_bits("normals", cpu, gpu);
}

void compare_step(Precond kind, bool momentum, bool update) {
  const std::size_t n = 37, d = 301, total = n * d;
  std::vector<float> z(total), g(total), v(total), m(total), outCpu(total, -1.0f), outGpu(total, -1.0f);
  for (std::size_t i = 0; i < total; ++i) {
    z[i] = pseudo(i, 2.0f);
    g[i] = pseudo(i * 7 + 1, 3.0f);
    v[i] = 0.5f + pseudo(i * 3 + 2, 0.4f);
    m[i] = pseudo(i * 5 + 3, 0.1f);
  }
  std::vector<RowFactors> rows(n);
  std::vector<uint8_t> active(n);
  for (std::size_t c = 0; c < n; ++c) {
    const float eta = 0.01f * (1.0f + c % 5);
    rows[c] = RowFactors{eta, std::sqrt(2.0f * eta), 1.5f, c % 7 == 0 && !update ? 0.0f : 2.5f};
    active[c] = c % 11 != 4;
  }
  StepKernelArgs a;
  a.z = z.data();
  a.grad = g.data();
  a.rows = rows.data();
  a.active = active.data();
  a.n = n;
  a.d = d;
  a.cfg.kind = kind;
  a.cfg.momentum = momentum;
  a.updateState = update;
  a.site = DrawSite{philox_key(11), 2, 500};
  std::vector<float> vCpu = v, mCpu = m, vGpu = v, mGpu = m;
  a.out = outCpu.data();
  a.v = vCpu.data();
  a.m = mCpu.data();
  langevin_update_rows(a, 0, n);
  a.out = outGpu.data();
  a.v = vGpu.data();
  a.m = mGpu.data();
  cuda::langevin_update(a);
  char what[96];
  std::snprintf(what, sizeof what, "langevin kind=%d momentum=%d update=%d: z", static_cast<int>(kind), momentum, update);
  expect_same_bits(what, outCpu, outGpu);
  if (kind != Precond::None) expect_same_bits("  v", vCpu, vGpu);
  if (momentum) expect_same_bits("  m", mCpu, mGpu);
}

void compare_optimizer(OptKind kind) {
  const std::size_t n = 100003;
  std::vector<float> p(n), g(n), s0(n, 0.0f), s1(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) p[i] = pseudo(i, 1.0f);
  std::vector<float> pc = p, s0c = s0, s1c = s1, pg = p, s0g = s0, s1g = s1;
  ThreadPool pool(1);
  for (int t = 1; t <= 10; ++t) {
    for (std::size_t i = 0; i < n; ++i) g[i] = pseudo(i * 3 + t, 0.5f);
    OptCoeffs c{1e-2f, 0.9f, false, 0.9f, 0.999f, 1e-8f, 0.1f, 0.001f, 1e-2f, static_cast<float>(1.0 / (1.0 - std::pow(0.9, t))), static_cast<float>(1.0 / (1.0 - std::pow(0.999, t))), 1.0f};
    optimizer_update(pool, kind, c, pc.data(), g.data(), s0c.data(), s1c.data(), n);
    cuda::optimizer_update(kind, c, pg.data(), g.data(), s0g.data(), s1g.data(), n);
  }
  char what[64];
  std::snprintf(what, sizeof what, "optimizer kind=%d after 10 steps: parameters", static_cast<int>(kind));
  expect_same_bits(what, pc, pg);
}

}  // namespace

int main() {
  const cuda::Status& st = cuda::status();
  if (!st.available) {
    std::printf("SKIP: no usable CUDA device (%s)\n", st.reason.c_str());
    return kSkip;
  }
  std::printf("CUDA devices: %d\n", st.deviceCount);
  try {
    compare_normals();
    for (bool update : {true, false}) {
      compare_step(Precond::None, false, update);
      compare_step(Precond::RmsProp, false, update);
    }
    compare_step(Precond::Adam, true, true);
    compare_step(Precond::Adam, false, true);
    compare_optimizer(OptKind::Sgd);
    compare_optimizer(OptKind::Adam);
    compare_optimizer(OptKind::AdamW);
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
