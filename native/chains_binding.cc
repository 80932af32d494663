#include "chains_binding.h"

#include <cmath>
#include <cstring>

#include "addon.h"
#include "args.h"
#include "cuda_api.h"
#include "cuda_fallback.h"
#include "entry.h"
#include "js_result.h"

namespace lpc {

using namespace js;

const napi_type_tag ChainsBinding::kTag = {0x6c70632d63686169ull, 0x6e732d7631000001ull};

namespace {

// Largest state this addon allocates: 2^31 - 1 floats per buffer keeps indexes safe for JavaScript loops.
constexpr std::size_t kMaxElements = (std::size_t{1} << 31) - 1;

Precond parse_precond(const std::string& s) {
  if (s == "none") return Precond::None;
  if (s == "rmsprop") return Precond::RmsProp;
  if (s == "adam") return Precond::Adam;
  throw ArgRangeError("options.preconditioner: expected 'none', 'rmsprop' or 'adam'; got '" + s + "'");
}

}  // namespace

void ChainsBinding::Register(Napi::Env env, Napi::Object exports) {
  using B = ChainsBinding;
  Napi::Function ctor = DefineClass(env, "Chains",
                                    {
                                        getter_descriptor("z", method_entry<B, &B::Z>),
                                        getter_descriptor("proposal", method_entry<B, &B::Proposal>),
                                        getter_descriptor("stepSizes", method_entry<B, &B::StepSizes>),
                                        getter_descriptor("device", method_entry<B, &B::Device>),
                                        method_descriptor("step", method_entry<B, &B::Step>),
                                        method_descriptor("initPrior", method_entry<B, &B::InitPrior>),
                                        method_descriptor("initGaussian", method_entry<B, &B::InitGaussian>),
                                        method_descriptor("reset", method_entry<B, &B::Reset>),
                                        method_descriptor("setCurrent", method_entry<B, &B::SetCurrent>),
                                        method_descriptor("propose", method_entry<B, &B::Propose>),
                                        method_descriptor("accept", method_entry<B, &B::Accept>),
                                        method_descriptor("stats", method_entry<B, &B::Stats>),
                                        method_descriptor("getState", method_entry<B, &B::GetState>),
                                        method_descriptor("setState", method_entry<B, &B::SetState>),
                                        method_descriptor("dispose", method_entry<B, &B::Dispose, false>),
                                    });
  exports.Set("Chains", ctor);
}

void register_chains(Napi::Env env, Napi::Object exports) { ChainsBinding::Register(env, exports); }

// new Chains(options): every option is required here; defaults live in the TypeScript class.
ChainsBinding::ChainsBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ChainsBinding>(info) {
  ctor_guard(info.Env(), [&] {
    tag_instance(info.Env(), info.This().As<Napi::Object>(), kTag);
    const Napi::Object o = object(info[0], "options");
    const auto n = static_cast<std::size_t>(integer_in(property(o, "n"), "options.n", 1, kMaxElements));
    const auto d = static_cast<std::size_t>(integer_in(property(o, "d"), "options.d", 1, kMaxElements));
    if (n * d > kMaxElements) {
      throw ArgRangeError("options.n * options.d: expected at most " + std::to_string(kMaxElements) + " elements");
    }
    PrecondConfig cfg;
    cfg.kind = parse_precond(string(property(o, "preconditioner"), "options.preconditioner"));
    const double beta1 = number_in(property(o, "beta1"), "options.beta1", 0.0, 1.0);
    const double beta2 = number_in(property(o, "beta2"), "options.beta2", 0.0, 1.0);
    cfg.set_betas(beta1, beta2);
    cfg.eps = static_cast<float>(positive_number(property(o, "eps"), "options.eps"));
    const Napi::Value gMax = property(o, "gMax");
    if (!(gMax.IsNumber() && std::isinf(gMax.As<Napi::Number>().DoubleValue()) && gMax.As<Napi::Number>().DoubleValue() > 0)) {
      cfg.gMax = static_cast<float>(positive_number(gMax, "options.gMax"));
    } else {
      cfg.gMax = INFINITY;
    }
    cfg.momentum = boolean(property(o, "momentum"), "options.momentum");
    const float stepSize = static_cast<float>(positive_number(property(o, "stepSize"), "options.stepSize"));
    const uint64_t seed = u64(property(o, "seed"), "options.seed");
    const uint64_t stream = u64(property(o, "stream"), "options.stream");
    const std::string device = string(property(o, "device"), "options.device");
    if (device != "cpu" && device != "cuda") {
      throw ArgRangeError("options.device: expected 'cpu' or 'cuda'; got '" + device + "'");
    }
    MalaConfig mala;
    mala.warmup = integer_in(property(o, "warmup"), "options.warmup", 0, INT64_C(1) << 52);
    mala.adapt = boolean(property(o, "adapt"), "options.adapt");
    mala.targetAccept = static_cast<float>(number_in(property(o, "targetAccept"), "options.targetAccept", 1e-6, 1.0));
    mala.adaptRate = static_cast<float>(positive_number(property(o, "adaptRate"), "options.adaptRate"));

    core_ = std::make_unique<ChainsCore>(n, d, cfg, seed, stream);
    core_->set_mala_config(mala);
    z_[0].allocate(info.Env(), n * d);
    z_[1].allocate(info.Env(), n * d);
    stepSizes_.allocate(info.Env(), n);
    float* eta = stepSizes_.data("chains.stepSizes");
    for (std::size_t c = 0; c < n; ++c) eta[c] = stepSize;
    if (device == "cuda") {
      device_.request_cuda();
    }
    account(info.Env());
  });
}

ChainsBinding::~ChainsBinding() {
  if (externalBytes_ != 0) {
    try {
      Napi::MemoryManagement::AdjustExternalMemory(Env(), -externalBytes_);
    } catch (...) {
    }
  }
}

void ChainsBinding::account(Napi::Env env) {
  const int64_t now = core_ ? static_cast<int64_t>(core_->native_bytes()) : 0;
  if (now != externalBytes_) Napi::MemoryManagement::AdjustExternalMemory(env, now - externalBytes_);
  externalBytes_ = now;
}

void ChainsBinding::ensure_alive() const {
  if (!core_) throw std::logic_error("Chains was disposed");
}

ChainsCore::StepSizes ChainsBinding::step_sizes(const Napi::Value& scalar) const {
  ChainsCore::StepSizes s;
  if (!scalar.IsUndefined()) {
    s.scalar = static_cast<float>(positive_number(scalar, "stepSize"));
    if (!(s.scalar > 0.0f)) throw ArgRangeError("stepSize: too small to be represented as a float");
    return s;
  }
  const float* eta = stepSizes_.data("chains.stepSizes");
  for (std::size_t c = 0; c < core_->n(); ++c) {
    if (!(std::isfinite(eta[c]) && eta[c] > 0.0f)) {
      throw ArgRangeError("chains.stepSizes[" + std::to_string(c) + "]: expected a finite number > 0; got " + std::to_string(eta[c]));
    }
  }
  s.perChain = eta;
  return s;
}

void ChainsBinding::check_disjoint(const void* p, std::size_t bytes, const std::string& name) const {
  z_[0].check_disjoint(p, bytes, name, "the chain state");
  z_[1].check_disjoint(p, bytes, name, "the chain state");
  proposal_.check_disjoint(p, bytes, name, "the proposal buffer");
  stepSizes_.check_disjoint(p, bytes, name, "the step sizes");
}

Napi::Value ChainsBinding::Z(const Napi::CallbackInfo&) {
  current();  // detached check
  return z_[cur_].view();
}

Napi::Value ChainsBinding::StepSizes(const Napi::CallbackInfo&) {
  stepSizes_.data("chains.stepSizes");
  return stepSizes_.view();
}

Napi::Value ChainsBinding::Device(const Napi::CallbackInfo& info) { return device_.report(info.Env()); }

// step(grad, energy | undefined, stepSize | undefined) -> number of chains restarted.
Napi::Value ChainsBinding::Step(const Napi::CallbackInfo& info) {
  const std::size_t n = core_->n(), total = this->total();
  const TypedView grad = float32_array(info[0], "grad", total);
  check_disjoint(grad.data, total * sizeof(float), "grad");
  TypedView energyView;
  if (!info[1].IsUndefined() && !info[1].IsNull()) {
    energyView = float32_array(info[1], "energy", n);
    check_disjoint(energyView.data, n * sizeof(float), "energy");
  }
  const ChainsCore::StepSizes eta = step_sizes(info[2]);
  // The finiteness check and the update must read the same values: shared inputs are copied first.
  std::vector<float> gradCopy, energyCopy;
  const float* g = stable_floats(grad, gradCopy);
  const float* energy = energyView.data == nullptr ? nullptr : stable_floats(energyView, energyCopy);
  const float* z = current();
  float* out = other();
  ThreadPool& pool = Addon::of(info.Env()).pool();
  std::size_t restarted;
  if (device_.on_gpu()) {
    restarted = core_->step_with(pool, z, out, g, energy, eta, [&](const StepKernelArgs& a) {
      try {
        cuda::langevin_update(a);
      } catch (const std::exception& e) {
        // The GPU failed mid-run (e.g. the device was lost); nothing was written: redo the step on the CPU.
        device_.fail("Chains.step", e);
        pool.parallel_for(a.n, 1, [&](std::size_t r0, std::size_t r1) { langevin_update_rows(a, r0, r1); });
      }
    });
  } else {
    restarted = core_->step(pool, z, out, g, energy, eta);
  }
  cur_ = 1 - cur_;
  warn_cuda_fallback(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(restarted));
}

Napi::Value ChainsBinding::InitPrior(const Napi::CallbackInfo& info) {
  core_->init_prior(Addon::of(info.Env()).pool(), current());
  return info.Env().Undefined();
}

// initGaussian(mu, logScale, logVariance): mu and logScale are [B, d] with n divisible by B.
Napi::Value ChainsBinding::InitGaussian(const Napi::CallbackInfo& info) {
  const std::size_t n = core_->n(), d = core_->d();
  const TypedView mu = float32_array(info[0], "mu", 0);
  if (mu.length % d != 0 || n % (mu.length / d) != 0) {
    throw ArgRangeError("mu: expected a Float32Array of length B*d = B*" + std::to_string(d) + " with B dividing the chain count " + std::to_string(n) + "; got Float32Array(" +
                        std::to_string(mu.length) + ")");
  }
  const TypedView logScale = float32_array(info[1], "logScale", mu.length);
  const bool logVariance = boolean(info[2], "logVariance");
  check_disjoint(mu.data, mu.length * sizeof(float), "mu");
  check_disjoint(logScale.data, logScale.length * sizeof(float), "logScale");
  core_->init_gaussian(Addon::of(info.Env()).pool(), current(), static_cast<const float*>(mu.data), static_cast<const float*>(logScale.data), mu.length / d, logVariance);
  return info.Env().Undefined();
}

Napi::Value ChainsBinding::Reset(const Napi::CallbackInfo& info) {
  core_->reset();
  return info.Env().Undefined();
}

Napi::Value ChainsBinding::Dispose(const Napi::CallbackInfo& info) {
  core_.reset();
  account(info.Env());
  z_[0].release();
  z_[1].release();
  proposal_.release();
  stepSizes_.release();
  return info.Env().Undefined();
}

}  // namespace lpc
