// Moving data across the boundary: a tensor from a typed array (copied), a typed array from a
// tensor (copied), and the metadata JavaScript needs (shape, dtype, device, grad flags).
#include <cstring>

#include "common.h"

namespace t2 {

// fromArray(typedArray, shape, dtype, pinned?): a new CPU tensor holding a copy of the array's
// bytes; in page-locked memory when `pinned` (from libtorch's caching host allocator, for
// asynchronous copies to a CUDA device; needs one).
static Napi::Value fromArray(const Napi::CallbackInfo& info) {
  return guard(info, "fromArray", [&]() -> Napi::Value {
    if (info.Length() < 3 || !info[0].IsTypedArray())
      argError(info.Env(), "fromArray", "data", "expected a typed array");
    auto arr = info[0].As<Napi::TypedArray>();
    auto shape = argIA(info, 1, "fromArray", "shape");
    auto dtype = argDT(info, 2, "fromArray", "dtype");
    bool pinned = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
    if (pinned) requireCudaForPinned();
    int64_t numel = 1;
    for (int64_t d : shape) {
      if (d < 0) argError(info.Env(), "fromArray", "shape", "negative dimension");
      numel *= d;
    }
    size_t bytes = static_cast<size_t>(numel) * at::elementSize(dtype);
    size_t have = arr.ByteLength();
    if (bytes != have)
      argError(info.Env(), "fromArray", "data",
               "shape needs " + std::to_string(bytes) + " bytes of " + dtypeName(dtype) + ", the array has " +
                   std::to_string(have));
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype).pinned_memory(pinned));
    if (bytes) {
      auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
      std::memcpy(t.data_ptr(), src, bytes);
    }
    return wrap(info.Env(), std::move(t));
  });
}

// toArray(t): an ArrayBuffer with a C-contiguous copy of the tensor's data (moved to the CPU).
static Napi::Value toArray(const Napi::CallbackInfo& info) {
  return guard(info, "toArray", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "toArray", "tensor");
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    size_t bytes = c.nbytes();
    auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes) std::memcpy(buf.Data(), c.data_ptr(), bytes);
    return buf;
  });
}

static Napi::Value shapeOf(const Napi::CallbackInfo& info) {
  return guard(info, "shape", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "shape", "tensor");
    auto a = Napi::Array::New(info.Env(), t.dim());
    for (int64_t k = 0; k < t.dim(); ++k)
      a.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), static_cast<double>(t.size(k))));
    return a;
  });
}

static Napi::Value dtypeOf(const Napi::CallbackInfo& info) {
  return guard(info, "dtype", [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), dtypeName(unwrap(info, 0, "dtype", "tensor").scalar_type()));
  });
}

static Napi::Value deviceOf(const Napi::CallbackInfo& info) {
  return guard(info, "device", [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), unwrap(info, 0, "device", "tensor").device().str());
  });
}

static Napi::Value isContiguous(const Napi::CallbackInfo& info) {
  return guard(info, "isContiguous", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), unwrap(info, 0, "isContiguous", "tensor").is_contiguous());
  });
}

// item(t): the value of a one-element tensor as a JavaScript number (booleans as 0/1).
static Napi::Value item(const Napi::CallbackInfo& info) {
  return guard(info, "item", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "item", "tensor");
    if (t.numel() != 1)
      throw std::invalid_argument("a tensor with " + std::to_string(t.numel()) + " elements has no single value");
    return Napi::Number::New(info.Env(), t.item().toDouble());
  });
}

// sameStorage(a, b): whether two tensors view the same memory (used by state-dict tests).
static Napi::Value sameStorage(const Napi::CallbackInfo& info) {
  return guard(info, "sameStorage", [&]() -> Napi::Value {
    const at::Tensor& a = unwrap(info, 0, "sameStorage", "a");
    const at::Tensor& b = unwrap(info, 1, "sameStorage", "b");
    return Napi::Boolean::New(info.Env(), a.storage().unsafeGetStorageImpl() == b.storage().unsafeGetStorageImpl());
  });
}

void registerCreate(Napi::Env env, Napi::Object exports) {
  exports.Set("fromArray", Napi::Function::New(env, fromArray, "fromArray"));
  exports.Set("toArray", Napi::Function::New(env, toArray, "toArray"));
  exports.Set("shape", Napi::Function::New(env, shapeOf, "shape"));
  exports.Set("dtype", Napi::Function::New(env, dtypeOf, "dtype"));
  exports.Set("device", Napi::Function::New(env, deviceOf, "device"));
  exports.Set("isContiguous", Napi::Function::New(env, isContiguous, "isContiguous"));
  exports.Set("item", Napi::Function::New(env, item, "item"));
  exports.Set("sameStorage", Napi::Function::New(env, sameStorage, "sameStorage"));
}

}  // namespace t2
