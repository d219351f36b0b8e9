// Tests of the fixed-dipole vectorial PSF: normalization and the analytic collection cone, the
// basis-image decomposition against the direct render, the symmetries of the z and in-plane
// dipoles, the isotropic PSF against the scalar pupil PSF, the orientation-induced lateral shift
// with defocus, z symmetry, supercritical light, and the CRLB helper.
#include "psf/vectorial.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "core/error.h"
#include "psf/pupil.h"

namespace smlm::psf {
namespace {

double sum(const ImageD& im) {
  double s = 0;
  for (double v : im.vec()) s += v;
  return s;
}

double peak(const ImageD& im) { return *std::max_element(im.vec().begin(), im.vec().end()); }

double max_abs_diff(const ImageD& a, const ImageD& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a.vec()[i] - b.vec()[i]));
  return worst;
}

template <class T>
ImageD to_double(const Image<T>& im) {
  ImageD out(im.width(), im.height());
  for (size_t i = 0; i < im.size(); ++i) out.vec()[i] = im.vec()[i];
  return out;
}

ImageD transpose(const ImageD& im) {
  ImageD out(im.height(), im.width());
  for (int y = 0; y < im.height(); ++y)
    for (int x = 0; x < im.width(); ++x) out(y, x) = im(x, y);
  return out;
}

ImageD flip_x(const ImageD& im) {
  ImageD out(im.width(), im.height());
  for (int y = 0; y < im.height(); ++y)
    for (int x = 0; x < im.width(); ++x) out(im.width() - 1 - x, y) = im(x, y);
  return out;
}

// Centroid [samples] relative to the centre sample.
void centroid(const ImageD& im, double& cx, double& cy) {
  const double c = 0.5 * (im.width() - 1);
  double s = 0, sx = 0, sy = 0;
  for (int y = 0; y < im.height(); ++y)
    for (int x = 0; x < im.width(); ++x) {
      s += im(x, y);
      sx += im(x, y) * (x - c);
      sy += im(x, y) * (y - c);
    }
  cx = sx / s;
  cy = sy / s;
}

// The position [samples from the centre] that a least-squares fit of a Gaussian of fixed σ (with
// free amplitude and background) finds: the fixed point of the Gaussian-weighted centroid, since
// its normal equation Σ (I − A·g − b)·g·(x − c) = 0 reduces to Σ I·g·(x − c) = 0 on a wide window.
void gaussian_fit_position(const ImageD& im, double sigma, double& cx, double& cy) {
  const double c = 0.5 * (im.width() - 1);
  cx = cy = 0;
  for (int it = 0; it < 200; ++it) {
    double s = 0, sx = 0, sy = 0;
    for (int y = 0; y < im.height(); ++y)
      for (int x = 0; x < im.width(); ++x) {
        const double dx = x - c - cx, dy = y - c - cy;
        const double w = im(x, y) * std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
        s += w;
        sx += w * dx;
        sy += w * dy;
      }
    cx += sx / s;
    cy += sy / s;
    if (std::hypot(sx / s, sy / s) < 1e-9) break;
  }
}

// Radial second-moment width √(⟨r²⟩/2) [samples] about the centre over samples above thr·peak (the
// Airy tails make the unthresholded moment diverge with the window).
double moment_width(const ImageD& im, double thr) {
  const double p = peak(im), c = 0.5 * (im.width() - 1);
  double s = 0, r2 = 0;
  for (int y = 0; y < im.height(); ++y)
    for (int x = 0; x < im.width(); ++x) {
      if (im(x, y) <= thr * p) continue;
      s += im(x, y);
      r2 += im(x, y) * ((x - c) * (x - c) + (y - c) * (y - c));
    }
  return std::sqrt(0.5 * r2 / s);
}

// Full width at half maximum along +x from the centre sample [samples], interpolated linearly.
double fwhm_x(const ImageD& im) {
  const int c = im.width() / 2;
  const double half = 0.5 * im(c, c);
  for (int i = 1; c + i < im.width(); ++i) {
    const double a = im(c + i - 1, c), b = im(c + i, c);
    if (b < half) return 2 * (i - 1 + (a - half) / (a - b));
  }
  return 0;
}

DipoleSettings default_settings() {
  DipoleSettings s;
  s.optics.window_px = 25;
  return s;
}

TEST(DipolePsf, DipoleVectorAndBasisWeights) {
  const auto m = dipole_vector(0.7, 2.1);
  EXPECT_NEAR(m[0] * m[0] + m[1] * m[1] + m[2] * m[2], 1.0, 1e-15);
  EXPECT_NEAR(m[2], std::cos(0.7), 1e-15);
  EXPECT_NEAR(std::atan2(m[1], m[0]), 2.1, 1e-14);
  const auto w = dipole_basis_weights(0.7, 2.1);
  EXPECT_NEAR(w[kBasisXX] + w[kBasisYY] + w[kBasisZZ], 1.0, 1e-15);
  EXPECT_NEAR(w[kBasisXZ], m[0] * m[2], 1e-15);
  EXPECT_NEAR(w[kBasisYZ], m[1] * m[2], 1e-15);
  EXPECT_NEAR(w[kBasisXY], m[0] * m[1], 1e-15);
}

TEST(DipolePsf, NormalizedForEveryOrientationAndZ) {
  DipoleSettings s;
  s.optics.window_px = 81;
  s.optics.aberrations = {{11, 0.04}};
  const DipolePsf p(s);
  const double orientations[][2] = {{0, 0}, {M_PI / 2, 0}, {M_PI / 2, 1.0}, {0.8, -2.0}};
  for (const auto& o : orientations) {
    for (double z : {-600.0, 0.0, 350.0}) {
      // The whole FFT plane holds exactly 1 at every orientation and z.
      EXPECT_NEAR(sum(p.intensity(o[0], o[1], z)), 1.0, 1e-9) << o[0] << " " << o[1] << " " << z;
    }
    // An 8.1 µm window at focus holds nearly all of it. The tails (∝ 1/r³, as the Airy pattern's)
    // carry 2–5 % beyond 4 µm: the apodization lifts the pupil's rim, whose jump they come from
    // (most for the axial dipole, whose light is all at high angles).
    const double win = sum(p.render(o[0], o[1], 0.0));
    std::printf("theta %.2f phi %.2f: window sum %.5f\n", o[0], o[1], win);
    EXPECT_GT(win, 0.95);
    EXPECT_LT(win, 1.0 + 1e-9);
  }
  // Oversampling: samples at camera-pixel spacing still sum to the same fraction.
  s.optics.window_px = 41;
  s.optics.oversampling = 3;
  const DipolePsf q(s);
  DipoleSettings s1 = s;
  s1.optics.oversampling = 1;
  const DipolePsf q1(s1);
  EXPECT_NEAR(sum(q.render(0.9, 0.3, 200.0)) / 9.0, sum(q1.render(0.9, 0.3, 200.0)), 2e-3);
  EXPECT_DOUBLE_EQ(q.sample_nm(), s.optics.pixel_size_nm / 3);
  EXPECT_EQ(q.output_size(), 2 * (41 * 3 / 2) + 1);
}

TEST(DipolePsf, CollectionEfficiencyMatchesTheAnalyticCone) {
  // n_sample = n_immersion: the pupil power is the dipole's far field over the cone θ ≤ α, which
  // checks the 1/√cosθ apodization. z dipole: ∫sin²θ dΩ / (8π/3) = ¾(⅔ − cosα + cos³α/3);
  // isotropic: (1 − cosα)/2.
  DipoleSettings s;
  s.optics.pupil_samples = 128;
  s.optics.na = 1.3;
  const DipolePsf p(s);
  const double ca = std::sqrt(1 - std::pow(s.optics.na / s.optics.n_immersion, 2));
  const double ez = 0.75 * (2.0 / 3 - ca + ca * ca * ca / 3), eiso = 0.5 * (1 - ca);
  const double got_z = p.collection_efficiency(0, 0, 0);
  const double got_iso =
      (p.collection_efficiency(0, 0, 0) + p.collection_efficiency(M_PI / 2, 0, 0) +
       p.collection_efficiency(M_PI / 2, M_PI / 2, 0)) /
      3;
  std::printf("collection NA 1.3: z dipole %.4f (analytic %.4f), isotropic %.4f (%.4f)\n", got_z,
              ez, got_iso, eiso);
  EXPECT_NEAR(got_z, ez, 0.01 * ez);
  EXPECT_NEAR(got_iso, eiso, 0.01 * eiso);
  // Defocus changes no power.
  EXPECT_NEAR(p.collection_efficiency(0.6, 0.2, 800), p.collection_efficiency(0.6, 0.2, 0), 1e-12);
}

TEST(DipolePsf, BasisImagesReproduceTheDirectRender) {
  DipoleSettings s;
  s.optics.window_px = 15;
  s.optics.oversampling = 2;
  s.optics.aberrations = {{6, 0.05}, {7, 0.03}, {11, 0.04}};
  const DipolePsf p(s);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (double z : {-350.0, 0.0, 250.0}) {
    const DipoleBasis b = p.basis(z, 0.3, -0.2);
    EXPECT_NEAR(b.energy[kBasisXX] + b.energy[kBasisYY] + b.energy[kBasisZZ], 3.0, 1e-12);
    // At NA 1.49 an in-plane dipole sends more light through the pupil than an axial one.
    EXPECT_GT(b.energy[kBasisXX], b.energy[kBasisZZ]);
    for (int i = 0; i < 5; ++i) {
      const double theta = std::acos(1 - 2 * u(rng)), phi = 2 * M_PI * u(rng);
      const ImageD direct = p.render(theta, phi, z, 0.3, -0.2);
      const ImageD combined = b.orientation(theta, phi);
      EXPECT_LT(max_abs_diff(direct, combined), 1e-9 * peak(direct))
          << "theta " << theta << " phi " << phi << " z " << z;
    }
    // The freely rotating dipole: the energy-weighted mean of the x, y and z dipoles' images.
    const ImageD rx = p.render(M_PI / 2, 0, z, 0.3, -0.2),
                 ry = p.render(M_PI / 2, M_PI / 2, z, 0.3, -0.2);
    const ImageD rz = p.render(0, 0, z, 0.3, -0.2);
    ImageD mean(rx.width(), rx.height());
    for (size_t i = 0; i < mean.size(); ++i)
      mean.vec()[i] = (b.energy[kBasisXX] * rx.vec()[i] + b.energy[kBasisYY] * ry.vec()[i] +
                       b.energy[kBasisZZ] * rz.vec()[i]) /
                      3;
    const ImageD iso = b.isotropic();
    EXPECT_LT(max_abs_diff(iso, mean), 1e-9 * peak(iso));
    // The isotropic image is (xx + yy + zz)/3 of the basis.
    for (size_t i = 0; i < iso.size(); ++i)
      ASSERT_NEAR(iso.vec()[i],
                  (b.images[kBasisXX].vec()[i] + b.images[kBasisYY].vec()[i] +
                   b.images[kBasisZZ].vec()[i]) /
                      3,
                  1e-15);
  }
  // basis_stack computes the same bases.
  const std::vector<DipoleBasis> st = p.basis_stack({-350.0, 250.0});
  ASSERT_EQ(st.size(), 2u);
  const DipoleBasis b250 = p.basis(250.0);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(st[1].images[k].vec(), b250.images[k].vec()) << k;
    EXPECT_EQ(st[1].energy[k], b250.energy[k]) << k;
  }
  // Impossible weights.
  EXPECT_THROW(b250.combine({0, 0, 0, 0, 0, 0}), Error);
  EXPECT_THROW(DipoleBasis{}.isotropic(), Error);
}

TEST(DipolePsf, AxialDipoleIsARotationallySymmetricDoughnut) {
  const DipolePsf p(default_settings());
  for (double z : {0.0, 300.0}) {
    // Before pixel integration the axis is dark at every z (E_x ∝ cosϕ, E_y ∝ sinϕ cancel).
    const ImageD fine = p.intensity(0, 0, z);
    const int c = p.fft_size() / 2;
    EXPECT_LT(fine(c, c), 1e-12 * peak(fine)) << z;
    // The camera image is symmetric under transposition and mirroring.
    const ImageD im = p.render(0, 0, z);
    EXPECT_LT(max_abs_diff(im, transpose(im)), 1e-12 * peak(im)) << z;
    EXPECT_LT(max_abs_diff(im, flip_x(im)), 1e-12 * peak(im)) << z;
    EXPECT_LT(max_abs_diff(im, transpose(flip_x(im))), 1e-12 * peak(im)) << z;
  }
  // At focus: a ring. The brightest fine sample lies off axis, and the ring's radius is a
  // fraction of the wavelength.
  const ImageD fine = p.intensity(0, 0, 0);
  const int c = p.fft_size() / 2;
  int best = 0;
  for (int r = 0; r < 20; ++r)
    if (fine(c + r, c) > fine(c + best, c)) best = r;
  std::printf("z dipole: ring radius %.0f nm\n", best * p.sample_nm());
  EXPECT_GE(best * p.sample_nm(), 150.0);
  EXPECT_LE(best * p.sample_nm(), 400.0);
}

TEST(DipolePsf, InPlaneDipoleRotatedByNinetyDegreesIsTheTranspose) {
  const DipolePsf p(default_settings());
  for (double z : {0.0, -400.0}) {
    const ImageD x = p.render(M_PI / 2, 0, z), y = p.render(M_PI / 2, M_PI / 2, z);
    EXPECT_LT(max_abs_diff(transpose(x), y), 1e-12 * peak(x)) << z;
    // and the x dipole's image is mirror-symmetric, wider along x than along y at focus (its
    // p-polarized high-angle light).
    EXPECT_LT(max_abs_diff(x, flip_x(x)), 1e-12 * peak(x)) << z;
  }
  const ImageD x = p.render(M_PI / 2, 0, 0);
  const int c = x.width() / 2;
  EXPECT_GT(x(c + 2, c), x(c, c + 2));
}

TEST(DipolePsf, IsotropicIsCloseToTheScalarPupilPsf) {
  // The freely rotating dipole's vectorial PSF is wider than the scalar one: its 1/√cosθ
  // apodization weights the pupil's rim, and the axial dipole adds a ring. An independent
  // Richards–Wolf computation (radial Bessel integrals, no pixels: I ∝ 2|I₀|² + 2|I₂|² + |I₁|²
  // against |∫J₀ sinθcosθ dθ|², n = 1.518, λ = 660 nm) gives FWHM ratios 1.1230 at NA 1.49,
  // 1.0164 at NA 0.7 and 1.0028 at NA 0.3: the difference grows as NA² and is not small at
  // high NA. The camera pixels here (a quarter of the FWHM or less) move the ratio by < 0.1 %.
  struct Case {
    double na, pixel;
    int pupil_samples;
    double fwhm_ratio, tolerance;
  };
  for (const Case& k : {Case{1.49, 30.0, 32, 1.1230, 0.004}, Case{0.7, 50.0, 32, 1.0164, 0.002},
                        Case{0.3, 100.0, 24, 1.0028, 0.002}}) {
    PupilSettings o;
    o.na = k.na;
    o.pixel_size_nm = k.pixel;
    o.window_px = 41;
    o.pupil_samples = k.pupil_samples;
    DipoleSettings s;
    s.optics = o;
    const DipolePsf v(s);
    const PupilPsf scalar(o);
    const ImageD iso = v.basis(0).isotropic(), sc = to_double(scalar.render(0));
    const double wv = moment_width(iso, 0.1) * k.pixel, ws = moment_width(sc, 0.1) * k.pixel;
    const double fv = fwhm_x(iso) * k.pixel, fs = fwhm_x(sc) * k.pixel;
    std::printf(
        "NA %.2f: isotropic vectorial width %.2f nm, scalar %.2f nm (%+.2f %%); FWHM %.1f vs "
        "%.1f nm (%+.2f %%); largest pixel difference %.2f %% of the peak\n",
        k.na, wv, ws, 100 * (wv / ws - 1), fv, fs, 100 * (fv / fs - 1),
        100 * max_abs_diff(iso, sc) / peak(sc));
    EXPECT_NEAR(fv / fs, k.fwhm_ratio, k.tolerance);
    EXPECT_GT(wv / ws, 1.0);
    EXPECT_LT(wv / ws - 1, 1.25 * (k.fwhm_ratio - 1) + 0.002);  // the moment width grows alike
    if (k.na < 0.5) {
      EXPECT_LT(max_abs_diff(iso, sc), 0.02 * peak(sc));  // pixel by pixel at low NA
    }
  }
}

TEST(DipolePsf, TiltedDipoleImageShiftsLaterallyWithDefocus) {
  // θ = 45°, φ = 0 (NA 1.49, matched oil): the image moves along x with z, with a sign set by the
  // tilt, and not along y. PSF(−z) is PSF(z) turned by 180° (real pupil, no aberration), so the
  // shifts at ±z are opposite. The centroid of the whole image moves as z·⟨f_x/kz⟩ (the mean ray
  // slope, steep rays weighted most); a Gaussian fit, which sees the core, moves less: the
  // orientation-induced bias a fixed dipole suffers under an isotropic model.
  DipoleSettings s;
  s.optics.window_px = 41;
  const DipolePsf p(s);
  const double px = s.optics.pixel_size_nm, sigma = 1.3;  // fit σ [px]
  double cx0, cy0, gx0, gy0;
  centroid(p.render(M_PI / 4, 0, 0), cx0, cy0);
  gaussian_fit_position(p.render(M_PI / 4, 0, 0), sigma, gx0, gy0);
  EXPECT_NEAR(cx0 * px, 0.0, 1e-6);
  EXPECT_NEAR(gx0 * px, 0.0, 1e-6);
  for (double z : {200.0, 400.0}) {
    const ImageD plus = p.render(M_PI / 4, 0, z), minus = p.render(M_PI / 4, 0, -z);
    double cxp, cyp, cxm, cym, gxp, gyp, gxm, gym;
    centroid(plus, cxp, cyp);
    centroid(minus, cxm, cym);
    gaussian_fit_position(plus, sigma, gxp, gyp);
    gaussian_fit_position(minus, sigma, gxm, gym);
    std::printf(
        "theta 45 deg, z %+.0f / %+.0f nm: centroid x %+.1f / %+.1f nm, Gaussian fit (sigma "
        "%.0f nm) x %+.1f / %+.1f nm\n",
        z, -z, cxp * px, cxm * px, sigma * px, gxp * px, gxm * px);
    EXPECT_GT(gxp * px, 10.0);   // towards +x beyond the focal plane ...
    EXPECT_LT(gxm * px, -10.0);  // ... and towards −x before it
    EXPECT_LT(gxp * px, 0.5 * z);
    EXPECT_GT(cxp, gxp);
    EXPECT_LT(cxp * px, 0.5 * z);
    EXPECT_NEAR(cxp, -cxm, 1e-6);
    EXPECT_NEAR(gxp, -gxm, 1e-6);
    for (double v : {cyp, cym, gyp, gym}) EXPECT_NEAR(v * px, 0.0, 1e-6);
  }
  // Tens of nm at 200 nm of defocus.
  double gx, gy;
  gaussian_fit_position(p.render(M_PI / 4, 0, 200), sigma, gx, gy);
  EXPECT_GT(gx * px, 20.0);
  EXPECT_LT(gx * px, 90.0);
  // Opposite tilt (φ = 180°): opposite shift. An in-plane or axial dipole: none.
  double a, b, c, d;
  centroid(p.render(M_PI / 4, M_PI, 400), a, b);
  centroid(p.render(M_PI / 4, 0, 400), c, d);
  EXPECT_NEAR(a, -c, 1e-6);
  centroid(p.render(M_PI / 2, 0, 400), a, b);
  EXPECT_NEAR(a * px, 0.0, 1e-6);
  centroid(p.render(0, 0, 400), a, b);
  EXPECT_NEAR(a * px, 0.0, 1e-6);
}

TEST(DipolePsf, IsotropicWidthIsSymmetricInZWithMatchedIndices) {
  DipoleSettings s;
  s.optics.window_px = 31;
  const DipolePsf p(s);
  for (double z : {300.0, 600.0}) {
    const ImageD a = p.basis(z).isotropic(), b = p.basis(-z).isotropic();
    EXPECT_NEAR(moment_width(a, 0.05), moment_width(b, 0.05), 1e-9) << z;
    EXPECT_LT(max_abs_diff(a, b), 1e-12 * peak(a)) << z;
  }
  // Spherical aberration breaks the symmetry: the test sees a z asymmetry when there is one.
  s.optics.aberrations = {{11, 0.08}};
  const DipolePsf q(s);
  const double wp = moment_width(q.basis(400).isotropic(), 0.05);
  const double wm = moment_width(q.basis(-400).isotropic(), 0.05);
  EXPECT_GT(std::fabs(wp / wm - 1), 0.02);
}

TEST(DipolePsf, SupercriticalLightDecaysAwayFromTheCoverslip) {
  // Water sample, NA 1.49 oil objective: light beyond NA 1.33 is the dipole's near field, coupled
  // into the glass only close to the coverslip.
  DipoleSettings s;
  s.optics.n_sample = 1.33;
  s.optics.window_px = 41;
  const DipolePsf p(s);
  EXPECT_TRUE(p.supercritical());
  DipoleSettings u = s;
  u.optics.na = 1.33;  // the undercritical part alone
  const DipolePsf uaf(u);
  EXPECT_FALSE(uaf.supercritical());
  const double z0 = p.collection_efficiency(0, 0, 0), z500 = p.collection_efficiency(0, 0, 500);
  const double far = p.collection_efficiency(0, 0, 5000),
               under = uaf.collection_efficiency(0, 0, 0);
  std::printf(
      "z dipole at a water/glass interface: collected %.3f at z = 0, %.3f at 500 nm, "
      "%.3f at 5 um; NA 1.33 alone %.3f\n",
      z0, z500, far, under);
  EXPECT_GT(z0, 2 * under);  // an axial dipole at the interface emits mostly supercritically
  EXPECT_GT(z0, z500);
  EXPECT_GT(z500, far);
  EXPECT_NEAR(far, under, 0.05 * under);
  // Every plane is still normalized, and the image is a finite, non-negative PSF.
  for (double z : {0.0, 200.0}) {
    EXPECT_NEAR(sum(p.intensity(0.5, 0.3, z)), 1.0, 1e-9);
    const ImageD im = p.render(0.5, 0.3, z);
    for (double v : im.vec()) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GT(sum(im), 0.9);
  }
  // The emitter cannot sit inside the glass.
  EXPECT_THROW(p.render(0, 0, -10), Error);
  EXPECT_THROW(p.basis(-10), Error);
}

TEST(DipolePsf, RejectsImpossibleSettingsAndArguments) {
  DipoleSettings s;
  s.focal_plane_nm = NAN;
  EXPECT_THROW(DipolePsf{s}, Error);
  s = DipoleSettings{};
  s.optics.na = 1.6;
  EXPECT_THROW(DipolePsf{s}, Error);
  const DipolePsf p(default_settings());
  EXPECT_THROW(p.render(NAN, 0, 0), Error);
  EXPECT_THROW(p.render(0, 0, INFINITY), Error);
  EXPECT_THROW(p.render(0, 0, 0, NAN, 0), Error);
  EXPECT_THROW(p.basis_stack({0.0, NAN}), Error);
  EXPECT_THROW(p.collection_efficiency(0, NAN, 0), Error);
  EXPECT_THROW(p.intensity(INFINITY, 0, 0), Error);
}

TEST(DipoleCrlb, IsFiniteAndAFewNanometresAtFiveThousandPhotons) {
  DipoleSettings s;
  s.optics.window_px = 15;
  const DipolePsf p(s);
  DipoleEmitter e;
  e.theta = M_PI / 4;
  e.phi = 0.3;
  e.z_nm = 200;
  e.photons = 5000;
  e.background = 10;
  const DipoleCrlb c = dipole_crlb(p, e);
  std::printf(
      "CRLB N 5000, bg 10, theta 45 deg, z 200 nm: x %.2f nm, y %.2f nm, z %.1f nm, "
      "theta %.2f deg, phi %.2f deg, N %.0f, bg %.3f\n",
      c.x_nm, c.y_nm, c.z_nm, c.theta * 180 / M_PI, c.phi * 180 / M_PI, c.photons, c.background);
  for (double v : {c.x_nm, c.y_nm, c.z_nm, c.theta, c.phi, c.photons, c.background}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GT(v, 0);
  }
  EXPECT_GT(c.x_nm, 1.0);
  EXPECT_LT(c.x_nm, 10.0);
  EXPECT_GT(c.y_nm, 1.0);
  EXPECT_LT(c.y_nm, 10.0);
  // The Poisson bound on N alone is √N; the free parameters only add to it.
  EXPECT_GT(c.photons, std::sqrt(5000.0));
  // Without background the bounds scale as 1/√N.
  e.background = 0;
  const DipoleCrlb c1 = dipole_crlb(p, e);
  e.photons = 20000;
  const DipoleCrlb c4 = dipole_crlb(p, e);
  EXPECT_NEAR(c4.x_nm, 0.5 * c1.x_nm, 1e-3 * c1.x_nm);
  EXPECT_NEAR(c4.theta, 0.5 * c1.theta, 1e-3 * c1.theta);
  // Along the axis the azimuth has no effect: singular.
  e.theta = 0;
  EXPECT_THROW(dipole_crlb(p, e), Error);
  // Supercritical at the coverslip: one-sided z derivative, still finite.
  DipoleSettings w = s;
  w.optics.n_sample = 1.33;
  const DipolePsf q(w);
  DipoleEmitter f;
  f.theta = 1.0;
  f.phi = -0.4;
  f.photons = 5000;
  f.background = 10;
  const DipoleCrlb cw = dipole_crlb(q, f);
  std::printf("CRLB water, z 0: x %.2f nm, z %.1f nm, theta %.2f deg\n", cw.x_nm, cw.z_nm,
              cw.theta * 180 / M_PI);
  EXPECT_TRUE(std::isfinite(cw.z_nm));
  EXPECT_LT(cw.x_nm, 10.0);
  // The ROI must be camera pixels.
  DipoleSettings over = s;
  over.optics.oversampling = 2;
  const DipolePsf r(over);
  EXPECT_THROW(dipole_crlb(r, f), Error);
  f.photons = 0;
  EXPECT_THROW(dipole_crlb(q, f), Error);
}

}  // namespace
}  // namespace smlm::psf
