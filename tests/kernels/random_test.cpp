#include "kernels/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace smlm::kernels {
namespace {

// Philox4x32-10 known-answer test (Random123's kat_vectors).
TEST(Philox, KnownAnswer) {
  const Philox4x32 r = philox4x32_10(Philox4x32{{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(r.v[0], 0x6627e8d5u);
  EXPECT_EQ(r.v[1], 0xe169c58du);
  EXPECT_EQ(r.v[2], 0xbc57ac4cu);
  EXPECT_EQ(r.v[3], 0x9b00dbd8u);
  const Philox4x32 s = philox4x32_10(
      Philox4x32{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(s.v[0], 0xd16cfe09u);
  EXPECT_EQ(s.v[1], 0x94fdccebu);
  EXPECT_EQ(s.v[2], 0x5001e420u);
  EXPECT_EQ(s.v[3], 0x24126ea1u);
}

TEST(Rng, StreamsAreReproducibleAndDistinct) {
  Rng a(42, 7), b(42, 7), c(42, 8);
  for (int i = 0; i < 100; ++i) {
    const uint32_t va = a.next_u32();
    EXPECT_EQ(va, b.next_u32());
    EXPECT_NE(va, c.next_u32());
  }
}

struct Moments {
  double mean = 0, var = 0;
};
template <class F>
Moments moments(int n, F draw) {
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double v = draw();
    s += v;
    s2 += v * v;
  }
  Moments m;
  m.mean = s / n;
  m.var = s2 / n - m.mean * m.mean;
  return m;
}

class PoissonMoments : public ::testing::TestWithParam<double> {};

TEST_P(PoissonMoments, MeanAndVarianceEqualLambda) {
  const double lambda = GetParam();
  Rng r(1, 2);
  const int n = 200000;
  const Moments m = moments(n, [&] { return r.poisson(lambda); });
  // 5 standard errors of the mean and of the variance.
  EXPECT_NEAR(m.mean, lambda, 5 * std::sqrt(lambda / n));
  EXPECT_NEAR(m.var, lambda, 5 * lambda * std::sqrt(2.0 / n) + 5 * std::sqrt(lambda / n));
}

INSTANTIATE_TEST_SUITE_P(Lambdas, PoissonMoments,
                         ::testing::Values(0.05, 1.0, 5.0, 11.9, 12.0, 30.0, 1000.0, 1e5));

TEST(Rng, PoissonSmallLambdaProbabilities) {
  Rng r(3, 4);
  const int n = 200000;
  int zeros = 0, ones = 0;
  for (int i = 0; i < n; ++i) {
    const double k = r.poisson(2.0);
    zeros += k == 0;
    ones += k == 1;
  }
  EXPECT_NEAR(zeros / double(n), std::exp(-2.0), 0.004);
  EXPECT_NEAR(ones / double(n), 2 * std::exp(-2.0), 0.004);
}

TEST(Rng, GammaMoments) {
  Rng r(5, 6);
  for (double shape : {0.5, 1.0, 7.0, 300.0}) {
    const double scale = 3.0;
    const Moments m = moments(200000, [&] { return r.gamma(shape, scale); });
    EXPECT_NEAR(m.mean / (shape * scale), 1.0, 0.01) << shape;
    EXPECT_NEAR(m.var / (shape * scale * scale), 1.0, 0.03) << shape;
  }
}

TEST(Rng, NormalAndUniform) {
  Rng r(9, 9);
  const Moments n = moments(200000, [&] { return r.normal(); });
  EXPECT_NEAR(n.mean, 0.0, 0.01);
  EXPECT_NEAR(n.var, 1.0, 0.015);
  const Moments u = moments(200000, [&] { return r.uniform(); });
  EXPECT_NEAR(u.mean, 0.5, 0.003);
  EXPECT_NEAR(u.var, 1.0 / 12, 0.001);
}

}  // namespace
}  // namespace smlm::kernels
