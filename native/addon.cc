// Module entry: a context-aware addon (Napi::Addon), so it loads in the main thread and in any number of
// worker threads, each with its own instance data and thread pool; the pool is joined when the
// environment shuts down.
#include "addon.h"

#include "cpu_baseline.h"

namespace lpc {

namespace {

// Runs before anything else of the addon (the thread pool included): refuses an older CPU with a coded error.
unsigned checked_thread_count(Napi::Env env) {
  const std::string missing = missing_cpu_features();
  if (!missing.empty()) {
    Napi::Error e = Napi::Error::New(env,
                                     "langevin-pc needs an x86-64-v2 CPU (SSE4.2, POPCNT: most made since "
                                     "2009); this one lacks: " +
                                         missing);
    e.Set("code", Napi::String::New(env, "LPC_UNSUPPORTED_CPU"));
    throw e;
  }
  return ThreadPool::default_threads();
}

}  // namespace

Addon::Addon(Napi::Env env, Napi::Object exports) : pool_(checked_thread_count(env)) {
  // LPC_PACKAGE_VERSION comes from package.json (CMakeLists.txt).
  exports.Set("version", Napi::String::New(env, LPC_PACKAGE_VERSION));
  register_runtime(env, exports);
  register_rng(env, exports);
  register_chains(env, exports);
  register_optimizer(env, exports);
  register_reductions(env, exports);
  DefineAddon(exports, {});
}

}  // namespace lpc

using LpcAddon = lpc::Addon;
NODE_API_ADDON(LpcAddon)
