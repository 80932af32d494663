// The CUDA side as plain C++ calls on host memory. Each call copies its inputs to the device, runs one
// small kernel with the same per-element arithmetic as the CPU loops, and copies the results back; device
// buffers are cached between calls. Built from native/cuda/*.cu when CMake finds nvcc, otherwise from
// cuda_absent.cc, whose status() says why there is no GPU path.
// Every call throws std::runtime_error on a CUDA failure, and writes its host outputs only after every
// device step succeeded; callers check usable() first and fall back to the CPU on a throw.
#pragma once
#include <cstddef>
#include <string>

#include "langevin_kernel.h"
#include "optim_math.h"

namespace lpc {
namespace cuda {

struct Status {
  bool compiled = false;   // CUDA kernels are part of this build
  bool available = false;  // compiled, a device is present and a test kernel ran on it
  int deviceCount = 0;
  std::string reason;      // why not available ("" when available)
};

// Probed once per process (device count, then a real kernel launch and copy back), then cached.
const Status& status();

// After any CUDA call failed (a lost device, a kernel that cannot launch), the whole process computes on the
// CPU: a failed device rarely recovers, and objects that mixed devices would be hard to reason about.
// mark_failed() keeps the first reason; usable() is status().available and no failure recorded.
void mark_failed(const std::string& reason);
bool has_failed();
bool usable();
// The reason given to the first mark_failed() ("" when none).
std::string failure_reason();

// Normals for elements [first, first + n) of the request at `site`, as normals_range().
void normals(const DrawSite& site, uint64_t first, std::size_t n, float* out);

// langevin_update_rows() over all rows of `a` (a.out rows of inactive chains are preserved).
void langevin_update(const StepKernelArgs& a);

// optimizer_update() for one tensor.
void optimizer_update(OptKind kind, const OptCoeffs& c, float* p, const float* g, float* s0, float* s1, std::size_t n);

}  // namespace cuda
}  // namespace lpc
