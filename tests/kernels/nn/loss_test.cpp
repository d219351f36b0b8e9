// Pointwise losses on each device: sums against formulas in double, gradients against central
// differences of those formulas.
#include "kernels/nn/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::LossKind;

double formula(LossKind k, double p, double t) {
  switch (k) {
    case LossKind::mse:
      return (p - t) * (p - t);
    case LossKind::l1:
      return std::fabs(p - t);
    case LossKind::bce_with_logits: {
      const double s = 1 / (1 + std::exp(-p));
      return -t * std::log(s) - (1 - t) * std::log(1 - s);
    }
  }
  return 0;
}

std::string loss_name(LossKind k) {
  return k == LossKind::mse ? "mse" : k == LossKind::l1 ? "l1" : "bce_with_logits";
}

class LossTest : public testing::TestWithParam<std::tuple<DeviceKind, LossKind>> {};

TEST_P(LossTest, SumAndGradient) {
  const auto& [kind, k] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  const int64_t n = 777;
  const auto p = random_vector(n, 71, -4.f, 4.f);
  auto t = random_vector(n, 72, k == LossKind::bce_with_logits ? 0.f : -4.f, 4.f);
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(p[i] - t[i]) < 1e-2f) t[i] += 0.1f;  // off the L1 kink
  DeviceArray P(device, p), T(device, t), G(device, n);
  double want = 0;
  for (int64_t i = 0; i < n; ++i) want += formula(k, p[i], t[i]);
  EXPECT_NEAR(kernels::nn::loss_sum(device, k, n, P.get(), T.get()), want, 1e-6 * want);
  kernels::nn::loss_grad(device, k, n, P.get(), T.get(), 0.5f, G.get());
  const auto g = G.host();
  for (int64_t i = 0; i < n; ++i) {
    const double h = 1e-5;
    const double slope = (formula(k, p[i] + h, t[i]) - formula(k, p[i] - h, t[i])) / (2 * h);
    ASSERT_NEAR(g[i], 0.5 * slope, 1e-5) << "p = " << p[i] << ", t = " << t[i];
  }
}

TEST(Loss, BceWithLogitsIsStableForLargeLogits) {
  const std::vector<float> p{100.f, -100.f}, t{0.f, 1.f};
  const double v = kernels::nn::loss_sum(kernels::Device::cpu(), LossKind::bce_with_logits, 2,
                                         p.data(), t.data());
  EXPECT_NEAR(v, 200.0, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Devices, LossTest,
                         testing::Combine(testing::ValuesIn(test_device_kinds()),
                                          testing::Values(LossKind::mse, LossKind::l1,
                                                          LossKind::bce_with_logits)),
                         [](const auto& i) {
                           return std::string(std::get<0>(i.param) == DeviceKind::cpu ? "cpu"
                                                                                      : "cuda") +
                                  "_" + loss_name(std::get<1>(i.param));
                         });

}  // namespace
}  // namespace smlm::test
