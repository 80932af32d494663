// Stands in for native/cuda/*.cu in builds without nvcc: the GPU path reports why it is absent.
#include <stdexcept>

#include "cuda_api.h"

namespace lpc {
namespace cuda {
namespace {

[[noreturn]] void absent() { throw std::runtime_error("this build has no CUDA kernels (nvcc was not found)"); }

}  // namespace

const Status& status() {
  static const Status s{false, false, 0, "built without CUDA: CMake found no nvcc (or LPC_CUDA=OFF)"};
  return s;
}

void normals(const DrawSite&, uint64_t, std::size_t, float*) { absent(); }
void langevin_update(const StepKernelArgs&) { absent(); }
void optimizer_update(OptKind, const OptCoeffs&, float*, const float*, float*, float*, std::size_t) { absent(); }

}  // namespace cuda
}  // namespace lpc
