#include "psf/integrated_gaussian.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace smlm::psf {
namespace {

using G = IntegratedGaussian;

TEST(IntegratedGaussian, IntegratesToPhotonsPlusBackground) {
  const double theta[5] = {20.3, 19.7, 1000.0, 0.0, 1.3};
  std::vector<double> mu(41 * 41);
  G::evaluate_roi(theta, 41, 41, mu.data(), nullptr);
  double sum = 0;
  for (double m : mu) sum += m;
  EXPECT_NEAR(sum, 1000.0, 1e-6);
}

TEST(IntegratedGaussian, ApproachesPointGaussianForWidePsf) {
  // For sigma >> 1 px the pixel integral is the Gaussian density at the pixel centre.
  const double theta[5] = {0.0, 0.0, 1.0, 0.0, 10.0};
  const double expected = 1.0 / (2 * M_PI * 100.0) * std::exp(-(4.0 + 1.0) / 200.0);
  EXPECT_NEAR(G::value(theta, 2, 1), expected, expected * 2e-3);
}

TEST(IntegratedGaussian, JacobianMatchesFiniteDifferences) {
  const int w = 9, h = 7;
  const double theta[5] = {4.3, 2.8, 1500.0, 12.0, 1.25};
  std::vector<double> mu(w * h), jac(w * h * 5), mp(w * h), mm(w * h);
  G::evaluate_roi(theta, w, h, mu.data(), jac.data());
  for (int p = 0; p < 5; ++p) {
    double tp[5], tm[5];
    const double step = 1e-5 * std::max(1.0, std::fabs(theta[p]));
    for (int q = 0; q < 5; ++q) tp[q] = tm[q] = theta[q];
    tp[p] += step;
    tm[p] -= step;
    G::evaluate_roi(tp, w, h, mp.data(), nullptr);
    G::evaluate_roi(tm, w, h, mm.data(), nullptr);
    for (int k = 0; k < w * h; ++k) {
      const double fd = (mp[k] - mm[k]) / (2 * step);
      EXPECT_NEAR(jac[k * 5 + p], fd, 1e-6 * (1 + std::fabs(fd))) << "param " << p << " px " << k;
    }
  }
  // value() agrees with evaluate_roi().
  EXPECT_NEAR(G::value(theta, 3, 4), mu[4 * w + 3], 1e-12);
}

}  // namespace
}  // namespace smlm::psf
