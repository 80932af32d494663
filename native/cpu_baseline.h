// The instruction set the addon is compiled for (x86-64-v2 on x86-64, see CMakeLists.txt), checked when it
// loads: on an older CPU the first SSE4.2 or POPCNT instruction would kill the process with SIGILL, so the
// module's init throws an Error with code LPC_UNSUPPORTED_CPU instead.
#pragma once
#include <string>

namespace lpc {

// The x86-64-v2 features this CPU lacks, e.g. "sse4.2 popcnt"; "" when it has them all (and always on
// other architectures).
std::string missing_cpu_features();

}  // namespace lpc
