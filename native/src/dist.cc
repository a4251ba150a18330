// Collectives for multi-process training on libtorch's c10d: a TCPStore for rendezvous and a
// Gloo process group (CPU tensors). Calls block until every rank has joined the collective or the
// group's time-out passes; a peer that dies makes the others fail with Gloo's error instead of
// hanging. Built only when the Gloo headers are available (T2_WITH_GLOO, set by binding.gyp);
// otherwise every call reports that the addon was built without collectives.
#include "common.h"

#if defined(T2_WITH_GLOO)
#include <torch/csrc/distributed/c10d/GlooDeviceFactory.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace t2 {

#if defined(T2_WITH_GLOO)
namespace {
c10::intrusive_ptr<c10d::Store> g_store;
c10::intrusive_ptr<c10d::ProcessGroupGloo> g_pg;

c10d::ProcessGroupGloo& group(const char* op) {
  if (!g_pg) throw Failure(kUnavailable, "the process group is not initialised (call initProcessGroup first)");
  return *g_pg;
}

// makeDevice* gained a lazyInit flag in libtorch 2.x; call whichever form this libtorch has.
template <class Fn>
auto makeDevice(Fn fn, const std::string& arg) {
  if constexpr (std::is_invocable_v<Fn, const std::string&, bool>)
    return fn(arg, false);
  else
    return fn(arg);
}

c10d::ReduceOp reduceOp(const std::string& name) {
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "max") return c10d::ReduceOp::MAX;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  throw std::invalid_argument("unknown reduce op '" + name + "' (sum, max, min, product)");
}
}  // namespace

static Napi::Value distAvailable(const Napi::CallbackInfo& info) {
  return guard(info, "distributedAvailable", [&]() -> Napi::Value {
    noArgs(info, "distributedAvailable");
    return Napi::Boolean::New(info.Env(), true);
  });
}

// One field of distInit's options object, checked like a positional argument.
static Napi::Value field(const Napi::Object& o, const char* name, bool number) {
  Napi::Value v = o.Get(name);
  if (number ? !v.IsNumber() : !v.IsString())
    argError(o.Env(), "initProcessGroup", name, number ? "expected a number" : "expected a string");
  return v;
}

// distInit({host, port, rank, worldSize, timeoutMs, backend})
static Napi::Value distInit(const Napi::CallbackInfo& info) {
  return guard(info, "initProcessGroup", [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject()) argError(info.Env(), "initProcessGroup", "options", "expected an object");
    auto o = info[0].As<Napi::Object>();
    std::string host = field(o, "host", false).As<Napi::String>().Utf8Value();
    int port = field(o, "port", true).As<Napi::Number>().Int32Value();
    int rank = field(o, "rank", true).As<Napi::Number>().Int32Value();
    int world = field(o, "worldSize", true).As<Napi::Number>().Int32Value();
    auto timeout = std::chrono::milliseconds(field(o, "timeoutMs", true).As<Napi::Number>().Int64Value());
    std::string backend = field(o, "backend", false).As<Napi::String>().Utf8Value();
    if (backend != "gloo")
      throw Failure(kUnavailable, "backend '" + backend + "' is not built into this addon (available: gloo)");
    if (g_pg) throw std::invalid_argument("a process group is already initialised in this process");
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<size_t>(world);
    so.waitWorkers = true;
    so.timeout = timeout;
    g_store = c10::make_intrusive<c10d::TCPStore>(host, so);
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (ifname && *ifname)
      opts->devices.push_back(makeDevice(&c10d::GlooDeviceFactory::makeDeviceForInterface, ifname));
    else if (host == "127.0.0.1" || host == "localhost")
      opts->devices.push_back(makeDevice(&c10d::GlooDeviceFactory::makeDeviceForHostname, "127.0.0.1"));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    g_pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g_store, rank, world, opts);
    return info.Env().Undefined();
  });
}

static Napi::Value distAllReduce(const Napi::CallbackInfo& info) {
  return guard(info, "allReduce", [&]() -> Napi::Value {
    std::vector<at::Tensor> v{unwrap(info, 0, "allReduce", "tensor")};
    c10d::AllreduceOptions ao;
    ao.reduceOp = reduceOp(argSTR(info, 1, "allReduce", "op"));
    group("allReduce").allreduce(v, ao)->wait();
    return info.Env().Undefined();
  });
}

static Napi::Value distBroadcast(const Napi::CallbackInfo& info) {
  return guard(info, "broadcast", [&]() -> Napi::Value {
    std::vector<at::Tensor> v{unwrap(info, 0, "broadcast", "tensor")};
    c10d::BroadcastOptions bo;
    bo.rootRank = argI(info, 1, "broadcast", "root");
    group("broadcast").broadcast(v, bo)->wait();
    return info.Env().Undefined();
  });
}

// distAllGather(t): the tensors of all ranks concatenated along dim 0, rank 0 first.
static Napi::Value distAllGather(const Napi::CallbackInfo& info) {
  return guard(info, "allGather", [&]() -> Napi::Value {
    at::Tensor t = unwrap(info, 0, "allGather", "tensor").detach().contiguous();
    auto& pg = group("allGather");
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < pg.getSize(); ++r) out[0].push_back(at::empty_like(t));
    std::vector<at::Tensor> in{t};
    pg.allgather(out, in)->wait();
    return wrap(info.Env(), at::cat(out[0], 0));
  });
}

static Napi::Value distBarrier(const Napi::CallbackInfo& info) {
  return guard(info, "barrier", [&]() -> Napi::Value {
    noArgs(info, "barrier");
    group("barrier").barrier()->wait();
    return info.Env().Undefined();
  });
}

static Napi::Value distDestroy(const Napi::CallbackInfo& info) {
  return guard(info, "destroyProcessGroup", [&]() -> Napi::Value {
    noArgs(info, "destroyProcessGroup");
    g_pg.reset();
    g_store.reset();
    return info.Env().Undefined();
  });
}
#else
static Napi::Value distAvailable(const Napi::CallbackInfo& info) {
  return guard(info, "distributedAvailable", [&]() -> Napi::Value {
    noArgs(info, "distributedAvailable");
    return Napi::Boolean::New(info.Env(), false);
  });
}
static Napi::Value unavailable(const Napi::CallbackInfo& info) {
  return guard(info, "distributed", [&]() -> Napi::Value {
    throw Failure(kUnavailable,
                  "collectives are not available: the addon was built without Gloo headers "
                  "(apt-get install libgloo-dev, then npm run build:native)");
  });
}
#define distInit unavailable
#define distAllReduce unavailable
#define distBroadcast unavailable
#define distAllGather unavailable
#define distBarrier unavailable
#define distDestroy unavailable
#endif

void registerDist(Napi::Env env, Napi::Object exports) {
  exports.Set("distAvailable", Napi::Function::New(env, distAvailable, "distAvailable"));
  exports.Set("distInit", Napi::Function::New(env, distInit, "distInit"));
  exports.Set("distAllReduce", Napi::Function::New(env, distAllReduce, "distAllReduce"));
  exports.Set("distBroadcast", Napi::Function::New(env, distBroadcast, "distBroadcast"));
  exports.Set("distAllGather", Napi::Function::New(env, distAllGather, "distAllGather"));
  exports.Set("distBarrier", Napi::Function::New(env, distBarrier, "distBarrier"));
  exports.Set("distDestroy", Napi::Function::New(env, distDestroy, "distDestroy"));
}

}  // namespace t2
