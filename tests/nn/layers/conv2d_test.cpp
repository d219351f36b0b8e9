// Conv2d: gradients by finite differences over strides, dilation, groups and no bias; the
// first-layer option without an input gradient; shapes, errors and the He initialization.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/conv2d.h"
#include "nn/ops.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(Conv2dLayer, Gradients) {
  struct Case {
    Conv2dOptions o;
    Shape x;
  };
  for (const auto& c :
       {Case{conv(2, 3, 3, 1, 1), {2, 2, 6, 5}}, Case{conv(3, 4, 3, 2, 1), {2, 3, 7, 7}},
        Case{conv(2, 2, 3, 1, 2, 2), {1, 2, 6, 6}},
        Case{conv(4, 6, 3, 1, 1, 1, 2, false), {2, 4, 5, 5}},
        Case{conv(1, 4, 5, 1, 2), {2, 1, 8, 8}}}) {
    SCOPED_TRACE(c.o.in_channels);
    Conv2d layer(c.o);
    randomize_parameters(layer, 3);
    check_gradients(layer, random_tensor(c.x, 5));
  }
}

TEST(Conv2dLayer, NoInputGradientForAFirstLayer) {
  auto o = conv(1, 2, 3, 1, 1);
  o.input_grad = false;
  Conv2d layer(o);
  const Tensor y = layer.forward(random_tensor({1, 1, 5, 5}, 1), true);
  EXPECT_FALSE(layer.backward(Tensor::full(y.shape(), 1.f)).defined());
  EXPECT_GT(sum_squares(layer.weight.grad), 0.0) << "the weights still get their gradient";
  check_gradients(layer, random_tensor({1, 1, 5, 5}, 2));
}

TEST(Conv2dLayer, ShapesAndErrors) {
  Conv2d layer(conv(3, 8, 3, 2, 1));
  EXPECT_EQ(layer.weight.value.shape(), (Shape{8, 3, 3, 3}));
  EXPECT_EQ(layer.bias.value.shape(), (Shape{8, 1, 1, 1}));
  EXPECT_EQ(layer.forward(random_tensor({2, 3, 9, 9}, 1), false).shape(), (Shape{2, 8, 5, 5}));
  EXPECT_THROW(layer.forward(random_tensor({2, 4, 9, 9}, 1), false), Error);
  EXPECT_THROW(layer.backward(Tensor::zeros({2, 8, 5, 5})), Error) << "no training forward";
  EXPECT_THROW(Conv2d(conv(3, 8, 3, 1, 0, 1, 2)), Error) << "3 channels in 2 groups";
  // He-normal: standard deviation √(2/fan_in) = √(2/27).
  const auto w = layer.weight.value.host();
  double s2 = 0;
  for (float v : w) s2 += double(v) * v;
  EXPECT_NEAR(std::sqrt(s2 / w.size()), std::sqrt(2.0 / 27), 0.05);
}

}  // namespace
}  // namespace smlm::test
