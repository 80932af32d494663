// Chains: readouts (restarts, acceptance) and state export/import for checkpoints.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "args.h"
#include "chains_binding.h"
#include "entry.h"

namespace lpc {

using namespace js;

namespace {

template <class ArrayT, class T>
ArrayT copy_out(Napi::Env env, const std::vector<T>& src) {
  ArrayT a = ArrayT::New(env, src.size());
  std::copy(src.begin(), src.end(), a.Data());
  return a;
}

Napi::Float64Array copy_f64(Napi::Env env, const std::vector<int64_t>& src) {
  Napi::Float64Array a = Napi::Float64Array::New(env, src.size());
  for (std::size_t i = 0; i < src.size(); ++i) a[i] = static_cast<double>(src[i]);
  return a;
}

}  // namespace

// stats() -> fresh copies of the per-chain counters.
Napi::Value ChainsBinding::Stats(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("restarts", copy_out<Napi::Int32Array>(env, core_->restarts()));
  o.Set("consecutiveRestarts", copy_out<Napi::Int32Array>(env, core_->consecutive_restarts()));
  o.Set("totalRestarts", Napi::Number::New(env, static_cast<double>(core_->total_restarts())));
  o.Set("gradientsSeen", copy_out<Napi::Int32Array>(env, core_->gradients_seen()));
  o.Set("stepScales", copy_out<Napi::Float32Array>(env, core_->scales()));
  o.Set("accepted", copy_f64(env, core_->accepted()));
  o.Set("proposed", copy_f64(env, core_->proposed()));
  o.Set("malaSteps", Napi::Number::New(env, static_cast<double>(core_->mala_steps())));
  o.Set("nonFiniteProposals", Napi::Number::New(env, static_cast<double>(core_->nonfinite_proposals())));
  return o;
}

// getState() -> {counter: bigint, z, v, m, t, scale}: what a later setState() needs to continue bit for bit
// (MALA's stored energy and gradient are not included: call setCurrent() after setState()).
Napi::Value ChainsBinding::GetState(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("counter", Napi::BigInt::New(env, core_->counter()));
  Napi::Float32Array z = Napi::Float32Array::New(env, total());
  std::memcpy(z.Data(), current(), total() * sizeof(float));
  o.Set("z", z);
  o.Set("v", core_->v().empty() ? env.Null() : Napi::Value(copy_out<Napi::Float32Array>(env, core_->v())));
  o.Set("m", core_->m().empty() ? env.Null() : Napi::Value(copy_out<Napi::Float32Array>(env, core_->m())));
  o.Set("t", copy_out<Napi::Int32Array>(env, core_->t()));
  o.Set("scale", copy_out<Napi::Float32Array>(env, core_->scale()));
  return o;
}

// setState(state): the shape must match this object's n, d and preconditioner.
Napi::Value ChainsBinding::SetState(const Napi::CallbackInfo& info) {
  const Napi::Object o = object(info[0], "state");
  const std::size_t n = core_->n();
  const uint64_t counter = u64(property(o, "counter"), "state.counter");
  const TypedView z = float32_array(property(o, "z"), "state.z", total());
  const Napi::Value vv = property(o, "v"), mv = property(o, "m");
  const float* v = nullptr;
  const float* m = nullptr;
  if (!core_->v().empty()) v = static_cast<const float*>(float32_array(vv, "state.v", total()).data);
  else if (!vv.IsNull() && !vv.IsUndefined())
    throw ArgTypeError("state.v: expected null for chains without a preconditioner");
  if (!core_->m().empty()) m = static_cast<const float*>(float32_array(mv, "state.m", total()).data);
  else if (!mv.IsNull() && !mv.IsUndefined())
    throw ArgTypeError("state.m: expected null for chains without momentum");
  const int32_t* t = int32_array(property(o, "t"), "state.t", n);
  const float* scale = static_cast<const float*>(float32_array(property(o, "scale"), "state.scale", n).data);
  for (std::size_t c = 0; c < n; ++c) {
    if (t[c] < 0) throw ArgRangeError("state.t[" + std::to_string(c) + "]: expected >= 0");
    if (!(std::isfinite(scale[c]) && scale[c] > 0))
      throw ArgRangeError("state.scale[" + std::to_string(c) + "]: expected a finite number > 0");
  }
  // All checked: now write.
  core_->reset();
  core_->set_counter(counter);
  std::memmove(current(), z.data, total() * sizeof(float));
  if (v != nullptr) std::copy(v, v + total(), core_->v().begin());
  if (m != nullptr) std::copy(m, m + total(), core_->m().begin());
  std::copy(t, t + n, core_->t().begin());
  std::copy(scale, scale + n, core_->scale().begin());
  return info.Env().Undefined();
}

}  // namespace lpc
