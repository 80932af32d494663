// SGD, Adam and AdamW on the GPU, element for element as the CPU loops (core/optim_math.h).
#include <algorithm>
#include <vector>

#include "../core/cuda_api.h"
#include "../core/optim_math.h"
#include "device_memory.cuh"

namespace lpc {
namespace cuda {
namespace {

__global__ void optim_kernel(OptKind kind, OptCoeffs c, float* p, const float* g, float* s0, float* s1, uint64_t n) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  if (kind == OptKind::Sgd) {
    float unused = 0.0f;
    sgd_element(p[i], g[i], s0 != nullptr ? s0[i] : unused, c);
  } else if (kind == OptKind::Adam) {
    adam_element<false>(p[i], g[i], s0[i], s1[i], c);
  } else {
    adam_element<true>(p[i], g[i], s0[i], s1[i], c);
  }
}

}  // namespace

void optimizer_update(OptKind kind, const OptCoeffs& c, float* p, const float* g, float* s0, float* s1, std::size_t n) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(DeviceScratch::instance().mutex());
  float* dp = upload(0, static_cast<const float*>(p), n);
  const float* dg = upload(1, g, n);
  float* d0 = s0 == nullptr ? nullptr : upload(2, static_cast<const float*>(s0), n);
  float* d1 = s1 == nullptr ? nullptr : upload(3, static_cast<const float*>(s1), n);
  optim_kernel<<<grid_for(n, 256), 256>>>(kind, c, dp, dg, d0, d1, n);
  check(cudaGetLastError(), "optimizer kernel launch");
  // Staged, so that a failure part-way leaves p, s0 and s1 as they were (the caller redoes them on the CPU).
  std::vector<float> hp(n), h0(s0 != nullptr ? n : 0), h1(s1 != nullptr ? n : 0);
  download(hp.data(), dp, n);
  if (s0 != nullptr) download(h0.data(), d0, n);
  if (s1 != nullptr) download(h1.data(), d1, n);
  std::copy(hp.begin(), hp.end(), p);
  if (s0 != nullptr) std::copy(h0.begin(), h0.end(), s0);
  if (s1 != nullptr) std::copy(h1.begin(), h1.end(), s1);
}

}  // namespace cuda
}  // namespace lpc
