// Compiled for the original x86-64 instruction set (CMakeLists.txt), so this check runs on any x86-64 CPU.
#include "cpu_baseline.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace lpc {

std::string missing_cpu_features() {
  std::string missing;
#if defined(__x86_64__) && defined(__GNUC__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return "cpuid";
  // CPUID leaf 1, ECX: the x86-64-v2 level of the x86-64 psABI.
  const struct {
    unsigned bit;
    const char* name;
  } leaf1[] = {{0, "sse3"}, {9, "ssse3"}, {13, "cx16"}, {19, "sse4.1"}, {20, "sse4.2"}, {23, "popcnt"}};
  for (const auto& f : leaf1) {
    if (!(ecx & (1u << f.bit))) missing += std::string(missing.empty() ? "" : " ") + f.name;
  }
  // Extended leaf 0x80000001, ECX bit 0: LAHF/SAHF in 64-bit mode.
  if (!__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx) || !(ecx & 1u)) {
    missing += std::string(missing.empty() ? "" : " ") + "lahf_lm";
  }
#endif
  return missing;
}

}  // namespace lpc
