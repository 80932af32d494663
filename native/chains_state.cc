// Chains: readouts (restarts, acceptance) and state export/import for checkpoints. A state holds everything
// the next calls depend on, so that getState() then setState() on chains of the same shape continues bit for
// bit: the RNG position, both z buffers (the second is where a restarted chain returns to), the
// preconditioner, the restart and MALA bookkeeping, and MALA's stored energy and gradient.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "args.h"
#include "chains_binding.h"
#include "entry.h"
#include "js_result.h"

namespace lpc {

using namespace js;

namespace {

template <class ArrayT, class T>
Napi::Value copy_out(Napi::Env env, const std::vector<T>& src) {
  ArrayT a = ArrayT::New(env, src.size());
  std::copy(src.begin(), src.end(), a.Data());
  return a;
}

Napi::Value copy_f64(Napi::Env env, const std::vector<int64_t>& src) {
  Napi::Float64Array a = Napi::Float64Array::New(env, src.size());
  for (std::size_t i = 0; i < src.size(); ++i) a[i] = static_cast<double>(src[i]);
  return a;
}

Napi::Value copy_floats(Napi::Env env, const float* src, std::size_t count) {
  Napi::Float32Array a = Napi::Float32Array::New(env, count);
  std::memcpy(a.Data(), src, count * sizeof(float));
  return a;
}

// Largest count that converts exactly between double and int64.
constexpr double kMaxCount = 9007199254740991.0;

void check_counts(const double* x, std::size_t n, const char* name) {
  for (std::size_t c = 0; c < n; ++c) {
    if (!(x[c] >= 0.0 && x[c] <= kMaxCount && x[c] == std::floor(x[c]))) {
      throw ArgRangeError(std::string(name) + "[" + std::to_string(c) + "]: expected an integer >= 0");
    }
  }
}

}  // namespace

// stats() -> fresh copies of the per-chain counters.
Napi::Value ChainsBinding::Stats(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  return record(env, {
                         {"restarts", copy_out<Napi::Int32Array>(env, core_->restarts())},
                         {"consecutiveRestarts", copy_out<Napi::Int32Array>(env, core_->consecutive_restarts())},
                         {"totalRestarts", Napi::Number::New(env, static_cast<double>(core_->total_restarts()))},
                         {"gradientsSeen", copy_out<Napi::Int32Array>(env, core_->gradients_seen())},
                         {"stepScales", copy_out<Napi::Float32Array>(env, core_->scales())},
                         {"accepted", copy_f64(env, core_->accepted())},
                         {"proposed", copy_f64(env, core_->proposed())},
                         {"malaSteps", Napi::Number::New(env, static_cast<double>(core_->mala_steps()))},
                         {"nonFiniteProposals", Napi::Number::New(env, static_cast<double>(core_->nonfinite_proposals()))},
                     });
}

// getState() -> {counter: bigint, z, previous, v, m, t, scale, restarts, consecutiveRestarts, previousValid,
// lastRestored, accepted, proposed, malaSteps, nonFiniteProposals, energy, grad}. Not between propose() and
// accept(): the proposal's step factors are not part of a state.
Napi::Value ChainsBinding::GetState(const Napi::CallbackInfo& info) {
  if (core_->has_proposal()) throw std::logic_error("getState() between propose() and accept(): accept() first");
  const Napi::Env env = info.Env();
  const bool mala = core_->has_current();
  return record(env, {
                         {"counter", Napi::BigInt::New(env, core_->counter())},
                         {"z", copy_floats(env, current(), total())},
                         {"previous", copy_floats(env, other(), total())},
                         {"v", core_->v().empty() ? env.Null() : copy_out<Napi::Float32Array>(env, core_->v())},
                         {"m", core_->m().empty() ? env.Null() : copy_out<Napi::Float32Array>(env, core_->m())},
                         {"t", copy_out<Napi::Int32Array>(env, core_->t())},
                         {"scale", copy_out<Napi::Float32Array>(env, core_->scale())},
                         {"restarts", copy_out<Napi::Int32Array>(env, core_->restarts())},
                         {"consecutiveRestarts", copy_out<Napi::Int32Array>(env, core_->consecutive_restarts())},
                         {"previousValid", copy_out<Napi::Uint8Array>(env, core_->previous_valid())},
                         {"lastRestored", copy_out<Napi::Uint8Array>(env, core_->last_restored())},
                         {"accepted", copy_f64(env, core_->accepted())},
                         {"proposed", copy_f64(env, core_->proposed())},
                         {"malaSteps", Napi::Number::New(env, static_cast<double>(core_->mala_steps()))},
                         {"nonFiniteProposals", Napi::Number::New(env, static_cast<double>(core_->nonfinite_proposals()))},
                         {"energy", mala ? copy_out<Napi::Float32Array>(env, core_->current_energy()) : env.Null()},
                         {"grad", mala ? copy_out<Napi::Float32Array>(env, core_->current_grad()) : env.Null()},
                     });
}

// setState(state): the shape must match this object's n, d and preconditioner. Every property is read first
// (getters may run and even dispose these chains), then everything is checked, then written.
Napi::Value ChainsBinding::SetState(const Napi::CallbackInfo& info) {
  const Napi::Object o = object(info[0], "state");
  static const char* const kKeys[] = {"counter",  "z",         "previous",           "v",      "m",   "t", "scale", "restarts", "consecutiveRestarts", "previousValid", "lastRestored", "accepted",
                                      "proposed", "malaSteps", "nonFiniteProposals", "energy", "grad"};
  constexpr std::size_t kCount = sizeof(kKeys) / sizeof(kKeys[0]);
  Napi::Value in[kCount];
  for (std::size_t i = 0; i < kCount; ++i) in[i] = property(o, kKeys[i]);
  const auto at = [&](const char* key) -> const Napi::Value& {
    for (std::size_t i = 0; i < kCount; ++i)
      if (std::strcmp(kKeys[i], key) == 0) return in[i];
    throw std::logic_error(std::string("unknown state key ") + key);
  };
  ensure_alive();  // no JavaScript runs after this point

  const std::size_t n = core_->n(), total = this->total();
  const uint64_t counter = u64(at("counter"), "state.counter");
  const TypedView z = float32_array(at("z"), "state.z", total);
  const TypedView previous = float32_array(at("previous"), "state.previous", total);
  const Napi::Value& vv = at("v");
  const Napi::Value& mv = at("m");
  TypedView vView;
  const float* m = nullptr;
  if (!core_->v().empty()) vView = float32_array(vv, "state.v", total);
  else if (!vv.IsNull() && !vv.IsUndefined()) throw ArgTypeError("state.v: expected null for chains without a preconditioner");
  if (!core_->m().empty()) m = static_cast<const float*>(float32_array(mv, "state.m", total).data);
  else if (!mv.IsNull() && !mv.IsUndefined()) throw ArgTypeError("state.m: expected null for chains without momentum");
  const int32_t* t = int32_array(at("t"), "state.t", n);
  const float* scale = static_cast<const float*>(float32_array(at("scale"), "state.scale", n).data);
  ChainsCore::Bookkeeping book;
  book.restarts = int32_array(at("restarts"), "state.restarts", n);
  book.consecutive = int32_array(at("consecutiveRestarts"), "state.consecutiveRestarts", n);
  book.previousValid = uint8_array(at("previousValid"), "state.previousValid", n);
  book.lastRestored = uint8_array(at("lastRestored"), "state.lastRestored", n);
  book.accepted = float64_array(at("accepted"), "state.accepted", n);
  book.proposed = float64_array(at("proposed"), "state.proposed", n);
  book.malaSteps = integer_in(at("malaSteps"), "state.malaSteps", 0, INT64_C(1) << 52);
  book.nonFiniteProposals = integer_in(at("nonFiniteProposals"), "state.nonFiniteProposals", 0, INT64_C(1) << 52);
  const Napi::Value& ev = at("energy");
  const Napi::Value& gv = at("grad");
  if (!ev.IsNull() || !gv.IsNull()) {
    book.energy = static_cast<const float*>(float32_array(ev, "state.energy", n).data);
    book.grad = static_cast<const float*>(float32_array(gv, "state.grad", total).data);
  }

  // Values: copy shared inputs first so that what is checked is what gets written.
  std::vector<float> vCopy;
  const float* v = vView.data == nullptr ? nullptr : stable_floats(vView, vCopy);
  if (v != nullptr) {
    for (std::size_t i = 0; i < total; ++i) {
      // A negative second moment makes G the square root of a negative number: NaN steps.
      if (!(std::isfinite(v[i]) && v[i] >= 0.0f)) throw ArgRangeError("state.v[" + std::to_string(i) + "]: expected a finite number >= 0");
    }
  }
  for (std::size_t c = 0; c < n; ++c) {
    if (t[c] < 0) throw ArgRangeError("state.t[" + std::to_string(c) + "]: expected >= 0");
    if (!(std::isfinite(scale[c]) && scale[c] > 0)) throw ArgRangeError("state.scale[" + std::to_string(c) + "]: expected a finite number > 0");
    if (book.restarts[c] < 0 || book.consecutive[c] < 0) throw ArgRangeError("state.restarts[" + std::to_string(c) + "]: expected counts >= 0");
    if (book.previousValid[c] > 1 || book.lastRestored[c] > 1) throw ArgRangeError("state.previousValid[" + std::to_string(c) + "]: expected flags of 0 or 1");
  }
  check_counts(book.accepted, n, "state.accepted");
  check_counts(book.proposed, n, "state.proposed");

  // All checked: now write (z and previous through copies: either may be a view of the other buffer).
  const auto* zp = static_cast<const float*>(z.data);
  const auto* pp = static_cast<const float*>(previous.data);
  const std::vector<float> zCopy(zp, zp + total), previousCopy(pp, pp + total);
  core_->reset();
  core_->set_counter(counter);
  std::copy(zCopy.begin(), zCopy.end(), current());
  std::copy(previousCopy.begin(), previousCopy.end(), other());
  if (v != nullptr) std::copy(v, v + total, core_->v().begin());
  if (m != nullptr) std::copy(m, m + total, core_->m().begin());
  std::copy(t, t + n, core_->t().begin());
  std::copy(scale, scale + n, core_->scale().begin());
  core_->restore_bookkeeping(book);
  account(info.Env());
  return info.Env().Undefined();
}

}  // namespace lpc
