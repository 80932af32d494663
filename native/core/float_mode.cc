#include "float_mode.h"

#include <atomic>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define LPC_FLOAT_MODE_X86 1
#elif defined(__aarch64__)
#include <cstdint>
#define LPC_FLOAT_MODE_ARM64 1
#endif

namespace lpc {

namespace {
std::atomic<bool> policy{true};
#if LPC_FLOAT_MODE_X86
constexpr unsigned kFtz = 1u << 15;  // results that would be subnormal become zero
constexpr unsigned kDaz = 1u << 6;   // subnormal operands are read as zero
#elif LPC_FLOAT_MODE_ARM64
constexpr std::uint64_t kFz = std::uint64_t{1} << 24;
std::uint64_t read_fpcr() {
  std::uint64_t v;
  __asm__ volatile("mrs %0, fpcr" : "=r"(v));
  return v;
}
void write_fpcr(std::uint64_t v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); }
#endif
}  // namespace

bool flush_policy() { return policy.load(std::memory_order_relaxed); }

void set_flush_policy(bool flush) { policy.store(flush, std::memory_order_relaxed); }

bool float_mode_supported() {
#if LPC_FLOAT_MODE_X86 || LPC_FLOAT_MODE_ARM64
  return true;
#else
  return false;
#endif
}

bool flush_denormals() {
#if LPC_FLOAT_MODE_X86
  return (_mm_getcsr() & (kFtz | kDaz)) == (kFtz | kDaz);
#elif LPC_FLOAT_MODE_ARM64
  return (read_fpcr() & kFz) != 0;
#else
  return false;
#endif
}

bool set_flush_denormals(bool on) {
  const bool before = flush_denormals();
#if LPC_FLOAT_MODE_X86
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(on ? (csr | kFtz | kDaz) : (csr & ~(kFtz | kDaz)));
#elif LPC_FLOAT_MODE_ARM64
  const std::uint64_t fpcr = read_fpcr();
  write_fpcr(on ? (fpcr | kFz) : (fpcr & ~kFz));
#else
  (void)on;
#endif
  return before;
}

}  // namespace lpc
