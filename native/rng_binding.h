// `Rng`: seeded Philox4x32-10 streams for JavaScript. uniform()/normal() fill a caller's Float32Array;
// element i of a request is a function of (seed, stream, position) only, so any thread count (and the GPU)
// gives the same numbers.
#pragma once
#include <napi.h>

#include "random.h"

namespace lpc {

class RngBinding : public Napi::ObjectWrap<RngBinding> {
 public:
  static const napi_type_tag kTag;
  static constexpr const char* kName = "Rng";
  static void Register(Napi::Env env, Napi::Object exports);

  explicit RngBinding(const Napi::CallbackInfo& info);
  void ensure_alive() const;

  Napi::Value Uniform(const Napi::CallbackInfo& info);
  Napi::Value Normal(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value SetState(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

 private:
  // Claims the blocks for n draws and returns where they start.
  DrawSite claim(std::size_t n);

  bool alive_ = true;
  uint64_t seed_ = 0, stream_ = 0, counter_ = 0;
  bool useCuda_ = false;
  std::string deviceReason_;
};

}  // namespace lpc
