#include <napi.h>

// Module entry point: registers every bound class and function.
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, "0.1.0"));
  return exports;
}

NODE_API_MODULE(langevin_pc, Init)
