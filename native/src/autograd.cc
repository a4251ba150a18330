// Autograd entry points: gradient flags, backward, reading and clearing gradients, the global
// grad mode behind noGrad(), global gradient-norm clipping, and GradScale (identity forward,
// gradient times a factor backward) which the cross-process all-gather uses so that every rank's
// gradient equals the single-process one.
#include "common.h"

#include <torch/nn/utils/clip_grad.h>

namespace t2 {

namespace {
struct GradScale : public torch::autograd::Function<GradScale> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, double factor) {
    ctx->saved_data["factor"] = factor;
    return x.clone();
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    double factor = ctx->saved_data["factor"].toDouble();
    return {grads[0] * factor, at::Tensor()};
  }
};
}  // namespace

static Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return guard(info, "requiresGrad", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), unwrap(info, 0, "requiresGrad", "tensor").requires_grad());
  });
}

static Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  return guard(info, "requiresGrad_", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "requiresGrad_", "tensor");
    const_cast<at::Tensor&>(t).requires_grad_(argB(info, 1, "requiresGrad_", "flag"));
    return info.Env().Undefined();
  });
}

static Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return guard(info, "isLeaf", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), unwrap(info, 0, "isLeaf", "tensor").is_leaf());
  });
}

static Napi::Value retainGrad(const Napi::CallbackInfo& info) {
  return guard(info, "retainGrad", [&]() -> Napi::Value {
    unwrap(info, 0, "retainGrad", "tensor").retain_grad();
    return info.Env().Undefined();
  });
}

// backward(t, grad?, retainGraph)
static Napi::Value backward(const Napi::CallbackInfo& info) {
  return guard(info, "backward", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "backward", "tensor");
    auto g = argTopt(info, 1, "backward", "gradient");
    bool retain = argB(info, 2, "backward", "retainGraph");
    if (!g && t.numel() != 1)
      throw std::invalid_argument("a gradient argument is required for a tensor with " + std::to_string(t.numel()) +
                                  " elements (backward without one needs a scalar)");
    t.backward(g ? *g : at::Tensor(), retain);
    return info.Env().Undefined();
  });
}

// grad(t): the accumulated gradient, or null when there is none.
static Napi::Value grad(const Napi::CallbackInfo& info) {
  return guard(info, "grad", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "grad", "tensor");
    const at::Tensor& g = t.grad();
    if (!g.defined()) return info.Env().Null();
    return wrap(info.Env(), g);
  });
}

// setGrad(t, g | null): replaces the gradient (null clears it, like PyTorch's set_to_none).
static Napi::Value setGrad(const Napi::CallbackInfo& info) {
  return guard(info, "setGrad", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "setGrad", "tensor");
    auto g = argTopt(info, 1, "setGrad", "gradient");
    const_cast<at::Tensor&>(t).mutable_grad() = g ? *g : at::Tensor();
    return info.Env().Undefined();
  });
}

static Napi::Value gradEnabled(const Napi::CallbackInfo& info) {
  return guard(info, "gradEnabled", [&]() -> Napi::Value {
    noArgs(info, "gradEnabled");
    return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
  });
}

static Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  return guard(info, "setGradEnabled", [&]() -> Napi::Value {
    c10::GradMode::set_enabled(argB(info, 0, "setGradEnabled", "enabled"));
    return info.Env().Undefined();
  });
}

// clipGradNorm(params, maxNorm, normType): scales gradients in place; returns the total norm.
static Napi::Value clipGradNorm(const Napi::CallbackInfo& info) {
  return guard(info, "clipGradNorm", [&]() -> Napi::Value {
    auto params = argTL(info, 0, "clipGradNorm", "parameters");
    double maxNorm = argD(info, 1, "clipGradNorm", "maxNorm");
    double normType = argD(info, 2, "clipGradNorm", "normType");
    double total = torch::nn::utils::clip_grad_norm_(params, maxNorm, normType);
    return Napi::Number::New(info.Env(), total);
  });
}

static Napi::Value gradScale(const Napi::CallbackInfo& info) {
  return guard(info, "gradScale", [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info, 0, "gradScale", "tensor");
    double factor = argD(info, 1, "gradScale", "factor");
    return wrap(info.Env(), GradScale::apply(t, factor));
  });
}

void registerAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("requiresGrad", Napi::Function::New(env, requiresGrad, "requiresGrad"));
  exports.Set("setRequiresGrad", Napi::Function::New(env, setRequiresGrad, "setRequiresGrad"));
  exports.Set("isLeaf", Napi::Function::New(env, isLeaf, "isLeaf"));
  exports.Set("retainGrad", Napi::Function::New(env, retainGrad, "retainGrad"));
  exports.Set("backward", Napi::Function::New(env, backward, "backward"));
  exports.Set("grad", Napi::Function::New(env, grad, "grad"));
  exports.Set("setGrad", Napi::Function::New(env, setGrad, "setGrad"));
  exports.Set("gradEnabled", Napi::Function::New(env, gradEnabled, "gradEnabled"));
  exports.Set("setGradEnabled", Napi::Function::New(env, setGradEnabled, "setGradEnabled"));
  exports.Set("clipGradNorm", Napi::Function::New(env, clipGradNorm, "clipGradNorm"));
  exports.Set("gradScale", Napi::Function::New(env, gradScale, "gradScale"));
}

}  // namespace t2
