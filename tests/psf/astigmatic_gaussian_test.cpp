// Tests of the astigmatic PSF: the defocus-curve formulas, the exact Jacobians (z included) of the
// astigmatic and free-width elliptical Gaussians, and the reading of ThunderSTORM calibrations.
#include "psf/astigmatic_gaussian.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "psf/calibration.h"
#include "tests/test_util.h"

namespace smlm::psf {
namespace {

DefocusCurve huang(double s0, double c, double d, double a, double b) {
  DefocusCurve k;
  k.sigma0 = s0;
  k.c = c;
  k.d = d;
  k.A = a;
  k.B = b;
  return k;
}

AstigmaticCalibration example() {
  AstigmaticCalibration cal;
  cal.x = huang(1.3, -180.0, 320.0, 0.12, 0.05);
  cal.y = huang(1.4, 170.0, 300.0, -0.08, 0.03);
  return cal;
}

TEST(DefocusCurve, HuangFormula) {
  const DefocusCurve k = huang(1.3, -180.0, 320.0, 0.12, 0.05);
  for (double z : {-700.0, -180.0, 0.0, 250.0, 600.0}) {
    const double u = (z + 180.0) / 320.0;
    const double expected = 1.3 * std::sqrt(1 + u * u + 0.12 * u * u * u + 0.05 * u * u * u * u);
    EXPECT_NEAR(k.sigma(z), expected, 1e-12) << z;
  }
  EXPECT_DOUBLE_EQ(k.sigma(-180.0), 1.3);  // σ0 at the focal offset
  // One depth of focus away (A = B = 0): √2·σ0.
  EXPECT_NEAR(huang(1.3, -180, 320, 0, 0).sigma(140.0), 1.3 * std::sqrt(2.0), 1e-12);
}

TEST(DefocusCurve, PolynomialFormAndFloor) {
  DefocusCurve k;
  k.form = DefocusCurve::kPolynomial;
  k.sigma0 = 1.5;
  k.c = 20;
  k.p2 = 2e-6;
  k.p3 = 1e-9;
  EXPECT_NEAR(k.sigma(220.0), 1.5 + 2e-6 * 4e4 + 1e-9 * 8e6, 1e-12);
  // A quartic that dips below zero is floored, with a zero slope there.
  const DefocusCurve neg = huang(1.0, 0, 100, 0, -1.0);
  double s, ds;
  neg.eval(300.0, s, ds);
  EXPECT_EQ(s, DefocusCurve::kMinSigma);
  EXPECT_EQ(ds, 0.0);
}

TEST(DefocusCurve, DerivativeMatchesFiniteDifferences) {
  DefocusCurve poly;
  poly.form = DefocusCurve::kPolynomial;
  poly.sigma0 = 1.5;
  poly.c = 20;
  poly.p2 = 2e-6;
  poly.p3 = 1e-9;
  for (const DefocusCurve& k : {huang(1.3, -180, 320, 0.12, 0.05), poly})
    for (double z : {-600.0, -150.0, 30.0, 400.0}) {
      double s, ds;
      k.eval(z, s, ds);
      const double h = 1e-3;
      EXPECT_NEAR(ds, (k.sigma(z + h) - k.sigma(z - h)) / (2 * h), 1e-8) << z;
    }
}

template <class Model>
void expect_jacobian_matches(const Model& m, const double* theta, int w, int h, double tol) {
  constexpr int np = Model::kNumParams;
  std::vector<double> mu(w * h), jac(w * h * np), mp(w * h), mm(w * h);
  m.evaluate_roi(theta, w, h, mu.data(), jac.data());
  for (int p = 0; p < np; ++p) {
    double tp[np], tm[np];
    const double step = 1e-5 * std::max(1.0, std::fabs(theta[p]));
    for (int q = 0; q < np; ++q) tp[q] = tm[q] = theta[q];
    tp[p] += step;
    tm[p] -= step;
    m.evaluate_roi(tp, w, h, mp.data(), nullptr);
    m.evaluate_roi(tm, w, h, mm.data(), nullptr);
    for (int k = 0; k < w * h; ++k) {
      const double fd = (mp[k] - mm[k]) / (2 * step);
      ASSERT_NEAR(jac[k * np + p], fd, tol * (1 + std::fabs(fd))) << "param " << p << " px " << k;
    }
  }
}

TEST(AstigmaticGaussian, JacobianMatchesFiniteDifferencesIncludingZ) {
  const AstigmaticGaussian m(example(), 100.0);
  for (double z_px : {-4.0, -1.3, 0.0, 0.7, 3.5}) {
    const double theta[5] = {4.3, 3.6, 2500.0, 7.0, z_px};
    expect_jacobian_matches(m, theta, 9, 8, 1e-6);
  }
}

TEST(AstigmaticGaussian, WidthsFollowTheCurvesAndPhotonsAreConserved) {
  const AstigmaticCalibration cal = example();
  const AstigmaticGaussian m(cal, 100.0);
  // z in px: 2.5 px = 250 nm.
  double sx, sy, dsx, dsy;
  m.sigmas(2.5, sx, sy, dsx, dsy);
  EXPECT_DOUBLE_EQ(sx, cal.x.sigma(250.0));
  EXPECT_DOUBLE_EQ(sy, cal.y.sigma(250.0));
  const double theta[5] = {30.2, 29.8, 1000.0, 0.0, 2.5};
  std::vector<double> mu(61 * 61);
  m.evaluate_roi(theta, 61, 61, mu.data(), nullptr);
  double sum = 0, mxx = 0, myy = 0;
  for (int y = 0; y < 61; ++y)
    for (int x = 0; x < 61; ++x) {
      const double v = mu[y * 61 + x];
      sum += v;
      mxx += v * (x - 30.2) * (x - 30.2);
      myy += v * (y - 29.8) * (y - 29.8);
    }
  EXPECT_NEAR(sum, 1000.0, 1e-6);
  // Second moments of the pixel-integrated Gaussian: σ² + 1/12.
  EXPECT_NEAR(mxx / sum, sx * sx + 1.0 / 12, 1e-6);
  EXPECT_NEAR(myy / sum, sy * sy + 1.0 / 12, 1e-6);
  EXPECT_NEAR(m.z_min_px(), -6.0, 1e-12);
  EXPECT_NEAR(m.z_max_px(), 6.0, 1e-12);
}

TEST(EllipticalGaussian, JacobianMatchesFiniteDifferences) {
  const double theta[6] = {5.2, 3.9, 1800.0, 4.0, 1.4, 2.3};
  expect_jacobian_matches(EllipticalGaussian(), theta, 11, 9, 1e-6);
}

TEST(ThunderstormCalibration, ReadsHuangFileAsThunderstormEvaluatesIt) {
  const std::string yaml =
      "!!cz.cuni.lf1.lge.ThunderSTORM.calibration.DaostormCalibration\n"
      "a1: 0.1\na2: -0.05\nangle: 0.01\nb1: 0.02\nb2: 0.03\nc1: -212.5\nc2: 198.0\n"
      "d1: 350.0\nd2: 330.0\nhomography: null\nisBiplane: false\nname: Huang '08\n"
      "w01: 2.6\nw02: 2.8\n";
  const AstigmaticCalibration cal = parse_thunderstorm_calibration(yaml, 700.0);
  EXPECT_EQ(cal.x.form, DefocusCurve::kHuang);
  EXPECT_DOUBLE_EQ(cal.x.sigma0, 1.3);  // σ = w0/2·√(…)
  EXPECT_DOUBLE_EQ(cal.y.sigma0, 1.4);
  EXPECT_DOUBLE_EQ(cal.x.c, -212.5);
  EXPECT_DOUBLE_EQ(cal.y.d, 330.0);
  EXPECT_DOUBLE_EQ(cal.x.A, 0.1);
  EXPECT_DOUBLE_EQ(cal.y.B, 0.03);
  EXPECT_DOUBLE_EQ(cal.z_min_nm, -700.0);
  // ThunderSTORM's DaostormCalibration.evalDefocus at z = 100 nm.
  const double u = (100.0 + 212.5) / 350.0;
  EXPECT_NEAR(cal.x.sigma(100.0),
              2.6 / 2 * std::sqrt(1 + u * u + 0.1 * u * u * u + 0.02 * u * u * u * u), 1e-12);
}

TEST(ThunderstormCalibration, ReadsPolynomialFileFromDisk) {
  test::TempDir dir;
  const std::string path = dir / "cal.yaml";
  std::ofstream(path) << "!!cz.cuni.lf1.lge.ThunderSTORM.calibration.PolynomialCalibration {a1: "
                         "1.2E-5, a2: 1.1e-5, angle: -0.02, b1: 1.6, b2: 1.7, c1: -150.0, c2: "
                         "160.0, d1: 0.0, d2: 1.0e-9, isBiplane: false, name: ThunderSTORM, w01: "
                         "0.0, w02: 0.0}\n";
  const AstigmaticCalibration cal = read_thunderstorm_calibration(path);
  EXPECT_EQ(cal.x.form, DefocusCurve::kPolynomial);
  EXPECT_NEAR(cal.x.sigma(-150.0), 1.6, 1e-12);
  EXPECT_NEAR(cal.y.sigma(260.0), 1.7 + 1.1e-5 * 1e4 + 1e-9 * 1e6, 1e-12);
}

TEST(ThunderstormCalibration, RejectsRotatedLensMissingValuesAndUnknownTypes) {
  const std::string base =
      "!!cz.cuni.lf1.lge.ThunderSTORM.calibration.DaostormCalibration\n"
      "a1: 0\na2: 0\nb1: 0\nb2: 0\nc1: -200\nc2: 200\nd1: 300\nd2: 300\n"
      "w01: 2.6\nw02: 2.6\n";
  EXPECT_NO_THROW(parse_thunderstorm_calibration(base));
  EXPECT_THROW(parse_thunderstorm_calibration(base + "angle: 0.5\n"), Error);
  EXPECT_THROW(parse_thunderstorm_calibration(
                   "!!cz.cuni.lf1.lge.ThunderSTORM.calibration.DaostormCalibration\na1: 0\n"),
               Error);
  EXPECT_THROW(parse_thunderstorm_calibration("!!foo.Bar\nw01: 1\n"), Error);
  EXPECT_THROW(read_thunderstorm_calibration("/nonexistent/cal.yaml"), Error);
}

// Found by fuzz/calibration_yaml_fuzz (fuzz/regressions/calibration_yaml-out-of-range.yaml):
// "1.1e-511" escaped as std::out_of_range from std::stod. And std::regex recursed per character,
// so a long line (any large file passed by mistake) overflowed the stack; under ASan 16 KB did.
TEST(ThunderstormCalibration, OutOfRangeValuesAndLargeFilesAreErrors) {
  const std::string base =
      "!!cz.cuni.lf1.lge.ThunderSTORM.calibration.DaostormCalibration\n"
      "a1: 0\nb1: 0\nb2: 0\nc1: -200\nc2: 200\nd1: 300\nd2: 300.\n"
      "w01: 2.6\nw02: +2.6\n";
  EXPECT_EQ(parse_thunderstorm_calibration(base + "a2: 0\n").y.sigma0, 1.3);
  for (const char* a2 : {"1.1e-511", "1e999", "-1e400"}) {
    const std::string msg =
        test::error_of([&] { parse_thunderstorm_calibration(base + "a2: " + a2 + "\n"); });
    EXPECT_NE(msg.find(std::string("value 'a2' ") + a2 + " is out of range"), std::string::npos)
        << msg;
  }
  test::TempDir dir;
  const std::string path = dir / "big.yaml";
  std::ofstream(path) << base << "a2: 0\nname: " << std::string(3 << 20, 'x') << "\n";
  const std::string msg = test::error_of([&] { read_thunderstorm_calibration(path); });
  EXPECT_NE(msg.find("more than the 16384 a calibration file can hold"), std::string::npos) << msg;
  // The longest accepted: one 16 KB line through every pattern.
  for (const std::string& filler :
       {"name: " + std::string(16000, 'x'), "angle:" + std::string(16000, ' ') + "0",
        "q" + std::string(16000, '9') + ": 1"}) {
    const std::string yaml = base + "a2: 0\n" + filler + "\n";
    ASSERT_LE(yaml.size(), 16384u);
    EXPECT_NO_THROW(parse_thunderstorm_calibration(yaml));
  }
}

}  // namespace
}  // namespace smlm::psf
