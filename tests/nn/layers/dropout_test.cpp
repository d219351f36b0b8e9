// Dropout: the gradient with a replayed mask, identity outside training.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/dropout.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(DropoutLayer, GradientsAndEvaluation) {
  Dropout d(0.4f, 5);
  GradientCheckOptions o;
  o.before_forward = [&] { d.set_calls(0); };  // the same mask in every forward
  check_gradients(d, random_tensor({2, 3, 5, 5}, 15), o);
  const Tensor x = random_tensor({2, 3, 5, 5}, 16);
  EXPECT_EQ(d.forward(x, false).data(), x.data()) << "identity outside training";
}

}  // namespace
}  // namespace smlm::test
