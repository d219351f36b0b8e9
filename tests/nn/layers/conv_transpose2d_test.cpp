// ConvTranspose2d: gradients by finite differences, and a stride-2 upsampling worked by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/conv_transpose2d.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(ConvTranspose2dLayer, Gradients) {
  struct Case {
    ConvTranspose2dOptions o;
    Shape x;
  };
  auto opt = [](int64_t in, int64_t out, int k, int s, int p, int op, int g, bool bias) {
    ConvTranspose2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = k, o.stride = s, o.padding = p;
    o.output_padding = op, o.groups = g, o.bias = bias, o.seed = 4;
    return o;
  };
  for (const auto& c : {Case{opt(3, 2, 2, 2, 0, 0, 1, true), {2, 3, 4, 3}},
                        Case{opt(2, 3, 3, 2, 1, 1, 1, true), {1, 2, 4, 4}},
                        Case{opt(4, 2, 3, 1, 1, 0, 2, false), {2, 4, 5, 5}}}) {
    ConvTranspose2d layer(c.o);
    randomize_parameters(layer, 6);
    check_gradients(layer, random_tensor(c.x, 7));
  }
}

TEST(ConvTranspose2dLayer, UpsamplesByHand) {
  ConvTranspose2dOptions o;  // 1 -> 1 channel, kernel 2, stride 2
  ConvTranspose2d up(o);
  up.weight.value.copy_from(Tensor::from_host({1, 1, 2, 2}, std::vector<float>{1, 2, 3, 4}));
  up.bias.value.fill(0.5f);
  const Tensor y = up.forward(Tensor::from_host({1, 1, 1, 2}, std::vector<float>{1, 10}), false);
  ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 4}));
  // Each input pixel stamps the kernel, scaled, into its own 2×2 block.
  EXPECT_EQ(y.host(), (std::vector<float>{1.5f, 2.5f, 10.5f, 20.5f, 3.5f, 4.5f, 30.5f, 40.5f}));
  o.stride = 2, o.output_padding = 2;
  EXPECT_THROW(ConvTranspose2d{o}, Error);
}

}  // namespace
}  // namespace smlm::test
