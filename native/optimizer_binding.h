// `Optimizer`: SGD (momentum, Nesterov), Adam or AdamW updating parameter Float32Arrays in place, with
// optional clipping by the global gradient norm. The parameters are referenced (not copied): the arrays
// given to the constructor are the ones updated, e.g. the arrays fed to onnxruntime as inputs.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "cuda_fallback.h"
#include "optim.h"

namespace lpc {

class OptimizerBinding : public Napi::ObjectWrap<OptimizerBinding> {
 public:
  static const napi_type_tag kTag;
  static constexpr const char* kName = "Optimizer";
  static void Register(Napi::Env env, Napi::Object exports);

  explicit OptimizerBinding(const Napi::CallbackInfo& info);
  ~OptimizerBinding() override;
  void ensure_alive() const;

  // new Optimizer(params: Float32Array[] (at least one), options { kind: 'sgd' | 'adam' | 'adamw', lr, momentum,
  // nesterov, beta1, beta2, eps, weightDecay, device: 'cpu' | 'cuda' }, all required). Every method throws
  // TypeError (wrong array kind, a detached parameter, a borrowed method: code LPC_NATIVE), RangeError (a
  // count, length or value out of range: LPC_NATIVE) or RangeError LPC_OUT_OF_MEMORY, and Error LPC_NATIVE
  // after dispose().
  // step(grads: Float32Array[] matching params, maxNorm: number > 0 | undefined) -> the global gradient norm
  // when maxNorm is given (the gradients are scaled down to it), undefined otherwise
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value GetLearningRate(const Napi::CallbackInfo& info);  // getLearningRate() -> number
  Napi::Value SetLearningRate(const Napi::CallbackInfo& info);  // setLearningRate(lr: finite number > 0)
  Napi::Value StepCount(const Napi::CallbackInfo& info);  // get stepCount -> number
  Napi::Value Device(const Napi::CallbackInfo& info);  // get device -> { device, reason }
  Napi::Value GetState(const Napi::CallbackInfo& info);  // getState() -> { t, lr, s0, s1 } (copies)
  // setState({ t, lr, s0, s1 } of an optimiser of the same kind over parameters of the same lengths)
  Napi::Value SetState(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);  // dispose() -> undefined; idempotent

 private:
  // Data of parameter i, re-checked on every call (the array may have been detached since).
  float* param(std::size_t i) const;
  OptCoeffs coeffs(float gradScale) const;
  // The update on the GPU; false (with the failure recorded) when a CUDA call failed, nothing written then.
  bool step_on_gpu(const OptCoeffs& c, const std::vector<float*>& ps, const std::vector<const float*>& gs);

  // Step count limit (setState accepts up to it, step() saturates at it): exact in a double.
  static constexpr int64_t kMaxSteps = INT64_C(1) << 52;

  bool alive_ = true;
  OptKind kind_ = OptKind::Adam;
  double lr_ = 1e-3, momentum_ = 0, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8, weightDecay_ = 0;
  bool nesterov_ = false;
  int64_t t_ = 0;  // steps taken
  std::vector<Napi::Reference<Napi::Float32Array>> params_;
  std::vector<std::size_t> lengths_;
  std::vector<std::vector<float>> s0_, s1_;  // sgd: momentum buffers (s0); adam: m (s0), v (s1)
  js::DeviceChoice device_;
  int64_t externalBytes_ = 0;  // reported to the engine (moment buffers), see ChainsBinding::account
};

}  // namespace lpc
