// Module entry: a context-aware addon (Napi::Addon), so it loads in the main thread and in any number of
// worker threads, each with its own instance data and thread pool; the pool is joined when the
// environment shuts down.
#include "addon.h"

namespace lpc {

Addon::Addon(Napi::Env env, Napi::Object exports) : pool_(ThreadPool::default_threads()) {
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
