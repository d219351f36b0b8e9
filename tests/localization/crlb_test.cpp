// Tests of the Fisher information and CRLB: the small SPD inverse, and the integrated Gaussian's
// position CRLB against Mortensen et al.'s closed form.
#include "localization/crlb.h"

#include <gtest/gtest.h>

#include <cmath>

namespace smlm::localization {
namespace {

TEST(Crlb, InvertSpdGivesTheInverse) {
  // A = Mᵀ·M + I for a fixed M is symmetric positive definite.
  const int n = 5;
  double m[n * n], a[n * n], inv[n * n];
  for (int i = 0; i < n * n; ++i) m[i] = std::sin(1.3 * i + 0.2);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = i == j ? 1.0 : 0.0;
      for (int k = 0; k < n; ++k) s += m[k * n + i] * m[k * n + j];
      a[i * n + j] = s;
    }
  ASSERT_TRUE(invert_spd(a, n, inv));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k) s += a[i * n + k] * inv[k * n + j];
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-12);
    }
}

TEST(Crlb, InvertSpdRejectsSingularAndIndefinite) {
  const double singular[4] = {1, 2, 2, 4}, indefinite[4] = {1, 3, 3, 1}, nan[1] = {NAN};
  double inv[4];
  EXPECT_FALSE(invert_spd(singular, 2, inv));
  EXPECT_FALSE(invert_spd(indefinite, 2, inv));
  EXPECT_FALSE(invert_spd(nan, 1, inv));
  EXPECT_FALSE(invert_spd(singular, 0, inv));
}

// Mortensen et al. 2010, MLE, isotropic Gaussian (REFERENCE.md), in pixels (a = 1).
double mortensen_variance(double n, double b, double sigma) {
  const double sa2 = sigma * sigma + 1.0 / 12.0;
  const double tau = 2 * M_PI * sa2 * b / n;
  return sa2 / n * (1 + 4 * tau + std::sqrt(2 * tau / (1 + 4 * tau)));
}

TEST(Crlb, PositionCrlbMatchesMortensen) {
  // A ROI wide enough that truncation does not matter, σ fitted (5 parameters).
  const int w = 21;
  for (double n : {300.0, 2000.0, 10000.0})
    for (double b : {2.0, 20.0, 100.0})
      for (double sigma : {1.0, 1.3, 2.0}) {
        const double theta[5] = {10.2, 9.9, n, b, sigma};
        double crlb[5];
        ASSERT_TRUE(integrated_gaussian_crlb(theta, w, w, 5, crlb));
        const double expected = mortensen_variance(n, b, sigma);
        // Measured: 0.965–1.005 over this grid.
        EXPECT_NEAR(crlb[0] / expected, 1.0, 0.05) << "N " << n << " b " << b << " s " << sigma;
        EXPECT_NEAR(crlb[1] / expected, 1.0, 0.05) << "N " << n << " b " << b << " s " << sigma;
      }
}

TEST(Crlb, FixedSigmaBoundIsNoLargerAndBackgroundFreeLimitIsSigmaSquaredOverN) {
  const double theta[5] = {10.0, 10.0, 5000.0, 1e-6, 1.5};
  double free5[5], fixed4[4];
  ASSERT_TRUE(integrated_gaussian_crlb(theta, 21, 21, 5, free5));
  ASSERT_TRUE(integrated_gaussian_crlb(theta, 21, 21, 4, fixed4));
  EXPECT_LE(fixed4[0], free5[0] * (1 + 1e-12));
  // Without background the position variance is σa²/N (shot noise only).
  const double sa2 = 1.5 * 1.5 + 1.0 / 12.0;
  EXPECT_NEAR(fixed4[0] / (sa2 / 5000.0), 1.0, 0.02);
  // And N's variance is N (Poisson).
  EXPECT_NEAR(fixed4[2] / 5000.0, 1.0, 0.02);
}

}  // namespace
}  // namespace smlm::localization
