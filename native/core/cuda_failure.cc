// The process-wide record of a CUDA failure (cuda_api.h), in both builds: with and without nvcc.
#include <mutex>

#include "cuda_api.h"

namespace lpc {
namespace cuda {
namespace {

std::mutex& failure_mutex() {
  static std::mutex m;
  return m;
}
std::string& failure_text() {
  static std::string s;
  return s;
}
bool failed = false;  // guarded by failure_mutex()

}  // namespace

void mark_failed(const std::string& reason) {
  std::lock_guard<std::mutex> lock(failure_mutex());
  if (failed) return;
  failed = true;
  failure_text() = reason;
}

bool usable() {
  if (!status().available) return false;
  std::lock_guard<std::mutex> lock(failure_mutex());
  return !failed;
}

std::string failure_reason() {
  std::lock_guard<std::mutex> lock(failure_mutex());
  return failure_text();
}

}  // namespace cuda
}  // namespace lpc
