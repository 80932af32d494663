#include "../core/cuda_api.h"
#include "device_memory.cuh"

namespace lpc {
namespace cuda {

const Status& status() {
  static const Status s = [] {
    Status st;
    st.compiled = true;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      // No driver gives cudaErrorInsufficientDriver (35); a driver without GPUs cudaErrorNoDevice (100).
      st.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err) + " (error " +
                  std::to_string(static_cast<int>(err)) + ")";
      cudaGetLastError();  // clear the sticky error state
      return st;
    }
    st.deviceCount = count;
    if (count == 0) {
      st.reason = "no CUDA device present";
      return st;
    }
    st.available = true;
    return st;
  }();
  return s;
}

}  // namespace cuda
}  // namespace lpc
