// Results handed back to JavaScript, built without running user code: the values are computed first and
// then attached as own data properties (napi_define_properties), so a setter that a program put on
// Object.prototype or Array.prototype never runs in the middle of a native method (where it could
// dispose the object whose state is being read).
#pragma once
#include <napi.h>

#include <initializer_list>
#include <utility>
#include <vector>

namespace lpc {
namespace js {

// A plain object with the given fields, in order.
Napi::Object record(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> fields);
// An array holding `items`.
Napi::Array list(Napi::Env env, const std::vector<Napi::Value>& items);

}  // namespace js
}  // namespace lpc
