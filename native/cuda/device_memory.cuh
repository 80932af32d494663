// Error checks and a small cache of device buffers shared by the kernels in this folder.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>

namespace lpc {
namespace cuda {

inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("CUDA ") + what + " failed: " + cudaGetErrorString(err) + " (error " + std::to_string(static_cast<int>(err)) + ")");
  }
}

// Device buffers reused between calls; one call at a time holds the lock (GPU use is serialised).
class DeviceScratch {
 public:
  static constexpr int kSlots = 8;
  static DeviceScratch& instance() {
    static DeviceScratch s;
    return s;
  }
  std::mutex& mutex() { return mutex_; }
  // A device buffer of at least `bytes` for `slot`, kept for later calls.
  void* get(int slot, std::size_t bytes) {
    if (bytes > size_[slot]) {
      if (ptr_[slot] != nullptr) cudaFree(ptr_[slot]);
      ptr_[slot] = nullptr;
      size_[slot] = 0;
      check(cudaMalloc(&ptr_[slot], bytes), "cudaMalloc");
      size_[slot] = bytes;
    }
    return ptr_[slot];
  }

 private:
  std::mutex mutex_;
  void* ptr_[kSlots] = {};
  std::size_t size_[kSlots] = {};
};

template <class T>
T* upload(int slot, const T* host, std::size_t count) {
  T* dev = static_cast<T*>(DeviceScratch::instance().get(slot, count * sizeof(T) + 1));
  if (host != nullptr && count > 0) check(cudaMemcpy(dev, host, count * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
  return dev;
}

template <class T>
void download(T* host, const T* dev, std::size_t count) {
  if (count > 0) check(cudaMemcpy(host, dev, count * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
}

inline unsigned grid_for(std::size_t n, unsigned block) { return static_cast<unsigned>((n + block - 1) / block); }

}  // namespace cuda
}  // namespace lpc
