// SGD with momentum: minimizes a bowl; zero_grad, settings and state names.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "nn/ops.h"
#include "nn/optim/sgd.h"
#include "tests/nn/optim/bowl.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

TEST(Optimizers, SgdWithMomentumMinimizesABowl) {
  Bowl b;
  SgdOptions o;
  o.lr = 0.05f, o.momentum = 0.9f;
  Sgd sgd(b.params(), o);
  double f0 = b.gradient(), f = f0;
  for (int i = 0; i < 500; ++i) {
    sgd.step();
    f = b.gradient();
  }
  EXPECT_LT(f, 1e-6 * f0);
}

TEST(Optimizers, ZeroGradAndSettings) {
  Bowl b;
  Sgd sgd(b.params());
  b.gradient();
  sgd.zero_grad();
  EXPECT_EQ(sum_squares(b.p.grad), 0.0);
  sgd.set_lr(0.5f);
  EXPECT_EQ(sgd.settings().at("lr"), 0.5);
  EXPECT_EQ(sgd.state().front().name, "velocity/theta");
  EXPECT_THROW(Sgd(b.params(), SgdOptions{-1.f, 0.f, 0.f}), Error);
}

}  // namespace
}  // namespace smlm::test
