// Process-wide settings and facts: threads, seeds and generator state, the libtorch version and
// devices, and scaled-dot-product attention, which is fused in libtorch 2.x and composed from
// matmul and softmax on 1.13.
#include "common.h"

// libtorch 2.9+ reaches every accelerator's caching allocator (CUDACachingAllocator on a CUDA
// build) through c10::DeviceAllocator, declared without CUDA headers, so this file compiles the
// same against a CPU-only libtorch; whether CUDA is there is a runtime question.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 9)
#define T2_HAS_DEVICE_ALLOCATOR 1
#include <c10/core/CachingDeviceAllocator.h>
#else
#define T2_HAS_DEVICE_ALLOCATOR 0
#endif

namespace t2 {

static Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  return guard(info, "setNumThreads", [&]() -> Napi::Value {
    int64_t n = argI(info, 0, "setNumThreads", "threads");
    if (n < 1) throw std::invalid_argument("threads must be at least 1, got " + std::to_string(n));
    at::set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

static Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return guard(info, "getNumThreads", [&]() -> Napi::Value {
    noArgs(info, "getNumThreads");
    return Napi::Number::New(info.Env(), at::get_num_threads());
  });
}

static Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  return guard(info, "manualSeed", [&]() -> Napi::Value {
    torch::manual_seed(static_cast<uint64_t>(argI(info, 0, "manualSeed", "seed")));
    return info.Env().Undefined();
  });
}

// The CPU generator's state as a uint8 tensor, and back (for resumable training).
static Napi::Value getRngState(const Napi::CallbackInfo& info) {
  return guard(info, "getRngState", [&]() -> Napi::Value {
    noArgs(info, "getRngState");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return wrap(info.Env(), gen.get_state());
  });
}

static Napi::Value setRngState(const Napi::CallbackInfo& info) {
  return guard(info, "setRngState", [&]() -> Napi::Value {
    const at::Tensor& s = unwrap(info, 0, "setRngState", "state");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s);
    return info.Env().Undefined();
  });
}

static Napi::Value version(const Napi::CallbackInfo& info) {
  return guard(info, "version", [&]() -> Napi::Value {
    noArgs(info, "version");
    return Napi::String::New(info.Env(), std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                             "." + std::to_string(TORCH_VERSION_PATCH));
  });
}

static Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return guard(info, "cudaDeviceCount", [&]() -> Napi::Value {
    noArgs(info, "cudaDeviceCount");
    return Napi::Number::New(info.Env(), static_cast<double>(cudaDevices()));
  });
}

#if T2_HAS_DEVICE_ALLOCATOR
// The CUDA caching allocator and the device index of argument 0, after checking that the device exists.
static std::pair<c10::DeviceAllocator*, c10::DeviceIndex> cudaAllocator(const Napi::CallbackInfo& info, const char* op) {
  int64_t index = argI(info, 0, op, "index");
  int64_t n = cudaDevices();
  if (n == 0) throw Failure(kUnavailable, "this libtorch sees no CUDA device (a CPU-only build, or no GPU)");
  if (index < 0 || index >= n)
    throw std::invalid_argument("CUDA device " + std::to_string(index) + " does not exist (this machine has " +
                                std::to_string(n) + ")");
  return {c10::getDeviceAllocator(c10::DeviceType::CUDA), static_cast<c10::DeviceIndex>(index)};
}
#endif

// cudaMemoryStats(index): the caching allocator's byte counts of one CUDA device (current and
// peak, aggregated over pools), as torch.cuda.memory_stats reports them.
static Napi::Value cudaMemoryStats(const Napi::CallbackInfo& info) {
  return guard(info, "cudaMemoryStats", [&]() -> Napi::Value {
#if T2_HAS_DEVICE_ALLOCATOR
    auto [alloc, index] = cudaAllocator(info, "cudaMemoryStats");
    auto s = alloc->getDeviceStats(index);
    const auto agg = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    auto o = Napi::Object::New(info.Env());
    auto num = [&](const char* k, int64_t v) { o.Set(k, Napi::Number::New(info.Env(), static_cast<double>(v))); };
    num("allocatedBytes", s.allocated_bytes[agg].current);
    num("peakAllocatedBytes", s.allocated_bytes[agg].peak);
    num("reservedBytes", s.reserved_bytes[agg].current);
    num("peakReservedBytes", s.reserved_bytes[agg].peak);
    num("activeBytes", s.active_bytes[agg].current);
    num("allocations", s.allocation[agg].current);
    num("allocRetries", s.num_alloc_retries);
    num("ooms", s.num_ooms);
    return o;
#else
    argI(info, 0, "cudaMemoryStats", "index");
    throw Failure(kUnavailable, "CUDA memory statistics need libtorch 2.9 or newer");
#endif
  });
}

// cudaResetPeakMemoryStats(index): peaks start again from the current values.
static Napi::Value cudaResetPeakMemoryStats(const Napi::CallbackInfo& info) {
  return guard(info, "cudaResetPeakMemoryStats", [&]() -> Napi::Value {
#if T2_HAS_DEVICE_ALLOCATOR
    auto [alloc, index] = cudaAllocator(info, "cudaResetPeakMemoryStats");
    alloc->resetPeakStats(index);
    return info.Env().Undefined();
#else
    argI(info, 0, "cudaResetPeakMemoryStats", "index");
    throw Failure(kUnavailable, "CUDA memory statistics need libtorch 2.9 or newer");
#endif
  });
}

// setAllowTF32(cublas, cudnn): whether float32 matmuls (cuBLAS) and convolutions (cuDNN) may use
// TF32 tensor cores on GPUs that have them (libtorch's defaults: cuBLAS no, cuDNN yes).
static Napi::Value setAllowTF32(const Napi::CallbackInfo& info) {
  return guard(info, "setAllowTF32", [&]() -> Napi::Value {
    bool cublas = argB(info, 0, "setAllowTF32", "cublas");
    bool cudnn = argB(info, 1, "setAllowTF32", "cudnn");
    at::globalContext().setAllowTF32CuBLAS(cublas);
    at::globalContext().setAllowTF32CuDNN(cudnn);
    return info.Env().Undefined();
  });
}

static Napi::Value allowTF32(const Napi::CallbackInfo& info) {
  return guard(info, "allowTF32", [&]() -> Napi::Value {
    noArgs(info, "allowTF32");
    auto o = Napi::Object::New(info.Env());
    o.Set("cublas", Napi::Boolean::New(info.Env(), at::globalContext().allowTF32CuBLAS()));
    o.Set("cudnn", Napi::Boolean::New(info.Env(), at::globalContext().allowTF32CuDNN()));
    return o;
  });
}

// sdpa(q, k, v, mask?, dropoutP, isCausal, scale?): softmax(q k^T * scale + mask) v over the last
// two dimensions; a boolean mask marks allowed positions, a float mask is added.
static Napi::Value sdpa(const Napi::CallbackInfo& info) {
  return guard(info, "scaledDotProductAttention", [&]() -> Napi::Value {
    const char* op = "scaledDotProductAttention";
    const at::Tensor& q = unwrap(info, 0, op, "query");
    const at::Tensor& k = unwrap(info, 1, op, "key");
    const at::Tensor& v = unwrap(info, 2, op, "value");
    auto mask = argTopt(info, 3, op, "mask");
    double p = argD(info, 4, op, "dropoutP");
    bool causal = argB(info, 5, op, "isCausal");
    auto scale = argDopt(info, 6, op, "scale");
#if T2_HAS_SDPA
    return wrap(info.Env(), at::scaled_dot_product_attention(q, k, v, mask, p, causal, scale));
#else
    double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    at::Tensor att = at::matmul(q, k.transpose(-2, -1)) * s;
    if (causal) {
      auto L = q.size(-2), S = k.size(-2);
      auto keep = at::ones({L, S}, q.options().dtype(at::kBool)).tril();
      att = att.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
    }
    if (mask) {
      if (mask->scalar_type() == at::kBool)
        att = att.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
      else
        att = att + *mask;
    }
    att = at::softmax(att, -1);
    if (p > 0) att = at::dropout(att, p, true);
    return wrap(info.Env(), at::matmul(att, v));
#endif
  });
}

void registerSystem(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", Napi::Function::New(env, setNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, getNumThreads, "getNumThreads"));
  exports.Set("manualSeed", Napi::Function::New(env, manualSeed, "manualSeed"));
  exports.Set("getRngState", Napi::Function::New(env, getRngState, "getRngState"));
  exports.Set("setRngState", Napi::Function::New(env, setRngState, "setRngState"));
  exports.Set("version", Napi::Function::New(env, version, "version"));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, cudaDeviceCount, "cudaDeviceCount"));
  exports.Set("cudaMemoryStats", Napi::Function::New(env, cudaMemoryStats, "cudaMemoryStats"));
  exports.Set("cudaResetPeakMemoryStats", Napi::Function::New(env, cudaResetPeakMemoryStats, "cudaResetPeakMemoryStats"));
  exports.Set("setAllowTF32", Napi::Function::New(env, setAllowTF32, "setAllowTF32"));
  exports.Set("allowTF32", Napi::Function::New(env, allowTF32, "allowTF32"));
  exports.Set("scaledDotProductAttention", Napi::Function::New(env, sdpa, "scaledDotProductAttention"));
}

}  // namespace t2
