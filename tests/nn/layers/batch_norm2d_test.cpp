// BatchNorm2d: gradients in training and frozen modes, running statistics used in inference.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/ops.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(BatchNormLayer, GradientsInTrainingAndFrozen) {
  BatchNorm2d bn(3);
  randomize_parameters(bn, 7);
  bn.gamma.value.copy_from(random_tensor({3, 1, 1, 1}, 8, 0.5f, 1.5f));
  check_gradients(bn, random_tensor({4, 3, 3, 4}, 9, -2.f, 2.f));
  bn.set_frozen(true);
  bn.running_var.copy_from(random_tensor({3, 1, 1, 1}, 10, 0.5f, 2.f));
  check_gradients(bn, random_tensor({4, 3, 3, 4}, 11, -2.f, 2.f));
}

TEST(BatchNormLayer, RunningStatisticsServeInference) {
  BatchNorm2d bn(2, 1e-5f, 0.5f);
  const Tensor x = random_tensor({8, 2, 4, 4}, 12, 3.f, 5.f);  // mean 4, variance 1/3
  for (int i = 0; i < 30; ++i) bn.forward(x, true);
  const auto rm = bn.running_mean.host(), rv = bn.running_var.host();
  const double m = mean(x);
  EXPECT_NEAR(rm[0], m, 0.1);
  EXPECT_NEAR(rv[0], 1.0 / 3, 0.05);
  // Inference normalizes with the running statistics: about zero mean, unit variance.
  const Tensor y = bn.forward(x, false);
  EXPECT_NEAR(mean(y), 0.0, 0.05);
  EXPECT_NEAR(sum_squares(y) / y.numel(), 1.0, 0.1);
  EXPECT_EQ(bn.buffers().size(), 2u);
}

}  // namespace
}  // namespace smlm::test
