// Tests of the cubic spline PSF: exact interpolation of the stack, C¹ (in fact C²) continuity
// across voxel faces, the Jacobian against finite differences, normalization, and a spline built
// from an astigmatic Gaussian stack reproducing that analytic model between the grid points.
#include "psf/cubic_spline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.h"
#include "kernels/random.h"
#include "psf/astigmatic_gaussian.h"

namespace smlm::psf {
namespace {

// A smooth random-ish stack: sums of Gaussian blobs plus noise-free ripples.
std::vector<ImageF> test_stack(int sx, int sy, int sz, uint64_t seed) {
  kernels::Rng rng(seed, 0);
  std::vector<ImageF> st(sz, ImageF(sx, sy));
  for (int k = 0; k < sz; ++k)
    for (int y = 0; y < sy; ++y)
      for (int x = 0; x < sx; ++x)
        st[k](x, y) = static_cast<float>(
            1.0 + rng.uniform() +
            std::exp(-((x - 4.0) * (x - 4.0) + (y - 3.5) * (y - 3.5)) / (4.0 + 0.3 * k)));
  return st;
}

TEST(NaturalCubicSpline1d, InterpolatesWithContinuousDerivatives) {
  const double y[6] = {0.0, 1.0, 4.0, 2.0, -1.0, 0.5};
  double c[20];
  natural_cubic_spline_1d(y, 6, c);
  for (int i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(c[4 * i], y[i]);
    EXPECT_NEAR(c[4 * i] + c[4 * i + 1] + c[4 * i + 2] + c[4 * i + 3], y[i + 1], 1e-12);
    if (i < 4) {  // p_i'(1) = p_{i+1}'(0), p_i''(1) = p_{i+1}''(0)
      EXPECT_NEAR(c[4 * i + 1] + 2 * c[4 * i + 2] + 3 * c[4 * i + 3], c[4 * i + 5], 1e-12);
      EXPECT_NEAR(2 * c[4 * i + 2] + 6 * c[4 * i + 3], 2 * c[4 * i + 6], 1e-12);
    }
  }
  EXPECT_NEAR(c[2], 0.0, 1e-15);                   // natural: p_0''(0) = 0
  EXPECT_NEAR(2 * c[18] + 6 * c[19], 0.0, 1e-12);  // p_4''(1) = 0
}

TEST(CubicSpline, InterpolatesTheStackAtGridPoints) {
  const auto st = test_stack(9, 8, 6, 1);
  SplineSettings s;
  s.normalization = SplineSettings::Normalization::kNone;
  const CubicSpline sp(st, s);
  const CubicSplinePsf m = sp.model();
  EXPECT_EQ(m.nx, 8);
  EXPECT_EQ(m.ny, 7);
  EXPECT_EQ(m.nz, 5);
  EXPECT_EQ(sp.coefficients().size(), 8u * 7 * 5 * 64);
  for (int k = 0; k < 6; ++k)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 9; ++x)
        ASSERT_NEAR(m.value(x, y, k, nullptr, nullptr, nullptr), st[k](x, y), 2e-6)
            << x << " " << y << " " << k;
}

TEST(CubicSpline, IsC1AcrossVoxelFaces) {
  const auto st = test_stack(9, 8, 6, 2);
  SplineSettings s;
  s.normalization = SplineSettings::Normalization::kNone;
  const CubicSpline sp(st, s);
  const CubicSplinePsf m = sp.model();
  const double e = 1e-7;
  // Faces x = 3, y = 4, z = 2 at off-grid points on the face.
  const double pts[3][3] = {{3.0, 2.37, 1.61}, {5.42, 4.0, 3.28}, {2.71, 5.13, 2.0}};
  for (int axis = 0; axis < 3; ++axis) {
    double lo[3] = {pts[axis][0], pts[axis][1], pts[axis][2]};
    double hi[3] = {lo[0], lo[1], lo[2]};
    lo[axis] -= e;
    hi[axis] += e;
    double dl[3], dh[3];
    const double fl = m.value(lo[0], lo[1], lo[2], &dl[0], &dl[1], &dl[2]);
    const double fh = m.value(hi[0], hi[1], hi[2], &dh[0], &dh[1], &dh[2]);
    EXPECT_NEAR(fl, fh, 1e-5) << "axis " << axis;
    for (int d = 0; d < 3; ++d) EXPECT_NEAR(dl[d], dh[d], 1e-4) << "axis " << axis << " d" << d;
  }
}

TEST(CubicSpline, DerivativesAndJacobianMatchFiniteDifferences) {
  const auto st = test_stack(12, 12, 7, 3);
  SplineSettings s;
  s.dz_nm = 50.0;
  s.pixel_size_nm = 100.0;
  const CubicSpline sp(st, s);
  const CubicSplinePsf m = sp.model();
  double d[3];
  const double g[3] = {4.3, 6.7, 2.4};
  m.value(g[0], g[1], g[2], &d[0], &d[1], &d[2]);
  for (int a = 0; a < 3; ++a) {
    double p[3] = {g[0], g[1], g[2]}, q[3] = {g[0], g[1], g[2]};
    p[a] += 1e-5;
    q[a] -= 1e-5;
    const double fd = (m.value(p[0], p[1], p[2], nullptr, nullptr, nullptr) -
                       m.value(q[0], q[1], q[2], nullptr, nullptr, nullptr)) /
                      2e-5;
    EXPECT_NEAR(d[a], fd, 1e-5 * (1 + std::fabs(fd)));
  }
  // θ = (x, y, N, bg, z [px]); z = 0.4 px = 40 nm = 0.8 slices from the centre slice.
  const int w = 7, h = 7, np = 5;
  const double theta[5] = {3.2, 2.9, 1500.0, 6.0, 0.4};
  std::vector<double> mu(w * h), jac(w * h * np), mp(w * h), mm(w * h);
  m.evaluate_roi(theta, w, h, mu.data(), jac.data());
  for (int p = 0; p < np; ++p) {
    double tp[5], tm[5];
    const double step = 1e-5 * std::max(1.0, std::fabs(theta[p]));
    for (int q = 0; q < np; ++q) tp[q] = tm[q] = theta[q];
    tp[p] += step;
    tm[p] -= step;
    m.evaluate_roi(tp, w, h, mp.data(), nullptr);
    m.evaluate_roi(tm, w, h, mm.data(), nullptr);
    for (int k = 0; k < w * h; ++k) {
      const double fd = (mp[k] - mm[k]) / (2 * step);
      ASSERT_NEAR(jac[k * np + p], fd, 1e-5 * (1 + std::fabs(fd))) << "param " << p << " px " << k;
    }
  }
  // Beyond the stack in z the value is clamped and ∂/∂z vanishes.
  EXPECT_NEAR(m.value(4.3, 6.7, 9.0, nullptr, nullptr, &d[2]),
              m.value(4.3, 6.7, 6.0, nullptr, nullptr, nullptr), 1e-12);
  EXPECT_EQ(d[2], 0.0);
  // Laterally outside the grid: 0.
  EXPECT_EQ(m.value(-0.5, 3.0, 2.0, nullptr, nullptr, nullptr), 0.0);
}

TEST(CubicSpline, NormalizesPerPlaneOrAtFocus) {
  auto st = test_stack(10, 10, 5, 4);
  for (int k = 0; k < 5; ++k)
    for (float& v : st[k].vec()) v *= (k + 1);
  SplineSettings s;
  s.oversampling = 2;
  s.cz = 1.0;
  const CubicSpline per(st, s);
  for (const ImageF& im : per.samples()) {
    double sum = 0;
    for (float v : im.vec()) sum += v;
    EXPECT_NEAR(sum / 4.0, 1.0, 1e-5);  // camera-pixel spacing: all samples / oversampling²
  }
  s.normalization = SplineSettings::Normalization::kFocalPlane;
  const CubicSpline foc(st, s);
  double s1 = 0, s3 = 0;
  for (float v : foc.samples()[1].vec()) s1 += v;
  for (float v : foc.samples()[3].vec()) s3 += v;
  EXPECT_NEAR(s1 / 4.0, 1.0, 1e-5);
  EXPECT_GT(s3, 1.5 * s1);  // other planes keep their relative brightness
}

TEST(CubicSpline, RejectsBadStacksAndCoefficientCounts) {
  SplineSettings s;
  EXPECT_THROW(CubicSpline(std::vector<ImageF>(1, ImageF(5, 5, 1.0f)), s), Error);
  std::vector<ImageF> mixed = {ImageF(5, 5, 1.0f), ImageF(6, 5, 1.0f)};
  EXPECT_THROW(CubicSpline(mixed, s), Error);
  std::vector<ImageF> zero(3, ImageF(5, 5, 0.0f));
  EXPECT_THROW(CubicSpline(zero, s), Error);  // per-plane normalization of an empty plane
  CubicSplinePsf v;
  v.nx = v.ny = v.nz = 2;
  EXPECT_THROW(CubicSpline(std::vector<float>(10), v), Error);
  EXPECT_NO_THROW(CubicSpline(std::vector<float>(8 * 64), v));
}

// The spline of a pixel-integrated astigmatic Gaussian stack, sampled at 2× laterally and every
// 25 nm, against the analytic model at off-grid positions and z.
TEST(CubicSpline, ReproducesTheAstigmaticModelBetweenGridPoints) {
  AstigmaticCalibration cal;
  cal.x.sigma0 = 1.4;
  cal.x.c = -200;
  cal.x.d = 350;
  cal.y.sigma0 = 1.4;
  cal.y.c = 200;
  cal.y.d = 350;
  const AstigmaticGaussian truth(cal, 100.0);
  const int k = 2, side = 2 * k * 10 + 1, nz = 41;  // ±10 px window, z = −500..500 nm
  std::vector<ImageF> st(nz, ImageF(side, side));
  for (int l = 0; l < nz; ++l) {
    const double z_px = (-500.0 + 25.0 * l) / 100.0;
    double sx, sy, d1, d2;
    truth.sigmas(z_px, sx, sy, d1, d2);
    // Sample (a, b) = a camera pixel centred (a − c)/k px from the emitter.
    const double c = 0.5 * (side - 1);
    for (int b = 0; b < side; ++b)
      for (int a = 0; a < side; ++a)
        st[l](a, b) = static_cast<float>(IntegratedGaussian::integral_1d((a - c) / k, 0.0, sx) *
                                         IntegratedGaussian::integral_1d((b - c) / k, 0.0, sy));
  }
  SplineSettings s;
  s.oversampling = k;
  s.dz_nm = 25.0;
  s.pixel_size_nm = 100.0;
  s.normalization = SplineSettings::Normalization::kNone;
  const CubicSpline sp(st, s);
  const CubicSplinePsf model = sp.model();
  const int w = 13;
  std::vector<double> a(w * w), b(w * w);
  double worst = 0, peak = 0;
  for (double z_nm : {-437.0, -212.5, -3.0, 141.0, 388.0}) {
    const double theta[5] = {6.27, 5.81, 1000.0, 0.0, z_nm / 100.0};
    truth.evaluate_roi(theta, w, w, a.data(), nullptr);
    model.evaluate_roi(theta, w, w, b.data(), nullptr);
    for (int i = 0; i < w * w; ++i) {
      worst = std::max(worst, std::fabs(a[i] - b[i]));
      peak = std::max(peak, a[i]);
    }
  }
  std::printf("spline vs astigmatic Gaussian: worst %.2e of peak %.2e (%.3f%%)\n", worst, peak,
              100 * worst / peak);
  EXPECT_LT(worst, 0.002 * peak);
  EXPECT_NEAR(model.z_min_px(), -5.0, 1e-12);
  EXPECT_NEAR(model.z_max_px(), 5.0, 1e-12);
}

}  // namespace
}  // namespace smlm::psf
