// Tests of the Poisson deviance residuals: values against the closed form, derivatives against
// finite differences (near μ = k too, where the series takes over), and the ROI Jacobian.
#include "localization/poisson_deviance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "localization/mle_fit.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {
namespace {

double closed_form(double mu, double k) { return k > 0 ? mu - k - k * std::log(mu / k) : mu; }

TEST(PoissonDeviance, MatchesClosedFormAndHalfSquaredResidual) {
  for (double k : {0.0, 1.0, 3.0, 20.0, 1000.0})
    for (double ratio : {0.05, 0.5, 0.9, 0.99, 1.002, 1.1, 2.0, 30.0}) {
      const double mu = k > 0 ? k * ratio : ratio;
      const double d = poisson_deviance(mu, k);
      EXPECT_NEAR(d, closed_form(mu, k), 1e-10 * (1 + closed_form(mu, k))) << mu << " " << k;
      EXPECT_GE(d, 0.0);
      double r, dr;
      deviance_residual(mu, k, r, dr);
      EXPECT_NEAR(0.5 * r * r, d, 1e-12 * (1 + d));
      if (k > 0) {
        EXPECT_EQ(r > 0, mu > k);
      }
    }
}

TEST(PoissonDeviance, NegativeCountsReadAsZero) {
  double r1, d1, r2, d2;
  deviance_residual(4.0, -3.0, r1, d1);
  deviance_residual(4.0, 0.0, r2, d2);
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(d1, d2);
  EXPECT_DOUBLE_EQ(r1, std::sqrt(8.0));
}

TEST(PoissonDeviance, AccurateOnBothSidesOfTheSeriesLimit) {
  // Reference in long double, where the closed form keeps ~3 more digits.
  const long double k = 17.0L;
  for (double u :
       {-2 * kDevianceSeriesLimit, -kDevianceSeriesLimit * (1 + 1e-9),
        -kDevianceSeriesLimit * (1 - 1e-9), -1e-6, 1e-6, kDevianceSeriesLimit * (1 - 1e-9),
        kDevianceSeriesLimit * (1 + 1e-9), 2 * kDevianceSeriesLimit}) {
    const double mu = static_cast<double>(k) * (1 + u);
    const long double ul = (static_cast<long double>(mu) - k) / k;
    const long double d = k * (ul - std::log1p(ul));
    const long double r_ref = std::copysign(std::sqrt(2 * d), ul);
    const long double dr_ref = ul / ((1 + ul) * r_ref);
    double r, dr;
    deviance_residual(mu, static_cast<double>(k), r, dr);
    EXPECT_NEAR(r, static_cast<double>(r_ref), 1e-10 * std::fabs(static_cast<double>(r_ref))) << u;
    EXPECT_NEAR(dr, static_cast<double>(dr_ref), 1e-10 * std::fabs(static_cast<double>(dr_ref)))
        << u;
    EXPECT_NEAR(poisson_deviance(mu, static_cast<double>(k)), static_cast<double>(d),
                1e-10 * static_cast<double>(d));
  }
}

TEST(PoissonDeviance, DerivativeMatchesFiniteDifferencesIncludingNearMuEqualsK) {
  for (double k : {0.0, 0.5, 2.0, 25.0, 3000.0})
    for (double u : {-0.9, -0.3, -2e-3, -1.01e-3, -0.99e-3, -1e-5, -1e-9, 0.0, 1e-9, 1e-5, 0.99e-3,
                     1.01e-3, 2e-3, 0.4, 5.0}) {
      const double mu = k > 0 ? k * (1 + u) : 1 + u;
      double r, dr, rp, drp, rm, drm;
      deviance_residual(mu, k, r, dr);
      const double h = 1e-6 * mu;
      deviance_residual(mu + h, k, rp, drp);
      deviance_residual(mu - h, k, rm, drm);
      const double fd = (rp - rm) / (2 * h);
      EXPECT_TRUE(std::isfinite(dr)) << "mu " << mu << " k " << k;
      EXPECT_NEAR(dr, fd, 1e-6 * std::fabs(fd) + 1e-9) << "mu " << mu << " k " << k;
    }
  // The limit at μ = k is 1/√μ (the Fisher-information weight).
  double r, dr;
  deviance_residual(9.0, 9.0, r, dr);
  EXPECT_EQ(r, 0.0);
  EXPECT_DOUBLE_EQ(dr, 1.0 / 3.0);
}

// The ROI Jacobian the Ceres cost uses, against central differences in θ: on noisy data, and on
// data equal to the model (μ ≈ k on every pixel).
TEST(PoissonDeviance, RoiJacobianMatchesFiniteDifferences) {
  using G = psf::IntegratedGaussian;
  const int w = 7, h = 6, n = w * h;
  const double theta[5] = {3.2, 2.6, 900.0, 15.0, 1.4};
  std::vector<double> mu(n);
  G::evaluate_roi(theta, w, h, mu.data(), nullptr);
  std::vector<float> noisy(n), exact(n);
  for (int k = 0; k < n; ++k) {
    exact[k] = static_cast<float>(mu[k]);
    noisy[k] = static_cast<float>(std::round(mu[k] * (1 + 0.3 * std::sin(1.7 * k))));
  }
  noisy[0] = 0.0f;  // a k = 0 pixel
  for (const auto* data : {&noisy, &exact}) {
    std::vector<double> r(n), jac(n * 5), rp(n), rm(n);
    deviance_residuals(theta, data->data(), w, h, r.data(), jac.data());
    for (int p = 0; p < 5; ++p) {
      double tp[5], tm[5];
      for (int q = 0; q < 5; ++q) tp[q] = tm[q] = theta[q];
      const double step = 1e-6 * std::max(1.0, std::fabs(theta[p]));
      tp[p] += step;
      tm[p] -= step;
      deviance_residuals(tp, data->data(), w, h, rp.data(), nullptr);
      deviance_residuals(tm, data->data(), w, h, rm.data(), nullptr);
      for (int k = 0; k < n; ++k) {
        const double fd = (rp[k] - rm[k]) / (2 * step);
        EXPECT_NEAR(jac[k * 5 + p], fd, 2e-5 * (std::fabs(fd) + 1e-3))
            << "param " << p << " pixel " << k << (data == &exact ? " (exact data)" : "");
      }
    }
  }
}

}  // namespace
}  // namespace smlm::localization
