// Sequential: gradients through a conv/BN/activation/pool/upsample stack, parameter paths,
// and the architecture text.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/sequential.h"
#include "nn/layers/upsample.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

TEST(SequentialLayer, GradientsThroughAStack) {
  Sequential net;
  net.emplace<Conv2d>(conv(2, 4, 3, 1, 1, 1, 1, false, 21));  // a bias before BN does nothing
  net.emplace<BatchNorm2d>(4);
  net.emplace<Activation>(ActivationKind::elu);
  net.emplace<AvgPool2d>(2);
  net.emplace<Conv2d>(conv(4, 3, 3, 1, 1, 1, 1, true, 22));
  net.emplace<Activation>(ActivationKind::tanh);
  net.emplace<Upsample>(2, UpsampleMode::bilinear);
  net.emplace<Conv2d>(conv(3, 1, 1, 1, 0, 1, 1, true, 23));
  randomize_parameters(net, 24);
  GradientCheckOptions o;
  o.tolerance = 1e-2;
  check_gradients(net, random_tensor({2, 2, 6, 6}, 25), o);
  const auto names = net.parameters();
  ASSERT_EQ(names.size(), 7u);
  EXPECT_EQ(names[0].name, "0/weight");
  EXPECT_EQ(names[1].name, "1/gamma");
  EXPECT_EQ(net.buffers()[0].name, "1/running_mean");
  EXPECT_EQ(net.parameter_count(), 2 * 4 * 9 + 4 + 4 + 4 * 3 * 9 + 3 + 3 + 1);
}

TEST(Layer, ArchitectureText) {
  Sequential net;
  net.emplace<Conv2d>(conv(1, 2, 3, 1, 1));
  net.emplace<Activation>(ActivationKind::leaky_relu, 0.2f);
  EXPECT_EQ(net.architecture(),
            "Sequential\n"
            "  Conv2d(1, 2, kernel=3, stride=1, padding=1, dilation=1, groups=1, bias=true)\n"
            "  Activation(leaky_relu, alpha=0.2)\n");
}

}  // namespace
}  // namespace smlm::test
