// Entry point of the t2vlp native addon: registers every group of exported functions.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  t2::registerHandle(env, exports);
  t2::registerCreate(env, exports);
  t2::registerAutograd(env, exports);
  t2::registerSystem(env, exports);
  t2::registerDist(env, exports);
  t2::registerGeneratedOps(env, exports);
  return exports;
}

NODE_API_MODULE(t2vlp, Init)
