// What a bound object does when a CUDA call fails: it records the failure for the whole process
// (cuda::mark_failed), redoes the work on the CPU, and the process gets one warning. The warning is
// emitted after the native work is done, because emitting it runs JavaScript (args.h, baton discipline).
#pragma once
#include <napi.h>

#include <exception>
#include <string>

namespace lpc {
namespace js {

// Records `e` from a CUDA call made by `what` (e.g. "Optimizer.step") and returns the device reason the
// object should report from now on.
std::string cuda_failed(const char* what, const std::exception& e);
// Emits the process warning (code LPC_CUDA_FALLBACK) if a failure was recorded and no warning went out yet.
// Call last in an entry point; errors from the warning itself are dropped.
void warn_cuda_fallback(Napi::Env env);

}  // namespace js
}  // namespace lpc
