// Normals on the GPU from the same Philox blocks and Box-Muller code as the CPU (core/random.h).
#include "../core/cuda_api.h"
#include "../core/random.h"
#include "device_memory.cuh"

namespace lpc {
namespace cuda {
namespace {

__global__ void normals_kernel(DrawSite site, uint64_t first, uint64_t n, float* out) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = normal_at(site, first + i);
}

}  // namespace

void normals(const DrawSite& site, uint64_t first, std::size_t n, float* out) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(DeviceScratch::instance().mutex());
  float* dev = upload<float>(0, nullptr, n);
  normals_kernel<<<grid_for(n, 256), 256>>>(site, first, n, dev);
  check(cudaGetLastError(), "normals kernel launch");
  download(out, dev, n);
}

}  // namespace cuda
}  // namespace lpc
