// Argument readers for entry points: each checks one JavaScript value and throws ArgTypeError or
// ArgRangeError (entry.h) naming the argument and what was expected. They guard memory safety (types,
// lengths, detached buffers) and numeric sanity; meaning is checked by the TypeScript layer.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace lpc {
namespace js {

// The contents of a typed array argument.
struct TypedView {
  void* data = nullptr;
  std::size_t length = 0;
  napi_typedarray_type type = napi_float32_array;
};

// "Float32Array(12)", "number", "undefined"...: how a value looks in an error message.
std::string describe(const Napi::Value& v);

// A Float32Array (or Float64Array, for the *_or_f64 readers) of exactly `expected` elements that is not
// detached; `expected == 0` accepts any non-zero length.
TypedView float32_array(const Napi::Value& v, const std::string& name, std::size_t expected);
TypedView float32_or_f64(const Napi::Value& v, const std::string& name, std::size_t expected);
// An Int32Array of exactly `expected` elements.
int32_t* int32_array(const Napi::Value& v, const std::string& name, std::size_t expected);
// A Float64Array of exactly `expected` elements (for outputs).
double* float64_array(const Napi::Value& v, const std::string& name, std::size_t expected);

double finite_number(const Napi::Value& v, const std::string& name);
double positive_number(const Napi::Value& v, const std::string& name);  // finite and > 0
// A number in [lo, hi) (finite).
double number_in(const Napi::Value& v, const std::string& name, double lo, double hi);
// An integer in [lo, hi].
int64_t integer_in(const Napi::Value& v, const std::string& name, int64_t lo, int64_t hi);
// A 64-bit unsigned value from a BigInt in [0, 2^64) or a non-negative safe integer.
uint64_t u64(const Napi::Value& v, const std::string& name);
bool boolean(const Napi::Value& v, const std::string& name);
std::string string(const Napi::Value& v, const std::string& name);
// A required property of an options object.
Napi::Value property(const Napi::Object& o, const char* key);
Napi::Object object(const Napi::Value& v, const std::string& name);

// Throws ArgRangeError when [a, a + aBytes) and [b, b + bBytes) overlap.
void no_overlap(const void* a, std::size_t aBytes, const void* b, std::size_t bBytes, const std::string& name,
                const char* other);

}  // namespace js
}  // namespace lpc
