// Entry point of the t2vlp native addon: registers every group of exported functions.
#include "common.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__GLIBC__)
  // glibc raises its mmap threshold each time a large block is freed, so after the first forward
  // pass the model's big activations come from the heap, which fragments: measured on a ViT-B/16
  // video batch of 4, RSS grew to 9.8 GB and later passes ran 1.5x slower. A fixed threshold keeps
  // large tensors in their own mappings, returned to the system when freed (RSS 0.9 GB).
  // T2VLP_KEEP_MALLOC=1 leaves glibc's defaults alone.
  const char* keep = std::getenv("T2VLP_KEEP_MALLOC");
  if (!keep || std::string(keep) != "1") mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  env.SetInstanceData(new t2::AddonData());
  t2::registerHandle(env, exports);
  t2::registerCreate(env, exports);
  t2::registerAutograd(env, exports);
  t2::registerSystem(env, exports);
  t2::registerDist(env, exports);
  t2::registerPrecision(env, exports);
  t2::registerGeneratedOps(env, exports);
  return exports;
}

NODE_API_MODULE(t2vlp, Init)
