// Module functions for importance sampling: row log-sum-exp, softmax-weighted row means, and the
// sum of squares over several arrays (in double, thread-count independent). All synchronous:
//   logSumExpRows(x: Float32Array | Float64Array [rows*cols], rows, cols, out?: Float64Array [rows]) -> out
//   weightedMeanRows(logw [rows*cols], values [rows*cols*dim], rows, cols, dim, out?: Float64Array [rows*dim],
//                    lse?: Float64Array [rows]) -> out (the softmax(logw)-weighted mean of each row's values)
//   sumOfSquares(arrays: Float32Array[]) -> number
// Each throws TypeError (wrong array kind, detached buffer) or RangeError (a length or count that does not
// match), code LPC_NATIVE, or RangeError LPC_OUT_OF_MEMORY.
#include <cstring>

#include "addon.h"
#include "args.h"
#include "entry.h"
#include "optim.h"
#include "reduce.h"

namespace lpc {

using namespace js;

namespace {

constexpr int64_t kMaxDim = (INT64_C(1) << 31) - 1;

Napi::Float64Array output(const Napi::CallbackInfo& info, std::size_t index, const char* name, std::size_t length, double*& data) {
  if (info[index].IsUndefined()) {
    Napi::Float64Array a = Napi::Float64Array::New(info.Env(), length);
    data = a.Data();
    return a;
  }
  data = float64_array(info[index], name, length);
  return info[index].As<Napi::Float64Array>();
}

// logSumExpRows(x, rows, cols, out?) -> Float64Array(rows)
Napi::Value LogSumExpRows(const Napi::CallbackInfo& info) {
  const auto rows = static_cast<std::size_t>(integer_in(info[1], "rows", 1, kMaxDim));
  const auto cols = static_cast<std::size_t>(integer_in(info[2], "cols", 1, kMaxDim));
  const TypedView x = float32_or_f64(info[0], "x", checked_product(rows, cols, "rows * cols"));
  double* out = nullptr;
  Napi::Float64Array result = output(info, 3, "out", rows, out);
  no_overlap(out, rows * 8, x.data, x.length * (x.type == napi_float64_array ? 8 : 4), "out", "x");
  ThreadPool& pool = Addon::of(info.Env()).pool();
  if (x.type == napi_float64_array) logsumexp_rows(pool, static_cast<const double*>(x.data), rows, cols, out);
  else logsumexp_rows(pool, static_cast<const float*>(x.data), rows, cols, out);
  return result;
}

// weightedMeanRows(logw, values, rows, cols, dim, out?, lse?) -> Float64Array(rows * dim)
Napi::Value WeightedMeanRows(const Napi::CallbackInfo& info) {
  const auto rows = static_cast<std::size_t>(integer_in(info[2], "rows", 1, kMaxDim));
  const auto cols = static_cast<std::size_t>(integer_in(info[3], "cols", 1, kMaxDim));
  const auto dim = static_cast<std::size_t>(integer_in(info[4], "dim", 1, kMaxDim));
  const std::size_t rowsCols = checked_product(rows, cols, "rows * cols");
  const std::size_t rowsDim = checked_product(rows, dim, "rows * dim");
  const TypedView logw = float32_or_f64(info[0], "logw", rowsCols);
  const TypedView values = float32_or_f64(info[1], "values", checked_product(rowsCols, dim, "rows * cols * dim"));
  checked_product(rowsDim, sizeof(double), "rows * dim");
  double* out = nullptr;
  Napi::Float64Array result = output(info, 5, "out", rowsDim, out);
  double* lse = nullptr;
  if (!info[6].IsUndefined()) lse = float64_array(info[6], "lse", rows);
  const auto bytes = [](const TypedView& v) { return v.length * (v.type == napi_float64_array ? 8 : 4); };
  no_overlap(out, rows * dim * 8, logw.data, bytes(logw), "out", "logw");
  no_overlap(out, rows * dim * 8, values.data, bytes(values), "out", "values");
  if (lse != nullptr) {
    no_overlap(lse, rows * 8, out, rows * dim * 8, "lse", "out");
    no_overlap(lse, rows * 8, logw.data, bytes(logw), "lse", "logw");
    no_overlap(lse, rows * 8, values.data, bytes(values), "lse", "values");
  }
  ThreadPool& pool = Addon::of(info.Env()).pool();
  const bool w64 = logw.type == napi_float64_array, v64 = values.type == napi_float64_array;
  if (w64 && v64) weighted_mean_rows(pool, static_cast<const double*>(logw.data), static_cast<const double*>(values.data), rows, cols, dim, out, lse);
  else if (w64) weighted_mean_rows(pool, static_cast<const double*>(logw.data), static_cast<const float*>(values.data), rows, cols, dim, out, lse);
  else if (v64) weighted_mean_rows(pool, static_cast<const float*>(logw.data), static_cast<const double*>(values.data), rows, cols, dim, out, lse);
  else weighted_mean_rows(pool, static_cast<const float*>(logw.data), static_cast<const float*>(values.data), rows, cols, dim, out, lse);
  return result;
}

// sumOfSquares(arrays) -> number
Napi::Value SumOfSquares(const Napi::CallbackInfo& info) {
  // Every element is read (getters run) before any buffer is looked at.
  const std::vector<Napi::Value> items = elements(info[0], "arrays", "an array of Float32Array");
  std::vector<const float*> ptrs;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TypedView v = float32_array(items[i], "arrays[" + std::to_string(i) + "]", 0);
    ptrs.push_back(static_cast<const float*>(v.data));
    lengths.push_back(v.length);
  }
  return Napi::Number::New(info.Env(), sum_of_squares(Addon::of(info.Env()).pool(), ptrs, lengths));
}

}  // namespace

void register_reductions(Napi::Env env, Napi::Object exports) {
  exports.Set("logSumExpRows", function(env, "logSumExpRows", function_entry<LogSumExpRows>));
  exports.Set("weightedMeanRows", function(env, "weightedMeanRows", function_entry<WeightedMeanRows>));
  exports.Set("sumOfSquares", function(env, "sumOfSquares", function_entry<SumOfSquares>));
}

}  // namespace lpc
