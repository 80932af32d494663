// Per-environment state of the addon (one per main thread or worker thread): the thread pool.
#pragma once
#include <napi.h>

#include "thread_pool.h"

namespace lpc {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);
  static Addon& of(Napi::Env env) { return *env.GetInstanceData<Addon>(); }
  ThreadPool& pool() { return pool_; }

 private:
  ThreadPool pool_;
};

// Each bound class or group of functions adds itself to the exports.
void register_rng(Napi::Env env, Napi::Object exports);
void register_chains(Napi::Env env, Napi::Object exports);
void register_optimizer(Napi::Env env, Napi::Object exports);
void register_reductions(Napi::Env env, Napi::Object exports);
void register_runtime(Napi::Env env, Napi::Object exports);

}  // namespace lpc
