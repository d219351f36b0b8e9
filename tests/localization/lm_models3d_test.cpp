// Tests of the 3D model adapters of localization/lm_models.h (astigmatic Gaussian, cubic spline):
// the z-scan start, and LM precision against the CRLB in z bins with no z bias, for the analytic
// astigmatic model, for a spline of its stack, and for a spline of a tetrapod pupil PSF.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "localization/batch_fit.h"
#include "localization/lm_models.h"
#include "simulation/pupil_spline.h"
#include "tests/localization/simulated_3d.h"

namespace smlm::localization {
namespace {

using test::ZBin;

constexpr double kPixel = 100.0;

// Noise-free spots: the scan lands within one scan step (~100 nm) of the truth, and LM on it.
TEST(LmAstigmaticGaussian, ScanStartsNearTheTruthAndLmConverges) {
  const psf::AstigmaticGaussian m(test::astigmatic_curves(), kPixel);
  const LmAstigmaticGaussian model(m);
  const LmSettings s = LmAstigmaticGaussian::settings(m);
  EXPECT_DOUBLE_EQ(s.lower[4], -8.0);
  EXPECT_DOUBLE_EQ(s.upper[4], 8.0);
  for (double z : {-700.0, -420.0, -100.0, 0.0, 130.0, 480.0, 720.0}) {
    const double truth[5] = {6.3, 5.8, 3000, 12, z / kPixel};
    std::vector<double> mu(169);
    m.evaluate_roi(truth, 13, 13, mu.data(), nullptr);
    std::vector<float> roi(mu.begin(), mu.end());
    double theta[5];
    model.initial_theta(roi.data(), 13, 13, theta);
    EXPECT_NEAR(theta[4] * kPixel, z, 100.0) << "z " << z;
    const LmResult r = lm_fit(model, roi.data(), nullptr, 13, 13, theta, s);
    EXPECT_EQ(r.status, LmStatus::converged) << "z " << z;
    EXPECT_NEAR(r.theta[4] * kPixel, z, 0.01) << "z " << z;
    EXPECT_NEAR(r.theta[0], 6.3, 1e-4);
    EXPECT_NEAR(r.theta[2], 3000, 0.1);
  }
}

void expect_efficient(const std::vector<ZBin>& bins, double tol_std, double max_bias_nm) {
  for (size_t i = 0; i < bins.size(); ++i) {
    const ZBin& b = bins[i];
    EXPECT_LE(b.failed, b.n / 100) << "bin " << b.z_lo;
    EXPECT_NEAR(b.std_x / b.crlb_x, 1.0, tol_std) << "x, bin " << b.z_lo;
    EXPECT_NEAR(b.std_y / b.crlb_y, 1.0, tol_std) << "y, bin " << b.z_lo;
    EXPECT_NEAR(b.std_z / b.crlb_z, 1.0, tol_std) << "z, bin " << b.z_lo;
    if (i > 0 && i + 1 < bins.size()) {
      EXPECT_LT(std::fabs(b.bias_z), max_bias_nm) << "bin " << b.z_lo;
    }
  }
}

// 2000 photons, bg 15: precision at the CRLB from −600 to 600 nm, no z bias inside the ends.
TEST(LmAstigmaticGaussian, PrecisionReachesTheCrlbAcrossZ) {
  const psf::AstigmaticGaussian m(test::astigmatic_curves(), kPixel);
  const auto bins = test::precision_by_z(m, LmAstigmaticGaussian(m), BatchModel::of(m), -600, 600,
                                         100, 800, 13, 2000, 15, kPixel, 11);
  test::print_bins("astigmatic Gaussian", bins);
  expect_efficient(bins, 0.15, 5.0);
}

// The spline of the astigmatic model's stack (2× oversampled, 20 nm slices) fitted to data from
// the analytic model: the same precision, no z bias from the interpolation.
TEST(LmCubicSpline, SplineOfAnAstigmaticStackReachesTheCrlb) {
  const psf::AstigmaticGaussian m(test::astigmatic_curves(), kPixel);
  const auto spline = test::spline_of(m, -800, 800, 20, 2, 8);
  const psf::CubicSplinePsf sp = spline->model();
  const LmSettings s = LmCubicSpline::settings(sp);
  EXPECT_NEAR(s.lower[4] * kPixel, -790, 1e-6);
  EXPECT_NEAR(s.upper[4] * kPixel, 790, 1e-6);
  const auto bins = test::precision_by_z(m, LmCubicSpline(sp), BatchModel::of(sp), -600, 600, 100,
                                         800, 13, 2000, 15, kPixel, 12);
  test::print_bins("spline of the astigmatic stack", bins);
  expect_efficient(bins, 0.15, 5.0);
}

// A tetrapod pupil PSF (NA 1.49, λ 660 nm) as a spline over ±1.2 µm, data from that spline: z
// precision within 20 % of the CRLB over 2 µm.
TEST(LmCubicSpline, TetrapodSplineLocalizesOverTwoMicrons) {
  psf::PupilSettings p = simulation::default_pupil("tetrapod", kPixel);
  const psf::CubicSpline spline = simulation::pupil_spline(p, -1200, 1200, 25, 2, 17);
  const psf::CubicSplinePsf sp = spline.model();
  const auto bins = test::precision_by_z(sp, LmCubicSpline(sp), BatchModel::of(sp), -1000, 1000,
                                         250, 300, 15, 3000, 15, kPixel, 13);
  test::print_bins("tetrapod spline", bins);
  for (const ZBin& b : bins) {
    EXPECT_LE(b.failed, b.n / 50) << "bin " << b.z_lo;
    EXPECT_NEAR(b.std_z / b.crlb_z, 1.0, 0.2) << "bin " << b.z_lo;
  }
}

}  // namespace
}  // namespace smlm::localization
