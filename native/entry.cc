#include "entry.h"

#include <new>

namespace lpc {
namespace js {

namespace {

// Every error leaving the addon carries a `code` from lib/errors.ts, so that JavaScript never classifies it by
// its message: allocation failures are LPC_OUT_OF_MEMORY, everything else LPC_NATIVE.
Napi::Error with_code(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

}  // namespace

Napi::Error current_exception_as_js(Napi::Env env) {
  try {
    throw;
  } catch (const Napi::Error& e) {
    return e;
  } catch (const ArgTypeError& e) {
    return with_code(Napi::TypeError::New(env, e.what()), "LPC_NATIVE");
  } catch (const ArgRangeError& e) {
    return with_code(Napi::RangeError::New(env, e.what()), "LPC_NATIVE");
  } catch (const std::bad_alloc&) {
    return with_code(Napi::RangeError::New(env, "out of memory"), "LPC_OUT_OF_MEMORY");
  } catch (const std::exception& e) {
    return with_code(Napi::Error::New(env, e.what()), "LPC_NATIVE");
  } catch (...) {
    return with_code(Napi::Error::New(env, "unknown native error"), "LPC_NATIVE");
  }
}

void tag_instance(Napi::Env env, Napi::Object obj, const napi_type_tag& tag) {
  const napi_status st = napi_type_tag_object(env, obj, &tag);
  if (st != napi_ok) throw Napi::Error::New(env, "could not tag a native object");
}

bool has_tag(Napi::Env env, Napi::Value value, const napi_type_tag& tag) {
  if (!value.IsObject()) return false;
  bool result = false;
  if (napi_check_object_type_tag(env, value, &tag, &result) != napi_ok) return false;
  return result;
}

Napi::Function function(Napi::Env env, const char* name, napi_callback cb) {
  napi_value fn = nullptr;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn) != napi_ok) {
    throw Napi::Error::New(env, std::string("could not create function ") + name);
  }
  return Napi::Function(env, fn);
}

napi_property_descriptor method_descriptor(const char* name, napi_callback cb) { return napi_property_descriptor{name, nullptr, cb, nullptr, nullptr, nullptr, napi_default_method, nullptr}; }

napi_property_descriptor getter_descriptor(const char* name, napi_callback cb) { return napi_property_descriptor{name, nullptr, nullptr, cb, nullptr, nullptr, napi_enumerable, nullptr}; }

}  // namespace js
}  // namespace lpc
