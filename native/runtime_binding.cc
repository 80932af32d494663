// Module functions about the runtime: the thread pool size and whether the CUDA path can be used. All synchronous:
//   setThreads(threads: integer in [1, 256]) -> undefined      getThreads() -> number      hardwareThreads() ->
//   number copy(dst: Float32Array, src: Float32Array of the same length) -> undefined (the bandwidth reference)
//   cudaStatus() -> { compiled, available, deviceCount, reason }
//   setFlushDenormals(on: boolean) -> boolean (the calling thread's previous mode)   flushDenormals() -> boolean
//   setDenormalPolicy(flush: boolean) -> undefined   denormalPolicy() -> boolean (true: flush)
// Each throws TypeError or RangeError with code LPC_NATIVE for an argument of the wrong kind or range.
#include <cstring>
#include <thread>

#include "addon.h"
#include "args.h"
#include "cuda_api.h"
#include "entry.h"
#include "float_mode.h"

namespace lpc {

using namespace js;

namespace {

// setThreads(n): threads (the caller included) that split large arrays in this environment.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const auto n = static_cast<unsigned>(integer_in(info[0], "threads", 1, 256));
  Addon::of(info.Env()).pool().resize(n);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), Addon::of(info.Env()).pool().threads()); }

Napi::Value HardwareThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), std::thread::hardware_concurrency()); }

// copy(dst, src): memcpy split over the pool like the step (same grain); the memory-bandwidth reference of
// bench/native.mjs.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  const TypedView src = float32_array(info[1], "src", 0);
  const TypedView dst = float32_array(info[0], "dst", src.length);
  no_overlap(dst.data, dst.length * 4, src.data, src.length * 4, "dst", "src");
  auto* d = static_cast<float*>(dst.data);
  const auto* s = static_cast<const float*>(src.data);
  Addon::of(info.Env()).pool().parallel_for(src.length, std::size_t{1} << 15, [&](std::size_t b, std::size_t e) { std::memcpy(d + b, s + b, (e - b) * sizeof(float)); });
  return info.Env().Undefined();
}

// cudaStatus() -> {compiled, available, deviceCount, reason}
Napi::Value CudaStatus(const Napi::CallbackInfo& info) {
  const cuda::Status& s = cuda::status();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("compiled", Napi::Boolean::New(info.Env(), s.compiled));
  o.Set("available", Napi::Boolean::New(info.Env(), s.available));
  o.Set("deviceCount", Napi::Number::New(info.Env(), s.deviceCount));
  o.Set("reason", Napi::String::New(info.Env(), s.reason));
  return o;
}

// setFlushDenormals(on): subnormal floats read and written as zero on the calling (JavaScript) thread, or not.
// Returns the previous mode; lib/onnx/runtime.ts turns it on only while an onnxruntime run computes on it.
Napi::Value SetFlushDenormals(const Napi::CallbackInfo& info) {
  const bool on = boolean(info[0], "on");
  return Napi::Boolean::New(info.Env(), set_flush_denormals(on));
}

Napi::Value FlushDenormals(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), flush_denormals()); }

// setDenormalPolicy(flush): whether the addon's methods and functions flush subnormals, process-wide.
Napi::Value SetDenormalPolicy(const Napi::CallbackInfo& info) {
  set_flush_policy(boolean(info[0], "flush"));
  return info.Env().Undefined();
}

Napi::Value DenormalPolicy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), flush_policy()); }

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", function(env, "setThreads", function_entry<SetThreads>));
  exports.Set("getThreads", function(env, "getThreads", function_entry<GetThreads>));
  exports.Set("hardwareThreads", function(env, "hardwareThreads", function_entry<HardwareThreads>));
  exports.Set("copy", function(env, "copy", function_entry<Copy>));
  exports.Set("cudaStatus", function(env, "cudaStatus", function_entry<CudaStatus>));
  exports.Set("setFlushDenormals", function(env, "setFlushDenormals", function_entry<SetFlushDenormals, true>));
  exports.Set("flushDenormals", function(env, "flushDenormals", function_entry<FlushDenormals, true>));
  exports.Set("setDenormalPolicy", function(env, "setDenormalPolicy", function_entry<SetDenormalPolicy, true>));
  exports.Set("denormalPolicy", function(env, "denormalPolicy", function_entry<DenormalPolicy, true>));
}

}  // namespace lpc
