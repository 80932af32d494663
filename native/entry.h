// The one error policy of the addon. Every function and method that JavaScript can call enters through
// function_entry / method_entry (constructors through ctor_guard): validation throws ArgTypeError or
// ArgRangeError, and the single translator below turns whatever was thrown into a JavaScript
// TypeError, RangeError or Error with a `code` (LPC_OUT_OF_MEMORY for std::bad_alloc, LPC_NATIVE otherwise),
// which lib/native/binding.ts turns into an LpcError. Nothing thrown in C++ can escape into the runtime.
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>

#include "float_mode.h"

namespace lpc {
namespace js {

// Bad argument type (wrong class, wrong typed-array kind, detached buffer): a JavaScript TypeError.
struct ArgTypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Bad length or value (size mismatch, NaN, negative, out of range): a JavaScript RangeError.
struct ArgRangeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Call inside a catch block: the JavaScript error matching the exception being handled.
Napi::Error current_exception_as_js(Napi::Env env);

// Guards a constructor body: rethrows any exception as a Napi::Error (which node-addon-api throws into JS).
template <class F>
void ctor_guard(Napi::Env env, F&& body) {
  try {
    body();
  } catch (...) {
    throw current_exception_as_js(env);
  }
}

template <class F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (...) {
    // A pending JavaScript exception (e.g. thrown by a getter we called) already says what went wrong.
    // Nothing may leave this C callback: a failure to throw (the environment is shutting down) is dropped.
    try {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (!pending) current_exception_as_js(Napi::Env(env)).ThrowAsJavaScriptException();
    } catch (...) {
    }
    return nullptr;
  }
}

// A module-level function, computing with subnormals handled by the process's policy like the methods below;
// Raw is true only for the functions that read or set the thread's mode themselves.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&), bool Raw = false>
napi_value function_entry(napi_env env, napi_callback_info cb) {
  return guarded(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, cb);
    if (Raw) return Fn(info);
    const FloatModeScope mode(flush_policy());
    return Fn(info);
  });
}

// Type tags: every bound class tags its instances, and methods check the tag before unwrapping, so a
// method borrowed onto another object (`Chains.prototype.step.call(rng)`) throws instead of crashing.
void tag_instance(Napi::Env env, Napi::Object obj, const napi_type_tag& tag);
bool has_tag(Napi::Env env, Napi::Value value, const napi_type_tag& tag);

// A prototype method of class T: checks the receiver's tag and (unless Alive is false, as for dispose())
// that the object is not disposed. The method computes with subnormal floats flushed to zero unless the
// process's policy says keep (native/core/float_mode.h: optimiser moments and preconditioner states decay
// into that range and would run a hundred times slower there), and the JavaScript thread gets its own mode
// back on return.
// T provides: static const napi_type_tag kTag; static constexpr const char* kName; void ensure_alive() const.
template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo&), bool Alive = true>
napi_value method_entry(napi_env env, napi_callback_info cb) {
  return guarded(env, [&]() -> napi_value {
    const FloatModeScope mode(flush_policy());
    Napi::CallbackInfo info(env, cb);
    if (!has_tag(info.Env(), info.This(), T::kTag)) {
      throw ArgTypeError(std::string(T::kName) + " method called on an object that is not a " + T::kName);
    }
    T* self = T::Unwrap(info.This().As<Napi::Object>());
    if (Alive) self->ensure_alive();
    return (self->*M)(info);
  });
}

// A JavaScript function calling `cb` (an entry above).
Napi::Function function(Napi::Env env, const char* name, napi_callback cb);

// Property descriptors for ObjectWrap::DefineClass built from the entries above.
napi_property_descriptor method_descriptor(const char* name, napi_callback cb);
napi_property_descriptor getter_descriptor(const char* name, napi_callback cb);

}  // namespace js
}  // namespace lpc
