// PReLU: forward values and slope gradients against a direct evaluation, dx and the slopes'
// gradients by finite differences (per-channel and shared slopes), flat inputs, bad shapes.
#include "nn/layers/prelu.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

// An input with values in ±3 and none within 0.05 of the kink at 0.
Tensor off_kink(const Shape& s, unsigned seed) {
  auto v = random_tensor(s, seed, -3.f, 3.f).host();
  for (float& x : v)
    if (std::fabs(x) < 0.05f) x = x < 0 ? -0.3f : 0.3f;
  return Tensor::from_host(s, v);
}

TEST(PReLULayer, StartsAtPyTorchsSlope) {
  PReLU p(5);
  EXPECT_EQ(p.slope.value.shape(), (Shape{5, 1, 1, 1}));
  for (float a : p.slope.value.host()) EXPECT_EQ(a, 0.25f);
  EXPECT_EQ(p.parameters().size(), 1u);
  EXPECT_EQ(p.parameters()[0].name, "slope");
  EXPECT_EQ(p.describe(), "PReLU(5)");
  EXPECT_EQ(PReLU(1, 0.1f).slope.value.item(), 0.1f);
}

TEST(PReLULayer, ForwardAndSlopeGradientMatchADirectEvaluation) {
  const Shape s{3, 4, 2, 5};
  for (int64_t slopes : {int64_t{4}, int64_t{1}}) {
    SCOPED_TRACE(slopes);
    PReLU p(slopes);
    p.slope.value.copy_from(random_tensor({slopes, 1, 1, 1}, 3, -0.5f, 1.5f));
    const Tensor x = random_tensor(s, 4, -2.f, 2.f), dy = random_tensor(s, 5);
    const auto xv = x.host(), dyv = dy.host(), a = p.slope.value.host();
    const auto y = p.forward(x, true).host();
    const auto dx = p.backward(dy).host();
    std::vector<double> da(static_cast<size_t>(slopes), 0.0);
    for (int64_t i = 0; i < s.numel(); ++i) {
      const int64_t k = slopes == 1 ? 0 : (i / s.plane()) % s.c;
      const float xi = xv[i];
      EXPECT_FLOAT_EQ(y[i], xi > 0 ? xi : a[k] * xi) << i;
      EXPECT_FLOAT_EQ(dx[i], xi > 0 ? dyv[i] : a[k] * dyv[i]) << i;
      if (xi <= 0) da[k] += double(dyv[i]) * xi;
    }
    const auto grad = p.slope.grad.host();
    for (int64_t k = 0; k < slopes; ++k) EXPECT_NEAR(grad[k], da[k], 1e-5 * (1 + std::fabs(da[k])));
  }
}

TEST(PReLULayer, Gradients) {
  PReLU per_channel(3);
  randomize_parameters(per_channel, 6);
  check_gradients(per_channel, off_kink({2, 3, 4, 4}, 7));
  PReLU shared(1);
  check_gradients(shared, off_kink({2, 3, 4, 4}, 8));
  PReLU flat(6);  // per feature of a flat (N, F, 1, 1) tensor
  randomize_parameters(flat, 9);
  check_gradients(flat, off_kink({5, 6, 1, 1}, 10));
}

TEST(PReLULayer, GradientsAccumulateAndInputsAreChecked) {
  PReLU p(2);
  const Tensor x = off_kink({2, 2, 3, 3}, 11), dy = random_tensor({2, 2, 3, 3}, 12);
  p.forward(x, true);
  p.backward(dy);
  const auto once = p.slope.grad.host();
  p.forward(x, true);
  p.backward(dy);
  const auto twice = p.slope.grad.host();
  for (size_t k = 0; k < once.size(); ++k) EXPECT_FLOAT_EQ(twice[k], 2 * once[k]);
  EXPECT_THROW(p.forward(Tensor::zeros({1, 3, 2, 2}), true), Error) << "3 channels for 2 slopes";
  EXPECT_THROW(p.backward(dy), Error) << "backward without a training forward";
  EXPECT_THROW(PReLU(0), Error);
}

}  // namespace
}  // namespace smlm::test
