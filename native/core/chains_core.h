// Langevin chains without any JavaScript types: per-chain bookkeeping (gradients seen, step-size
// scale, restarts), preconditioner state, the unadjusted step with non-finite restarts, MALA, and the
// initialisers. The chain state itself (z, its second buffer, the MALA proposal) lives in memory the
// caller owns and passes in on every call, so that JavaScript can view it without copies.
//
// Layout: [n, d] row-major, chain c occupies [c*d, (c+1)*d); chains of datapoint b are b*K .. b*K+K-1.
// Double buffering: step() reads z and writes the next state into `out`, which must hold the state
// before z (the last one whose gradient was finite); the caller swaps the two afterwards. A chain whose
// energy or gradient is non-finite keeps the state in `out` (or z itself when there is no earlier
// finite state), so restarting it costs no copy in the common case.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "langevin_kernel.h"
#include "thread_pool.h"

namespace lpc {

struct MalaConfig {
  int64_t warmup = 0;          // steps during which v and the step-size scales adapt; frozen after
  bool adapt = false;          // per-chain step-size adaptation during warm-up
  float targetAccept = 0.57f;  // acceptance rate the adaptation aims at
  float adaptRate = 0.05f;     // log-scale change per unit of (alpha - target)
};

// Gradients seen per chain saturate here instead of overflowing: the bias corrections are exactly 1 long
// before (beta^t underflows), so a saturated count changes nothing.
constexpr int32_t kMaxGradientsSeen = INT32_MAX;

class ChainsCore {
 public:
  ChainsCore(std::size_t n, std::size_t d, const PrecondConfig& cfg, uint64_t seed, uint64_t stream);

  std::size_t n() const { return n_; }
  std::size_t d() const { return d_; }
  const PrecondConfig& config() const { return cfg_; }

  // Base step size of chain c for one call: the per-call scalar when > 0, else eta[c].
  // The effective step size is that times the chain's scale (halved by each restart, adapted by MALA).
  struct StepSizes {
    const float* perChain = nullptr;
    float scalar = 0.0f;
    float at(std::size_t c) const { return scalar > 0.0f ? scalar : perChain[c]; }
  };

  // Unadjusted step. Returns the number of chains restarted by this call.
  std::size_t step(ThreadPool& pool, const float* z, float* out, const float* grad, const float* energy, StepSizes eta);
  // Same bookkeeping, then the update through `update` (used for the CUDA path): it receives the
  // kernel arguments with per-row factors and active flags for all rows filled in.
  template <class Update>
  std::size_t step_with(ThreadPool& pool, const float* z, float* out, const float* grad, const float* energy, StepSizes eta, Update&& update);

  // Initialisers write the current state and reset the per-minibatch state.
  void init_prior(ThreadPool& pool, float* z);
  // mu, logScale: [B, d]; K = n / B chains per datapoint; logScale is log sigma, or log sigma^2 when
  // logVariance is set.
  void init_gaussian(ThreadPool& pool, float* z, const float* mu, const float* logScale, std::size_t batch, bool logVariance);

  // Per-minibatch reset: preconditioner state, gradients seen, step-size scales, restart counters and
  // MALA statistics. The RNG position and z are kept.
  void reset();

  // MALA (mala_core.cc). setCurrent stores energy and gradient at z and returns how many chains have a
  // non-finite value (those must not be used). propose() fills `proposal`; accept() applies
  // Metropolis-Hastings per chain and returns the number accepted.
  std::size_t mala_set_current(const float* energy, const float* grad);
  void mala_propose(ThreadPool& pool, const float* z, float* proposal, StepSizes eta);
  std::size_t mala_accept(ThreadPool& pool, float* z, const float* proposal, const float* energy, const float* grad);
  void set_mala_config(const MalaConfig& c) { mala_ = c; }
  const MalaConfig& mala_config() const { return mala_; }
  bool has_current() const { return haveCurrent_; }
  bool has_proposal() const { return haveProposal_; }

  // What reset() clears besides the preconditioner, restored from a checkpoint so that the calls after it
  // continue bit for bit. Arrays hold n values (energy n, grad n*d); energy and grad are null when no MALA
  // current state is stored.
  struct Bookkeeping {
    const int32_t* restarts = nullptr;
    const int32_t* consecutive = nullptr;
    const uint8_t* previousValid = nullptr;
    const uint8_t* lastRestored = nullptr;
    const double* accepted = nullptr;
    const double* proposed = nullptr;
    int64_t malaSteps = 0, nonFiniteProposals = 0;
    const float* energy = nullptr;
    const float* grad = nullptr;
  };
  void restore_bookkeeping(const Bookkeeping& b);

  // Bytes of native memory held (preconditioner, bookkeeping and MALA state).
  std::size_t native_bytes() const;

  // Readouts.
  uint64_t counter() const { return counter_; }
  void set_counter(uint64_t c) { counter_ = c; }
  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }
  int64_t total_restarts() const;
  const std::vector<int32_t>& restarts() const { return restarts_; }
  const std::vector<int32_t>& consecutive_restarts() const { return consec_; }
  const std::vector<int32_t>& gradients_seen() const { return t_; }
  const std::vector<float>& scales() const { return scale_; }
  const std::vector<int64_t>& accepted() const { return accepted_; }
  const std::vector<int64_t>& proposed() const { return proposedCount_; }
  int64_t mala_steps() const { return malaSteps_; }
  int64_t nonfinite_proposals() const { return nonFiniteProposals_; }
  const std::vector<uint8_t>& previous_valid() const { return prevValid_; }
  const std::vector<uint8_t>& last_restored() const { return lastRestored_; }
  // MALA's stored energy [n] and gradient [n, d] at z; meaningful only while has_current().
  const std::vector<float>& current_energy() const { return curEnergy_; }
  const std::vector<float>& current_grad() const { return curGrad_; }
  std::vector<float>& v() { return v_; }
  std::vector<float>& m() { return m_; }
  std::vector<int32_t>& t() { return t_; }
  std::vector<float>& scale() { return scale_; }

 private:
  // Bookkeeping for rows [r0, r1) before an unadjusted step: restarts non-finite chains, fills row
  // factors and active flags. Returns the restarts.
  std::size_t prepare_rows(const float* z, float* out, const float* grad, const float* energy, StepSizes eta, std::size_t r0, std::size_t r1);
  void restart_row(std::size_t c);
  RowFactors factors(std::size_t c, float eta, int32_t t) const;
  StepKernelArgs kernel_args(const float* z, float* out, const float* grad, uint64_t base, bool update);
  std::size_t grain_rows() const;

  std::size_t n_, d_;
  PrecondConfig cfg_;
  MalaConfig mala_;
  uint64_t seed_, stream_;
  PhiloxKey key_;
  uint64_t counter_ = 0;  // next Philox block of this chain set's stream

  std::vector<float> v_, m_;  // [n*d] preconditioner moments (empty when unused)
  std::vector<int32_t> t_;    // gradients folded into v per chain
  std::vector<float> scale_;  // step-size multiplier per chain
  std::vector<int32_t> restarts_, consec_;
  std::vector<uint8_t> prevValid_, lastRestored_;
  std::vector<RowFactors> rows_;
  std::vector<uint8_t> active_;

  // MALA state: energy and gradient at the current z, acceptance counters.
  std::vector<float> curEnergy_, curGrad_;
  std::vector<int64_t> accepted_, proposedCount_;
  int64_t malaSteps_ = 0, nonFiniteProposals_ = 0;
  bool haveCurrent_ = false, haveProposal_ = false;
};

// True when any of x[0, n) is NaN or infinite (exponent bits all ones). Vectorises as an integer OR.
bool any_nonfinite(const float* x, std::size_t n);

template <class Update>
std::size_t ChainsCore::step_with(ThreadPool& pool, const float* z, float* out, const float* grad, const float* energy, StepSizes eta, Update&& update) {
  std::atomic<std::size_t> restarted{0};
  pool.parallel_for(n_, grain_rows(), [&](std::size_t r0, std::size_t r1) { restarted += prepare_rows(z, out, grad, energy, eta, r0, r1); });
  StepKernelArgs a = kernel_args(z, out, grad, counter_, true);
  counter_ += blocks_for(static_cast<uint64_t>(n_) * d_);
  update(a);
  return restarted.load();
}

}  // namespace lpc
