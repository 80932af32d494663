// The unadjusted step and the MALA proposal on the GPU: one thread per element, the same element
// functions as the CPU loops (core/langevin_math.h) and the same noise (core/random.h).
#include <algorithm>
#include <vector>

#include "../core/cuda_api.h"
#include "../core/langevin_math.h"
#include "../core/random.h"
#include "device_memory.cuh"

namespace lpc {
namespace cuda {
namespace {

__global__ void langevin_kernel(StepKernelArgs a) {
  const uint64_t e = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= static_cast<uint64_t>(a.n) * a.d) return;
  const std::size_t row = static_cast<std::size_t>(e / a.d);
  if (!a.active[row]) return;
  RowFactors r = a.rows[row];
  const float xi = normal_at(a.site, e);
  const float z = a.z[e], g = a.grad[e];
  float out;
  if (a.cfg.kind == Precond::None) {
    out = step_plain(z, g, xi, r);
  } else if (a.updateState) {
    if (a.cfg.momentum && a.cfg.kind == Precond::Adam) {
      out = step_precond_update<true>(z, g, xi, a.v[e], a.m[e], r, a.cfg);
    } else {
      float unusedM = 0.0f;
      out = step_precond_update<false>(z, g, xi, a.v[e], unusedM, r, a.cfg);
    }
  } else if (r.bc2 == 0.0f) {
    const float g0 = unseen_g(a.cfg);
    r.eta *= g0;
    r.sqrt2Eta *= std::sqrt(g0);
    out = step_plain(z, g, xi, r);
  } else {
    out = step_precond_frozen(z, g, xi, a.v[e], r, a.cfg);
  }
  a.out[e] = out;
}

}  // namespace

void langevin_update(const StepKernelArgs& host) {
  const std::size_t total = host.n * host.d;
  if (total == 0) return;
  std::lock_guard<std::mutex> lock(DeviceScratch::instance().mutex());
  StepKernelArgs a = host;
  a.z = upload(0, host.z, total);
  a.out = upload(1, static_cast<const float*>(host.out), total);  // keeps the rows of inactive chains
  a.grad = upload(2, host.grad, total);
  a.v = host.v == nullptr ? nullptr : upload(3, static_cast<const float*>(host.v), total);
  a.m = host.m == nullptr ? nullptr : upload(4, static_cast<const float*>(host.m), total);
  a.rows = upload(5, host.rows, host.n);
  a.active = upload(6, host.active, host.n);
  langevin_kernel<<<grid_for(total, 256), 256>>>(a);
  check(cudaGetLastError(), "langevin kernel launch");
  // Everything comes back into staging first: a failure part-way must leave the caller's state untouched so
  // that the CPU can redo the step from it.
  std::vector<float> out(total), v, m;
  download(out.data(), a.out, total);
  if (host.v != nullptr && host.updateState) {
    v.resize(total);
    download(v.data(), a.v, total);
  }
  if (host.m != nullptr && host.updateState) {
    m.resize(total);
    download(m.data(), a.m, total);
  }
  std::copy(out.begin(), out.end(), host.out);
  if (!v.empty()) std::copy(v.begin(), v.end(), host.v);
  if (!m.empty()) std::copy(m.begin(), m.end(), host.m);
}

}  // namespace cuda
}  // namespace lpc
