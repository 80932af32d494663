// The CUDA side as plain C++ calls on host memory. Each call copies its inputs to the device, runs one
// small kernel with the same per-element arithmetic as the CPU loops, and copies the results back; device
// buffers are cached between calls. Built from native/cuda/*.cu when CMake finds nvcc, otherwise from
// cuda_absent.cc, whose status() says why there is no GPU path.
// Every call throws std::runtime_error on a CUDA failure; callers check status().available first.
#pragma once
#include <cstddef>
#include <string>

#include "langevin_kernel.h"
#include "optim_math.h"

namespace lpc {
namespace cuda {

struct Status {
  bool compiled = false;   // CUDA kernels are part of this build
  bool available = false;  // compiled, a driver answered and at least one device is present
  int deviceCount = 0;
  std::string reason;      // why not available ("" when available)
};

// Probed once per process (cudaGetDeviceCount), then cached.
const Status& status();

// Normals for elements [first, first + n) of the request at `site`, as normals_range().
void normals(const DrawSite& site, uint64_t first, std::size_t n, float* out);

// langevin_update_rows() over all rows of `a` (a.out rows of inactive chains are preserved).
void langevin_update(const StepKernelArgs& a);

// optimizer_update() for one tensor.
void optimizer_update(OptKind kind, const OptCoeffs& c, float* p, const float* g, float* s0, float* s1,
                      std::size_t n);

}  // namespace cuda
}  // namespace lpc
