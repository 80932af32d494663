// Chains: the MALA entry points (see mala_core.cc for the algorithm).
#include "addon.h"
#include "args.h"
#include "chains_binding.h"
#include "entry.h"

namespace lpc {

using namespace js;

Napi::Value ChainsBinding::Proposal(const Napi::CallbackInfo& info) {
  if (!proposal_.allocated()) proposal_.allocate(info.Env(), total());
  proposal_.data("chains.proposal");
  return proposal_.view();
}

// setCurrent(energy, grad) -> number of chains whose energy or gradient is not finite (0 means stored).
Napi::Value ChainsBinding::SetCurrent(const Napi::CallbackInfo& info) {
  const TypedView energy = float32_array(info[0], "energy", core_->n());
  const TypedView grad = float32_array(info[1], "grad", total());
  current();  // the state these values belong to must still be there
  // mala_set_current copies both before checking them, so shared inputs need no copy here.
  const std::size_t bad = core_->mala_set_current(static_cast<const float*>(energy.data), static_cast<const float*>(grad.data));
  account(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}

// propose(stepSize | undefined): fills `proposal` from the current state.
Napi::Value ChainsBinding::Propose(const Napi::CallbackInfo& info) {
  const ChainsCore::StepSizes eta = step_sizes(info[0]);
  if (!proposal_.allocated()) proposal_.allocate(info.Env(), total());
  core_->mala_propose(Addon::of(info.Env()).pool(), current(), proposal_.data("chains.proposal"), eta);
  return info.Env().Undefined();
}

// accept(energy, grad) at the proposal -> number of chains that moved.
Napi::Value ChainsBinding::Accept(const Napi::CallbackInfo& info) {
  const TypedView energy = float32_array(info[0], "energy", core_->n());
  const TypedView grad = float32_array(info[1], "grad", total());
  check_disjoint(energy.data, core_->n() * sizeof(float), "energy");
  check_disjoint(grad.data, total() * sizeof(float), "grad");
  if (!proposal_.allocated()) throw std::logic_error("accept() needs propose() first");
  // The finiteness check and the copy of accepted gradients must read the same values.
  std::vector<float> energyCopy, gradCopy;
  const std::size_t accepted = core_->mala_accept(Addon::of(info.Env()).pool(), current(), proposal_.data("chains.proposal"), stable_floats(energy, energyCopy), stable_floats(grad, gradCopy));
  return Napi::Number::New(info.Env(), static_cast<double>(accepted));
}

}  // namespace lpc
