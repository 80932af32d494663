// The calling thread's handling of subnormal floats. Flushing them to zero (x86: MXCSR's FTZ and DAZ bits;
// aarch64: FPCR's FZ bit) keeps arithmetic at full speed when values underflow, which importance weights and
// saturated sigmoids do in training: a subnormal operand costs about a hundred cycles per instruction.
#pragma once

namespace lpc {

// True when this CPU's thread-local mode can be changed by this build (x86-64 and aarch64).
bool float_mode_supported();

// Whether the calling thread flushes subnormal inputs and results to zero now.
bool flush_denormals();

// Sets the calling thread's mode and returns the previous one. Without support, does nothing and returns false.
bool set_flush_denormals(bool on);

// The process's policy for the addon's computations: flush subnormals (the default) or keep them.
bool flush_policy();
void set_flush_policy(bool flush);

// Sets the calling thread's mode to `flush` for the scope's life, then restores the mode it found.
class FloatModeScope {
 public:
  explicit FloatModeScope(bool flush) : before_(set_flush_denormals(flush)) {}
  ~FloatModeScope() { set_flush_denormals(before_); }
  FloatModeScope(const FloatModeScope&) = delete;
  FloatModeScope& operator=(const FloatModeScope&) = delete;

 private:
  bool before_;
};

}  // namespace lpc
