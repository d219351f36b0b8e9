// Graph: gradients through skip connections (concatenation, residual sum, a node read twice),
// its wiring text, and refused wiring.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "nn/layers/activation.h"
#include "nn/layers/graph.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/upsample.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

// A two-level U-Net: skip concatenation, a residual sum, and a node read twice.
std::unique_ptr<Graph> tiny_unet() {
  auto g = std::make_unique<Graph>();
  const int e1 =
      g->add(std::make_unique<Conv2d>(conv(1, 4, 3, 1, 1, 1, 1, true, 31)), Graph::kInput, "enc1");
  const int a1 = g->emplace<Activation>(e1, ActivationKind::elu);
  const int p = g->emplace<AvgPool2d>(a1, 2);  // max pooling's argmax could flip under ±ε
  const int e2 = g->add(std::make_unique<Conv2d>(conv(4, 4, 3, 1, 1, 1, 1, true, 32)), p, "enc2");
  const int r = g->sum({e2, p});  // residual
  const int u = g->emplace<Upsample>(r, 2);
  const int c = g->concat({a1, u});
  const int d = g->add(std::make_unique<Conv2d>(conv(8, 1, 3, 1, 1, 1, 1, true, 33)), c, "dec");
  g->set_output(d);
  return g;
}

TEST(GraphLayer, GradientsThroughSkipConnections) {
  auto g = tiny_unet();
  randomize_parameters(*g, 34);
  GradientCheckOptions o;
  o.tolerance = 1e-2;
  o.max_entries = 25;
  check_gradients(*g, random_tensor({2, 1, 8, 8}, 35), o);
  EXPECT_EQ(g->describe(),
            "Graph(1=layer(0), 2=layer(1), 3=layer(2), 4=layer(3), 5=sum(4,3), 6=layer(5), "
            "7=concat(2,6), 8=layer(7), out=8)");
  EXPECT_EQ(g->parameters()[0].name, "enc1/weight");
  EXPECT_EQ(g->forward(random_tensor({1, 1, 8, 8}, 1), false).shape(), (Shape{1, 1, 8, 8}));
}

TEST(GraphLayer, RejectsBadWiring) {
  Graph g;
  EXPECT_THROW(g.add(std::make_unique<Activation>(ActivationKind::relu), 5), Error);
  EXPECT_THROW(g.concat({}), Error);
  g.add(std::make_unique<Activation>(ActivationKind::relu), 0, "a");
  EXPECT_THROW(g.add(std::make_unique<Activation>(ActivationKind::relu), 0, "a"), Error);
  EXPECT_THROW(g.backward(Tensor::zeros({1, 1, 1, 1})), Error);
}

}  // namespace
}  // namespace smlm::test
