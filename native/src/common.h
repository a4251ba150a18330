// Shared helpers of the t2vlp addon: the tensor handle, argument conversion, result wrapping and
// the one catch wrapper (`guard`) through which every exported function calls libtorch, so that a
// libtorch error becomes a JavaScript exception carrying libtorch's message and the op's name.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#if TORCH_VERSION_MAJOR >= 2
#define T2_HAS_SDPA 1
template <class T>
using opt = std::optional<T>;
#define T2_NULLOPT std::nullopt
#else
#define T2_HAS_SDPA 0
template <class T>
using opt = c10::optional<T>;
#define T2_NULLOPT c10::nullopt
#endif

namespace t2 {

// One native handle per JavaScript Tensor. `dispose` empties it; the External's finalizer frees
// whatever is left when the JavaScript object is collected (a safety net that is also counted).
struct TensorBox {
  at::Tensor t;
  bool alive = true;
};

Napi::Value wrap(Napi::Env env, at::Tensor t);
const at::Tensor& unwrap(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
TensorBox* boxOf(const Napi::Value& v, const char* op, const char* arg);

[[noreturn]] void argError(Napi::Env env, const char* op, const char* arg, const std::string& what);

opt<at::Tensor> argTopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
at::Scalar argS(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
opt<at::Scalar> argSopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
double argD(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
opt<double> argDopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
int64_t argI(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
opt<int64_t> argIopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
bool argB(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
std::vector<int64_t> argIA(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
std::vector<at::Tensor> argTL(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
c10::List<opt<at::Tensor>> argOTL(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
std::string argSTR(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
at::ScalarType argDT(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);
opt<at::ScalarType> argDTopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg);

at::ScalarType dtypeFromName(const std::string& name);
const char* dtypeName(at::ScalarType t);

Napi::Value retT(Napi::Env env, at::Tensor t);
Napi::Value retT2(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& t);
Napi::Value retTL(Napi::Env env, const std::vector<at::Tensor>& ts);

// Runs `f` and turns libtorch (c10::Error) and C++ exceptions into JavaScript errors that name
// the op. Napi::Error passes through untouched.
template <class F>
Napi::Value guard(const Napi::CallbackInfo& info, const char* op, F&& f) {
  Napi::Env env = info.Env();
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what());
  }
}

void registerHandle(Napi::Env env, Napi::Object exports);
void registerCreate(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerSystem(Napi::Env env, Napi::Object exports);
void registerDist(Napi::Env env, Napi::Object exports);
void registerGeneratedOps(Napi::Env env, Napi::Object exports);

}  // namespace t2
