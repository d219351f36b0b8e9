// Tensor arithmetic: elementwise maps, sums, in-place updates, channel concatenation and split.
#include "nn/ops.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace smlm::test {
namespace {

using nn::Shape;
using nn::Tensor;

TEST(Ops, ArithmeticAndChannels) {
  const Tensor a = Tensor::from_host({1, 2, 1, 2}, std::vector<float>{1, 2, 3, 4});
  const Tensor b = Tensor::from_host({1, 2, 1, 2}, std::vector<float>{4, 3, 2, 1});
  EXPECT_EQ(nn::add(a, b).host(), (std::vector<float>{5, 5, 5, 5}));
  EXPECT_EQ(nn::sub(a, b).host(), (std::vector<float>{-3, -1, 1, 3}));
  EXPECT_EQ(nn::mul(a, b).host(), (std::vector<float>{4, 6, 6, 4}));
  EXPECT_EQ(nn::affine(a, 2.f, 1.f).host(), (std::vector<float>{3, 5, 7, 9}));
  EXPECT_EQ(nn::clamp(a, 1.5f, 3.5f).host(), (std::vector<float>{1.5f, 2, 3, 3.5f}));
  EXPECT_DOUBLE_EQ(nn::sum(a), 10.0);
  EXPECT_DOUBLE_EQ(nn::mean(a), 2.5);
  EXPECT_DOUBLE_EQ(nn::sum_squares(a), 30.0);
  EXPECT_DOUBLE_EQ(nn::dot(a, b), 20.0);
  Tensor y = a.clone();
  nn::add_(y, b, 2.f);
  EXPECT_EQ(y.host(), (std::vector<float>{9, 8, 7, 6}));
  EXPECT_THROW(nn::add(a, Tensor::zeros({1, 1, 1, 3})), Error);

  const Tensor cat = nn::concat_channels({a, b});
  EXPECT_EQ(cat.shape(), (Shape{1, 4, 1, 2}));
  EXPECT_EQ(cat.host(), (std::vector<float>{1, 2, 3, 4, 4, 3, 2, 1}));
  const auto parts = nn::split_channels(cat, {1, 3});
  EXPECT_EQ(parts[0].host(), (std::vector<float>{1, 2}));
  EXPECT_EQ(parts[1].host(), (std::vector<float>{3, 4, 4, 3, 2, 1}));
  EXPECT_THROW(nn::split_channels(cat, {1, 1}), Error);
  EXPECT_THROW(nn::concat_channels({a, Tensor::zeros({1, 1, 2, 2})}), Error);
}

}  // namespace
}  // namespace smlm::test
