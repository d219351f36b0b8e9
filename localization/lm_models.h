// Models for lm_fit (localization/lm_fit.h): each PSF of psf/ with the evaluate_roi interface, its
// start values and the bounds and step limits that suit it: the 2D integrated Gaussian and the 3D
// astigmatic Gaussian and cubic spline. SMLM_HD, for CPU and GPU fitters.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "localization/lm_fit.h"
#include "localization/roi.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {

// psf::IntegratedGaussian (θ = x, y [px], N [e⁻], bg [e⁻/px], σ [px]) with its fitting bounds,
// start values, and stack arrays sized for ROIs up to kMaxSide (GPU stack).
struct LmIntegratedGaussian {
  static constexpr int kNumParams = psf::IntegratedGaussian::kNumParams;
  using Param = psf::IntegratedGaussian::Param;
  // Bounds, the same as MleFitter's: σ ∈ [0.3, 5] px, N ≥ 1e-3 e⁻, bg ≥ 1e-6 e⁻/px, and the
  // position within 1 px of the ROI's outer pixel centres (LmSettings::roi_margin).
  static constexpr double kMinSigma = 0.3, kMaxSigma = 5.0;
  static constexpr double kMinPhotons = 1e-3, kMinBackground = 1e-6;
  static constexpr int kMaxSide = 16;  // largest ROI side (kLmMaxPixels = 16²)

  double initial_sigma = 1.3;  // σ of initial_theta's start values [px]

  // The settings lm_fit needs for this model: its bounds, steps of at most 1 px in x and y and
  // 0.5 px in σ, and σ fixed when fixed_sigma.
  static LmSettings settings(bool fixed_sigma, int max_iterations = 50) {
    LmSettings s;
    s.max_iterations = max_iterations;
    s.x_param = Param::kX;
    s.y_param = Param::kY;
    s.max_step[Param::kX] = s.max_step[Param::kY] = 1.0;
    s.lower[Param::kN] = kMinPhotons;
    s.lower[Param::kBg] = kMinBackground;
    s.lower[Param::kSigma] = kMinSigma;
    s.upper[Param::kSigma] = kMaxSigma;
    s.max_step[Param::kSigma] = 0.5;
    if (fixed_sigma) s.fixed = 1u << Param::kSigma;
    return s;
  }

  // Start values from the data (localization/roi.h initial_theta with σ = initial_sigma).
  SMLM_HD void initial_theta(const float* roi, int w, int h, double* theta) const {
    localization::initial_theta(roi, w, h, initial_sigma, theta);
  }

  // mu[k] and jac[k·5 + p] for the w × h ROI (w, h ≤ kMaxSide), k = y·w + x; jac may be null.
  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    psf::IntegratedGaussian::evaluate_roi<kMaxSide>(theta, w, h, mu, jac);
  }
  // f(k, μ_k, ∂μ_k/∂θ) per pixel (psf::IntegratedGaussian::for_each_pixel), what lm_fit uses.
  template <class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    psf::IntegratedGaussian::for_each_pixel<kMaxSide>(theta, w, h, f);
  }
};

// N and bg of a 3D model at θ's x, y, z: linear least squares of the data on N·PSF + bg
// (N ≥ 1, bg ≥ mn/2 when not positive, mn the ROI's minimum clipped at 0), written to θ; returns
// the Poisson negative log-likelihood of that model (up to the data's constant). f: scratch of
// w·h values. w·h ≤ kLmMaxPixels.
template <class Model>
SMLM_HD double photons_background_at(const Model& model, const float* roi, int w, int h, double mn,
                                     double* theta, double* f) {
  const int npix = w * h;
  theta[Model::kN] = 1.0;
  theta[Model::kBg] = 0.0;
  model.evaluate_roi(theta, w, h, f, nullptr);
  double sf = 0, sff = 0, sk = 0, sfk = 0, sw = 0;
  for (int k = 0; k < npix; ++k) {
    const double d = roi[k] > 0 ? roi[k] : 0.0;
    sf += f[k];
    sff += f[k] * f[k];
    sk += d;
    sfk += f[k] * d;
    sw += d - mn;
  }
  const double det = npix * sff - sf * sf;
  double n = det > 0 ? (npix * sfk - sf * sk) / det : sw;
  n = n > 1.0 ? n : 1.0;
  double bg = (sk - n * sf) / npix;
  bg = bg > 0.5 * mn ? bg : (0.5 * mn > 1e-3 ? 0.5 * mn : 1e-3);
  double nll = 0;
  for (int k = 0; k < npix; ++k) {
    const double mu = n * f[k] + bg, d = roi[k] > 0 ? roi[k] : 0.0;
    nll += mu - (d > 0 ? d * std::log(mu) : 0.0);
  }
  theta[Model::kN] = n;
  theta[Model::kBg] = bg;
  return nll;
}

// Start values of a 3D fit (θ = x, y [px], N [e⁻], bg [e⁻/px], z [px], the order of
// psf::AstigmaticGaussian and psf::CubicSplinePsf): x, y the intensity centroid of the ROI above
// its minimum; then, for each of n_scan z values evenly spaced over [z_lo, z_hi], N and bg by
// photons_background_at and the Poisson likelihood of that model; the z (and its N, bg) with the
// best likelihood wins. A coarse global search, so that LM starts in the right basin of a
// likelihood that is not unimodal in z (astigmatic ellipticity turns back beyond the foci;
// engineered PSFs repeat shapes). w·h ≤ kLmMaxPixels.
template <class Model>
SMLM_HD void scan_z_start(const Model& model, const float* roi, int w, int h, double z_lo,
                          double z_hi, int n_scan, double* theta) {
  const int npix = w * h;
  double mn = 1e300, sw = 0, sx = 0, sy = 0;
  for (int k = 0; k < npix; ++k) mn = roi[k] < mn ? roi[k] : mn;
  mn = mn > 0 ? mn : 0.0;
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      const double v = (roi[j * w + i] > 0 ? roi[j * w + i] : 0.0) - mn;
      sw += v;
      sx += v * i;
      sy += v * j;
    }
  theta[Model::kX] = sw > 0 ? sx / sw : 0.5 * (w - 1);
  theta[Model::kY] = sw > 0 ? sy / sw : 0.5 * (h - 1);
  double best = 1e300;
  double best_theta[3] = {0.5 * (z_lo + z_hi), sw > 1 ? sw : 1.0, mn > 1e-3 ? mn : 1e-3};
  double f[kLmMaxPixels];
  n_scan = n_scan < 2 ? 2 : n_scan;
  for (int s = 0; s < n_scan; ++s) {
    const double z = z_lo + (z_hi - z_lo) * s / (n_scan - 1);
    theta[Model::kZ] = z;
    const double nll = photons_background_at(model, roi, w, h, mn, theta, f);
    if (nll < best) {
      best = nll;
      best_theta[0] = z;
      best_theta[1] = theta[Model::kN];
      best_theta[2] = theta[Model::kBg];
    }
  }
  theta[Model::kZ] = best_theta[0];
  theta[Model::kN] = best_theta[1];
  theta[Model::kBg] = best_theta[2];
}

// Settings shared by the 3D adapters: N ≥ 1e-3 e⁻, bg ≥ 1e-6 e⁻/px, x and y steps of at most 1 px
// (and within LmSettings::roi_margin of the ROI), z inside [z_lo, z_hi] [px] with steps of at most
// z_step [px].
inline LmSettings settings_3d(double z_lo, double z_hi, double z_step, int max_iterations) {
  LmSettings s;
  s.max_iterations = max_iterations;
  s.x_param = psf::AstigmaticGaussian::kX;
  s.y_param = psf::AstigmaticGaussian::kY;
  s.max_step[psf::AstigmaticGaussian::kX] = s.max_step[psf::AstigmaticGaussian::kY] = 1.0;
  s.lower[psf::AstigmaticGaussian::kN] = LmIntegratedGaussian::kMinPhotons;
  s.lower[psf::AstigmaticGaussian::kBg] = LmIntegratedGaussian::kMinBackground;
  s.lower[psf::AstigmaticGaussian::kZ] = z_lo;
  s.upper[psf::AstigmaticGaussian::kZ] = z_hi;
  s.max_step[psf::AstigmaticGaussian::kZ] = z_step;
  return s;
}

// psf::AstigmaticGaussian (θ = x, y [px], N [e⁻], bg [e⁻/px], z [px]; z = 0 where σx = σy,
// positive z = increasing bead-stack slice) for lm_fit: z bounded by the calibrated range.
struct LmAstigmaticGaussian {
  static constexpr int kNumParams = psf::AstigmaticGaussian::kNumParams;
  using Param = psf::AstigmaticGaussian::Param;
  static constexpr int kX = Param::kX, kY = Param::kY, kN = Param::kN, kBg = Param::kBg,
                       kZ = Param::kZ;
  static constexpr int kMaxSide = 16;  // largest ROI side (kLmMaxPixels = 16²)

  psf::AstigmaticGaussian psf;
  int z_scan = 0;  // z values of the start scan; 0: one per ~100 nm of the range (5..41)

  LmAstigmaticGaussian() = default;
  explicit LmAstigmaticGaussian(const psf::AstigmaticGaussian& m) : psf(m) {}

  // Bounds: z ∈ [z_min_px, z_max_px] (the calibrated range), steps ≤ 100 nm in z; see settings_3d.
  static LmSettings settings(const psf::AstigmaticGaussian& m, int max_iterations = 50) {
    return settings_3d(m.z_min_px(), m.z_max_px(), 100.0 / m.pixel_size_nm, max_iterations);
  }
  SMLM_HD int scan_points() const {
    if (z_scan > 0) return z_scan;
    const int n = static_cast<int>((psf.cal.z_max_nm - psf.cal.z_min_nm) / 100.0) + 1;
    return n < 5 ? 5 : (n > 41 ? 41 : n);
  }
  // Start values: x, y centroid; z, N, bg by scan_z_start over the calibrated range. The
  // ellipticity alone would not do: σx/σy turns back beyond the two foci, so the scan compares
  // the whole shape (both widths) at each z.
  SMLM_HD void initial_theta(const float* roi, int w, int h, double* theta) const {
    scan_z_start(*this, roi, w, h, psf.z_min_px(), psf.z_max_px(), scan_points(), theta);
  }
  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    psf.evaluate_roi(theta, w, h, mu, jac);
  }
  template <class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    psf.for_each_pixel<kMaxSide>(theta, w, h, f);
  }
};

// psf::CubicSplinePsf (θ as above) for lm_fit: z bounded by the spline's stack. The coefficients
// must live in the memory of the device that runs the fit.
struct LmCubicSpline {
  static constexpr int kNumParams = psf::CubicSplinePsf::kNumParams;
  using Param = psf::CubicSplinePsf::Param;
  static constexpr int kX = Param::kX, kY = Param::kY, kN = Param::kN, kBg = Param::kBg,
                       kZ = Param::kZ;
  static constexpr int kMaxSide = 16;

  psf::CubicSplinePsf psf;
  int z_scan = 0;  // z values of the start scan; 0: one per ~100 nm of the stack (5..41)

  LmCubicSpline() = default;
  explicit LmCubicSpline(const psf::CubicSplinePsf& m) : psf(m) {}

  // Bounds: z within the stack, half a slice inside its ends (where the clamped spline has no
  // z-derivative), steps ≤ 100 nm in z; see settings_3d.
  static LmSettings settings(const psf::CubicSplinePsf& m, int max_iterations = 50) {
    const double half_slice = 0.5 / m.slices_per_px();
    return settings_3d(m.z_min_px() + half_slice, m.z_max_px() - half_slice,
                       100.0 / m.pixel_size_nm, max_iterations);
  }
  SMLM_HD int scan_points() const {
    if (z_scan > 0) return z_scan;
    const int n = static_cast<int>(psf.nz * psf.dz_nm / 100.0) + 1;
    return n < 5 ? 5 : (n > 41 ? 41 : n);
  }
  // Start values: x, y centroid; z, N, bg by scan_z_start over the stack (half a slice inside).
  SMLM_HD void initial_theta(const float* roi, int w, int h, double* theta) const {
    const double half_slice = 0.5 / psf.slices_per_px();
    scan_z_start(*this, roi, w, h, psf.z_min_px() + half_slice, psf.z_max_px() - half_slice,
                 scan_points(), theta);
  }
  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    psf.evaluate_roi(theta, w, h, mu, jac);
  }
  template <class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    psf.for_each_pixel(theta, w, h, f);
  }
};

// lm_fit takes each of them pixel by pixel, storing nothing per pixel.
static_assert(lm_detail::PerPixelModel<LmIntegratedGaussian>);
static_assert(lm_detail::PerPixelModel<LmAstigmaticGaussian>);
static_assert(lm_detail::PerPixelModel<LmCubicSpline>);

}  // namespace smlm::localization
