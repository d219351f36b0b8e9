// Upsample: nearest and bilinear gradients by finite differences, and the output shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/upsample.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(UpsampleLayer, Gradients) {
  for (auto mode : {UpsampleMode::nearest, UpsampleMode::bilinear}) {
    Upsample up(2, mode);
    check_gradients(up, random_tensor({2, 2, 3, 4}, 14));
    EXPECT_EQ(up.forward(random_tensor({2, 2, 3, 4}, 1), false).shape(), (Shape{2, 2, 6, 8}));
  }
}

}  // namespace
}  // namespace smlm::test
