// GaussianBlur: the gradient by finite differences, a normalized kernel, no parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/gaussian_blur.h"
#include "nn/ops.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(GaussianBlurLayer, GradientsAndNormalization) {
  GaussianBlur blur(2, 7, 1.f);
  check_gradients(blur, random_tensor({2, 2, 9, 9}, 17));
  EXPECT_NEAR(sum(blur.kernel()), 2.0, 1e-5) << "each channel's kernel sums to 1";
  // A constant image stays constant away from the zero-padded border.
  const auto y = blur.forward(Tensor::full({1, 2, 15, 15}, 1.f), false).host();
  EXPECT_NEAR(y[7 * 15 + 7], 1.f, 1e-5);
  EXPECT_TRUE(blur.parameters().empty());
}

}  // namespace
}  // namespace smlm::test
