// Activation functions on each device: values against the textbook formulas in double, slopes
// against central differences of those formulas.
#include "kernels/nn/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "core/error.h"
#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::Activation;

double formula(Activation a, double alpha, double x) {
  switch (a) {
    case Activation::relu:
      return x > 0 ? x : 0;
    case Activation::elu:
      return x > 0 ? x : alpha * (std::exp(x) - 1);
    case Activation::leaky_relu:
      return x > 0 ? x : alpha * x;
    case Activation::sigmoid:
      return 1 / (1 + std::exp(-x));
    case Activation::tanh:
      return std::tanh(x);
    case Activation::softplus:
      return std::log1p(std::exp(x));
    case Activation::identity:
      return x;
  }
  return 0;
}

class ActivationTest : public testing::TestWithParam<std::tuple<DeviceKind, Activation>> {};

TEST_P(ActivationTest, ValuesAndSlopes) {
  const auto& [kind, a] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  const float alpha = a == Activation::leaky_relu ? 0.2f : 1.f;
  auto x = random_vector(500, 31, -6.f, 6.f);
  x.push_back(30.f);  // saturation: softplus and sigmoid must stay finite
  x.push_back(-30.f);
  for (float& v : x)
    if (std::fabs(v) < 1e-2f) v = 0.5f;  // keep central differences off the kink at 0
  const auto dy = random_vector(x.size(), 32);
  DeviceArray X(device, x), Y(device, x.size()), DY(device, dy), DX(device, x.size());
  kernels::nn::activation_forward(device, a, alpha, int64_t(x.size()), X.get(), Y.get());
  kernels::nn::activation_backward(device, a, alpha, int64_t(x.size()), X.get(), Y.get(), DY.get(),
                                   DX.get());
  const auto y = Y.host(), dx = DX.host();
  for (size_t i = 0; i < x.size(); ++i) {
    const double f = formula(a, alpha, x[i]), h = 1e-4;
    const double slope = (formula(a, alpha, x[i] + h) - formula(a, alpha, x[i] - h)) / (2 * h);
    EXPECT_NEAR(y[i], f, 1e-6 * std::max(1.0, std::fabs(f))) << "x = " << x[i];
    EXPECT_NEAR(dx[i], dy[i] * slope, 1e-5) << "x = " << x[i];
  }
}

INSTANTIATE_TEST_SUITE_P(
    Devices, ActivationTest,
    testing::Combine(testing::ValuesIn(test_device_kinds()),
                     testing::Values(Activation::relu, Activation::elu, Activation::leaky_relu,
                                     Activation::sigmoid, Activation::tanh, Activation::softplus,
                                     Activation::identity)),
    [](const auto& i) {
      return std::string(std::get<0>(i.param) == DeviceKind::cpu ? "cpu" : "cuda") + "_" +
             kernels::nn::activation_name(std::get<1>(i.param));
    });

TEST(Activation, NamesRoundTrip) {
  for (auto a : {Activation::relu, Activation::elu, Activation::softplus})
    EXPECT_EQ(kernels::nn::parse_activation(kernels::nn::activation_name(a)), a);
  EXPECT_THROW(kernels::nn::parse_activation("swish"), Error);
}

}  // namespace
}  // namespace smlm::test
