#include "../core/cuda_api.h"
#include "device_memory.cuh"

namespace lpc {
namespace cuda {
namespace {

__global__ void probe_kernel(int* out) { *out = 0x4c5043; }

// A device that is counted may still be unusable (a kernel image for another architecture, a device in
// exclusive use, a driver too old for the runtime): launch one kernel and read its result back.
std::string probe_launch() {
  int* dev = nullptr;
  cudaError_t err = cudaMalloc(&dev, sizeof(int));
  if (err == cudaSuccess) {
    probe_kernel<<<1, 1>>>(dev);
    err = cudaGetLastError();
  }
  int host = 0;
  if (err == cudaSuccess) err = cudaMemcpy(&host, dev, sizeof(int), cudaMemcpyDeviceToHost);
  if (dev != nullptr) cudaFree(dev);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string("a test kernel failed to run: ") + cudaGetErrorString(err) + " (error " + std::to_string(static_cast<int>(err)) + ")";
  }
  return host == 0x4c5043 ? std::string() : std::string("a test kernel ran but returned a wrong value");
}

}  // namespace

const Status& status() {
  static const Status s = [] {
    Status st;
    st.compiled = true;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      // No driver gives cudaErrorInsufficientDriver (35); a driver without GPUs cudaErrorNoDevice (100).
      st.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err) + " (error " + std::to_string(static_cast<int>(err)) + ")";
      cudaGetLastError();  // clear the sticky error state
      return st;
    }
    st.deviceCount = count;
    if (count == 0) {
      st.reason = "no CUDA device present";
      return st;
    }
    st.reason = probe_launch();
    st.available = st.reason.empty();
    return st;
  }();
  return s;
}

}  // namespace cuda
}  // namespace lpc
