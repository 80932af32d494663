#include "optimizer_binding.h"

#include <cmath>

#include "addon.h"
#include "args.h"
#include "cuda_api.h"
#include "entry.h"

namespace lpc {

using namespace js;

const napi_type_tag OptimizerBinding::kTag = {0x6c70632d6f707469ull, 0x6d2d763100000003ull};

void OptimizerBinding::Register(Napi::Env env, Napi::Object exports) {
  using B = OptimizerBinding;
  exports.Set("Optimizer",
              DefineClass(env, "Optimizer",
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

// Reads an array of Float32Arrays; `expected` lengths when given.
std::vector<TypedView> float32_list(const Napi::Value& v, const std::string& name,
                                    const std::vector<std::size_t>* expected) {
  if (!v.IsArray()) throw ArgTypeError(name + ": expected an array of Float32Array; got " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  if (expected != nullptr && a.Length() != expected->size()) {
    throw ArgRangeError(name + ": expected " + std::to_string(expected->size()) + " arrays; got " +
                        std::to_string(a.Length()));
  }
  if (a.Length() == 0) throw ArgRangeError(name + ": expected at least one Float32Array");
  std::vector<TypedView> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    out.push_back(float32_array(a.Get(i), name + "[" + std::to_string(i) + "]", expected ? (*expected)[i] : 0));
  }
  return out;
}

}  // namespace

// new Optimizer(params, {kind, lr, momentum, nesterov, beta1, beta2, eps, weightDecay, device})
OptimizerBinding::OptimizerBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OptimizerBinding>(info) {
  ctor_guard(info.Env(), [&] {
    tag_instance(info.Env(), info.This().As<Napi::Object>(), kTag);
    const std::vector<TypedView> params = float32_list(info[0], "params", nullptr);
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
    if (device != "cpu" && device != "cuda")
      throw ArgRangeError("options.device: expected 'cpu' or 'cuda'; got '" + device + "'");
    if (device == "cuda") {
      useCuda_ = cuda::status().available;
      deviceReason_ = useCuda_ ? "" : cuda::status().reason;
    }
    Napi::Array a = info[0].As<Napi::Array>();
    for (std::size_t i = 0; i < params.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        no_overlap(params[i].data, params[i].length * 4, params[j].data, params[j].length * 4,
                   "params[" + std::to_string(i) + "]", ("params[" + std::to_string(j) + "]").c_str());
      }
      params_.push_back(Napi::Persistent(a.Get(static_cast<uint32_t>(i)).As<Napi::Float32Array>()));
      lengths_.push_back(params[i].length);
      const bool needsS0 = kind_ != OptKind::Sgd || momentum_ != 0;
      s0_.emplace_back(needsS0 ? params[i].length : 0, 0.0f);
      s1_.emplace_back(kind_ != OptKind::Sgd ? params[i].length : 0, 0.0f);
    }
    for (std::size_t i = 0; i < s0_.size(); ++i)
      externalBytes_ += static_cast<int64_t>((s0_[i].size() + s1_[i].size()) * 4);
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

// step(grads, maxNorm | undefined) -> the global gradient norm when clipping, else undefined.
Napi::Value OptimizerBinding::Step(const Napi::CallbackInfo& info) {
  const std::vector<TypedView> grads = float32_list(info[0], "grads", &lengths_);
  std::vector<float*> ps;
  for (std::size_t i = 0; i < params_.size(); ++i) ps.push_back(param(i));
  for (std::size_t i = 0; i < grads.size(); ++i) {
    for (std::size_t j = 0; j < ps.size(); ++j) {
      no_overlap(grads[i].data, lengths_[i] * 4, ps[j], lengths_[j] * 4, "grads[" + std::to_string(i) + "]",
                 ("params[" + std::to_string(j) + "]").c_str());
    }
  }
  ThreadPool& pool = Addon::of(info.Env()).pool();
  float scale = 1.0f;
  Napi::Value result = info.Env().Undefined();
  if (!info[1].IsUndefined()) {
    const double maxNorm = positive_number(info[1], "maxNorm");
    std::vector<const float*> gs;
    for (const TypedView& g : grads) gs.push_back(static_cast<const float*>(g.data));
    const double norm = std::sqrt(sum_of_squares(pool, gs, lengths_));
    // As torch.nn.utils.clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when that is below 1.
    const double factor = maxNorm / (norm + 1e-6);
    if (factor < 1.0) scale = static_cast<float>(factor);
    result = Napi::Number::New(info.Env(), norm);
  }
  ++t_;
  const OptCoeffs c = coeffs(scale);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    float* s0 = s0_[i].empty() ? nullptr : s0_[i].data();
    float* s1 = s1_[i].empty() ? nullptr : s1_[i].data();
    const auto* g = static_cast<const float*>(grads[i].data);
    if (useCuda_) cuda::optimizer_update(kind_, c, ps[i], g, s0, s1, lengths_[i]);
    else optimizer_update(pool, kind_, c, ps[i], g, s0, s1, lengths_[i]);
  }
  return result;
}

Napi::Value OptimizerBinding::GetLearningRate(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), lr_);
}

Napi::Value OptimizerBinding::SetLearningRate(const Napi::CallbackInfo& info) {
  lr_ = positive_number(info[0], "lr");
  return info.Env().Undefined();
}

Napi::Value OptimizerBinding::StepCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(t_));
}

Napi::Value OptimizerBinding::Device(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("device", Napi::String::New(info.Env(), useCuda_ ? "cuda" : "cpu"));
  o.Set("reason", Napi::String::New(info.Env(), deviceReason_));
  return o;
}

// getState() -> {t, lr, s0: Float32Array[], s1: Float32Array[]} (copies; empty arrays where a kind keeps no
// such buffer).
Napi::Value OptimizerBinding::GetState(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("t", Napi::Number::New(env, static_cast<double>(t_)));
  o.Set("lr", Napi::Number::New(env, lr_));
  for (const char* key : {"s0", "s1"}) {
    const auto& src = key[1] == '0' ? s0_ : s1_;
    Napi::Array list = Napi::Array::New(env, src.size());
    for (std::size_t i = 0; i < src.size(); ++i) {
      Napi::Float32Array a = Napi::Float32Array::New(env, src[i].size());
      std::copy(src[i].begin(), src[i].end(), a.Data());
      list.Set(static_cast<uint32_t>(i), a);
    }
    o.Set(key, list);
  }
  return o;
}

Napi::Value OptimizerBinding::SetState(const Napi::CallbackInfo& info) {
  const Napi::Object o = object(info[0], "state");
  const int64_t t = integer_in(property(o, "t"), "state.t", 0, INT64_C(1) << 52);
  const double lr = positive_number(property(o, "lr"), "state.lr");
  std::vector<std::vector<TypedView>> lists;
  for (const char* key : {"s0", "s1"}) {
    const auto& dst = key[1] == '0' ? s0_ : s1_;
    const Napi::Value v = property(o, key);
    if (!v.IsArray() || v.As<Napi::Array>().Length() != dst.size()) {
      throw ArgTypeError(std::string("state.") + key + ": expected an array of " + std::to_string(dst.size()) +
                         " Float32Array");
    }
    std::vector<TypedView> views;
    Napi::Array a = v.As<Napi::Array>();
    for (std::size_t i = 0; i < dst.size(); ++i) {
      const std::string name = std::string("state.") + key + "[" + std::to_string(i) + "]";
      const Napi::Value item = a.Get(static_cast<uint32_t>(i));
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
