// MALA on top of the chain state (docs/ARCHITECTURE.md §2.4): the Langevin proposal with G taken from the
// preconditioner state before the current gradient, no momentum drift, Metropolis-Hastings with the
// proposal densities in both directions, then preconditioner and step-size adaptation during warm-up only,
// so that after warm-up every step is an exact pi-invariant kernel.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "chains_core.h"

namespace lpc {

std::size_t ChainsCore::mala_set_current(const float* energy, const float* grad) {
  curEnergy_.assign(energy, energy + n_);
  curGrad_.assign(grad, grad + n_ * d_);
  std::size_t bad = 0;
  for (std::size_t c = 0; c < n_; ++c) {
    bad += (!std::isfinite(curEnergy_[c]) || any_nonfinite(curGrad_.data() + c * d_, d_)) ? 1 : 0;
  }
  haveCurrent_ = bad == 0;
  haveProposal_ = false;
  return bad;
}

void ChainsCore::mala_propose(ThreadPool& pool, const float* z, float* proposal, StepSizes eta) {
  if (!haveCurrent_) throw std::logic_error("propose() needs setCurrent() or accept() first");
  for (std::size_t c = 0; c < n_; ++c) {
    rows_[c] = factors(c, eta.at(c), t_[c]);
    active_[c] = 1;
  }
  StepKernelArgs a = kernel_args(z, proposal, curGrad_.data(), counter_, false);
  counter_ += blocks_for(static_cast<uint64_t>(n_) * d_);
  pool.parallel_for(n_, grain_rows(), [&](std::size_t r0, std::size_t r1) { langevin_update_rows(a, r0, r1); });
  haveProposal_ = true;
}

std::size_t ChainsCore::mala_accept(ThreadPool& pool, float* z, const float* proposal, const float* energy, const float* grad) {
  if (!haveProposal_) throw std::logic_error("accept() needs propose() first");
  const DrawSite site{key_, stream_, counter_};
  counter_ += blocks_for(n_);
  const bool warm = malaSteps_ < mala_.warmup;
  const bool adaptG = warm && cfg_.kind != Precond::None;
  const bool adaptStep = warm && mala_.adapt;
  const float g0 = unseen_g(cfg_);
  std::atomic<std::size_t> acceptedNow{0};
  std::atomic<int64_t> nonFinite{0};
  pool.parallel_for(n_, grain_rows(), [&](std::size_t r0, std::size_t r1) {
    std::size_t acc = 0;
    int64_t bad = 0;
    for (std::size_t c = r0; c < r1; ++c) {
      const float* zr = z + c * d_;
      const float* yr = proposal + c * d_;
      float* gz = curGrad_.data() + c * d_;
      const float* gy = grad + c * d_;
      const float* vr = v_.empty() ? nullptr : v_.data() + c * d_;
      const RowFactors& r = rows_[c];
      double logAlpha = -INFINITY;
      if (std::isfinite(energy[c]) && !any_nonfinite(gy, d_)) {
        // log q(z | y) - log q(y | z) for N(x - eta G grad(x), 2 eta G): the normalisers cancel
        // because G is the same in both directions.
        double sum = 0.0;
        for (std::size_t j = 0; j < d_; ++j) {
          const float G = vr == nullptr ? 1.0f : r.bc2 == 0.0f ? g0 : clamp_g(vr[j] * r.bc2, cfg_.eps, cfg_.gMax);
          const double a = static_cast<double>(r.eta) * G;
          const double fwd = static_cast<double>(yr[j]) - zr[j] + a * gz[j];
          const double bwd = static_cast<double>(zr[j]) - yr[j] + a * gy[j];
          sum += (fwd * fwd - bwd * bwd) / (4.0 * a);
        }
        logAlpha = static_cast<double>(curEnergy_[c]) - energy[c] + sum;
      } else {
        ++bad;
      }
      const double u = uniform_at(site, c);
      const bool accept = std::log(u) < logAlpha;
      if (adaptStep) {
        const double alpha = logAlpha >= 0.0 ? 1.0 : std::exp(logAlpha);
        scale_[c] = static_cast<float>(scale_[c] * std::exp(mala_.adaptRate * (alpha - mala_.targetAccept)));
      }
      if (adaptG) {
        // Fold the gradient at the state this step started from; the next proposal uses it.
        float* vw = v_.data() + c * d_;
        for (std::size_t j = 0; j < d_; ++j) vw[j] = cfg_.beta2 * vw[j] + cfg_.oneMinusBeta2 * (gz[j] * gz[j]);
        if (t_[c] < kMaxGradientsSeen) ++t_[c];
      }
      if (accept) {
        std::memcpy(z + c * d_, yr, d_ * sizeof(float));
        std::memcpy(gz, gy, d_ * sizeof(float));
        curEnergy_[c] = energy[c];
        ++accepted_[c];
        ++acc;
      }
      ++proposedCount_[c];
    }
    acceptedNow += acc;
    nonFinite += bad;
  });
  nonFiniteProposals_ += nonFinite.load();
  ++malaSteps_;
  haveProposal_ = false;
  // The second z buffer no longer holds an earlier state of these chains.
  std::fill(prevValid_.begin(), prevValid_.end(), 0);
  return acceptedNow.load();
}

}  // namespace lpc
