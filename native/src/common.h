// Shared helpers of the t2vlp addon: the tensor handle, argument conversion, result wrapping and
// the one catch wrapper (`guard`) through which every exported function runs, so that a libtorch
// error becomes a JavaScript exception carrying a stable code, libtorch's message and the op's
// name. binding.gyp also enables node-addon-api's NODE_ADDON_API_CPP_EXCEPTIONS_ALL as a backstop:
// a C++ exception that escapes anyway becomes a JavaScript Error instead of aborting the process.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <optional>
#include <stdexcept>
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

// Error codes every exported function raises, as the `code` of the JavaScript error; mirrored by
// TorchErrorCode in src/torch/errors.ts (which documents them). Bad-argument and disposed errors
// are TypeErrors, the others plain Errors.
constexpr const char* kBadArgument = "TORCH_BAD_ARGUMENT";    // wrong JavaScript type, missing, unknown name
constexpr const char* kDisposed = "TORCH_DISPOSED";           // a tensor handle used after dispose()
constexpr const char* kInvalidValue = "TORCH_INVALID_VALUE";  // right type, value our own checks reject
constexpr const char* kOpFailed = "TORCH_OP_FAILED";          // libtorch raised c10::Error
constexpr const char* kUnavailable = "TORCH_UNAVAILABLE";     // not built in, or not initialised
constexpr const char* kInternal = "TORCH_INTERNAL";           // any other C++ exception

// An error hand-written code raises with its own code; guard() reports it under the op's name.
struct Failure : std::runtime_error {
  const char* code;
  Failure(const char* c, const std::string& what) : std::runtime_error(what), code(c) {}
};

// The CUDA devices this libtorch sees: 0 for a CPU-only build or a machine without a GPU.
inline int64_t cudaDevices() {
  return torch::cuda::is_available() ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
}

// Pinned host memory serves copies to a CUDA device; without one libtorch's own error is obscure.
inline void requireCudaForPinned() {
  if (cudaDevices() == 0) throw Failure(kUnavailable, "pinned host memory is for copies to a CUDA device, and this build sees none");
}

// Throws the JavaScript error `op: detail` carrying `code`, `op` and `torchMessage` (= detail):
// an instance of TorchError when src/torch/errors.ts installed its factory (installErrorFactory),
// otherwise a plain Error/TypeError with those properties.
[[noreturn]] void throwError(Napi::Env env, const char* code, const char* op, const std::string& detail);
// Rejects any argument to an export that takes none.
void noArgs(const Napi::CallbackInfo& info, const char* op);
bool hasErrorCode(const Napi::Error& e);

// Runs `f` and turns every C++ exception into a coded JavaScript error that names the op:
// c10::Error (libtorch) → TORCH_OP_FAILED with libtorch's message without backtrace; Failure →
// its code; std::invalid_argument → TORCH_INVALID_VALUE; anything else → TORCH_INTERNAL. Errors
// already coded (argument checks) pass through. Every exported function runs inside it.
template <class F>
Napi::Value guard(const Napi::CallbackInfo& info, const char* op, F&& f) {
  Napi::Env env = info.Env();
  try {
    return f();
  } catch (const Napi::Error& e) {
    if (hasErrorCode(e)) throw;
    throwError(env, kInternal, op, e.Message());
  } catch (const c10::Error& e) {
    throwError(env, kOpFailed, op, e.what_without_backtrace());
  } catch (const Failure& e) {
    throwError(env, e.code, op, e.what());
  } catch (const std::invalid_argument& e) {
    throwError(env, kInvalidValue, op, e.what());
  } catch (const std::exception& e) {
    throwError(env, kInternal, op, e.what());
  } catch (...) {
    throwError(env, kInternal, op, "an unknown C++ exception");
  }
}

// Per-environment state of the addon (worker threads each load their own).
struct AddonData {
  Napi::FunctionReference errorFactory;
};

void registerHandle(Napi::Env env, Napi::Object exports);
void registerCreate(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerSystem(Napi::Env env, Napi::Object exports);
void registerDist(Napi::Env env, Napi::Object exports);
void registerPrecision(Napi::Env env, Napi::Object exports);
void registerGeneratedOps(Napi::Env env, Napi::Object exports);

}  // namespace t2
