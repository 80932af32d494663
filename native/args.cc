#include "args.h"

#include <cmath>

#include "entry.h"

namespace lpc {
namespace js {
namespace {

const char* kind_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

// True when the typed array's buffer was detached (transferred). A SharedArrayBuffer cannot be detached;
// napi_is_detached_arraybuffer rejects it, which is reported here as not detached.
bool detached(const Napi::TypedArray& ta) {
  napi_value buffer = nullptr;
  napi_typedarray_type type;
  std::size_t length = 0, offset = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(ta.Env(), ta, &type, &length, &data, &buffer, &offset) != napi_ok) return true;
  bool result = false;
  if (napi_is_detached_arraybuffer(ta.Env(), buffer, &result) != napi_ok) return false;
  return result;
}

std::string length_text(std::size_t expected) { return expected == 0 ? std::string("any non-zero length") : "length " + std::to_string(expected); }

TypedView typed(const Napi::Value& v, const std::string& name, std::size_t expected, bool allowF64, bool allowF32, bool int32 = false, bool uint8 = false) {
  const std::string want = uint8 ? "Uint8Array" : int32 ? "Int32Array" : allowF32 && allowF64 ? "Float32Array or Float64Array" : allowF64 ? "Float64Array" : "Float32Array";
  if (!v.IsTypedArray()) {
    throw ArgTypeError(name + ": expected a " + want + " of " + length_text(expected) + "; got " + describe(v));
  }
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  const napi_typedarray_type t = ta.TypedArrayType();
  if (!((allowF32 && t == napi_float32_array) || (allowF64 && t == napi_float64_array) || (int32 && t == napi_int32_array) || (uint8 && t == napi_uint8_array))) {
    throw ArgTypeError(name + ": expected a " + want + " of " + length_text(expected) + "; got " + describe(v));
  }
  if (detached(ta)) throw ArgTypeError(name + ": its ArrayBuffer is detached (transferred)");
  napi_typedarray_type type;
  std::size_t len = 0, offset = 0;
  void* data = nullptr;  // already advanced by the view's byte offset
  napi_value buffer = nullptr;
  if (napi_get_typedarray_info(v.Env(), v, &type, &len, &data, &buffer, &offset) != napi_ok) {
    throw ArgTypeError(name + ": could not read the typed array");
  }
  if (len == 0 || (expected != 0 && len != expected)) {
    throw ArgRangeError(name + ": expected a " + want + " of " + length_text(expected) + "; got " + describe(v));
  }
  TypedView out;
  out.type = t;
  out.length = len;
  out.data = data;
  // napi_is_arraybuffer is false for a SharedArrayBuffer.
  bool plain = true;
  if (napi_is_arraybuffer(v.Env(), buffer, &plain) != napi_ok) plain = false;
  out.shared = !plain;
  return out;
}

}  // namespace

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    std::string s = std::string(kind_name(ta.TypedArrayType())) + "(" + std::to_string(ta.ElementLength()) + ")";
    if (detached(ta)) s += " (detached)";
    return s;
  }
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    return std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : "number " + std::to_string(d);
  }
  if (v.IsBigInt()) return "bigint";
  if (v.IsString()) return "string";
  if (v.IsBoolean()) return "boolean";
  if (v.IsArray()) return "array(" + std::to_string(v.As<Napi::Array>().Length()) + ")";
  if (v.IsFunction()) return "function";
  return "object";
}

TypedView float32_array(const Napi::Value& v, const std::string& name, std::size_t expected) { return typed(v, name, expected, false, true); }

TypedView float32_or_f64(const Napi::Value& v, const std::string& name, std::size_t expected) { return typed(v, name, expected, true, true); }

int32_t* int32_array(const Napi::Value& v, const std::string& name, std::size_t expected) { return static_cast<int32_t*>(typed(v, name, expected, false, false, true).data); }

uint8_t* uint8_array(const Napi::Value& v, const std::string& name, std::size_t expected) { return static_cast<uint8_t*>(typed(v, name, expected, false, false, false, true).data); }

double* float64_array(const Napi::Value& v, const std::string& name, std::size_t expected) { return static_cast<double*>(typed(v, name, expected, true, false).data); }

double finite_number(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) throw ArgTypeError(name + ": expected a number; got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw ArgRangeError(name + ": expected a finite number; got " + describe(v));
  return d;
}

double positive_number(const Napi::Value& v, const std::string& name) {
  const double d = finite_number(v, name);
  if (!(d > 0)) throw ArgRangeError(name + ": expected a number > 0; got " + describe(v));
  return d;
}

double number_in(const Napi::Value& v, const std::string& name, double lo, double hi) {
  const double d = finite_number(v, name);
  if (!(d >= lo && d < hi)) {
    throw ArgRangeError(name + ": expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "); got " + describe(v));
  }
  return d;
}

int64_t integer_in(const Napi::Value& v, const std::string& name, int64_t lo, int64_t hi) {
  const double d = finite_number(v, name);
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    throw ArgRangeError(name + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]; got " + describe(v));
  }
  return static_cast<int64_t>(d);
}

uint64_t u64(const Napi::Value& v, const std::string& name) {
  if (v.IsBigInt()) {
    bool lossless = false;
    Napi::BigInt b = v.As<Napi::BigInt>();
    // Negative or wider than 64 bits: ToUint64 reports it as lossy.
    const uint64_t x = b.Uint64Value(&lossless);
    if (!lossless) throw ArgRangeError(name + ": expected a bigint in [0, 2^64)");
    return x;
  }
  return static_cast<uint64_t>(integer_in(v, name, 0, 9007199254740991LL));
}

bool boolean(const Napi::Value& v, const std::string& name) {
  if (!v.IsBoolean()) throw ArgTypeError(name + ": expected a boolean; got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

std::string string(const Napi::Value& v, const std::string& name) {
  if (!v.IsString()) throw ArgTypeError(name + ": expected a string; got " + describe(v));
  return v.As<Napi::String>().Utf8Value();
}

Napi::Object object(const Napi::Value& v, const std::string& name) {
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction()) {
    throw ArgTypeError(name + ": expected an options object; got " + describe(v));
  }
  return v.As<Napi::Object>();
}

Napi::Value property(const Napi::Object& o, const char* key) { return o.Get(key); }

std::vector<Napi::Value> elements(const Napi::Value& v, const std::string& name, const char* expected) {
  if (!v.IsArray()) throw ArgTypeError(name + ": expected " + expected + "; got " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  const uint32_t n = a.Length();
  std::vector<Napi::Value> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(a.Get(i));
  return out;
}

const float* stable_floats(const TypedView& v, std::vector<float>& scratch) {
  const auto* p = static_cast<const float*>(v.data);
  if (!v.shared) return p;
  scratch.assign(p, p + v.length);
  return scratch.data();
}

std::size_t checked_product(std::size_t a, std::size_t b, const std::string& what) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw ArgRangeError(what + ": the size does not fit in memory");
  return r;
}

void no_overlap(const void* a, std::size_t aBytes, const void* b, std::size_t bBytes, const std::string& name, const char* other) {
  const auto* pa = static_cast<const uint8_t*>(a);
  const auto* pb = static_cast<const uint8_t*>(b);
  if (pa < pb + bBytes && pb < pa + aBytes) {
    throw ArgRangeError(name + ": must not share memory with " + other);
  }
}

}  // namespace js
}  // namespace lpc
