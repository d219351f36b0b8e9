// Linear: forward values against a direct evaluation (4D inputs flattened as PyTorch's
// flatten(1), flat inputs), dx, dW and db by finite differences, PyTorch's initialization, the
// flat output shape, no bias, no input gradient, and bad shapes refused.
#include "nn/layers/linear.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "tests/nn/layers/layer_test_util.h"

namespace smlm::test {
namespace {

// y[n, o] = Σ_i W[o, i]·x[n, i] + b[o] in double over host copies.
std::vector<double> direct(const Tensor& x, Linear& l) {
  const auto xv = x.host(), w = l.weight.value.host();
  const std::vector<float> b = l.options().bias ? l.bias.value.host() : std::vector<float>();
  const int64_t in = l.options().in_features, out = l.options().out_features;
  std::vector<double> y;
  for (int64_t n = 0; n < x.n(); ++n)
    for (int64_t o = 0; o < out; ++o) {
      double s = b.empty() ? 0.0 : b[o];
      for (int64_t i = 0; i < in; ++i) s += double(w[o * in + i]) * xv[n * in + i];
      y.push_back(s);
    }
  return y;
}

TEST(LinearLayer, ForwardMatchesADirectEvaluation) {
  // 4D inputs (the flatten), flat ones, a length with a remainder past the 8-way partial sums,
  // and a large fan-in like smNet's head.
  for (const Shape& s : {Shape{3, 4, 3, 5}, Shape{2, 7, 1, 1}, Shape{2, 256, 4, 4}}) {
    SCOPED_TRACE(s.str());
    const int64_t in = s.c * s.h * s.w;
    for (bool bias : {true, false}) {
      LinearOptions o;
      o.in_features = in, o.out_features = 3, o.bias = bias, o.seed = 5;
      Linear l(o);
      const Tensor x = random_tensor(s, 6);
      const Tensor y = l.forward(x, false);
      EXPECT_EQ(y.shape(), (Shape{s.n, 3, 1, 1}));
      const auto want = direct(x, l);
      const auto got = y.host();
      for (size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(got[i], want[i], 1e-6 * std::sqrt(double(in)) + 1e-6 * std::fabs(want[i]));
    }
  }
}

TEST(LinearLayer, Gradients) {
  Linear l(4 * 3 * 2, 5, 7);
  check_gradients(l, random_tensor({3, 4, 3, 2}, 8));  // dx in the input's 4D shape
  Linear flat(9, 2, 9);
  check_gradients(flat, random_tensor({4, 9, 1, 1}, 10));
  LinearOptions o;
  o.in_features = 6, o.out_features = 4, o.bias = false, o.seed = 11;
  Linear no_bias(o);
  check_gradients(no_bias, random_tensor({2, 6, 1, 1}, 12));
  EXPECT_EQ(no_bias.parameters().size(), 1u);
}

TEST(LinearLayer, InitializesAsPyTorch) {
  const int64_t in = 256, out = 64;
  Linear l(in, out, 3);
  EXPECT_EQ(l.weight.value.shape(), (Shape{out, in, 1, 1}));
  EXPECT_EQ(l.bias.value.shape(), (Shape{out, 1, 1, 1}));
  const auto names = l.parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].name, "weight");
  EXPECT_EQ(names[1].name, "bias");
  // Kaiming-uniform with a = √5 and the bias: both U(±1/√in), variance 1/(3·in).
  const double bound = 1.0 / std::sqrt(double(in));
  for (const Tensor* t : {&l.weight.value, &l.bias.value}) {
    const auto v = t->host();
    double sq = 0, lo = 0, hi = 0;
    for (float x : v) {
      EXPECT_LE(std::fabs(x), bound);
      sq += double(x) * x, lo = std::min<double>(lo, x), hi = std::max<double>(hi, x);
    }
    EXPECT_LT(lo, -0.8 * bound);
    EXPECT_GT(hi, 0.8 * bound);
    if (v.size() > 1000) {
      EXPECT_NEAR(sq / v.size(), bound * bound / 3, 0.05 * bound * bound);
    }
  }
  // Seeded: the same weights again, other ones from another seed.
  EXPECT_EQ(Linear(in, out, 3).weight.value.host(), l.weight.value.host());
  EXPECT_NE(Linear(in, out, 4).weight.value.host(), l.weight.value.host());
  EXPECT_EQ(l.describe(), "Linear(256, 64, bias=true)");
}

TEST(LinearLayer, FirstLayerSkipsTheInputGradient) {
  LinearOptions o;
  o.in_features = 8, o.out_features = 2, o.input_grad = false;
  Linear l(o);
  const Tensor x = random_tensor({3, 2, 2, 2}, 13);
  l.forward(x, true);
  EXPECT_FALSE(l.backward(random_tensor({3, 2, 1, 1}, 14)).defined());
  check_gradients(l, x);  // the weights' and bias's gradients alone
}

TEST(LinearLayer, RefusesBadShapes) {
  Linear l(12, 3);
  EXPECT_THROW(l.forward(Tensor::zeros({2, 3, 2, 3}), true), Error) << "18 features for 12";
  EXPECT_THROW(l.backward(Tensor::zeros({2, 3, 1, 1})), Error) << "no training forward";
  l.forward(Tensor::zeros({2, 3, 2, 2}), true);
  EXPECT_THROW(l.backward(Tensor::zeros({2, 4, 1, 1})), Error) << "4 outputs for 3";
  EXPECT_THROW(Linear(0, 3), Error);
}

}  // namespace
}  // namespace smlm::test
