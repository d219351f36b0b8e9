// Manual timing of a Deep-STORM-sized training step on the CPU (disabled by default):
//   nn_test --gtest_also_run_disabled_tests --gtest_filter='*Speed*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "kernels/parallel_for.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/gaussian_blur.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/sequential.h"
#include "nn/layers/upsample.h"
#include "nn/losses/l1.h"
#include "nn/losses/mse.h"
#include "nn/ops.h"
#include "nn/optim/adam.h"
#include "tests/nn/gradient_check.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

// Deep-STORM's encoder–decoder (REFERENCE.md): 3×3 conv + BN + ReLU blocks
// 32 → pool → 64 → pool → 128 → pool → 512 → up → 128 → up → 64 → up → 32, then a 1×1 conv.
std::unique_ptr<Sequential> deep_storm_like() {
  auto net = std::make_unique<Sequential>();
  int64_t in = 1;
  uint64_t seed = 1;
  auto block = [&](int64_t out) {
    Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = 3, o.padding = 1, o.bias = false;
    o.seed = seed++, o.input_grad = in != 1;
    net->emplace<Conv2d>(o);
    net->emplace<BatchNorm2d>(out);
    net->emplace<Activation>(ActivationKind::relu);
    in = out;
  };
  block(32);
  net->emplace<MaxPool2d>(2);
  block(64);
  net->emplace<MaxPool2d>(2);
  block(128);
  net->emplace<MaxPool2d>(2);
  block(512);
  net->emplace<Upsample>(2);
  block(128);
  net->emplace<Upsample>(2);
  block(64);
  net->emplace<Upsample>(2);
  block(32);
  Conv2dOptions head;
  head.in_channels = 32, head.kernel = 1, head.seed = seed;
  net->emplace<Conv2d>(head);
  return net;
}

TEST(DISABLED_Speed, DeepStormTrainingStep) {
  const int batch = 4;
  auto net = deep_storm_like();
  GaussianBlur blur(1, 7, 1.f);
  Adam adam(net->parameters(), AdamOptions{});
  const Tensor x = random_tensor({batch, 1, 208, 208}, 1);
  const Tensor target = random_tensor({batch, 1, 208, 208}, 2, 0.f, 1.f);
  auto step = [&] {
    adam.zero_grad();
    const Tensor pred = net->forward(x, true);
    const auto fit = mse_loss(blur.forward(pred, true), blur.forward(target, false));
    const auto sparse = l1_loss(pred, Tensor::zeros(pred.shape()));
    Tensor g = blur.backward(fit.grad);
    add_(g, sparse.grad);
    net->backward(g);
    adam.step();
  };
  step();
  const auto t0 = std::chrono::steady_clock::now();
  const int reps = 2;
  for (int i = 0; i < reps; ++i) step();
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
  std::printf("Deep-STORM-sized step, batch %d of 208x208, %d CPU threads: %.2f s (%.2f s/image)\n",
              batch, kernels::cpu_threads(), s, s / batch);
  const auto t1 = std::chrono::steady_clock::now();
  net->forward(x, false);
  std::printf("inference, batch %d: %.3f s\n", batch,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
}

// Forward and backward time per layer kind, one training step.
TEST(DISABLED_Speed, DeepStormLayerBreakdown) {
  const int batch = 4;
  auto net = deep_storm_like();
  std::map<std::string, std::pair<double, double>> t;  // kind → (forward s, backward s)
  std::vector<Tensor> inputs;
  auto now = [] { return std::chrono::steady_clock::now(); };
  for (int rep = 0; rep < 2; ++rep) {
    t.clear();
    Tensor x = random_tensor({batch, 1, 208, 208}, 1);
    for (size_t i = 0; i < net->size(); ++i) {
      const auto t0 = now();
      x = (*net)[i].forward(x, true);
      t[(*net)[i].describe().substr(0, 6)].first +=
          std::chrono::duration<double>(now() - t0).count();
    }
    Tensor g = random_tensor(x.shape(), 2);
    for (size_t i = net->size(); i-- > 0 && g.defined();) {
      const auto t0 = now();
      g = (*net)[i].backward(g);
      t[(*net)[i].describe().substr(0, 6)].second +=
          std::chrono::duration<double>(now() - t0).count();
    }
  }
  for (const auto& [k, v] : t)
    std::printf("%-8s forward %7.1f ms  backward %7.1f ms\n", k.c_str(), v.first * 1e3,
                v.second * 1e3);
}

}  // namespace
}  // namespace smlm::test
