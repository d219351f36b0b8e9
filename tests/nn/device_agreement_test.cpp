// Every layer on the GPU against the same layer on the CPU: outputs, input gradients and
// parameter gradients of one training step, and outputs in inference. Skipped without a GPU.
#include <gtest/gtest.h>

#include <functional>

#include "kernels/device.h"
#include "kernels/nn/conv2d.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/conv_transpose2d.h"
#include "nn/layers/dropout.h"
#include "nn/layers/gaussian_blur.h"
#include "nn/layers/hardtanh.h"
#include "nn/layers/linear.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/prelu.h"
#include "nn/layers/upsample.h"
#include "tests/nn/gradient_check.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

struct Case {
  const char* name;
  std::function<std::unique_ptr<Layer>()> make;
  Shape x;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> cases() {
  auto conv = [](int64_t in, int64_t out, int k, int s, int p, int g) {
    Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = k, o.stride = s, o.padding = p;
    o.groups = g, o.seed = 9;
    return o;
  };
  ConvTranspose2dOptions t;
  t.in_channels = 3, t.out_channels = 2, t.seed = 9;
  return {
      {"conv3x3", [=] { return std::make_unique<Conv2d>(conv(3, 5, 3, 1, 1, 1)); }, {2, 3, 9, 9}},
      {"conv_stride2_groups",
       [=] { return std::make_unique<Conv2d>(conv(4, 6, 3, 2, 1, 2)); },
       {2, 4, 9, 8}},
      {"conv_one_channel",
       [=] { return std::make_unique<Conv2d>(conv(1, 8, 3, 1, 1, 1)); },
       {3, 1, 12, 12}},
      {"conv_transpose", [=] { return std::make_unique<ConvTranspose2d>(t); }, {2, 3, 5, 5}},
      {"batch_norm", [] { return std::make_unique<BatchNorm2d>(3); }, {4, 3, 5, 5}},
      {"elu", [] { return std::make_unique<Activation>(ActivationKind::elu); }, {2, 3, 4, 4}},
      {"softplus",
       [] { return std::make_unique<Activation>(ActivationKind::softplus); },
       {2, 3, 4, 4}},
      {"max_pool", [] { return std::make_unique<MaxPool2d>(2); }, {2, 3, 8, 7}},
      {"avg_pool_3x3", [] { return std::make_unique<AvgPool2d>(3, 2, 1); }, {2, 3, 8, 7}},
      {"upsample_nearest", [] { return std::make_unique<Upsample>(2); }, {2, 2, 4, 5}},
      {"upsample_bilinear",
       [] { return std::make_unique<Upsample>(3, UpsampleMode::bilinear); },
       {2, 2, 4, 5}},
      {"dropout", [] { return std::make_unique<Dropout>(0.3f, 7); }, {2, 3, 6, 6}},
      {"gaussian_blur", [] { return std::make_unique<GaussianBlur>(2, 7, 1.f); }, {2, 2, 10, 10}},
      {"prelu", [] { return std::make_unique<PReLU>(3, 0.1f); }, {2, 3, 5, 6}},
      {"prelu_shared", [] { return std::make_unique<PReLU>(1); }, {2, 3, 5, 6}},
      {"linear", [] { return std::make_unique<Linear>(4 * 5 * 6, 7, 9); }, {3, 4, 5, 6}},
      {"linear_smnet_head",
       [] { return std::make_unique<Linear>(256 * 4 * 4, 3, 9); },
       {8, 256, 4, 4}},
      {"hardtanh", [] { return std::make_unique<HardTanh>(-0.5f, 0.25f); }, {2, 3, 4, 4}},
  };
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) num += (a[i] - b[i]) * (a[i] - b[i]), den += b[i] * b[i];
  EXPECT_LT(num, 1e-10 * std::max(den, 1e-30)) << what;
}

class DeviceAgreement : public testing::TestWithParam<Case> {};

TEST_P(DeviceAgreement, CpuAndGpuGiveTheSameStep) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  kernels::nn::set_conv2d_allow_tf32(false);
  const auto gpu_device = kernels::Device::cuda(0);
  auto cpu = GetParam().make();
  auto gpu = GetParam().make();
  gpu->to(gpu_device);
  const Tensor x = random_tensor(GetParam().x, 1);
  const Tensor yc = cpu->forward(x, true);
  const Tensor yg = gpu->forward(x.to(gpu_device), true);
  expect_close(yg.host(), yc.host(), "output");
  const Tensor dy = random_tensor(yc.shape(), 2);
  const Tensor dxc = cpu->backward(dy);
  const Tensor dxg = gpu->backward(dy.to(gpu_device));
  expect_close(dxg.host(), dxc.host(), "input gradient");
  const auto pc = cpu->parameters(), pg = gpu->parameters();
  for (size_t i = 0; i < pc.size(); ++i)
    expect_close(pg[i].parameter->grad.host(), pc[i].parameter->grad.host(), pc[i].name.c_str());
  for (size_t i = 0; i < cpu->buffers().size(); ++i)
    expect_close(gpu->buffers()[i].tensor->host(), cpu->buffers()[i].tensor->host(), "buffer");
  expect_close(gpu->forward(x.to(gpu_device), false).host(), cpu->forward(x, false).host(),
               "inference output");
  kernels::nn::set_conv2d_allow_tf32(true);
}

INSTANTIATE_TEST_SUITE_P(Layers, DeviceAgreement, testing::ValuesIn(cases()),
                         [](const auto& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace smlm::test
