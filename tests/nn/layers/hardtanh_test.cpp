// HardTanh: forward values and the gradient mask against a direct evaluation, dx by finite
// differences with inputs on both sides of both bounds, bad bounds refused.
#include "nn/layers/hardtanh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(HardTanhLayer, ForwardAndGradientMatchADirectEvaluation) {
  const float lo = -0.5f, hi = 2.f;
  HardTanh h(lo, hi);
  EXPECT_EQ(h.describe(), "HardTanh(-0.5, 2)");
  EXPECT_TRUE(h.parameters().empty());
  const Shape s{2, 3, 4, 5};
  auto xv = random_tensor(s, 1, -3.f, 4.f).host();
  xv[0] = lo, xv[1] = hi;  // on the bounds: clamped values, no gradient (PyTorch's convention)
  const Tensor x = Tensor::from_host(s, xv), dy = random_tensor(s, 2);
  const auto y = h.forward(x, true).host();
  const auto dx = h.backward(dy).host();
  const auto dyv = dy.host();
  int inside = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    EXPECT_EQ(y[i], std::clamp(xv[i], lo, hi)) << i;
    const bool in = xv[i] > lo && xv[i] < hi;
    inside += in;
    EXPECT_EQ(dx[i], in ? dyv[i] : 0.f) << i;
  }
  EXPECT_GT(inside, 20);
  EXPECT_LT(inside, int(xv.size()) - 20);
  EXPECT_EQ(dx[0], 0.f);
  EXPECT_EQ(dx[1], 0.f);
}

TEST(HardTanhLayer, Gradients) {
  HardTanh h(-1.f, 1.5f);
  auto v = random_tensor({2, 3, 4, 4}, 3, -3.f, 3.f).host();
  for (float& x : v)
    if (std::fabs(x + 1.f) < 0.05f || std::fabs(x - 1.5f) < 0.05f) x = 0.2f;  // off the bounds
  check_gradients(h, Tensor::from_host({2, 3, 4, 4}, v));
  HardTanh flat;  // (−1, 1) on a flat tensor
  check_gradients(flat, random_tensor({6, 3, 1, 1}, 4, -0.9f, 0.9f));
}

TEST(HardTanhLayer, RefusesEmptyRangesAndLoneBackwards) {
  EXPECT_THROW(HardTanh(1.f, 1.f), Error);
  EXPECT_THROW(HardTanh(2.f, -2.f), Error);
  HardTanh h;
  EXPECT_THROW(h.backward(Tensor::zeros({1, 1, 2, 2})), Error);
  h.forward(Tensor::zeros({1, 1, 2, 2}), false);
  EXPECT_THROW(h.backward(Tensor::zeros({1, 1, 2, 2})), Error)
      << "an inference forward keeps nothing";
}

}  // namespace
}  // namespace smlm::test
