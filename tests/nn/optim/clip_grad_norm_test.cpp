// Gradient-norm clipping: the global norm, scaling only above the limit.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "nn/optim/clip_grad_norm.h"
#include "tests/nn/optim/bowl.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

TEST(ClipGradNorm, ScalesOnlyAboveTheLimit) {
  Parameter a(Tensor::zeros({2, 1, 1, 1})), b(Tensor::zeros({1, 1, 1, 1}));
  a.grad.copy_from(Tensor::from_host({2, 1, 1, 1}, std::vector<float>{3, 0}));
  b.grad.copy_from(Tensor::from_host({1, 1, 1, 1}, std::vector<float>{4}));
  const std::vector<NamedParameter> ps{{"a", &a}, {"b", &b}};
  EXPECT_NEAR(clip_grad_norm(ps, 10.0), 5.0, 1e-9);
  EXPECT_EQ(b.grad.item(), 4.f) << "below the limit nothing changes";
  EXPECT_NEAR(clip_grad_norm(ps, 1.0), 5.0, 1e-9);
  EXPECT_NEAR(a.grad.item(), 0.6f, 1e-5);
  EXPECT_NEAR(b.grad.item(), 0.8f, 1e-5);
}

}  // namespace
}  // namespace smlm::test
