// The per-element arithmetic of one preconditioned Langevin step, shared by the CPU loops and the
// CUDA kernels (same expressions, so both devices agree within float rounding). docs/ARCHITECTURE.md §2.3:
//   v_t = b2 v + (1-b2) g^2,  G = min(1 / (sqrt(v_t / (1 - b2^t)) + eps), gMax)
//   m_t = b1 m + (1-b1) g,    drift = momentum ? m_t / (1 - b1^t) : g
//   z' = z - eta G drift + sqrt(2 eta G) xi
// Per-chain factors (eta, 1/(1-b1^t), 1/(1-b2^t)) are computed once per row in double on the host.
#pragma once
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace lpc {

enum class Precond : int32_t { None = 0, RmsProp = 1, Adam = 2 };

struct PrecondConfig {
  Precond kind = Precond::None;
  float beta1 = 0.9f, beta2 = 0.99f;
  // 1 - beta computed in double before rounding: in float, 1 - 0.9999f is off by 1.7e-4 relative.
  float oneMinusBeta1 = 0.1f, oneMinusBeta2 = 0.01f;
  double beta1d = 0.9, beta2d = 0.99;  // for the bias corrections, computed on the host
  float eps = 1e-8f;
  float gMax = 10.0f;
  bool momentum = false;  // adam only: drift along the bias-corrected first moment

  void set_betas(double b1, double b2) {
    beta1d = b1;
    beta2d = b2;
    beta1 = static_cast<float>(b1);
    beta2 = static_cast<float>(b2);
    oneMinusBeta1 = static_cast<float>(1.0 - b1);
    oneMinusBeta2 = static_cast<float>(1.0 - b2);
  }
};

// Row constants for one chain in one step.
struct RowFactors {
  float eta;      // effective step size of the chain
  float sqrt2Eta; // sqrt(2 eta), computed once per row
  float bc1;      // 1 / (1 - beta1^t)
  float bc2;      // 1 / (1 - beta2^t)
};

LPC_HD float clamp_g(float vhat, float eps, float gMax) {
  const float g = 1.0f / (std::sqrt(vhat) + eps);
  return g < gMax ? g : gMax;
}

// Plain step (G = 1).
LPC_HD float step_plain(float z, float g, float xi, const RowFactors& r) { return z - r.eta * g + r.sqrt2Eta * xi; }

// Preconditioned step that folds gradient g into v (and m): the unadjusted sampler.
template <bool Momentum>
LPC_HD float step_precond_update(float z, float g, float xi, float& v, float& m, const RowFactors& r, const PrecondConfig& c) {
  const float vt = c.beta2 * v + c.oneMinusBeta2 * (g * g);
  v = vt;
  const float G = clamp_g(vt * r.bc2, c.eps, c.gMax);
  float drift = g;
  if (Momentum) {
    const float mt = c.beta1 * m + c.oneMinusBeta1 * g;
    m = mt;
    drift = mt * r.bc1;
  }
  return z - r.eta * G * drift + r.sqrt2Eta * std::sqrt(G) * xi;
}

// Preconditioned step with v frozen (G from the gradients seen before this one): the MALA proposal.
LPC_HD float step_precond_frozen(float z, float g, float xi, float v, const RowFactors& r, const PrecondConfig& c) {
  const float G = clamp_g(v * r.bc2, c.eps, c.gMax);
  return z - r.eta * G * g + r.sqrt2Eta * std::sqrt(G) * xi;
}

}  // namespace lpc
