// Argument readers for entry points: each checks one JavaScript value and throws ArgTypeError or
// ArgRangeError (entry.h) naming the argument and what was expected. They guard memory safety (types,
// lengths, detached buffers) and numeric sanity; meaning is checked by the TypeScript layer.
//
// Baton discipline: reading a property or an array element (property(), elements()) may run user code (a
// getter, a Proxy trap) that detaches, transfers or shrinks any buffer, or disposes the object being
// called. So an entry point first reads every JavaScript input into Napi::Values and plain C++ values,
// then re-checks that its object is alive, and only then takes pointers into typed arrays (the typed-array
// readers below run no user code); from there on it computes without calling into JavaScript.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lpc {
namespace js {

// The contents of a typed array argument.
struct TypedView {
  void* data = nullptr;
  std::size_t length = 0;
  napi_typedarray_type type = napi_float32_array;
  // Backed by a SharedArrayBuffer: another thread may write it while we read (see stable_floats).
  bool shared = false;
};

// "Float32Array(12)", "number", "undefined"...: how a value looks in an error message.
std::string describe(const Napi::Value& v);

// A Float32Array (or Float64Array, for the *_or_f64 readers) of exactly `expected` elements that is not
// detached; `expected == 0` accepts any non-zero length.
TypedView float32_array(const Napi::Value& v, const std::string& name, std::size_t expected);
TypedView float32_or_f64(const Napi::Value& v, const std::string& name, std::size_t expected);
// An Int32Array of exactly `expected` elements.
int32_t* int32_array(const Napi::Value& v, const std::string& name, std::size_t expected);
// A Uint8Array of exactly `expected` elements.
uint8_t* uint8_array(const Napi::Value& v, const std::string& name, std::size_t expected);
// A Float64Array of exactly `expected` elements (for outputs).
double* float64_array(const Napi::Value& v, const std::string& name, std::size_t expected);

// The floats of a Float32Array view that no other thread can change while we use them: the view's own
// memory, or for a SharedArrayBuffer a copy in `scratch`, so that what a finiteness check saw is what
// the update reads.
const float* stable_floats(const TypedView& v, std::vector<float>& scratch);

// a * b, or ArgRangeError naming `what` when the product does not fit in size_t.
std::size_t checked_product(std::size_t a, std::size_t b, const std::string& what);

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
// A required property of an options object (may run a getter).
Napi::Value property(const Napi::Object& o, const char* key);
// Every element of a JavaScript array, each read once (may run getters); ArgTypeError if `v` is not an array.
std::vector<Napi::Value> elements(const Napi::Value& v, const std::string& name, const char* expected);
Napi::Object object(const Napi::Value& v, const std::string& name);

// Throws ArgRangeError when [a, a + aBytes) and [b, b + bBytes) overlap.
void no_overlap(const void* a, std::size_t aBytes, const void* b, std::size_t bBytes, const std::string& name, const char* other);

}  // namespace js
}  // namespace lpc
