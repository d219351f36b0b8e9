// Optimizer updates on each device against the update rules written out in double.
#include "kernels/nn/optimizer_step.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;

class OptimizerStepTest : public testing::TestWithParam<DeviceKind> {};

TEST_P(OptimizerStepTest, SgdWithMomentumAndDecay) {
  SMLM_TEST_DEVICE(device, GetParam());
  const int64_t n = 50;
  auto p = random_vector(n, 81);
  const auto g1 = random_vector(n, 82), g2 = random_vector(n, 83);
  DeviceArray P(device, p), G1(device, g1), G2(device, g2), V(device, n);
  const float lr = 0.1f, mu = 0.9f, wd = 0.01f;
  kernels::nn::sgd_step(device, n, lr, mu, wd, P.get(), G1.get(), V.get());
  kernels::nn::sgd_step(device, n, lr, mu, wd, P.get(), G2.get(), V.get());
  const auto got = P.host();
  for (int64_t i = 0; i < n; ++i) {
    double th = p[i], v = 0;
    for (double g : {double(g1[i]), double(g2[i])}) {
      v = mu * v + g + wd * th;
      th -= lr * v;
    }
    EXPECT_NEAR(got[i], th, 1e-6);
  }
}

TEST_P(OptimizerStepTest, AdamAndAdamW) {
  SMLM_TEST_DEVICE(device, GetParam());
  const int64_t n = 50;
  for (bool decoupled : {false, true}) {
    const auto p = random_vector(n, 84);
    const auto g1 = random_vector(n, 85), g2 = random_vector(n, 86);
    DeviceArray P(device, p), G1(device, g1), G2(device, g2), M(device, n), V(device, n);
    kernels::nn::AdamStep s;
    s.lr = 0.01f, s.weight_decay = 0.1f, s.decoupled = decoupled;
    for (int64_t t : {1, 2}) {
      s.step = t;
      kernels::nn::adam_step(device, n, s, P.get(), t == 1 ? G1.get() : G2.get(), M.get(), V.get());
    }
    const auto got = P.host();
    for (int64_t i = 0; i < n; ++i) {
      double th = p[i], m = 0, v = 0;
      int t = 0;
      for (double g : {double(g1[i]), double(g2[i])}) {
        ++t;
        if (decoupled)
          th -= s.lr * s.weight_decay * th;
        else
          g += s.weight_decay * th;
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        const double mh = m / (1 - std::pow(0.9, t)), vh = v / (1 - std::pow(0.999, t));
        th -= s.lr * mh / (std::sqrt(vh) + 1e-8);
      }
      EXPECT_NEAR(got[i], th, 1e-6) << (decoupled ? "AdamW" : "Adam");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Devices, OptimizerStepTest, testing::ValuesIn(test_device_kinds()),
                         device_kind_name);

}  // namespace
}  // namespace smlm::test
