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

// Where one bound object computes: on the GPU while CUDA works for the process, else on the CPU, with the
// reason. Chains, Rng and Optimizer each keep one, so the choice, the fallback and the report are written once.
class DeviceChoice {
 public:
  // Asks for the GPU: granted when the process's CUDA probe passed and no CUDA call has failed since.
  void request_cuda();
  // True while this object should take its CUDA path.
  bool on_gpu() const;
  // Records that this object's CUDA call `what` failed with `e`: from now on it computes on the CPU.
  void fail(const char* what, const std::exception& e);
  // { device: 'cuda' | 'cpu', reason }, after noticing a failure of another object's CUDA call.
  Napi::Value report(Napi::Env env);

 private:
  bool cuda_ = false;
  std::string reason_;
};

// Emits the process warning (code LPC_CUDA_FALLBACK) if a failure was recorded and no warning went out yet.
// Call last in an entry point; errors from the warning itself are dropped.
void warn_cuda_fallback(Napi::Env env);

}  // namespace js
}  // namespace lpc
