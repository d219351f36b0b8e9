// MaxPool2d and AvgPool2d: gradients by finite differences, overlapping windows and padding
// included.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/pool2d.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(PoolLayers, Gradients) {
  // Distinct values 0.05 apart: a perturbation of ±ε never changes a window's maximum.
  std::vector<float> v(2 * 3 * 6 * 7);
  std::iota(v.begin(), v.end(), 0.f);
  std::shuffle(v.begin(), v.end(), std::mt19937(3));
  for (float& x : v) x *= 0.05f;
  const Tensor x = Tensor::from_host({2, 3, 6, 7}, v);
  MaxPool2d max2;
  check_gradients(max2, x);
  MaxPool2d max3(3, 2, 1);
  check_gradients(max3, x);
  AvgPool2d avg2;
  check_gradients(avg2, x);
  AvgPool2d avg3(3, 1, 1);
  check_gradients(avg3, x);
  EXPECT_EQ(max2.forward(x, false).shape(), (Shape{2, 3, 3, 3}));
}

}  // namespace
}  // namespace smlm::test
