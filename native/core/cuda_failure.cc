// The process-wide record of a CUDA failure (cuda_api.h), in both builds: with and without nvcc. Read on
// every step, so the flag is an atomic; the reason is written once, under a lock, before the flag is set.
#include <atomic>
#include <mutex>

#include "cuda_api.h"

namespace lpc {
namespace cuda {
namespace {

std::mutex failure_mutex;
std::string failure_text;  // guarded by failure_mutex
std::atomic<bool> failed{false};

}  // namespace

void mark_failed(const std::string& reason) {
  std::lock_guard<std::mutex> lock(failure_mutex);
  if (failed.load()) return;
  failure_text = reason;
  failed.store(true);
}

bool has_failed() { return failed.load(std::memory_order_acquire); }

bool usable() { return status().available && !has_failed(); }

std::string failure_reason() {
  if (!has_failed()) return std::string();
  std::lock_guard<std::mutex> lock(failure_mutex);
  return failure_text;
}

}  // namespace cuda
}  // namespace lpc
