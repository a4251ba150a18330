// Collectives for multi-process training on libtorch's c10d: a TCPStore for rendezvous and one
// process group per process, Gloo (CPU tensors) or NCCL (CUDA tensors, one GPU per process).
// Calls block until every rank has joined the collective or the group's time-out passes; a peer
// that dies makes the others fail with the backend's error instead of hanging. Each backend is
// built only when its headers are available (T2_WITH_GLOO, T2_WITH_NCCL, set by binding.gyp from
// native/find-libtorch.mjs); asking for one that is not built names what to install.
#include "common.h"

#include <algorithm>

#if defined(T2_WITH_GLOO) || defined(T2_WITH_NCCL)
#define T2_WITH_DIST 1
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if defined(T2_WITH_GLOO)
#include <torch/csrc/distributed/c10d/GlooDeviceFactory.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(T2_WITH_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace t2 {

// The backends this addon was built with, for distBackends and error messages.
static std::vector<std::string> builtBackends() {
  std::vector<std::string> b;
#if defined(T2_WITH_GLOO)
  b.push_back("gloo");
#endif
#if defined(T2_WITH_NCCL)
  b.push_back("nccl");
#endif
  return b;
}

static Napi::Value distBackends(const Napi::CallbackInfo& info) {
  return guard(info, "distributedBackends", [&]() -> Napi::Value {
    noArgs(info, "distributedBackends");
    auto b = builtBackends();
    auto out = Napi::Array::New(info.Env(), b.size());
    for (size_t i = 0; i < b.size(); ++i) out.Set(static_cast<uint32_t>(i), b[i]);
    return out;
  });
}

#if defined(T2_WITH_DIST)
namespace {
c10::intrusive_ptr<c10d::Store> g_store;
c10::intrusive_ptr<c10d::Backend> g_pg;

c10d::Backend& group(const char* op) {
  if (!g_pg) throw Failure(kUnavailable, "the process group is not initialised (call initProcessGroup first)");
  return *g_pg;
}

#if defined(T2_WITH_GLOO)
// makeDevice* gained a lazyInit flag in libtorch 2.x; call whichever form this libtorch has.
template <class Fn>
auto makeDevice(Fn fn, const std::string& arg) {
  if constexpr (std::is_invocable_v<Fn, const std::string&, bool>)
    return fn(arg, false);
  else
    return fn(arg);
}

c10::intrusive_ptr<c10d::Backend> glooGroup(const std::string& host, int rank, int world, std::chrono::milliseconds timeout) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname)
    opts->devices.push_back(makeDevice(&c10d::GlooDeviceFactory::makeDeviceForInterface, ifname));
  else if (host == "127.0.0.1" || host == "localhost")
    opts->devices.push_back(makeDevice(&c10d::GlooDeviceFactory::makeDeviceForHostname, "127.0.0.1"));
  else
    opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(g_store, rank, world, opts);
}
#endif

#if defined(T2_WITH_NCCL)
// One GPU per process: the group is bound to `deviceIndex`, the GPU this rank's tensors live on,
// so that NCCL's communicator, its barrier and its streams use that GPU and no other.
c10::intrusive_ptr<c10d::Backend> ncclGroup(int rank, int world, std::chrono::milliseconds timeout, int deviceIndex) {
  const int64_t n = cudaDevices();
  if (deviceIndex < 0 || deviceIndex >= n)
    throw std::invalid_argument("the nccl backend needs CUDA device " + std::to_string(deviceIndex) + ", and this process sees " +
                                std::to_string(n) + " CUDA device(s)");
  // The process's current device too (as torch.cuda.set_device does), so that nothing it runs
  // opens a context on another GPU.
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(deviceIndex));
  auto opts = c10d::ProcessGroupNCCL::Options::create();
  opts->timeout = timeout;
  auto pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(g_store, rank, world, opts);
  pg->setBoundDeviceId(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(deviceIndex)));
  return pg;
}
#endif

c10d::ReduceOp reduceOp(const std::string& name) {
  if (name == "sum") return c10d::ReduceOp::SUM;
  if (name == "max") return c10d::ReduceOp::MAX;
  if (name == "min") return c10d::ReduceOp::MIN;
  if (name == "product") return c10d::ReduceOp::PRODUCT;
  throw std::invalid_argument("unknown reduce op '" + name + "' (sum, max, min, product)");
}
}  // namespace

// One field of distInit's options object, checked like a positional argument.
static Napi::Value field(const Napi::Object& o, const char* name, bool number) {
  Napi::Value v = o.Get(name);
  if (number ? !v.IsNumber() : !v.IsString())
    argError(o.Env(), "initProcessGroup", name, number ? "expected a number" : "expected a string");
  return v;
}

// distInit({host, port, rank, worldSize, timeoutMs, backend, deviceIndex})
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
    int deviceIndex = field(o, "deviceIndex", true).As<Napi::Number>().Int32Value();
    auto built = builtBackends();
    if (std::find(built.begin(), built.end(), backend) == built.end()) {
      std::string list;
      for (auto& b : built) list += (list.empty() ? "" : ", ") + b;
      throw Failure(kUnavailable, "backend '" + backend + "' is not built into this addon (available: " + list + ")");
    }
    if (g_pg) throw std::invalid_argument("a process group is already initialised in this process");
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<size_t>(world);
    so.waitWorkers = true;
    so.timeout = timeout;
    g_store = c10::make_intrusive<c10d::TCPStore>(host, so);
#if defined(T2_WITH_NCCL)
    if (backend == "nccl") g_pg = ncclGroup(rank, world, timeout, deviceIndex);
#endif
#if defined(T2_WITH_GLOO)
    if (backend == "gloo") g_pg = glooGroup(host, rank, world, timeout);
#endif
    (void)deviceIndex;
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
    // NCCL's group flushes its queued work and ends its watchdog only on shutdown.
    if (g_pg) g_pg->shutdown();
    g_pg.reset();
    g_store.reset();
    return info.Env().Undefined();
  });
}
#else
static Napi::Value unavailable(const Napi::CallbackInfo& info) {
  return guard(info, "distributed", [&]() -> Napi::Value {
    throw Failure(kUnavailable,
                  "collectives are not available: the addon was built without Gloo headers and without NCCL "
                  "(apt-get install libgloo-dev, or a CUDA libtorch with nccl.h, then npm run build:native)");
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
  exports.Set("distBackends", Napi::Function::New(env, distBackends, "distBackends"));
  exports.Set("distInit", Napi::Function::New(env, distInit, "distInit"));
  exports.Set("distAllReduce", Napi::Function::New(env, distAllReduce, "distAllReduce"));
  exports.Set("distBroadcast", Napi::Function::New(env, distBroadcast, "distBroadcast"));
  exports.Set("distAllGather", Napi::Function::New(env, distAllGather, "distAllGather"));
  exports.Set("distBarrier", Napi::Function::New(env, distBarrier, "distBarrier"));
  exports.Set("distDestroy", Napi::Function::New(env, distDestroy, "distDestroy"));
}

}  // namespace t2
