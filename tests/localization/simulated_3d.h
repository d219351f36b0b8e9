// Test data for the 3D fitters: an astigmatic calibration, a spline built from its pixel-integrated
// stack, ROIs with Poisson noise from any model, and precision against the CRLB in z bins.
#pragma once

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/image.h"
#include "kernels/random.h"
#include "localization/batch_fit.h"
#include "localization/crlb.h"
#include "localization/lm_models.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization::test {

// Huang-form curves with σx = σy at z = 0 (the foci at ∓250 nm), calibrated over ±800 nm.
inline psf::AstigmaticCalibration astigmatic_curves() {
  psf::AstigmaticCalibration c;
  c.x.sigma0 = c.y.sigma0 = 1.1;
  c.x.d = c.y.d = 450;
  c.x.c = -250;
  c.y.c = 250;
  c.x.A = 0.1;
  c.y.A = -0.1;
  c.x.B = c.y.B = 0.05;
  c.z_min_nm = -800;
  c.z_max_nm = 800;
  return c;
}

// The astigmatic model's pixel-integrated PSF sampled `oversampling` times per pixel over a
// window of ±half_px pixels and slices dz_nm apart over [z_lo, z_hi] (z = 0 on a slice), as a
// spline with normalization kNone (so N means the same photons in both models).
inline std::unique_ptr<psf::CubicSpline> spline_of(const psf::AstigmaticGaussian& m, double z_lo_nm,
                                                   double z_hi_nm, double dz_nm, int oversampling,
                                                   int half_px) {
  const int half = half_px * oversampling;
  const int k_lo = static_cast<int>(std::floor(z_lo_nm / dz_nm));
  const int k_hi = static_cast<int>(std::ceil(z_hi_nm / dz_nm));
  std::vector<ImageF> stack;
  for (int k = k_lo; k <= k_hi; ++k) {
    double sx, sy, dsx, dsy;
    m.sigmas(k * dz_nm / m.pixel_size_nm, sx, sy, dsx, dsy);
    ImageF im(2 * half + 1, 2 * half + 1);
    for (int b = 0; b <= 2 * half; ++b)
      for (int a = 0; a <= 2 * half; ++a)
        im(a, b) = static_cast<float>(
            psf::IntegratedGaussian::integral_1d(double(a - half) / oversampling, 0.0, sx) *
            psf::IntegratedGaussian::integral_1d(double(b - half) / oversampling, 0.0, sy));
    stack.push_back(std::move(im));
  }
  psf::SplineSettings s;
  s.oversampling = oversampling;
  s.dz_nm = dz_nm;
  s.pixel_size_nm = m.pixel_size_nm;
  s.cz = -k_lo;
  s.normalization = psf::SplineSettings::Normalization::kNone;
  return std::make_unique<psf::CubicSpline>(stack, s);
}

// Fit precision in one z bin: std and mean of the errors of converged fits against √ of the
// mean CRLB at the true θ (x, y, z in nm).
struct ZBin {
  double z_lo = 0, z_hi = 0;
  double std_x = 0, std_y = 0, std_z = 0, bias_z = 0, bias_x = 0;
  double crlb_x = 0, crlb_y = 0, crlb_z = 0;
  int n = 0, failed = 0;
};

// ROIs of Poisson counts with mean truth(θ), θ = (c ± ½, c ± ½, photons, bg, z uniform in the
// bin), c the ROI centre, fitted by `fit` (its default settings, starts from its z scan).
template <class Truth, class Fit>
std::vector<ZBin> precision_by_z(const Truth& truth, const Fit& fit_model, const BatchModel& fit,
                                 double z_lo_nm, double z_hi_nm, double bin_nm, int per_bin,
                                 int roi, double photons, double bg, double pixel_nm,
                                 uint64_t seed) {
  std::vector<ZBin> bins;
  const int npix = roi * roi;
  const double c = 0.5 * (roi - 1);
  kernels::Rng rng(seed, 0);
  BatchFitter fitter(fit.default_settings(), fit);
  for (double lo = z_lo_nm; lo < z_hi_nm - 1e-9; lo += bin_nm) {
    ZBin b;
    b.z_lo = lo;
    b.z_hi = lo + bin_nm;
    RoiBatch batch;
    batch.w = batch.h = roi;
    batch.pixels.resize(static_cast<size_t>(per_bin) * npix);
    std::vector<double> thetas(per_bin * 5), mu(npix);
    double cx = 0, cy = 0, cz = 0;
    for (int i = 0; i < per_bin; ++i) {
      double* t = &thetas[i * 5];
      t[0] = c + rng.uniform() - 0.5;
      t[1] = c + rng.uniform() - 0.5;
      t[2] = photons;
      t[3] = bg;
      t[4] = (lo + rng.uniform() * bin_nm) / pixel_nm;
      truth.evaluate_roi(t, roi, roi, mu.data(), nullptr);
      for (int k = 0; k < npix; ++k)
        batch.pixels[static_cast<size_t>(i) * npix + k] = static_cast<float>(rng.poisson(mu[k]));
      double crlb[5];
      if (model_crlb(fit_model, t, roi, roi, crlb)) {
        cx += crlb[0];
        cy += crlb[1];
        cz += crlb[4];
      }
    }
    const std::vector<LmResult> res = fitter.fit(batch);
    double sx = 0, sy = 0, sz = 0, sxx = 0, syy = 0, szz = 0;
    for (int i = 0; i < per_bin; ++i) {
      if (res[i].status != LmStatus::converged) {
        ++b.failed;
        continue;
      }
      const double ex = (res[i].theta[0] - thetas[i * 5]) * pixel_nm;
      const double ey = (res[i].theta[1] - thetas[i * 5 + 1]) * pixel_nm;
      const double ez = (res[i].theta[4] - thetas[i * 5 + 4]) * pixel_nm;
      sx += ex;
      sy += ey;
      sz += ez;
      sxx += ex * ex;
      syy += ey * ey;
      szz += ez * ez;
      ++b.n;
    }
    const double n = b.n > 0 ? b.n : 1;
    b.bias_x = sx / n;
    b.bias_z = sz / n;
    b.std_x = std::sqrt(sxx / n - (sx / n) * (sx / n));
    b.std_y = std::sqrt(syy / n - (sy / n) * (sy / n));
    b.std_z = std::sqrt(szz / n - (sz / n) * (sz / n));
    b.crlb_x = std::sqrt(cx / per_bin) * pixel_nm;
    b.crlb_y = std::sqrt(cy / per_bin) * pixel_nm;
    b.crlb_z = std::sqrt(cz / per_bin) * pixel_nm;
    bins.push_back(b);
  }
  return bins;
}

inline void print_bins(const char* name, const std::vector<ZBin>& bins) {
  std::printf("%s: z bin [nm]  n  failed  std/CRLB x y z  CRLB_z [nm]  bias z [nm]\n", name);
  for (const ZBin& b : bins)
    std::printf("  %6.0f..%6.0f %5d %3d   %.3f %.3f %.3f   %6.1f   %+6.2f\n", b.z_lo, b.z_hi, b.n,
                b.failed, b.std_x / b.crlb_x, b.std_y / b.crlb_y, b.std_z / b.crlb_z, b.crlb_z,
                b.bias_z);
}

}  // namespace smlm::localization::test
