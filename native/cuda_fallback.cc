#include "cuda_fallback.h"

#include <atomic>

#include "cuda_api.h"
#include "js_result.h"

namespace lpc {
namespace js {
namespace {

std::atomic<bool> warned{false};

}  // namespace

std::string cuda_failed(const char* what, const std::exception& e) {
  const std::string reason = std::string("CUDA failed in ") + what + ", now on the CPU: " + e.what();
  cuda::mark_failed(reason);
  return reason;
}

void DeviceChoice::request_cuda() {
  cuda_ = cuda::usable();
  reason_ = cuda_ ? "" : cuda::status().available ? cuda::failure_reason() : cuda::status().reason;
}

bool DeviceChoice::on_gpu() const { return cuda_ && cuda::usable(); }

void DeviceChoice::fail(const char* what, const std::exception& e) {
  cuda_ = false;
  reason_ = cuda_failed(what, e);
}

Napi::Value DeviceChoice::report(Napi::Env env) {
  if (cuda_ && !cuda::usable()) {
    cuda_ = false;  // another object's CUDA call failed
    reason_ = cuda::failure_reason();
  }
  return record(env, {{"device", Napi::String::New(env, cuda_ ? "cuda" : "cpu")}, {"reason", Napi::String::New(env, reason_)}});
}

void warn_cuda_fallback(Napi::Env env) {
  if (!cuda::has_failed() || warned.exchange(true)) return;
  const std::string reason = cuda::failure_reason();
  try {
    Napi::Object process = env.Global().Get("process").As<Napi::Object>();
    Napi::Value emit = process.Get("emitWarning");
    if (!emit.IsFunction()) return;
    Napi::Object options = Napi::Object::New(env);
    options.Set("type", "LpcCudaFallback");
    options.Set("code", "LPC_CUDA_FALLBACK");
    options.Set("detail", "Every Chains, Rng and Optimizer of this process computes on the CPU from now on.");
    emit.As<Napi::Function>().Call(process, {Napi::String::New(env, reason), options});
  } catch (...) {
  }
}

}  // namespace js
}  // namespace lpc
