// Losses over tensors (MSE, L1, BCE with logits): mean and sum reductions, weights, gradients
// by finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/losses/bce_with_logits.h"
#include "nn/losses/l1.h"
#include "nn/losses/mse.h"
#include "tests/nn/gradient_check.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

TEST(Losses, ValuesByHand) {
  const Tensor p = Tensor::from_host({1, 1, 1, 4}, std::vector<float>{1, 2, 3, 4});
  const Tensor t = Tensor::from_host({1, 1, 1, 4}, std::vector<float>{0, 2, 5, 4});
  EXPECT_DOUBLE_EQ(mse_loss(p, t).value, (1 + 0 + 4 + 0) / 4.0);
  EXPECT_DOUBLE_EQ(mse_loss(p, t, Reduction::sum).value, 5.0);
  EXPECT_DOUBLE_EQ(l1_loss(p, t).value, 3.0 / 4);
  EXPECT_DOUBLE_EQ(l1_loss(p, t, Reduction::mean, 2.f).value, 1.5);
  EXPECT_EQ(mse_loss(p, t).grad.host(), (std::vector<float>{0.5f, 0, -1.f, 0}));
  EXPECT_EQ(l1_loss(p, t).grad.host(), (std::vector<float>{0.25f, 0, -0.25f, 0}));
  const Tensor z = Tensor::zeros({1, 1, 1, 2});
  const Tensor half = Tensor::full({1, 1, 1, 2}, 0.5f);
  EXPECT_NEAR(bce_with_logits_loss(z, half).value, std::log(2.0), 1e-12);
}

TEST(Losses, GradientsMatchFiniteDifferences) {
  const Shape s{2, 1, 3, 3};
  const Tensor t = random_tensor(s, 2, 0.f, 1.f);
  for (int kind = 0; kind < 3; ++kind) {
    Tensor p = random_tensor(s, 3, -2.f, 2.f);
    auto loss = [&](const Tensor& x) {
      return kind == 0 ? mse_loss(x, t) : kind == 1 ? l1_loss(x, t) : bce_with_logits_loss(x, t);
    };
    const auto g = loss(p).grad.host();
    auto v = p.host();
    for (size_t i = 0; i < v.size(); ++i) {
      const float h = 1e-3f, o = v[i];
      v[i] = o + h;
      const double up = loss(Tensor::from_host(s, v)).value;
      v[i] = o - h;
      const double down = loss(Tensor::from_host(s, v)).value;
      v[i] = o;
      const double step = double(o + h) - double(o - h);  // the step float really took
      EXPECT_NEAR(g[i], (up - down) / step, 1e-4) << "loss " << kind << " entry " << i;
    }
  }
}

}  // namespace
}  // namespace smlm::test
