// Times one fused Langevin update (rmsprop preconditioner, state updated) on the CPU (one thread) and with
// the CUDA kernel, host-device copies included as the addon makes them, for chain arrays from a training
// minibatch's size to 16M elements. Prints one JSON line per size with median and range of each. Not a
// test: `cmake --build build-test --target lpc_cuda_bench && build-test/lpc_cuda_bench`. Exits 77
// without a usable GPU.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cuda_api.h"
#include "langevin_kernel.h"

using namespace lpc;

namespace {

struct Spread {
  double median, min, max;
};

template <class F>
Spread time_us(F&& f, int reps) {
  f();  // warm-up: first-touch pages, device buffers allocated and cached
  std::vector<double> t(reps);
  for (int r = 0; r < reps; ++r) {
    const auto a = std::chrono::steady_clock::now();
    f();
    t[r] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count();
  }
  std::sort(t.begin(), t.end());
  return {t[reps / 2], t.front(), t.back()};
}

}  // namespace

int main() {
  const cuda::Status& st = cuda::status();
  if (!st.available) {
    std::printf("SKIP: no usable CUDA device (%s)\n", st.reason.c_str());
    return 77;
  }
  const std::size_t shapes[][2] = {{64, 32}, {256, 784}, {4096, 784}, {16384, 1024}};
  for (const auto& s : shapes) {
    const std::size_t n = s[0], d = s[1], total = n * d;
    std::vector<float> z(total, 0.5f), out(total), g(total, 0.25f), v(total, 1.0f);
    std::vector<RowFactors> rows(n, RowFactors{0.01f, std::sqrt(0.02f), 1.0f, 2.0f});
    std::vector<uint8_t> active(n, 1);
    StepKernelArgs a;
    a.z = z.data();
    a.out = out.data();
    a.grad = g.data();
    a.v = v.data();
    a.rows = rows.data();
    a.active = active.data();
    a.n = n;
    a.d = d;
    a.cfg.kind = Precond::RmsProp;
    a.site = DrawSite{philox_key(7), 1, 0};
    const int reps = total > (1u << 22) ? 15 : 101;
    const Spread cpu = time_us([&] { langevin_update_rows(a, 0, n); }, reps);
    const Spread gpu = time_us([&] { cuda::langevin_update(a); }, reps);
    std::printf(
        "{\"n\":%zu,\"d\":%zu,\"elements\":%zu,\"cpuUs\":{\"median\":%.1f,\"min\":%.1f,\"max\":%.1f},"
        "\"gpuWithCopiesUs\":{\"median\":%.1f,\"min\":%.1f,\"max\":%.1f},\"cpuOverGpu\":%.2f}\n",
        n, d, total, cpu.median, cpu.min, cpu.max, gpu.median, gpu.min, gpu.max, cpu.median / gpu.median);
  }
  return 0;
}
