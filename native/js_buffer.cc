#include "js_buffer.h"

#include "args.h"
#include "entry.h"

namespace lpc {
namespace js {

void JsFloatBuffer::allocate(Napi::Env env, std::size_t count) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, count * sizeof(float));  // zero-filled by the engine
  buffer_ = Napi::Persistent(ab);
  view_ = Napi::Persistent(Napi::Float32Array::New(env, count, ab, 0));
  count_ = count;
}

float* JsFloatBuffer::data(const char* what) const {
  if (buffer_.IsEmpty()) throw std::logic_error(std::string(what) + " is not allocated");
  Napi::ArrayBuffer ab = buffer_.Value();
  if (ab.IsDetached()) {
    throw ArgTypeError(std::string(what) + ": its ArrayBuffer was detached (transferred); this object can no longer be used");
  }
  return static_cast<float*>(ab.Data());
}

void JsFloatBuffer::check_disjoint(const void* p, std::size_t bytes, const std::string& name, const char* what) const {
  if (buffer_.IsEmpty() || buffer_.Value().IsDetached()) return;
  no_overlap(p, bytes, buffer_.Value().Data(), count_ * sizeof(float), name, what);
}

void JsFloatBuffer::release() {
  buffer_.Reset();
  view_.Reset();
  count_ = 0;
}

}  // namespace js
}  // namespace lpc
