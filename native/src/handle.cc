// Tensor handles: wrapping an at::Tensor in a JavaScript External, explicit disposal, the live
// registry behind memoryStats(), and argument conversion shared by all exported functions.
#include <mutex>
#include <unordered_set>

#include "common.h"

namespace t2 {

namespace {
std::unordered_set<TensorBox*> g_live;  // boxes whose tensor has not been disposed
int64_t g_gcFreed = 0;                  // tensors freed by the finalizer instead of dispose()

// A basic finalizer (it touches no JavaScript state), which Node runs during garbage collection.
// Finalizers taking Napi::Env are deferred to a later turn of the event loop instead, so a
// synchronous loop (a training step repeated without awaiting) would pile up dead handles, with
// memory and garbage-collection time growing until it yields (binding.gyp sets NAPI_EXPERIMENTAL,
// which basic finalizers need on Node 20).
void finalizeBox(Napi::BasicEnv, TensorBox* box) {
  if (box->alive) {
    g_live.erase(box);
    ++g_gcFreed;
  }
  delete box;
}
}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  auto* box = new TensorBox{std::move(t), true};
  g_live.insert(box);
  return Napi::External<TensorBox>::New(env, box, finalizeBox);
}

TensorBox* boxOf(const Napi::Value& v, const char* op, const char* arg) {
  if (!v.IsExternal()) argError(v.Env(), op, arg, "expected a tensor handle");
  return v.As<Napi::External<TensorBox>>().Data();
}

static void disposedError(Napi::Env env, const char* op, const char* arg, const char* what) {
  throwError(env, kDisposed, op, std::string("argument '") + arg + "': " + what);
}

const at::Tensor& unwrap(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (i >= info.Length()) argError(info.Env(), op, arg, "missing tensor argument");
  TensorBox* box = boxOf(info[i], op, arg);
  if (!box->alive) disposedError(info.Env(), op, arg, "tensor was already disposed");
  return box->t;
}

void argError(Napi::Env env, const char* op, const char* arg, const std::string& what) {
  throwError(env, kBadArgument, op, std::string("argument '") + arg + "': " + what);
}

void throwError(Napi::Env env, const char* code, const char* op, const std::string& detail) {
  std::string message = std::string(op) + ": " + detail;
  auto* data = env.GetInstanceData<AddonData>();
  if (data && !data->errorFactory.IsEmpty()) {
    Napi::Value err = data->errorFactory.Call({Napi::String::New(env, code), Napi::String::New(env, op),
                                               Napi::String::New(env, message), Napi::String::New(env, detail)});
    throw Napi::Error(env, err);
  }
  bool typeError = std::string(code) == kBadArgument || std::string(code) == kDisposed;
  Napi::Error e = typeError ? Napi::TypeError::New(env, message) : Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("op", Napi::String::New(env, op));
  e.Set("torchMessage", Napi::String::New(env, detail));
  throw e;
}

bool hasErrorCode(const Napi::Error& e) {
  Napi::Object v = e.Value();
  return !v.IsEmpty() && v.Has("code");
}

void noArgs(const Napi::CallbackInfo& info, const char* op) {
  if (info.Length() != 0)
    throwError(info.Env(), kBadArgument, op, "takes no arguments, got " + std::to_string(info.Length()));
}

static bool absent(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsUndefined() || info[i].IsNull();
}

opt<at::Tensor> argTopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) return T2_NULLOPT;
  return unwrap(info, i, op, arg);
}

at::Scalar argS(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) argError(info.Env(), op, arg, "missing scalar");
  Napi::Value v = info[i];
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) {
    bool lossless = true;
    return at::Scalar(static_cast<int64_t>(v.As<Napi::BigInt>().Int64Value(&lossless)));
  }
  if (!v.IsNumber()) argError(info.Env(), op, arg, "expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  // Integers stay integral so that int64 tensors keep their dtype, as Python ints do.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0)
    return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

opt<at::Scalar> argSopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) return T2_NULLOPT;
  return argS(info, i, op, arg);
}

double argD(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i) || !info[i].IsNumber()) argError(info.Env(), op, arg, "expected a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

opt<double> argDopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) return T2_NULLOPT;
  return argD(info, i, op, arg);
}

int64_t argI(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) argError(info.Env(), op, arg, "expected an integer");
  if (info[i].IsBigInt()) {
    bool lossless = true;
    return info[i].As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (!info[i].IsNumber()) argError(info.Env(), op, arg, "expected an integer");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d != std::floor(d)) argError(info.Env(), op, arg, "expected an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

opt<int64_t> argIopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) return T2_NULLOPT;
  return argI(info, i, op, arg);
}

bool argB(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (i >= info.Length() || !info[i].IsBoolean()) argError(info.Env(), op, arg, "expected a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

std::vector<int64_t> argIA(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i) || !info[i].IsArray()) argError(info.Env(), op, arg, "expected an array of integers");
  auto a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) argError(info.Env(), op, arg, "expected an array of integers");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != std::floor(d)) argError(info.Env(), op, arg, "expected an array of integers");
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

std::vector<at::Tensor> argTL(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i) || !info[i].IsArray()) argError(info.Env(), op, arg, "expected an array of tensors");
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    TensorBox* box = boxOf(a.Get(k), op, arg);
    if (!box->alive) disposedError(info.Env(), op, arg, "a tensor in the list was already disposed");
    out.push_back(box->t);
  }
  return out;
}

c10::List<opt<at::Tensor>> argOTL(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i) || !info[i].IsArray()) argError(info.Env(), op, arg, "expected an array of tensors or nulls");
  auto a = info[i].As<Napi::Array>();
  c10::List<opt<at::Tensor>> out;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (v.IsNull() || v.IsUndefined()) {
      out.push_back(opt<at::Tensor>());
    } else {
      TensorBox* box = boxOf(v, op, arg);
      if (!box->alive) disposedError(info.Env(), op, arg, "a tensor in the list was already disposed");
      out.push_back(opt<at::Tensor>(box->t));
    }
  }
  return out;
}

std::string argSTR(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i) || !info[i].IsString()) argError(info.Env(), op, arg, "expected a string");
  return info[i].As<Napi::String>().Utf8Value();
}

at::ScalarType dtypeFromName(const std::string& n) {
  if (n == "float32") return at::kFloat;
  if (n == "float64") return at::kDouble;
  if (n == "float16") return at::kHalf;
  if (n == "bfloat16") return at::kBFloat16;
  if (n == "int64") return at::kLong;
  if (n == "int32") return at::kInt;
  if (n == "int16") return at::kShort;
  if (n == "int8") return at::kChar;
  if (n == "uint8") return at::kByte;
  if (n == "bool") return at::kBool;
  throw std::invalid_argument("unknown dtype '" + n + "'");
}

const char* dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return "unsupported";
  }
}

at::ScalarType argDT(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  std::string n = argSTR(info, i, op, arg);
  try {
    return dtypeFromName(n);
  } catch (const std::exception& e) {
    argError(info.Env(), op, arg, e.what());
  }
}

opt<at::ScalarType> argDTopt(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg) {
  if (absent(info, i)) return T2_NULLOPT;
  return argDT(info, i, op, arg);
}

Napi::Value retT(Napi::Env env, at::Tensor t) { return wrap(env, std::move(t)); }

Napi::Value retT2(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& t) {
  auto a = Napi::Array::New(env, 2);
  a.Set(0u, wrap(env, std::get<0>(t)));
  a.Set(1u, wrap(env, std::get<1>(t)));
  return a;
}

Napi::Value retTL(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto a = Napi::Array::New(env, ts.size());
  for (size_t k = 0; k < ts.size(); ++k) a.Set(static_cast<uint32_t>(k), wrap(env, ts[k]));
  return a;
}

// dispose(h): frees the tensor now; a second call does nothing.
static Napi::Value dispose(const Napi::CallbackInfo& info) {
  return guard(info, "dispose", [&]() -> Napi::Value {
    TensorBox* box = boxOf(info[0], "dispose", "tensor");
    if (box->alive) {
      box->alive = false;
      box->t = at::Tensor();
      g_live.erase(box);
    }
    return info.Env().Undefined();
  });
}

static Napi::Value isAlive(const Napi::CallbackInfo& info) {
  return guard(info, "isAlive", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), boxOf(info[0], "isAlive", "tensor")->alive);
  });
}

// installErrorFactory(f): f(code, op, message, torchMessage) builds the error object every export
// throws from then on (src/torch/errors.ts installs one that makes TorchError instances).
static Napi::Value installErrorFactory(const Napi::CallbackInfo& info) {
  return guard(info, "installErrorFactory", [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsFunction())
      argError(info.Env(), "installErrorFactory", "factory", "expected a function (code, op, message, torchMessage) => Error");
    info.Env().GetInstanceData<AddonData>()->errorFactory = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  });
}

// memoryStats(): live handles and the bytes of the distinct storages they keep alive.
static Napi::Value memoryStats(const Napi::CallbackInfo& info) {
  return guard(info, "memoryStats", [&]() -> Napi::Value {
    noArgs(info, "memoryStats");
    std::unordered_set<const void*> seen;
    double bytes = 0;
    for (TensorBox* box : g_live) {
      if (!box->t.defined()) continue;
      const auto& st = box->t.storage();
      const void* key = st.unsafeGetStorageImpl();
      if (seen.insert(key).second) bytes += static_cast<double>(st.nbytes());
    }
    auto o = Napi::Object::New(info.Env());
    o.Set("liveTensors", Napi::Number::New(info.Env(), static_cast<double>(g_live.size())));
    o.Set("liveBytes", Napi::Number::New(info.Env(), bytes));
    o.Set("freedByGc", Napi::Number::New(info.Env(), static_cast<double>(g_gcFreed)));
    return o;
  });
}

void registerHandle(Napi::Env env, Napi::Object exports) {
  exports.Set("dispose", Napi::Function::New(env, dispose, "dispose"));
  exports.Set("isAlive", Napi::Function::New(env, isAlive, "isAlive"));
  exports.Set("memoryStats", Napi::Function::New(env, memoryStats, "memoryStats"));
  exports.Set("installErrorFactory", Napi::Function::New(env, installErrorFactory, "installErrorFactory"));
}

}  // namespace t2
