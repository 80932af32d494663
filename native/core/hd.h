// Marks functions that compile unchanged for the CPU (g++) and, under nvcc, for the GPU too, so that
// both devices run the same arithmetic.
#pragma once

#if defined(__CUDACC__)
#define LPC_HD __host__ __device__ __forceinline__
#else
#define LPC_HD inline __attribute__((always_inline))
#endif

// CPU helpers that must be inlined into their (cloned) caller, so that they are compiled for each
// instruction set of LPC_CPU_CLONES below rather than once for the baseline.
#define LPC_ALWAYS_INLINE inline __attribute__((always_inline))

// Hot CPU loops are compiled three times (x86-64-v2 baseline, v3 = AVX2, v4 = AVX-512) and the best
// one for the running CPU is picked at load time, so a prebuilt binary still runs on any x86-64-v2
// machine. The build turns off floating-point contraction (-ffp-contract=off), so all versions do the
// same IEEE operations in the same order and give bit-identical results.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__CUDACC__) && !defined(LPC_NO_CLONES)
#define LPC_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LPC_CPU_CLONES
#endif
