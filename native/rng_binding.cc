#include "rng_binding.h"

#include "addon.h"
#include "args.h"
#include "cuda_api.h"
#include "cuda_fallback.h"
#include "entry.h"
#include "js_result.h"

namespace lpc {

using namespace js;

const napi_type_tag RngBinding::kTag = {0x6c70632d726e672dull, 0x7631000000000002ull};

namespace {
constexpr std::size_t kGrain = 1 << 15;  // elements per thread below which splitting does not pay
}

void RngBinding::Register(Napi::Env env, Napi::Object exports) {
  using B = RngBinding;
  exports.Set("Rng", DefineClass(env, "Rng",
                                 {
                                     method_descriptor("uniform", method_entry<B, &B::Uniform>),
                                     method_descriptor("normal", method_entry<B, &B::Normal>),
                                     method_descriptor("getState", method_entry<B, &B::GetState>),
                                     method_descriptor("setState", method_entry<B, &B::SetState>),
                                     getter_descriptor("device", method_entry<B, &B::Device>),
                                     method_descriptor("dispose", method_entry<B, &B::Dispose, false>),
                                 }));
}

void register_rng(Napi::Env env, Napi::Object exports) { RngBinding::Register(env, exports); }

// new Rng({seed, stream, device})
RngBinding::RngBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RngBinding>(info) {
  ctor_guard(info.Env(), [&] {
    tag_instance(info.Env(), info.This().As<Napi::Object>(), kTag);
    const Napi::Object o = object(info[0], "options");
    seed_ = u64(property(o, "seed"), "options.seed");
    stream_ = u64(property(o, "stream"), "options.stream");
    const std::string device = string(property(o, "device"), "options.device");
    if (device != "cpu" && device != "cuda") throw ArgRangeError("options.device: expected 'cpu' or 'cuda'; got '" + device + "'");
    if (device == "cuda") {
      device_.request_cuda();
    }
  });
}

void RngBinding::ensure_alive() const {
  if (!alive_) throw std::logic_error("Rng was disposed");
}

DrawSite RngBinding::claim(std::size_t n) {
  const DrawSite site{philox_key(seed_), stream_, counter_};
  counter_ += blocks_for(n);
  return site;
}

// uniform(out): fills out with uniforms in (0, 1) and returns it.
Napi::Value RngBinding::Uniform(const Napi::CallbackInfo& info) {
  const TypedView out = float32_array(info[0], "out", 0);
  const DrawSite site = claim(out.length);
  auto* o = static_cast<float*>(out.data);
  Addon::of(info.Env()).pool().parallel_for(out.length, kGrain, [&](std::size_t b, std::size_t e) { uniforms_range(site, b, e - b, o + b); });
  return info[0];
}

// normal(out): fills out with standard normals and returns it.
Napi::Value RngBinding::Normal(const Napi::CallbackInfo& info) {
  const TypedView out = float32_array(info[0], "out", 0);
  const DrawSite site = claim(out.length);
  auto* o = static_cast<float*>(out.data);
  bool done = false;
  if (device_.on_gpu()) {
    try {
      cuda::normals(site, 0, out.length, o);
      done = true;
    } catch (const std::exception& e) {
      device_.fail("Rng.normal", e);
    }
  }
  if (!done) {
    // The same numbers as the GPU would have drawn: element i depends on (seed, stream, position) only.
    Addon::of(info.Env()).pool().parallel_for(out.length, kGrain, [&](std::size_t b, std::size_t e) { normals_range(site, b, e - b, o + b); });
  }
  warn_cuda_fallback(info.Env());
  return info[0];
}

Napi::Value RngBinding::GetState(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  return record(env, {{"seed", Napi::BigInt::New(env, seed_)}, {"stream", Napi::BigInt::New(env, stream_)}, {"counter", Napi::BigInt::New(env, counter_)}});
}

Napi::Value RngBinding::SetState(const Napi::CallbackInfo& info) {
  const Napi::Object o = object(info[0], "state");
  const Napi::Value seedv = property(o, "seed"), streamv = property(o, "stream"), counterv = property(o, "counter");
  ensure_alive();  // a getter may have called dispose()
  const uint64_t seed = u64(seedv, "state.seed");
  const uint64_t stream = u64(streamv, "state.stream");
  const uint64_t counter = u64(counterv, "state.counter");
  seed_ = seed;
  stream_ = stream;
  counter_ = counter;
  return info.Env().Undefined();
}

Napi::Value RngBinding::Device(const Napi::CallbackInfo& info) { return device_.report(info.Env()); }

Napi::Value RngBinding::Dispose(const Napi::CallbackInfo& info) {
  alive_ = false;
  return info.Env().Undefined();
}

}  // namespace lpc
