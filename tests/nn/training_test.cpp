// End to end: tiny networks learn tiny tasks on the CPU (regress a blurred image; tell bright
// blobs from dark ones), and a few training steps agree between the CPU and the GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/device.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/gaussian_blur.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/sequential.h"
#include "nn/losses/bce_with_logits.h"
#include "nn/losses/l1.h"
#include "nn/losses/mse.h"
#include "nn/ops.h"
#include "nn/optim/adam.h"
#include "tests/nn/gradient_check.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

Conv2dOptions conv(int64_t in, int64_t out, int k, int pad, uint64_t seed) {
  Conv2dOptions o;
  o.in_channels = in, o.out_channels = out, o.kernel = k, o.padding = pad, o.seed = seed;
  return o;
}

std::unique_ptr<Sequential> two_conv_net() {
  auto net = std::make_unique<Sequential>();
  auto first = conv(1, 8, 3, 1, 1);
  first.input_grad = false;
  net->emplace<Conv2d>(first);
  net->emplace<Activation>(ActivationKind::elu);
  net->emplace<Conv2d>(conv(8, 1, 3, 1, 2));
  return net;
}

TEST(Training, TwoConvNetLearnsABlur) {
  auto net = two_conv_net();
  GaussianBlur blur(1, 5, 1.f);
  AdamOptions o;
  o.lr = 1e-2f;
  Adam adam(net->parameters(), o);
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    const Tensor x = random_tensor({4, 1, 16, 16}, 1000 + step);
    const Tensor target = blur.forward(x, false);
    adam.zero_grad();
    const LossResult loss = mse_loss(net->forward(x, true), target);
    net->backward(loss.grad);
    adam.step();
    if (step == 0) first = loss.value;
    last = loss.value;
  }
  // The target's variance is ~0.027; a net that learned nothing scores about that. (This run
  // ends near 8e-4.)
  EXPECT_LT(last, 1.5e-3) << "first loss " << first;
  EXPECT_LT(last, 0.01 * first);
}

// Deep-STORM's loss shape: MSE between blurred prediction and blurred target, plus L1 sparsity.
TEST(Training, BlurredMsePlusL1LossTrains) {
  auto net = two_conv_net();
  GaussianBlur blur(1, 7, 1.f);
  Adam adam(net->parameters(), AdamOptions{});
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    // Targets: sparse spikes; input: their blur (the net must sharpen).
    std::vector<float> spikes(2 * 16 * 16, 0.f);
    std::mt19937 g(step);
    for (int k = 0; k < 6; ++k) spikes[g() % spikes.size()] = 1.f;
    const Tensor target = Tensor::from_host({2, 1, 16, 16}, spikes);
    const Tensor x = blur.forward(target, false);
    adam.zero_grad();
    const Tensor pred = net->forward(x, true);
    const Tensor blurred_pred = blur.forward(pred, true);
    const LossResult fit = mse_loss(blurred_pred, blur.forward(target, false));
    const LossResult sparse = l1_loss(pred, Tensor::zeros(pred.shape()), Reduction::mean, 1e-3f);
    Tensor grad = blur.backward(fit.grad);
    add_(grad, sparse.grad);
    net->backward(grad);
    adam.step();
    if (step == 0) first = fit.value + sparse.value;
    last = fit.value + sparse.value;
  }
  EXPECT_LT(last, 0.2 * first);
}

TEST(Training, ConvNetTellsBrightBlobsFromDark) {
  // Class 1: a bright Gaussian blob on noise; class 0: a dark one.
  auto net = std::make_unique<Sequential>();
  net->emplace<Conv2d>(conv(1, 4, 3, 1, 3));
  net->emplace<BatchNorm2d>(4);
  net->emplace<Activation>(ActivationKind::relu);
  net->emplace<MaxPool2d>(2);
  net->emplace<Conv2d>(conv(4, 1, 3, 1, 4));
  net->emplace<AvgPool2d>(8);  // global average: one logit per image
  Adam adam(net->parameters(), AdamOptions{3e-3f});
  auto batch = [](int seed, Tensor* labels) {
    std::mt19937 g(seed);
    std::normal_distribution<float> noise(0.f, 0.3f);
    std::vector<float> x(8 * 16 * 16), y(8);
    for (int n = 0; n < 8; ++n) {
      const float sign = n % 2 ? 1.f : -1.f;
      const float cx = 4.f + g() % 8, cy = 4.f + g() % 8;
      for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j)
          x[(n * 16 + i) * 16 + j] =
              sign * std::exp(-((i - cy) * (i - cy) + (j - cx) * (j - cx)) / 8.f) + noise(g);
      y[n] = n % 2 ? 1.f : 0.f;
    }
    *labels = Tensor::from_host({8, 1, 1, 1}, y);
    return Tensor::from_host({8, 1, 16, 16}, x);
  };
  double last = 0;
  for (int step = 0; step < 200; ++step) {
    Tensor labels;
    const Tensor x = batch(step, &labels);
    adam.zero_grad();
    const LossResult loss = bce_with_logits_loss(net->forward(x, true), labels);
    net->backward(loss.grad);
    adam.step();
    last = loss.value;
  }
  EXPECT_LT(last, 0.1);
  // Held-out batch, inference mode: every image classified right.
  Tensor labels;
  const auto logits = net->forward(batch(9999, &labels), false).host();
  const auto y = labels.host();
  for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(logits[i] > 0, y[i] > 0.5f) << "image " << i;
}

TEST(Training, CpuAndGpuAgree) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  kernels::nn::set_conv2d_allow_tf32(false);
  auto cpu = two_conv_net();
  auto gpu = two_conv_net();
  gpu->to(kernels::Device::cuda(0));
  Adam a(cpu->parameters(), AdamOptions{1e-2f}), b(gpu->parameters(), AdamOptions{1e-2f});
  GaussianBlur blur(1, 5, 1.f);
  for (int step = 0; step < 5; ++step) {
    const Tensor x = random_tensor({2, 1, 12, 12}, 50 + step);
    const Tensor t = blur.forward(x, false);
    a.zero_grad();
    b.zero_grad();
    const auto la = mse_loss(cpu->forward(x, true), t);
    const auto lb = mse_loss(gpu->forward(x.to(gpu->device()), true), t.to(gpu->device()));
    EXPECT_NEAR(la.value, lb.value, 1e-5 * la.value);
    cpu->backward(la.grad);
    gpu->backward(lb.grad);
    a.step();
    b.step();
  }
  const auto pc = cpu->parameters(), pg = gpu->parameters();
  for (size_t i = 0; i < pc.size(); ++i) {
    const auto x = pc[i].parameter->value.host(), y = pg[i].parameter->value.host();
    for (size_t k = 0; k < x.size(); ++k) EXPECT_NEAR(x[k], y[k], 1e-4) << pc[i].name;
  }
  kernels::nn::set_conv2d_allow_tf32(true);
}

}  // namespace
}  // namespace smlm::test
