#include "js_result.h"

#include <string>

namespace lpc {
namespace js {
namespace {

constexpr auto kDataProperty = static_cast<napi_property_attributes>(napi_writable | napi_enumerable | napi_configurable);

void define(Napi::Env env, napi_value target, const std::vector<napi_property_descriptor>& props) {
  if (props.empty()) return;
  if (napi_define_properties(env, target, props.size(), props.data()) != napi_ok) {
    throw Napi::Error::New(env, "could not build a result object");
  }
}

}  // namespace

Napi::Object record(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> fields) {
  Napi::Object o = Napi::Object::New(env);
  std::vector<napi_property_descriptor> props;
  for (const auto& f : fields) {
    props.push_back(napi_property_descriptor{f.first, nullptr, nullptr, nullptr, nullptr, f.second, kDataProperty, nullptr});
  }
  define(env, o, props);
  return o;
}

Napi::Array list(Napi::Env env, const std::vector<Napi::Value>& items) {
  Napi::Array a = Napi::Array::New(env, items.size());
  std::vector<std::string> names;
  names.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) names.push_back(std::to_string(i));
  std::vector<napi_property_descriptor> props;
  for (std::size_t i = 0; i < items.size(); ++i) {
    props.push_back(napi_property_descriptor{names[i].c_str(), nullptr, nullptr, nullptr, nullptr, items[i], kDataProperty, nullptr});
  }
  define(env, a, props);
  return a;
}

}  // namespace js
}  // namespace lpc
