#include "chains_core.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lpc {
namespace {

// Rows are split across threads only when a part has at least this many elements; below it the
// hand-off costs more than it saves (measured with bench/native.mjs).
constexpr std::size_t kGrainElements = 1 << 15;
// Bookkeeping and update alternate over chunks of about this many elements, so the gradient rows read
// by the finiteness check are still in L2 when the update reads them again.
constexpr std::size_t kChunkElements = 1 << 13;

}  // namespace

bool any_nonfinite(const float* x, std::size_t n) {
  uint32_t acc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    acc |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  return acc != 0;
}

ChainsCore::ChainsCore(std::size_t n, std::size_t d, const PrecondConfig& cfg, uint64_t seed, uint64_t stream) : n_(n), d_(d), cfg_(cfg), seed_(seed), stream_(stream), key_(philox_key(seed)) {
  if (cfg_.kind != Precond::None) v_.assign(n * d, 0.0f);
  if (cfg_.kind == Precond::Adam && cfg_.momentum) m_.assign(n * d, 0.0f);
  t_.assign(n, 0);
  scale_.assign(n, 1.0f);
  restarts_.assign(n, 0);
  consec_.assign(n, 0);
  prevValid_.assign(n, 0);
  lastRestored_.assign(n, 0);
  rows_.assign(n, RowFactors{});
  active_.assign(n, 0);
  accepted_.assign(n, 0);
  proposedCount_.assign(n, 0);
}

std::size_t ChainsCore::grain_rows() const { return std::max<std::size_t>(1, kGrainElements / d_); }

std::size_t ChainsCore::native_bytes() const {
  return (v_.capacity() + m_.capacity() + scale_.capacity() + curEnergy_.capacity() + curGrad_.capacity()) * 4 + (t_.capacity() + restarts_.capacity() + consec_.capacity()) * 4 +
         rows_.capacity() * sizeof(RowFactors) + (accepted_.capacity() + proposedCount_.capacity()) * 8 + prevValid_.capacity() * 3;
}

int64_t ChainsCore::total_restarts() const {
  int64_t s = 0;
  for (int32_t r : restarts_) s += r;
  return s;
}

void ChainsCore::reset() {
  std::fill(v_.begin(), v_.end(), 0.0f);
  std::fill(m_.begin(), m_.end(), 0.0f);
  std::fill(t_.begin(), t_.end(), 0);
  std::fill(scale_.begin(), scale_.end(), 1.0f);
  std::fill(restarts_.begin(), restarts_.end(), 0);
  std::fill(consec_.begin(), consec_.end(), 0);
  std::fill(prevValid_.begin(), prevValid_.end(), 0);
  std::fill(lastRestored_.begin(), lastRestored_.end(), 0);
  std::fill(accepted_.begin(), accepted_.end(), 0);
  std::fill(proposedCount_.begin(), proposedCount_.end(), 0);
  malaSteps_ = 0;
  nonFiniteProposals_ = 0;
  haveCurrent_ = false;
  haveProposal_ = false;
}

void ChainsCore::restore_bookkeeping(const Bookkeeping& b) {
  std::copy(b.restarts, b.restarts + n_, restarts_.begin());
  std::copy(b.consecutive, b.consecutive + n_, consec_.begin());
  std::copy(b.previousValid, b.previousValid + n_, prevValid_.begin());
  std::copy(b.lastRestored, b.lastRestored + n_, lastRestored_.begin());
  for (std::size_t c = 0; c < n_; ++c) {
    accepted_[c] = static_cast<int64_t>(b.accepted[c]);
    proposedCount_[c] = static_cast<int64_t>(b.proposed[c]);
  }
  malaSteps_ = b.malaSteps;
  nonFiniteProposals_ = b.nonFiniteProposals;
  haveProposal_ = false;
  haveCurrent_ = b.energy != nullptr && b.grad != nullptr;
  if (haveCurrent_) {
    curEnergy_.assign(b.energy, b.energy + n_);
    curGrad_.assign(b.grad, b.grad + n_ * d_);
  }
}

RowFactors ChainsCore::factors(std::size_t c, float eta, int32_t t) const {
  RowFactors r;
  const double e = static_cast<double>(eta) * scale_[c];
  r.eta = static_cast<float>(e);
  r.sqrt2Eta = static_cast<float>(std::sqrt(2.0 * e));
  // Bias corrections 1/(1 - beta^t); 0 marks "no gradient seen" (t = 0) for the MALA proposal.
  r.bc1 = t > 0 ? static_cast<float>(1.0 / (1.0 - std::pow(cfg_.beta1d, t))) : 0.0f;
  r.bc2 = t > 0 ? static_cast<float>(1.0 / (1.0 - std::pow(cfg_.beta2d, t))) : 0.0f;
  return r;
}

void ChainsCore::restart_row(std::size_t c) {
  scale_[c] *= 0.5f;
  if (!v_.empty()) std::fill_n(v_.begin() + c * d_, d_, 0.0f);
  if (!m_.empty()) std::fill_n(m_.begin() + c * d_, d_, 0.0f);
  t_[c] = 0;
  ++restarts_[c];
  ++consec_[c];
}

std::size_t ChainsCore::prepare_rows(const float* z, float* out, const float* grad, const float* energy, StepSizes eta, std::size_t r0, std::size_t r1) {
  std::size_t restarted = 0;
  for (std::size_t c = r0; c < r1; ++c) {
    const bool bad = (energy != nullptr && !std::isfinite(energy[c])) || any_nonfinite(grad + c * d_, d_);
    if (bad) {
      // `out` holds the state before z when that state's gradient was finite; otherwise stay at z.
      if (!prevValid_[c]) std::memcpy(out + c * d_, z + c * d_, d_ * sizeof(float));
      restart_row(c);
      prevValid_[c] = 0;
      lastRestored_[c] = 1;
      active_[c] = 0;
      ++restarted;
    } else {
      // A finite gradient at a state that a step produced ends a run of restarts.
      if (!lastRestored_[c]) consec_[c] = 0;
      lastRestored_[c] = 0;
      if (cfg_.kind != Precond::None && t_[c] < kMaxGradientsSeen) ++t_[c];
      rows_[c] = factors(c, eta.at(c), t_[c]);
      active_[c] = 1;
      prevValid_[c] = 1;
    }
  }
  return restarted;
}

StepKernelArgs ChainsCore::kernel_args(const float* z, float* out, const float* grad, uint64_t base, bool update) {
  StepKernelArgs a;
  a.z = z;
  a.out = out;
  a.grad = grad;
  a.v = v_.empty() ? nullptr : v_.data();
  a.m = m_.empty() ? nullptr : m_.data();
  a.rows = rows_.data();
  a.active = active_.data();
  a.n = n_;
  a.d = d_;
  a.cfg = cfg_;
  a.updateState = update;
  a.site = DrawSite{key_, stream_, base};
  return a;
}

std::size_t ChainsCore::step(ThreadPool& pool, const float* z, float* out, const float* grad, const float* energy, StepSizes eta) {
  haveCurrent_ = false;
  haveProposal_ = false;
  const StepKernelArgs a = kernel_args(z, out, grad, counter_, true);
  counter_ += blocks_for(static_cast<uint64_t>(n_) * d_);
  const std::size_t chunkRows = std::max<std::size_t>(1, kChunkElements / d_);
  std::atomic<std::size_t> restarted{0};
  pool.parallel_for(n_, grain_rows(), [&](std::size_t r0, std::size_t r1) {
    std::size_t local = 0;
    for (std::size_t c0 = r0; c0 < r1; c0 += chunkRows) {
      const std::size_t c1 = std::min(r1, c0 + chunkRows);
      local += prepare_rows(z, out, grad, energy, eta, c0, c1);
      langevin_update_rows(a, c0, c1);
    }
    restarted += local;
  });
  return restarted.load();
}

void ChainsCore::init_prior(ThreadPool& pool, float* z) {
  const uint64_t total = static_cast<uint64_t>(n_) * d_;
  const DrawSite site{key_, stream_, counter_};
  counter_ += blocks_for(total);
  pool.parallel_for(total, kGrainElements, [&](std::size_t e0, std::size_t e1) { normals_range(site, e0, e1 - e0, z + e0); });
  reset();
}

void ChainsCore::init_gaussian(ThreadPool& pool, float* z, const float* mu, const float* logScale, std::size_t batch, bool logVariance) {
  const std::size_t k = n_ / batch;
  const uint64_t total = static_cast<uint64_t>(n_) * d_;
  const DrawSite site{key_, stream_, counter_};
  counter_ += blocks_for(total);
  const float expFactor = logVariance ? 0.5f : 1.0f;
  pool.parallel_for(n_, grain_rows(), [&](std::size_t r0, std::size_t r1) {
    std::vector<float> sigma(d_);
    std::size_t sigmaRow = static_cast<std::size_t>(-1);
    for (std::size_t c = r0; c < r1; ++c) {
      const std::size_t b = c / k;
      if (b != sigmaRow) {
        for (std::size_t j = 0; j < d_; ++j) sigma[j] = std::exp(expFactor * logScale[b * d_ + j]);
        sigmaRow = b;
      }
      float* row = z + c * d_;
      normals_range(site, static_cast<uint64_t>(c) * d_, d_, row);
      const float* m = mu + b * d_;
      for (std::size_t j = 0; j < d_; ++j) row[j] = m[j] + sigma[j] * row[j];
    }
  });
  reset();
}

}  // namespace lpc
