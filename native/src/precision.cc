// Reduced precision: libtorch's autocast state (per device type: on/off, the lower dtype, the
// nesting count and its cache of cast weights) and int8 dynamic quantization of Linear layers
// through FBGEMM (weights quantized once per tensor; activations quantized per call, so the
// inputs and outputs stay float32). The TypeScript layer (src/torch/precision/) keeps the state
// nested and restored; these exports only read and write it.
#include "common.h"

#include <ATen/autocast_mode.h>
#include <c10/util/Exception.h>

namespace t2 {

static at::DeviceType deviceTypeArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  std::string d = argSTR(info, i, op, "deviceType");
  if (d == "cpu") return at::kCPU;
  if (d == "cuda") return at::kCUDA;
  throw std::invalid_argument("deviceType must be 'cpu' or 'cuda', got '" + d + "'");
}

// autocastState(deviceType) → { enabled, dtype }.
static Napi::Value autocastState(const Napi::CallbackInfo& info) {
  return guard(info, "autocastState", [&]() -> Napi::Value {
    auto dt = deviceTypeArg(info, 0, "autocastState");
    auto o = Napi::Object::New(info.Env());
    o.Set("enabled", Napi::Boolean::New(info.Env(), at::autocast::is_autocast_enabled(dt)));
    o.Set("dtype", Napi::String::New(info.Env(), dtypeName(at::autocast::get_autocast_dtype(dt))));
    return o;
  });
}

// setAutocast(deviceType, enabled, dtype): this thread's autocast switch and lower dtype.
static Napi::Value setAutocast(const Napi::CallbackInfo& info) {
  return guard(info, "setAutocast", [&]() -> Napi::Value {
    const char* op = "setAutocast";
    auto dt = deviceTypeArg(info, 0, op);
    bool enabled = argB(info, 1, op, "enabled");
    auto dtype = argDT(info, 2, op, "dtype");
    if (dtype != at::kBFloat16 && dtype != at::kHalf)
      throw std::invalid_argument(std::string("dtype must be bfloat16 or float16, got ") + dtypeName(dtype));
    at::autocast::set_autocast_dtype(dt, dtype);
    at::autocast::set_autocast_enabled(dt, enabled);
    return info.Env().Undefined();
  });
}

// autocastNesting(delta): +1 on entering an autocast region, -1 on leaving; returns the new depth.
// Leaving the outermost region clears the cache of weights cast to the lower dtype (as PyTorch).
static Napi::Value autocastNesting(const Napi::CallbackInfo& info) {
  return guard(info, "autocastNesting", [&]() -> Napi::Value {
    int64_t delta = argI(info, 0, "autocastNesting", "delta");
    if (delta != 1 && delta != -1) throw std::invalid_argument("delta must be 1 or -1, got " + std::to_string(delta));
    int depth = delta == 1 ? at::autocast::increment_nesting() : at::autocast::decrement_nesting();
    if (depth == 0) at::autocast::clear_cache();
    return Napi::Number::New(info.Env(), depth);
  });
}

// FBGEMM's int8 ops warn once that they are deprecated; the warning says nothing to our users.
struct QuietWarnings : c10::WarningHandler {
  void process(const c10::Warning&) override {}
};

// quantizeLinearInt8(weight [out, in] float32) → { weight: int8 [out, in], colOffsets, packed,
// scale, zeroPoint }: symmetric per-tensor quantization and FBGEMM's packed layout.
static Napi::Value quantizeLinearInt8(const Napi::CallbackInfo& info) {
  return guard(info, "quantizeLinearInt8", [&]() -> Napi::Value {
    const at::Tensor& w = unwrap(info, 0, "quantizeLinearInt8", "weight");
    if (w.dim() != 2 || w.scalar_type() != at::kFloat || !w.device().is_cpu())
      throw std::invalid_argument("weight must be a 2-d float32 CPU tensor");
    QuietWarnings quiet;
    c10::WarningUtils::WarningHandlerGuard g(&quiet);
    auto [q, colOffsets, scale, zeroPoint] = at::fbgemm_linear_quantize_weight(w.contiguous());
    at::Tensor packed = at::fbgemm_pack_quantized_matrix(q);
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    o.Set("weight", wrap(env, q));
    o.Set("colOffsets", wrap(env, colOffsets));
    o.Set("packed", wrap(env, packed));
    o.Set("scale", Napi::Number::New(env, scale));
    o.Set("zeroPoint", Napi::Number::New(env, static_cast<double>(zeroPoint)));
    return o;
  });
}

// linearInt8(x [..., in] float32, weight, packed, colOffsets, scale, zeroPoint, bias [out]):
// x W^T + b with x quantized to uint8 on the fly and int32 accumulation (FBGEMM).
static Napi::Value linearInt8(const Napi::CallbackInfo& info) {
  return guard(info, "linearInt8", [&]() -> Napi::Value {
    const char* op = "linearInt8";
    const at::Tensor& x = unwrap(info, 0, op, "input");
    const at::Tensor& w = unwrap(info, 1, op, "weight");
    const at::Tensor& packed = unwrap(info, 2, op, "packed");
    const at::Tensor& colOffsets = unwrap(info, 3, op, "colOffsets");
    double scale = argD(info, 4, op, "scale");
    int64_t zeroPoint = argI(info, 5, op, "zeroPoint");
    const at::Tensor& bias = unwrap(info, 6, op, "bias");
    if (x.scalar_type() != at::kFloat || !x.device().is_cpu())
      throw std::invalid_argument(std::string("input must be a float32 CPU tensor, got ") + dtypeName(x.scalar_type()) +
                                  " on " + x.device().str());
    if (x.dim() < 1 || x.size(-1) != w.size(1))
      throw std::invalid_argument("input's last dimension must be " + std::to_string(w.size(1)));
    QuietWarnings quiet;
    c10::WarningUtils::WarningHandlerGuard g(&quiet);
    return wrap(info.Env(),
                at::fbgemm_linear_int8_weight_fp32_activation(x.contiguous(), w, packed, colOffsets, scale, zeroPoint, bias));
  });
}

void registerPrecision(Napi::Env env, Napi::Object exports) {
  exports.Set("autocastState", Napi::Function::New(env, autocastState, "autocastState"));
  exports.Set("setAutocast", Napi::Function::New(env, setAutocast, "setAutocast"));
  exports.Set("autocastNesting", Napi::Function::New(env, autocastNesting, "autocastNesting"));
  exports.Set("quantizeLinearInt8", Napi::Function::New(env, quantizeLinearInt8, "quantizeLinearInt8"));
  exports.Set("linearInt8", Napi::Function::New(env, linearInt8, "linearInt8"));
}

}  // namespace t2
