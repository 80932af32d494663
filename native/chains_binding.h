// `Chains` as JavaScript sees it: N chains x d dims of Langevin state in JS-owned buffers (zero-copy
// Float32Array views), the unadjusted step with non-finite restarts, MALA, initialisers and state export.
// All methods are synchronous: a step is a few milliseconds at most, shorter than a worker hand-off.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "chains_core.h"
#include "cuda_fallback.h"
#include "js_buffer.h"

namespace lpc {

class ChainsBinding : public Napi::ObjectWrap<ChainsBinding> {
 public:
  static const napi_type_tag kTag;
  static constexpr const char* kName = "Chains";
  static void Register(Napi::Env env, Napi::Object exports);

  explicit ChainsBinding(const Napi::CallbackInfo& info);
  ~ChainsBinding() override;
  void ensure_alive() const;

  // Every method below throws TypeError (wrong typed-array kind, detached buffer, a borrowed method: all code
  // LPC_NATIVE), RangeError (a length or value out of range: LPC_NATIVE) or RangeError LPC_OUT_OF_MEMORY, and
  // Error LPC_NATIVE when called after dispose(). Arrays it reads must not overlap the chain buffers.
  // Constructor options (all required): n, d, preconditioner ('none' | 'rmsprop' | 'adam'), beta1, beta2, eps,
  // gMax, momentum, stepSize, seed and stream (bigint), device ('cpu' | 'cuda'), warmup, adapt, targetAccept,
  // adaptRate; n * d at most 2^31 - 1.
  // chains_binding.cc
  Napi::Value Z(const Napi::CallbackInfo& info);          // get z: Float32Array [n*d] view of the current state
  Napi::Value StepSizes(const Napi::CallbackInfo& info);  // get stepSizes: Float32Array [n] view, writable
  Napi::Value Device(const Napi::CallbackInfo& info);     // get device: { device, reason }
  // step(grad: Float32Array [n*d], energy: Float32Array [n] | undefined, stepSize: number > 0 | undefined)
  //   -> number of chains restarted (non-finite energy or gradient)
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value InitPrior(const Napi::CallbackInfo& info);  // initPrior() -> undefined
  // initGaussian(mu: Float32Array [B*d], logScale: Float32Array [B*d], logVariance: boolean), B dividing n
  Napi::Value InitGaussian(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);    // reset() -> undefined
  Napi::Value Dispose(const Napi::CallbackInfo& info);  // dispose() -> undefined; idempotent
  // chains_mala.cc
  Napi::Value Proposal(const Napi::CallbackInfo& info);  // get proposal: Float32Array [n*d] view
  // setCurrent(energy: Float32Array [n], grad: Float32Array [n*d]) -> chains with non-finite values (0: stored)
  Napi::Value SetCurrent(const Napi::CallbackInfo& info);
  // propose(stepSize: number > 0 | undefined) -> undefined; Error LPC_NATIVE before setCurrent()/accept()
  Napi::Value Propose(const Napi::CallbackInfo& info);
  // accept(energy: Float32Array [n], grad: Float32Array [n*d]) at the proposal -> chains that moved;
  // Error LPC_NATIVE before propose()
  Napi::Value Accept(const Napi::CallbackInfo& info);
  // chains_state.cc
  Napi::Value Stats(const Napi::CallbackInfo& info);     // stats() -> counters (fresh copies)
  Napi::Value GetState(const Napi::CallbackInfo& info);  // getState() -> { counter, z, v, m, t, scale } (copies)
  // setState(state from getState() of chains with the same n, d, preconditioner and momentum) -> undefined
  Napi::Value SetState(const Napi::CallbackInfo& info);

 private:
  std::size_t total() const { return core_->n() * core_->d(); }
  float* current() const { return z_[cur_].data("chains.z"); }
  float* other() const { return z_[1 - cur_].data("chains.z"); }
  // Per-call step size: a finite number > 0, or undefined for the per-chain stepSizes array (each of
  // which must be finite and > 0).
  ChainsCore::StepSizes step_sizes(const Napi::Value& scalar) const;
  // Tells the engine how much native memory (preconditioner and MALA state) this object holds, so that
  // garbage collection of undisposed chains is not delayed by an underestimate.
  void account(Napi::Env env);
  // Rejects an input array that shares memory with the state buffers.
  void check_disjoint(const void* p, std::size_t bytes, const std::string& name) const;

  std::unique_ptr<ChainsCore> core_;
  js::JsFloatBuffer z_[2];  // current state and the one before it (double buffering, see chains_core.h)
  int cur_ = 0;
  js::JsFloatBuffer proposal_;  // MALA proposal, allocated by the first propose()
  js::JsFloatBuffer stepSizes_;  // per-chain base step sizes, writable from JavaScript
  js::DeviceChoice device_;
  int64_t externalBytes_ = 0;
};

}  // namespace lpc
