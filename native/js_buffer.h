// Native state that JavaScript sees without copies: an ArrayBuffer created by (and owned by) JavaScript,
// held by a strong reference, with one cached Float32Array view. Because the engine owns the memory, a view
// handed out can never dangle, even after dispose(); because JavaScript can detach (transfer) the buffer,
// every access re-checks it.
#pragma once
#include <napi.h>

#include <cstddef>
#include <string>

namespace lpc {
namespace js {

class JsFloatBuffer {
 public:
  void allocate(Napi::Env env, std::size_t count);
  bool allocated() const { return !buffer_.IsEmpty(); }
  std::size_t size() const { return count_; }
  // The data, or ArgTypeError naming `what` if the buffer was detached.
  float* data(const char* what) const;
  Napi::Value view() const { return view_.Value(); }
  // Throws ArgRangeError when [p, p + bytes) overlaps this buffer.
  void check_disjoint(const void* p, std::size_t bytes, const std::string& name, const char* what) const;
  void release();

 private:
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  Napi::Reference<Napi::Float32Array> view_;
  std::size_t count_ = 0;
};

}  // namespace js
}  // namespace lpc
