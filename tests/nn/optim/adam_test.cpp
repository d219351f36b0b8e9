// Adam and AdamW: minimize a bowl; decoupled weight decay against L2 decay.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "nn/optim/adam.h"
#include "tests/nn/optim/bowl.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

TEST(Optimizers, AdamMinimizesABowl) {
  Bowl b;
  AdamOptions o;
  o.lr = 0.05f;
  Adam adam(b.params(), o);
  double f0 = b.gradient(), f = f0;
  for (int i = 0; i < 2000; ++i) {
    adam.step();
    f = b.gradient();
  }
  EXPECT_LT(f, 1e-6 * f0);
  EXPECT_EQ(adam.steps(), 2000);
}

TEST(Optimizers, AdamWDecaysWeightsWithoutGradient) {
  Parameter p(Tensor::full({3, 1, 1, 1}, 2.f));
  Adam adamw({{"p", &p}}, adamw_options(0.1f, 0.5f));
  adamw.step();  // zero gradient: only the decay acts, θ ← θ(1 − lr·λ)
  for (float v : p.value.host()) EXPECT_NEAR(v, 2.f * (1 - 0.05f), 1e-6);
  Parameter q(Tensor::full({3, 1, 1, 1}, 2.f));
  AdamOptions l2;
  l2.lr = 0.1f, l2.weight_decay = 0.5f;
  Adam adam({{"q", &q}}, l2);
  adam.step();  // L2: the decay enters as a gradient, Adam's first step moves by lr
  for (float v : q.value.host()) EXPECT_NEAR(v, 2.f - 0.1f, 1e-5);
}

}  // namespace
}  // namespace smlm::test
