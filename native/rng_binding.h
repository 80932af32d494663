// `Rng`: seeded Philox4x32-10 streams for JavaScript. uniform()/normal() fill a caller's Float32Array;
// element i of a request is a function of (seed, stream, position) only, so any thread count (and the GPU)
// gives the same numbers.
#pragma once
#include <napi.h>

#include "cuda_fallback.h"
#include "random.h"

namespace lpc {

class RngBinding : public Napi::ObjectWrap<RngBinding> {
 public:
  static const napi_type_tag kTag;
  static constexpr const char* kName = "Rng";
  static void Register(Napi::Env env, Napi::Object exports);

  explicit RngBinding(const Napi::CallbackInfo& info);
  void ensure_alive() const;

  // new Rng({ seed: bigint, stream: bigint, device: 'cpu' | 'cuda' }). Every method throws TypeError (wrong
  // array kind, a detached buffer, a borrowed method: code LPC_NATIVE), RangeError (a value out of range:
  // LPC_NATIVE) or RangeError LPC_OUT_OF_MEMORY, and Error LPC_NATIVE after dispose().
  Napi::Value Uniform(const Napi::CallbackInfo& info);   // uniform(out: Float32Array) -> out, filled in (0, 1)
  Napi::Value Normal(const Napi::CallbackInfo& info);    // normal(out: Float32Array) -> out, filled N(0, 1)
  Napi::Value GetState(const Napi::CallbackInfo& info);  // getState() -> { seed, stream, counter } (bigints)
  Napi::Value SetState(const Napi::CallbackInfo& info);  // setState({ seed, stream, counter }) -> undefined
  Napi::Value Device(const Napi::CallbackInfo& info);    // get device -> { device, reason }
  Napi::Value Dispose(const Napi::CallbackInfo& info);   // dispose() -> undefined; idempotent

 private:
  // Claims the blocks for n draws and returns where they start.
  DrawSite claim(std::size_t n);

  bool alive_ = true;
  uint64_t seed_ = 0, stream_ = 0, counter_ = 0;
  js::DeviceChoice device_;
};

}  // namespace lpc
