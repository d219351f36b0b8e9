// Activation: every kind's gradient by finite differences, away from the kinks.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/activation.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(ActivationLayer, Gradients) {
  for (auto kind : {ActivationKind::relu, ActivationKind::elu, ActivationKind::leaky_relu,
                    ActivationKind::sigmoid, ActivationKind::tanh, ActivationKind::softplus}) {
    SCOPED_TRACE(kernels::nn::activation_name(kind));
    Activation a(kind, kind == ActivationKind::leaky_relu ? 0.2f : -1.f);
    auto v = random_tensor({2, 3, 4, 4}, 13, -3.f, 3.f).host();
    for (float& x : v)
      if (std::fabs(x) < 0.05f) x = 0.3f;  // off the kinks at 0
    check_gradients(a, Tensor::from_host({2, 3, 4, 4}, v));
    EXPECT_FALSE(::testing::Test::HasFailure());
  }
}

}  // namespace
}  // namespace smlm::test
