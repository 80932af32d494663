// Per-element optimiser updates, shared by the CPU loops and the CUDA kernels. Conventions follow
// PyTorch's: SGD's momentum buffer starts at the first gradient (no dampening), Adam's L2 weight decay
// adds wd * p to the gradient, AdamW decays the parameter by lr * wd before the Adam update.
#pragma once
#include <cmath>

#include "hd.h"

namespace lpc {

enum class OptKind : int32_t { Sgd = 0, Adam = 1, AdamW = 2 };

// Scalars of one optimiser step, computed on the host (bias corrections in double).
struct OptCoeffs {
  float lr;
  float momentum;     // sgd
  bool nesterov;      // sgd
  float beta1, beta2, eps;
  float oneMinusBeta1, oneMinusBeta2;  // computed in double (1 - 0.999f in float is off by 1.3e-5)
  float weightDecay;
  float bc1;          // 1 / (1 - beta1^t)
  float bc2;          // 1 / (1 - beta2^t)
  float gradScale;    // global-norm clipping factor (1 when not clipping)
};

LPC_HD void sgd_element(float& p, float g, float& buf, const OptCoeffs& c) {
  g = g * c.gradScale + c.weightDecay * p;
  if (c.momentum != 0.0f) {
    buf = c.momentum * buf + g;
    g = c.nesterov ? g + c.momentum * buf : buf;
  }
  p = p - c.lr * g;
}

template <bool Decoupled>
LPC_HD void adam_element(float& p, float g, float& m, float& v, const OptCoeffs& c) {
  g = g * c.gradScale;
  if (Decoupled) {
    p = p - c.lr * c.weightDecay * p;
  } else {
    g = g + c.weightDecay * p;
  }
  m = c.beta1 * m + c.oneMinusBeta1 * g;
  v = c.beta2 * v + c.oneMinusBeta2 * (g * g);
  p = p - c.lr * (m * c.bc1) / (std::sqrt(v * c.bc2) + c.eps);
}

}  // namespace lpc
