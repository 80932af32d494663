#include "optimizer_binding.h"

#include <algorithm>
#include <cmath>

#include "addon.h"
#include "args.h"
#include "cuda_api.h"
#include "cuda_fallback.h"
#include "entry.h"
#include "js_result.h"

namespace lpc {

using namespace js;

const napi_type_tag OptimizerBinding::kTag = {0x6c70632d6f707469ull, 0x6d2d763100000003ull};

void OptimizerBinding::Register(Napi::Env env, Napi::Object exports) {
  using B = OptimizerBinding;
  exports.Set("Optimizer", DefineClass(env, "Optimizer",
                                       {
                                           method_descriptor("step", method_entry<B, &B::Step>),
                                           method_descriptor("getLearningRate", method_entry<B, &B::GetLearningRate>),
                                           method_descriptor("setLearningRate", method_entry<B, &B::SetLearningRate>),
                                           getter_descriptor("stepCount", method_entry<B, &B::StepCount>),
                                           getter_descriptor("device", method_entry<B, &B::Device>),
                                           method_descriptor("getState", method_entry<B, &B::GetState>),
                                           method_descriptor("setState", method_entry<B, &B::SetState>),
                                           method_descriptor("dispose", method_entry<B, &B::Dispose, false>),
                                       }));
}

void register_optimizer(Napi::Env env, Napi::Object exports) { OptimizerBinding::Register(env, exports); }

namespace {

// Checks values already read by elements(): Float32Arrays, of `expected` lengths when given. Runs no user code.
std::vector<TypedView> float32_list(const std::vector<Napi::Value>& items, const std::string& name, const std::vector<std::size_t>* expected) {
  if (expected != nullptr && items.size() != expected->size()) {
    throw ArgRangeError(name + ": expected " + std::to_string(expected->size()) + " arrays; got " + std::to_string(items.size()));
  }
  if (items.empty()) throw ArgRangeError(name + ": expected at least one Float32Array");
  std::vector<TypedView> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.push_back(float32_array(items[i], name + "[" + std::to_string(i) + "]", expected ? (*expected)[i] : 0));
  }
  return out;
}

constexpr const char* kListOfFloat32 = "an array of Float32Array";

}  // namespace

// new Optimizer(params, {kind, lr, momentum, nesterov, beta1, beta2, eps, weightDecay, device})
OptimizerBinding::OptimizerBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OptimizerBinding>(info) {
  ctor_guard(info.Env(), [&] {
    tag_instance(info.Env(), info.This().As<Napi::Object>(), kTag);
    // Every getter runs before any typed array is looked at (args.h).
    const std::vector<Napi::Value> items = elements(info[0], "params", kListOfFloat32);
    const Napi::Object o = object(info[1], "options");
    const std::string kind = string(property(o, "kind"), "options.kind");
    if (kind == "sgd") kind_ = OptKind::Sgd;
    else if (kind == "adam") kind_ = OptKind::Adam;
    else if (kind == "adamw") kind_ = OptKind::AdamW;
    else throw ArgRangeError("options.kind: expected 'sgd', 'adam' or 'adamw'; got '" + kind + "'");
    lr_ = positive_number(property(o, "lr"), "options.lr");
    momentum_ = number_in(property(o, "momentum"), "options.momentum", 0.0, 1.0);
    nesterov_ = boolean(property(o, "nesterov"), "options.nesterov");
    beta1_ = number_in(property(o, "beta1"), "options.beta1", 0.0, 1.0);
    beta2_ = number_in(property(o, "beta2"), "options.beta2", 0.0, 1.0);
    eps_ = positive_number(property(o, "eps"), "options.eps");
    weightDecay_ = number_in(property(o, "weightDecay"), "options.weightDecay", 0.0, 1e30);
    const std::string device = string(property(o, "device"), "options.device");
    if (device != "cpu" && device != "cuda") throw ArgRangeError("options.device: expected 'cpu' or 'cuda'; got '" + device + "'");
    if (device == "cuda") {
      device_.request_cuda();
    }
    const std::vector<TypedView> params = float32_list(items, "params", nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        no_overlap(params[i].data, params[i].length * 4, params[j].data, params[j].length * 4, "params[" + std::to_string(i) + "]", ("params[" + std::to_string(j) + "]").c_str());
      }
      params_.push_back(Napi::Persistent(items[i].As<Napi::Float32Array>()));
      lengths_.push_back(params[i].length);
      const bool needsS0 = kind_ != OptKind::Sgd || momentum_ != 0;
      s0_.emplace_back(needsS0 ? params[i].length : 0, 0.0f);
      s1_.emplace_back(kind_ != OptKind::Sgd ? params[i].length : 0, 0.0f);
    }
    for (std::size_t i = 0; i < s0_.size(); ++i) externalBytes_ += static_cast<int64_t>((s0_[i].size() + s1_[i].size()) * 4);
    Napi::MemoryManagement::AdjustExternalMemory(info.Env(), externalBytes_);
  });
}

OptimizerBinding::~OptimizerBinding() {
  if (externalBytes_ != 0) {
    try {
      Napi::MemoryManagement::AdjustExternalMemory(Env(), -externalBytes_);
    } catch (...) {
    }
  }
}

void OptimizerBinding::ensure_alive() const {
  if (!alive_) throw std::logic_error("Optimizer was disposed");
}

float* OptimizerBinding::param(std::size_t i) const {
  const std::string name = "params[" + std::to_string(i) + "]";
  return static_cast<float*>(float32_array(params_[i].Value(), name, lengths_[i]).data);
}

OptCoeffs OptimizerBinding::coeffs(float gradScale) const {
  OptCoeffs c{};
  c.lr = static_cast<float>(lr_);
  c.momentum = static_cast<float>(momentum_);
  c.nesterov = nesterov_;
  c.beta1 = static_cast<float>(beta1_);
  c.beta2 = static_cast<float>(beta2_);
  c.eps = static_cast<float>(eps_);
  c.oneMinusBeta1 = static_cast<float>(1.0 - beta1_);
  c.oneMinusBeta2 = static_cast<float>(1.0 - beta2_);
  c.weightDecay = static_cast<float>(weightDecay_);
  c.bc1 = static_cast<float>(1.0 / (1.0 - std::pow(beta1_, static_cast<double>(t_))));
  c.bc2 = static_cast<float>(1.0 / (1.0 - std::pow(beta2_, static_cast<double>(t_))));
  c.gradScale = gradScale;
  return c;
}

bool OptimizerBinding::step_on_gpu(const OptCoeffs& c, const std::vector<float*>& ps, const std::vector<const float*>& gs) {
  // Every tensor is updated on copies and committed only when all succeeded: a failure part-way leaves
  // each parameter and moment as it was, and the CPU then does the whole step.
  const std::size_t count = ps.size();
  std::vector<std::vector<float>> p(count), s0(count), s1(count);
  try {
    for (std::size_t i = 0; i < count; ++i) {
      p[i].assign(ps[i], ps[i] + lengths_[i]);
      s0[i] = s0_[i];
      s1[i] = s1_[i];
      cuda::optimizer_update(kind_, c, p[i].data(), gs[i], s0[i].empty() ? nullptr : s0[i].data(), s1[i].empty() ? nullptr : s1[i].data(), lengths_[i]);
    }
  } catch (const std::exception& e) {
    device_.fail("Optimizer.step", e);
    return false;
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::copy(p[i].begin(), p[i].end(), ps[i]);
    s0_[i].swap(s0[i]);
    s1_[i].swap(s1[i]);
  }
  return true;
}

// step(grads, maxNorm | undefined) -> the global gradient norm when clipping, else undefined.
Napi::Value OptimizerBinding::Step(const Napi::CallbackInfo& info) {
  const std::vector<Napi::Value> items = elements(info[0], "grads", kListOfFloat32);
  ensure_alive();  // a getter may have called dispose()
  const bool clip = !info[1].IsUndefined();
  const double maxNorm = clip ? positive_number(info[1], "maxNorm") : 0.0;
  const std::vector<TypedView> grads = float32_list(items, "grads", &lengths_);
  std::vector<float*> ps;
  for (std::size_t i = 0; i < params_.size(); ++i) ps.push_back(param(i));
  for (std::size_t i = 0; i < grads.size(); ++i) {
    for (std::size_t j = 0; j < ps.size(); ++j) {
      no_overlap(grads[i].data, lengths_[i] * 4, ps[j], lengths_[j] * 4, "grads[" + std::to_string(i) + "]", ("params[" + std::to_string(j) + "]").c_str());
    }
  }
  // From here on no JavaScript runs until the update is done.
  std::vector<std::vector<float>> scratch(grads.size());
  std::vector<const float*> gs;
  for (std::size_t i = 0; i < grads.size(); ++i) gs.push_back(stable_floats(grads[i], scratch[i]));
  ThreadPool& pool = Addon::of(info.Env()).pool();
  float scale = 1.0f;
  double norm = 0.0;
  if (clip) {
    norm = std::sqrt(sum_of_squares(pool, gs, lengths_));
    // As torch.nn.utils.clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when that is below 1.
    const double factor = maxNorm / (norm + 1e-6);
    if (factor < 1.0) scale = static_cast<float>(factor);
  }
  if (t_ < kMaxSteps) ++t_;  // saturates: the bias corrections are 1 long before
  const OptCoeffs c = coeffs(scale);
  const bool onGpu = device_.on_gpu() && step_on_gpu(c, ps, gs);
  if (!onGpu) {
    for (std::size_t i = 0; i < ps.size(); ++i) {
      float* s0 = s0_[i].empty() ? nullptr : s0_[i].data();
      float* s1 = s1_[i].empty() ? nullptr : s1_[i].data();
      optimizer_update(pool, kind_, c, ps[i], gs[i], s0, s1, lengths_[i]);
    }
  }
  warn_cuda_fallback(info.Env());
  return clip ? Napi::Value(Napi::Number::New(info.Env(), norm)) : info.Env().Undefined();
}

Napi::Value OptimizerBinding::GetLearningRate(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), lr_); }

Napi::Value OptimizerBinding::SetLearningRate(const Napi::CallbackInfo& info) {
  lr_ = positive_number(info[0], "lr");
  return info.Env().Undefined();
}

Napi::Value OptimizerBinding::StepCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(t_)); }

Napi::Value OptimizerBinding::Device(const Napi::CallbackInfo& info) { return device_.report(info.Env()); }

// getState() -> {t, lr, s0: Float32Array[], s1: Float32Array[]} (copies; empty arrays where a kind keeps no
// such buffer).
Napi::Value OptimizerBinding::GetState(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  std::vector<Napi::Value> lists[2];
  for (int k = 0; k < 2; ++k) {
    for (const std::vector<float>& src : k == 0 ? s0_ : s1_) {
      Napi::Float32Array a = Napi::Float32Array::New(env, src.size());
      std::copy(src.begin(), src.end(), a.Data());
      lists[k].push_back(a);
    }
  }
  return record(env, {{"t", Napi::Number::New(env, static_cast<double>(t_))}, {"lr", Napi::Number::New(env, lr_)}, {"s0", list(env, lists[0])}, {"s1", list(env, lists[1])}});
}

// setState({t, lr, s0, s1}): all of it is read (getters run) before anything is checked or written.
Napi::Value OptimizerBinding::SetState(const Napi::CallbackInfo& info) {
  const Napi::Object o = object(info[0], "state");
  const Napi::Value tv = property(o, "t"), lrv = property(o, "lr");
  const std::vector<Napi::Value> items[2] = {elements(property(o, "s0"), "state.s0", kListOfFloat32), elements(property(o, "s1"), "state.s1", kListOfFloat32)};
  ensure_alive();
  const int64_t t = integer_in(tv, "state.t", 0, kMaxSteps);
  const double lr = positive_number(lrv, "state.lr");
  std::vector<std::vector<TypedView>> lists;
  for (int k = 0; k < 2; ++k) {
    const auto& dst = k == 0 ? s0_ : s1_;
    const std::string key = k == 0 ? "state.s0" : "state.s1";
    if (items[k].size() != dst.size()) {
      throw ArgTypeError(key + ": expected an array of " + std::to_string(dst.size()) + " Float32Array");
    }
    std::vector<TypedView> views;
    for (std::size_t i = 0; i < dst.size(); ++i) {
      const std::string name = key + "[" + std::to_string(i) + "]";
      const Napi::Value& item = items[k][i];
      if (dst[i].empty()) {
        if (!item.IsTypedArray() || item.As<Napi::TypedArray>().ElementLength() != 0) {
          throw ArgRangeError(name + ": expected an empty Float32Array");
        }
        views.push_back(TypedView{});
      } else {
        views.push_back(float32_array(item, name, dst[i].size()));
      }
    }
    lists.push_back(views);
  }
  // Adam's second moment: a negative or non-finite value would make every later step NaN.
  if (kind_ != OptKind::Sgd) {
    for (std::size_t i = 0; i < s1_.size(); ++i) {
      std::vector<float> scratch;
      const float* v = stable_floats(lists[1][i], scratch);
      for (std::size_t j = 0; j < s1_[i].size(); ++j) {
        if (!(std::isfinite(v[j]) && v[j] >= 0.0f)) {
          throw ArgRangeError("state.s1[" + std::to_string(i) + "][" + std::to_string(j) + "]: expected a finite number >= 0");
        }
      }
    }
  }
  t_ = t;
  lr_ = lr;
  for (std::size_t i = 0; i < s0_.size(); ++i) {
    if (!s0_[i].empty()) std::copy_n(static_cast<const float*>(lists[0][i].data), s0_[i].size(), s0_[i].begin());
    if (!s1_[i].empty()) std::copy_n(static_cast<const float*>(lists[1][i].data), s1_[i].size(), s1_[i].begin());
  }
  return info.Env().Undefined();
}

Napi::Value OptimizerBinding::Dispose(const Napi::CallbackInfo& info) {
  alive_ = false;
  if (externalBytes_ != 0) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -externalBytes_);
  externalBytes_ = 0;
  params_.clear();
  s0_.clear();
  s1_.clear();
  return info.Env().Undefined();
}

}  // namespace lpc
