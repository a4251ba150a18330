// The two computations of bench/tensor.bench.ts written in plain libtorch C++, as the baseline the
// TypeScript layer is compared with: a 2364x768 by 768x3072 float32 matmul, and the forward of a
// ViT-B/16-sized encoder (12 pre-LN blocks, width 768, 12 heads, 197 tokens, batch 12,
// QuickGELU MLP 4x) built from the same calls the TypeScript modules make (at::layer_norm,
// at::linear, at::scaled_dot_product_attention), with gradient recording off (NoGradGuard, as
// the TypeScript side's noGrad).
//
// Usage: matmul_vit <threads>. It prints `ready <threads>`, then answers each line on stdin:
// `matmul` or `vit` runs that computation once and prints its seconds; `quit` (or end of input)
// exits. The bench drives it so that TypeScript and C++ runs alternate, which keeps a change of
// machine load from favouring one side. Built and run by bench/tensor.bench.ts (g++ with the
// flags of node native/find-libtorch.mjs).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int64_t kWidth = 768, kHeads = 12, kLayers = 12, kTokens = 197, kBatch = 12;

double seconds(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Block {
  at::Tensor ln1_w, ln1_b, in_w, in_b, out_w, out_b, ln2_w, ln2_b, fc_w, fc_b, proj_w, proj_b;
};

at::Tensor w(std::vector<int64_t> shape) { return at::randn(shape) * 0.02; }

Block makeBlock() {
  const int64_t E = kWidth;
  return {at::ones({E}), at::zeros({E}), w({3 * E, E}), at::zeros({3 * E}), w({E, E}), at::zeros({E}),
          at::ones({E}), at::zeros({E}), w({4 * E, E}), at::zeros({4 * E}), w({E, 4 * E}), at::zeros({E})};
}

// x [N, L, E] -> [N, L, E], the same steps as nn.MultiheadAttention (batch-first) in a pre-LN block.
at::Tensor blockForward(const Block& b, const at::Tensor& x) {
  const int64_t N = x.size(0), L = x.size(1), E = kWidth, hd = E / kHeads;
  at::Tensor h = at::layer_norm(x, {E}, b.ln1_w, b.ln1_b, 1e-5);
  auto qkv = at::linear(h, b.in_w, b.in_b).chunk(3, -1);
  auto heads = [&](const at::Tensor& t) { return t.reshape({N, L, kHeads, hd}).transpose(1, 2); };
  at::Tensor o = at::scaled_dot_product_attention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]));
  at::Tensor a = at::linear(o.transpose(1, 2).reshape({N, L, E}), b.out_w, b.out_b);
  at::Tensor y = x + a;
  at::Tensor f = at::linear(at::layer_norm(y, {E}, b.ln2_w, b.ln2_b, 1e-5), b.fc_w, b.fc_b);
  f = f * at::sigmoid(f * 1.702);  // QuickGELU
  return y + at::linear(f, b.proj_w, b.proj_b);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  if (threads > 0) at::set_num_threads(threads);
  at::manual_seed(0);
  c10::NoGradGuard noGrad;

  at::Tensor a = at::randn({2364, 768}), bm = at::randn({768, 3072});
  std::vector<Block> blocks;
  for (int i = 0; i < kLayers; ++i) blocks.push_back(makeBlock());
  at::Tensor x = at::randn({kBatch, kTokens, kWidth});
  auto matmul = [&] { at::matmul(a, bm); };
  auto vit = [&] {
    at::Tensor y = x;
    for (const Block& b : blocks) y = blockForward(b, y);
  };

  std::printf("ready %d\n", at::get_num_threads());
  std::fflush(stdout);
  std::string cmd;
  while (std::getline(std::cin, cmd) && cmd != "quit") {
    if (cmd == "matmul")
      std::printf("%.6f\n", seconds(matmul));
    else if (cmd == "vit")
      std::printf("%.6f\n", seconds(vit));
    else
      std::printf("error unknown command '%s'\n", cmd.c_str());
    std::fflush(stdout);
  }
  return 0;
}
