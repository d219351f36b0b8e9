// Tests of Zernike polynomials and pupil-function PSFs: Noll indexing and orthonormality, the Airy
// FWHM, energy conservation and pixel integration, the engineered masks' behaviour over z
// (astigmatism, double-helix rotation, tetrapod range) and the custom phase mask.
#include "psf/pupil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.h"
#include "psf/zernike.h"

namespace smlm::psf {
namespace {

TEST(Zernike, NollIndexing) {
  const int expected[][3] = {{1, 0, 0},  {2, 1, 1},  {3, 1, -1},  {4, 2, 0},  {5, 2, -2},
                             {6, 2, 2},  {7, 3, -1}, {8, 3, 1},   {9, 3, -3}, {10, 3, 3},
                             {11, 4, 0}, {12, 4, 2}, {13, 4, -2}, {22, 6, 0}, {24, 6, 2}};
  for (const auto& e : expected) {
    int n, m;
    noll_to_nm(e[0], n, m);
    EXPECT_EQ(n, e[1]) << "j = " << e[0];
    EXPECT_EQ(m, e[2]) << "j = " << e[0];
  }
  int n = 0, m = 0;
  EXPECT_THROW(noll_to_nm(0, n, m), Error);
  // R_4^0 = 6ρ⁴ − 6ρ² + 1; Z11 = √5·R_4^0.
  EXPECT_NEAR(zernike_radial(4, 0, 0.7), 6 * 0.2401 - 6 * 0.49 + 1, 1e-12);
  EXPECT_NEAR(zernike(11, 0.7, 1.0), std::sqrt(5.0) * (6 * 0.2401 - 6 * 0.49 + 1), 1e-12);
  EXPECT_NEAR(zernike(6, 0.5, 0.3), std::sqrt(6.0) * 0.25 * std::cos(0.6), 1e-12);
}

TEST(Zernike, OrthonormalOverTheUnitDisk) {
  const int n = 400, jmax = 15;
  std::vector<double> gram(jmax * jmax, 0.0);
  int count = 0;
  for (int b = 0; b < n; ++b)
    for (int a = 0; a < n; ++a) {
      const double x = (a + 0.5) / n * 2 - 1, y = (b + 0.5) / n * 2 - 1, r = std::hypot(x, y);
      if (r > 1) continue;
      ++count;
      double z[jmax];
      for (int j = 0; j < jmax; ++j) z[j] = zernike(j + 1, r, std::atan2(y, x));
      for (int i = 0; i < jmax; ++i)
        for (int j = 0; j < jmax; ++j) gram[i * jmax + j] += z[i] * z[j];
    }
  for (int i = 0; i < jmax; ++i)
    for (int j = 0; j < jmax; ++j)
      EXPECT_NEAR(gram[i * jmax + j] / count, i == j ? 1.0 : 0.0, 0.02) << i + 1 << "," << j + 1;
}

// Intensity-weighted moments of an image about its centre sample, over pixels above `thr`·peak.
struct Moments {
  double sx, sy, angle_deg;
};
Moments moments(const ImageF& im, double thr) {
  double peak = 0;
  for (float v : im.vec()) peak = std::max(peak, static_cast<double>(v));
  const double c = 0.5 * (im.width() - 1);
  double s = 0, xx = 0, yy = 0, xy = 0;
  for (int y = 0; y < im.height(); ++y)
    for (int x = 0; x < im.width(); ++x) {
      const double v = im(x, y) > thr * peak ? im(x, y) : 0.0;
      s += v;
      xx += v * (x - c) * (x - c);
      yy += v * (y - c) * (y - c);
      xy += v * (x - c) * (y - c);
    }
  return {std::sqrt(xx / s), std::sqrt(yy / s), 0.5 * std::atan2(2 * xy, xx - yy) * 180 / M_PI};
}

TEST(PupilPsf, InFocusAiryFwhmIs051LambdaOverNa) {
  PupilSettings s;
  s.pixel_size_nm = 20.0;  // fine pixels: the box barely widens the peak
  s.window_px = 41;
  const PupilPsf p(s);
  const ImageF im = p.render(0.0);
  const int c = im.width() / 2;
  const double peak = im(c, c);
  // Half maximum along +x and +y by linear interpolation.
  auto half_width = [&](int dx, int dy) {
    for (int i = 1; i < c; ++i) {
      const double a = im(c + (i - 1) * dx, c + (i - 1) * dy), b = im(c + i * dx, c + i * dy);
      if (b < 0.5 * peak) return (i - 1 + (a - 0.5 * peak) / (a - b)) * s.pixel_size_nm;
    }
    return 0.0;
  };
  const double expected = 0.51 * s.wavelength_nm / s.na;
  std::printf("FWHM %.1f nm (x), %.1f nm (y); 0.51 lambda/NA = %.1f nm\n", 2 * half_width(1, 0),
              2 * half_width(0, 1), expected);
  EXPECT_NEAR(2 * half_width(1, 0), expected, 0.02 * expected);
  EXPECT_NEAR(2 * half_width(0, 1), expected, 0.02 * expected);
  EXPECT_EQ(im(c, c), *std::max_element(im.vec().begin(), im.vec().end()));
}

TEST(PupilPsf, ConservesEnergyAtEveryZAndThroughPixelIntegration) {
  PupilSettings s;
  s.window_px = 21;
  s.oversampling = 3;
  s.aberrations = {{11, 0.05}, {7, 0.03}};
  const PupilPsf p(s);
  for (double z : {-800.0, 0.0, 450.0}) {
    const ImageF full = p.intensity(z);
    double total = 0;
    for (float v : full.vec()) total += v;
    EXPECT_NEAR(total, 1.0, 1e-6) << z;  // a phase moves light, it creates none
    const ImageF im = p.render(z);
    double win = 0;
    for (float v : im.vec()) win += v;
    // Samples at camera-pixel spacing: all samples / oversampling².
    EXPECT_GT(win / 9.0, z == 0.0 ? 0.93 : 0.5) << z;
    EXPECT_LT(win / 9.0, 1.0 + 1e-6) << z;
  }
  // A 1 × 1 px window at focus holds the photons of the central pixel: the pixel integral of the
  // fine-grid intensity.
  PupilSettings one = s;
  one.oversampling = 5;
  one.window_px = 1;
  const PupilPsf q(one);
  const ImageF fine = q.intensity(0.0);
  const int c = q.fft_size() / 2;
  double box = 0;  // midpoint rule over the pixel [−½, ½]² at 1/5-px sampling
  for (int b = -2; b <= 2; ++b)
    for (int a = -2; a <= 2; ++a) box += fine(c + a, c + b);
  const ImageF r = q.render(0.0);
  EXPECT_NEAR(r(r.width() / 2, r.height() / 2), box, 0.01 * box);
}

TEST(PupilPsf, AstigmatismSplitsTheFociAlongXAndY) {
  PupilSettings s;
  s.mask = PhaseMask::kAstigmatism;
  s.astigmatism_waves = 0.12;
  const PupilPsf p(s);
  const Moments lo = moments(p.render(-400.0), 0.05), hi = moments(p.render(400.0), 0.05);
  const Moments mid = moments(p.render(0.0), 0.05);
  EXPECT_GT(lo.sx - lo.sy, 0.3);  // one sign of z elongates along x, the other along y
  EXPECT_LT(hi.sx - hi.sy, -0.3);
  EXPECT_NEAR(mid.sx, mid.sy, 0.02);
}

TEST(PupilPsf, DoubleHelixLobesRotateMonotonicallyOverTheDesignRange) {
  PupilSettings s;
  s.mask = PhaseMask::kDoubleHelix;
  s.window_px = 31;
  const PupilPsf p(s);
  std::vector<double> z;
  for (double v = -1000; v <= 1000; v += 100) z.push_back(v);
  const auto st = p.render_stack(z);
  double prev = 0, unwrapped = 0, first = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    // The two lobes are the bright pixels; their axis is the principal axis about the emitter.
    const double a = moments(st[i], 0.3).angle_deg;
    if (i == 0) {
      unwrapped = first = a;
    } else {
      double d = a - prev;
      while (d > 90) d -= 180;  // an axis: angles modulo 180°
      while (d < -90) d += 180;
      EXPECT_GT(d, 2.0) << "z " << z[i];
      EXPECT_LT(d, 45.0) << "z " << z[i];
      unwrapped += d;
    }
    prev = a;
  }
  std::printf("double helix: %.1f deg over z = -1..1 um\n", unwrapped - first);
  EXPECT_GT(unwrapped - first, 120.0);  // ≈ 160° over ±1 µm
  // The lobes are two: at focus the brightest pixels sit symmetric about the emitter, apart.
  const ImageF& f = st[z.size() / 2];
  const Moments m = moments(f, 0.3);
  EXPECT_GT(std::hypot(m.sx, m.sy), 2.0);
}

TEST(PupilPsf, TetrapodSpansMoreThanTwoMicrons) {
  PupilSettings s;
  s.mask = PhaseMask::kTetrapod;
  s.window_px = 41;
  const PupilPsf p(s);
  std::vector<double> z;
  for (double v = -1500; v <= 1500; v += 100) z.push_back(v);
  const auto st = p.render_stack(z);
  double prev = -1e9;
  for (size_t i = 0; i < z.size(); ++i) {
    // Lobe separation along x minus along y: a one-to-one function of z over 3 µm.
    const Moments m = moments(st[i], 0.05);
    const double d = m.sx - m.sy;
    EXPECT_GT(d, prev + 0.1) << "z " << z[i];
    prev = d;
    double win = 0;
    for (float v : st[i].vec()) win += v;
    EXPECT_GT(win, 0.5) << "z " << z[i];  // the window still holds most of the light
  }
}

TEST(PupilPsf, CustomPhaseMaskMatchesTheBuiltInMask) {
  PupilSettings s;
  s.mask = PhaseMask::kAstigmatism;
  s.astigmatism_waves = 0.1;
  s.window_px = 15;
  const PupilPsf builtin(s);
  PupilSettings c = s;
  c.mask = PhaseMask::kCustom;
  const int n = 256;
  c.custom_phase = ImageF(n, n);
  for (int b = 0; b < n; ++b)
    for (int a = 0; a < n; ++a) {
      const double x = 2.0 * (a + 0.5) / n - 1, y = 2.0 * (b + 0.5) / n - 1;
      c.custom_phase(a, b) = static_cast<float>(
          2 * M_PI * 0.1 * zernike(6, std::min(1.0, std::hypot(x, y)), std::atan2(y, x)));
    }
  const PupilPsf custom(c);
  const ImageF a = builtin.render(300.0), b = custom.render(300.0);
  double peak = 0, worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    peak = std::max(peak, static_cast<double>(a.vec()[i]));
    worst = std::max(worst, static_cast<double>(std::fabs(a.vec()[i] - b.vec()[i])));
  }
  EXPECT_LT(worst, 0.01 * peak);
  PupilSettings bad = c;
  bad.custom_phase = ImageF(1, 1);
  EXPECT_THROW(PupilPsf{bad}, Error);
}

TEST(PupilPsf, RejectsImpossibleSettings) {
  PupilSettings s;
  s.na = 1.6;  // > n_immersion
  EXPECT_THROW(PupilPsf{s}, Error);
  s = PupilSettings{};
  s.oversampling = 0;
  EXPECT_THROW(PupilPsf{s}, Error);
  s = PupilSettings{};
  s.aberrations = {{0, 0.1}};
  EXPECT_THROW(PupilPsf{s}, Error);
}

}  // namespace
}  // namespace smlm::psf
